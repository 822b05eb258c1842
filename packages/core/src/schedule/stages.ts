/**
 * The stages of one app update, in the order they run. Each stage holds systems ordered by named
 * system sets (see `SystemSet`); plugins put their systems in the stage that matches their job.
 */
export const Stage = {
  /** Once, before the first frame: spawn initial entities, open sockets, load configuration. */
  Startup: "Startup",
  /** Start of every frame: read clocks, reset per-frame counters. */
  First: "First",
  /** Input from the outside world: receive packets, apply service results, read devices. */
  PreUpdate: "PreUpdate",
  /** Fixed step, first: per-tick bookkeeping before anything simulates (rollback checks). */
  FixedFirst: "FixedFirst",
  /** Fixed step: apply inputs for this tick, restore or predict state before simulation. */
  FixedPreUpdate: "FixedPreUpdate",
  /** Fixed step: the game simulation (movement, physics, rules) at the fixed dt. */
  FixedUpdate: "FixedUpdate",
  /** Fixed step: react to the simulation (collision events, history for prediction and lag compensation). */
  FixedPostUpdate: "FixedPostUpdate",
  /** Fixed step, last: end-of-tick bookkeeping. */
  FixedLast: "FixedLast",
  /** Variable rate, once per frame: interpolation, visual smoothing, UI state. */
  Update: "Update",
  /** After the frame's logic: collect changes and send snapshots, inputs and events. */
  PostUpdate: "PostUpdate",
  /** End of every frame: render, flush logs and diagnostics. */
  Last: "Last",
} as const;

/** A stage label. */
export type Stage = (typeof Stage)[keyof typeof Stage];

/** The fixed-step sub-stages, run in this order once per fixed tick ("the FixedUpdate group"). */
export const FIXED_STAGES: readonly Stage[] = [
  Stage.FixedFirst,
  Stage.FixedPreUpdate,
  Stage.FixedUpdate,
  Stage.FixedPostUpdate,
  Stage.FixedLast,
];

/** Every frame stage that runs before the fixed-step group. */
export const FRAME_STAGES_BEFORE_FIXED: readonly Stage[] = [Stage.First, Stage.PreUpdate];

/** Every frame stage that runs after the fixed-step group. */
export const FRAME_STAGES_AFTER_FIXED: readonly Stage[] = [Stage.Update, Stage.PostUpdate, Stage.Last];

/** All stages in run order (Startup runs once, the fixed group zero or more times a frame). */
export const ALL_STAGES: readonly Stage[] = [
  Stage.Startup,
  ...FRAME_STAGES_BEFORE_FIXED,
  ...FIXED_STAGES,
  ...FRAME_STAGES_AFTER_FIXED,
];
