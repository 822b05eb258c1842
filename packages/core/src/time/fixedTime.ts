import { defineResource } from "../resource";
import type { Tick } from "../tick";

/** Frame time: advanced once per `app.update()`. Durations are in seconds. */
export interface Time {
  /** Seconds since the previous frame (after clamping by `maxFrameDelta`). */
  delta: number;
  /** Seconds since the first frame. */
  elapsed: number;
  /** Frames run so far. */
  frame: number;
  /** Clock reading at the start of this frame, in seconds. */
  now: number;
}

/** The frame-time resource. */
export const Time = defineResource<Time>("Time");

/**
 * The record behind {@link Time}. `now` is a tagged field on purpose (declared without an
 * initialiser, so it starts `undefined`): it holds the clock's own number object, and the systems
 * that hand `Time.now` to a call (the net layers' `update(now)`) pass that object on for free — a
 * double field is boxed again for every such call. `delta` and `elapsed` start as doubles (0.5,
 * then 0) so they never change representation after construction.
 */
class FrameTime implements Time {
  delta = 0.5;
  elapsed = 0.5;
  frame = 0;
  now: number;

  constructor() {
    this.delta = 0;
    this.elapsed = 0;
    this.now = 0;
  }
}

/** A fresh frame-time record for {@link Time} (all zero). */
export function createTime(): Time {
  return new FrameTime();
}

/** Fixed-step time: the tick counter and the accumulator that paces it. */
export interface FixedTime {
  /** Fixed step length in seconds (1 / hz). */
  readonly dt: number;
  /** Fixed steps per second. */
  readonly hz: number;
  /** Most fixed steps run in one frame; the rest of a long frame is dropped (no spiral of death). */
  readonly maxSubSteps: number;
  /** The tick being simulated inside FixedUpdate; outside it, the next tick to simulate. */
  tick: Tick;
  /** Time carried over to the next frame, in seconds (always < dt after a frame). */
  accumulator: number;
  /** How far the frame is between the last fixed step and the next one (0..1), for interpolation. */
  alpha: number;
  /** Fixed steps run in the current frame. */
  stepsThisFrame: number;
  /** Fixed steps skipped so far because of the sub-step cap. */
  droppedSteps: number;
  /** True while ticks are being re-run on demand (rollback resimulation). */
  resimulating: boolean;
}

/** The fixed-time resource. */
export const FixedTime = defineResource<FixedTime>("FixedTime");

/** Tolerance that keeps float accumulation from missing a step that is due (1 ns). */
const EPSILON = 1e-9;

/** The plan for one frame of fixed stepping, computed by {@link planFixedSteps}. */
export interface FixedStepPlan {
  /** Fixed steps to run this frame (≤ maxSubSteps). */
  steps: number;
  /** Steps that were due but dropped because of the cap. */
  dropped: number;
  /** Accumulator left after the steps, in seconds (< dt). */
  accumulator: number;
  /** accumulator / dt, in [0, 1). */
  alpha: number;
}

/**
 * The fixed-step maths: given the carried accumulator and this frame's delta, how many steps
 * run, how many are dropped by the cap, and what is left over for interpolation. Pass `out` to
 * reuse a plan object (the app does, so a frame allocates nothing).
 */
export function planFixedSteps(
  accumulator: number,
  frameDelta: number,
  dt: number,
  maxSubSteps: number,
  out: FixedStepPlan = { steps: 0, dropped: 0, accumulator: 0, alpha: 0 },
): FixedStepPlan {
  let acc = accumulator + frameDelta;
  const due = Math.floor((acc + EPSILON) / dt);
  const steps = Math.min(due, maxSubSteps);
  acc -= due * dt;
  if (acc < 0) acc = 0;
  out.steps = steps;
  out.dropped = due - steps;
  out.accumulator = acc;
  out.alpha = Math.min(acc / dt, 1 - Number.EPSILON);
  return out;
}
