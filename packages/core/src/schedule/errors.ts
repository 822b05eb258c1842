import type { Stage } from "./stages";

/** A system threw. Carries the stage and system name so the report says where it happened. */
export class SystemError extends Error {
  constructor(
    readonly stage: Stage,
    readonly system: string,
    override readonly cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`System "${system}" in stage ${stage} threw: ${detail}`, { cause });
    this.name = "SystemError";
  }
}

/** The schedule cannot be built: an ordering cycle, or a misconfigured set. */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScheduleError";
  }
}
