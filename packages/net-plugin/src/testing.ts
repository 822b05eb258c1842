/** @canopy/net-plugin/testing entry point; filled in by the Net layer. */
export {};
export { LinkPresets, type LinkPresetName } from "./transport/linkPresets";
export {
  startTestPostgres,
  type TestPostgres,
  type TestPostgresOptions,
} from "./services/node/store/postgres/testPostgres";
export {
  createStepper,
  Stepper,
  type DropDirection,
  type StepperOptions,
  type StepperSetup,
} from "./plugins/testing/node/stepper";
export { DropGate } from "./plugins/testing/dropGate";
