import { type Resources, type ResourceKey } from "./resource";
import { PluginError, type Plugin } from "./plugin";
import { Schedule, type SystemErrorHandler } from "./schedule/schedule";
import type { SystemError } from "./schedule/errors";
import {
  ALL_STAGES,
  FIXED_STAGES,
  FRAME_STAGES_AFTER_FIXED,
  FRAME_STAGES_BEFORE_FIXED,
  Stage,
} from "./schedule/stages";
import type { SetChain, SetConfig, System, SystemConfig, SystemSet } from "./schedule/systemSet";
import { RealClock, type Clock } from "./time/clock";
import { createTime, FixedTime, planFixedSteps, Time, type FixedStepPlan } from "./time/fixedTime";
import { asTick, type Tick } from "./tick";
import { createAppWorld, type AppWorld } from "./world";

/** Options for {@link createApp}. */
export interface AppOptions {
  /** Time source; defaults to the real monotonic clock. Use `ManualClock` in tests and replays. */
  clock?: Clock;
  /** Fixed steps per second (default 60; 1..1000). */
  fixedHz?: number;
  /** Most fixed steps per frame before excess time is dropped (default 8; ≥ 1). */
  maxSubSteps?: number;
  /** Longest frame delta accepted, in seconds; longer frames (a paused tab) are clamped (default 0.25). */
  maxFrameDelta?: number;
  /**
   * What happens when a system throws. `"throw"` (default) rethrows the {@link SystemError} out of
   * `update()` after the schedule is reset; a function receives the error and the frame continues.
   */
  onSystemError?: "throw" | SystemErrorHandler;
}

/**
 * The app: one bitECS world, its resources, the plugins, and the staged schedule that a runner
 * drives frame by frame. Created with {@link createApp}.
 */
export class App {
  readonly world: AppWorld;
  readonly resources: Resources;
  readonly clock: Clock;
  private readonly schedules = new Map<Stage, Schedule>();
  private readonly plugins = new Map<string, Plugin>();
  private readonly onError: SystemErrorHandler;
  private readonly maxFrameDelta: number;
  private finished = false;
  private started = false;
  private updating = false;
  /** Clock reading of the last frame (valid once `hasLastNow`); a number from the start, never `undefined`. */
  private lastNow = 0.5;
  private hasLastNow = false;
  /** Reused each frame by `planFixedSteps`. */
  private readonly plan: FixedStepPlan = { steps: 0, dropped: 0, accumulator: 0, alpha: 0 };

  constructor(options: AppOptions = {}) {
    const hz = options.fixedHz ?? 60;
    const maxSubSteps = options.maxSubSteps ?? 8;
    if (!(hz >= 1 && hz <= 1000)) throw new RangeError(`fixedHz must be within 1..1000, got ${hz}.`);
    if (!(Number.isInteger(maxSubSteps) && maxSubSteps >= 1)) {
      throw new RangeError(`maxSubSteps must be an integer ≥ 1, got ${maxSubSteps}.`);
    }
    this.maxFrameDelta = options.maxFrameDelta ?? 0.25;
    this.clock = options.clock ?? new RealClock();
    const handler = options.onSystemError ?? "throw";
    this.onError =
      handler === "throw"
        ? (error: SystemError): void => {
            throw error;
          }
        : handler;
    this.world = createAppWorld();
    this.resources = this.world.resources;
    for (const stage of ALL_STAGES) this.schedules.set(stage, new Schedule(stage));
    this.resources.insert(Time, createTime());
    this.resources.insert(FixedTime, {
      hz,
      dt: 1 / hz,
      maxSubSteps,
      tick: asTick(0),
      accumulator: 0,
      alpha: 0,
      stepsThisFrame: 0,
      droppedSteps: 0,
      resimulating: false,
    });
  }

  // --- plugins ---------------------------------------------------------------------------

  /** Adds and builds plugins. Throws {@link PluginError} on a duplicate name or after start. */
  addPlugins(...plugins: Plugin[]): this {
    for (const plugin of plugins) {
      if (this.finished) {
        throw new PluginError(`Plugin "${plugin.name}" was added after the app started; add plugins first.`);
      }
      if (this.plugins.has(plugin.name)) {
        throw new PluginError(`Plugin "${plugin.name}" was added twice; each plugin may be added once.`);
      }
      this.plugins.set(plugin.name, plugin);
      plugin.build(this);
    }
    return this;
  }

  /** True when a plugin with this name was added. */
  hasPlugin(name: string): boolean {
    return this.plugins.has(name);
  }

  /**
   * Checks plugin dependencies and calls every plugin's `finish`. Runs automatically before the
   * first update; call it yourself to surface configuration errors early. Idempotent.
   */
  finish(): this {
    if (this.finished) return this;
    for (const plugin of this.plugins.values()) {
      for (const dependency of plugin.dependencies ?? []) {
        if (!this.plugins.has(dependency)) {
          throw new PluginError(
            `Plugin "${plugin.name}" needs plugin "${dependency}", which was not added. ` +
              `Add it with app.addPlugins(...) before the first update.`,
          );
        }
      }
    }
    this.finished = true;
    for (const plugin of this.plugins.values()) plugin.finish?.(this);
    return this;
  }

  /** Calls every plugin's `cleanup` in reverse order of addition. */
  dispose(): void {
    for (const plugin of [...this.plugins.values()].reverse()) plugin.cleanup?.(this);
  }

  // --- resources -------------------------------------------------------------------------

  insertResource<T>(key: ResourceKey<T>, value: T): T {
    return this.resources.insert(key, value);
  }

  /** Inserts the key's default value unless present. */
  initResource<T>(key: ResourceKey<T>): T {
    return this.resources.init(key);
  }

  /** Reads a resource; throws a readable error when it is missing. */
  getResource<T>(key: ResourceKey<T>): T {
    return this.resources.get(key);
  }

  tryGetResource<T>(key: ResourceKey<T>): T | undefined {
    return this.resources.tryGet(key);
  }

  hasResource<T>(key: ResourceKey<T>): boolean {
    return this.resources.has(key);
  }

  removeResource<T>(key: ResourceKey<T>): T | undefined {
    return this.resources.remove(key);
  }

  // --- schedule --------------------------------------------------------------------------

  /** Adds systems to a stage. */
  addSystems(stage: Stage, ...systems: (System | SystemConfig)[]): this {
    this.schedule(stage).add(...systems);
    return this;
  }

  /** Configures sets in a stage: `configureSets(stage, chain(A, B))` or `{ set, before, runIf }`. */
  configureSets(stage: Stage, ...configs: (SetConfig | SetChain | SystemSet)[]): this {
    const schedule = this.schedule(stage);
    for (const config of configs) schedule.configure(config);
    return this;
  }

  /** The schedule of one stage (for inspection: `app.schedule(Stage.Update).order()`). */
  schedule(stage: Stage): Schedule {
    const schedule = this.schedules.get(stage);
    if (!schedule) throw new RangeError(`Unknown stage "${String(stage)}"; use a member of Stage.`);
    return schedule;
  }

  // --- running ---------------------------------------------------------------------------

  /**
   * Runs one frame: Startup (first frame only), First, PreUpdate, as many fixed ticks as the
   * accumulated time allows (capped), then Update, PostUpdate and Last.
   */
  update(): void {
    if (this.updating)
      throw new Error("app.update() was called from inside a system; systems must not re-enter the app.");
    this.finish();
    this.updating = true;
    try {
      const now = this.clock.now();
      const time = this.resources.get(Time);
      const delta = this.hasLastNow ? Math.min(Math.max(now - this.lastNow, 0), this.maxFrameDelta) : 0;
      this.lastNow = now;
      this.hasLastNow = true;
      time.delta = delta;
      time.elapsed += delta;
      time.now = now;
      time.frame += 1;
      if (!this.started) {
        this.started = true;
        this.runStage(Stage.Startup);
      }
      // Indexed loops: an array iterator is an allocation until the optimizing tier removes it.
      for (let i = 0; i < FRAME_STAGES_BEFORE_FIXED.length; i++)
        this.runStage(FRAME_STAGES_BEFORE_FIXED[i] as Stage);

      const fixed = this.resources.get(FixedTime);
      const plan = planFixedSteps(fixed.accumulator, delta, fixed.dt, fixed.maxSubSteps, this.plan);
      fixed.accumulator = plan.accumulator;
      fixed.droppedSteps += plan.dropped;
      fixed.stepsThisFrame = 0;
      for (let i = 0; i < plan.steps; i++) {
        this.stepFixed(fixed);
        fixed.stepsThisFrame++;
      }
      fixed.alpha = plan.alpha;

      for (let i = 0; i < FRAME_STAGES_AFTER_FIXED.length; i++)
        this.runStage(FRAME_STAGES_AFTER_FIXED[i] as Stage);
    } finally {
      this.updating = false;
    }
  }

  /**
   * Runs `count` extra fixed ticks now, outside the frame pacing. Rollback uses it to resimulate:
   * set `FixedTime.tick` back to the first tick to redo, then call this; `FixedTime.resimulating`
   * is true while it runs.
   */
  runFixedTicks(count: number): void {
    const fixed = this.resources.get(FixedTime);
    const wasResimulating = fixed.resimulating;
    fixed.resimulating = true;
    try {
      for (let i = 0; i < count; i++) this.stepFixed(fixed);
    } finally {
      fixed.resimulating = wasResimulating;
    }
  }

  /** The current fixed tick (the next one to simulate, outside FixedUpdate). */
  get tick(): Tick {
    return this.resources.get(FixedTime).tick;
  }

  private stepFixed(fixed: FixedTime): void {
    for (let i = 0; i < FIXED_STAGES.length; i++) this.runStage(FIXED_STAGES[i] as Stage);
    fixed.tick = (fixed.tick + 1) as Tick;
  }

  private runStage(stage: Stage): void {
    this.schedule(stage).run(this.world, this.onError);
  }
}

/** Creates an app with its world, resources (`Time`, `FixedTime`) and empty stages. */
export function createApp(options: AppOptions = {}): App {
  return new App(options);
}
