/**
 * The floor of a snapshot's budget: `sendSnapshots` sends a client a snapshot only once its
 * budget holds `ReplicationDefaults.minSnapshotBytes` (the header, 6–12 bytes, and the columns of
 * at least one update; with less a busy world sent headers only and new entities never arrived).
 * A rate below that floor per tick (`minSnapshotBytes × tick rate`, 1200 B/s at 60 Hz) still
 * holds its budget, by sending a snapshot every few ticks instead of every tick; this tells the
 * developer so once, where the rate is configured (never per tick).
 */
import { ReplicationDefaults } from "./serverReplication";

/**
 * A readable note when `bytesPerSecond` at `hz` snapshots per second gives a snapshot less than
 * `minSnapshotBytes` per tick (`what` names the setting), else undefined.
 */
export function lowBudgetMessage(what: string, bytesPerSecond: number, hz: number): string | undefined {
  const floor = ReplicationDefaults.minSnapshotBytes * hz;
  if (!(bytesPerSecond < floor)) return undefined;
  const every = Math.ceil(floor / bytesPerSecond);
  return (
    `${what}: ${bytesPerSecond} B/s is below a snapshot every tick (${ReplicationDefaults.minSnapshotBytes} B each at ` +
    `${hz} Hz: ${floor} B/s), so this client gets a snapshot about every ${every} ticks; raise it to ${floor} B/s for one per tick.`
  );
}

/** Reports {@link lowBudgetMessage} with `console.warn` (configuration time only). */
export function warnLowBudget(what: string, bytesPerSecond: number, hz: number): void {
  const message = lowBudgetMessage(what, bytesPerSecond, hz);
  if (message !== undefined) console.warn(message);
}
