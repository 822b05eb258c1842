/**
 * Replay protection for one direction of an encrypted connection (netcode.io's replay buffer): the
 * last `window` sequences are remembered; a sequence seen before is a replay, one older than the
 * window is stale. Check before decrypting (cheap), mark only after the packet authenticated.
 */
import { ConnectionDefaults } from "./constants";

/** Outcome of {@link ReplayProtection.check}. */
export const ReplayCheck = { fresh: 0, stale: 1, replayed: 2 } as const;
/** A {@link ReplayCheck} value. */
export type ReplayCheckValue = (typeof ReplayCheck)[keyof typeof ReplayCheck];

/** Remembers recently received sequences of one direction. */
export class ReplayProtection {
  private readonly received: Float64Array;
  private mostRecent = -1;

  constructor(readonly window: number = ConnectionDefaults.replayWindow) {
    if (!Number.isInteger(window) || window < 1) {
      throw new RangeError(`ReplayProtection window must be a positive integer, got ${window}.`);
    }
    this.received = new Float64Array(window).fill(-1);
  }

  /** Whether `sequence` is fresh, stale (older than the window) or a replay. */
  check(sequence: number): ReplayCheckValue {
    if (sequence + this.window <= this.mostRecent) return ReplayCheck.stale;
    return this.received[sequence % this.window] === sequence ? ReplayCheck.replayed : ReplayCheck.fresh;
  }

  /** Records an authenticated `sequence`. */
  mark(sequence: number): void {
    if (sequence > this.mostRecent) this.mostRecent = sequence;
    this.received[sequence % this.window] = sequence;
  }

  /** Forgets everything (a new connection in the same slot). */
  reset(): void {
    this.mostRecent = -1;
    this.received.fill(-1);
  }
}
