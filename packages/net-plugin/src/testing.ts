/** @canopy/net-plugin/testing entry point; filled in by the Net layer. */
export {};
export { LinkPresets, type LinkPresetName } from "./transport/linkPresets";
export {
  startTestPostgres,
  type TestPostgres,
  type TestPostgresOptions,
} from "./services/node/store/postgres/testPostgres";
