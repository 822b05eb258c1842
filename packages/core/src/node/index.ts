/** Node-only parts of @canopy/core: the headless runner for servers and tests. */
export {
  runHeadless,
  type HeadlessRunner,
  type HeadlessRunnerOptions,
  type HeadlessRunnerStats,
} from "./headlessRunner";
