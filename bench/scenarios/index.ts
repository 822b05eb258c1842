/**
 * Every benchmark scenario by name, in the order `npm run bench` runs them. Each entry loads only
 * its own module: the runner gives every scenario a fresh process, and a scenario must not pay for
 * what another one loads (see docs/BENCHMARKS.md "Isolation").
 */
export const SCENARIO_MODULES: Readonly<Record<string, () => Promise<unknown>>> = {
  schedule: () => import("./schedule"),
  transport: () => import("./transport"),
  overhead: () => import("./overhead"),
  cubes: () => import("./cubes"),
  reliable: () => import("./reliable"),
  services: () => import("./services"),
  codec: () => import("./codec"),
  rtt: () => import("./rtt"),
  "services-http": () => import("./servicesHttp"),
  scale: () => import("./scale"),
  netheap: () => import("./netheap"),
};
