/**
 * @canopy/core — the small engine that Canopy's network plugin and games plug into: an app that
 * owns a bitECS 0.4 world, typed resources, plugins with a build/finish lifecycle, named stages
 * with ordered system sets and run conditions, a fixed-step loop with interpolation alpha, and
 * injected clocks so every tick can be replayed. Runners live in `@canopy/core/node` and
 * `@canopy/core/browser`.
 */
export { App, createApp, type AppOptions } from "./app";
export { PluginError, type Plugin } from "./plugin";
export { defineResource, MissingResourceError, Resources, type ResourceKey } from "./resource";
export { Schedule, type SystemErrorHandler } from "./schedule/schedule";
export { ScheduleError, SystemError } from "./schedule/errors";
export { ALL_STAGES, FIXED_STAGES, Stage } from "./schedule/stages";
export {
  chain,
  defineSet,
  type Condition,
  type OrderTarget,
  type SetChain,
  type SetConfig,
  type System,
  type SystemConfig,
  type SystemSet,
} from "./schedule/systemSet";
export { and, not, or, resourceExists, resourceMatches } from "./schedule/conditions";
export { ManualClock, RealClock, type Clock } from "./time/clock";
export { FixedTime, planFixedSteps, Time, type FixedStepPlan } from "./time/fixedTime";
export { addTicks, asTick, ticksBetween, type Tick } from "./tick";
export { createRng, type Rng } from "./random";
export {
  createAppWorld,
  getResource,
  resources,
  tryGetResource,
  type AppContext,
  type AppWorld,
} from "./world";
