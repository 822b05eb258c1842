/**
 * Client `receiveSnapshots` (PreUpdate, Receive): decodes every snapshot of the frame against
 * the baseline it names (never throws: malformed, truncated, stale and baseline-less snapshots
 * are dropped and counted in `decoder.counters`), records decoded ones for the ack, and the
 * newest one's entities in the per-entity history.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { DecodeStatus } from "../codec/decodeStatus";
import { ClientReplication } from "./clientReplication";

/** Decodes this frame's snapshots into the baseline ring. */
export function receiveSnapshots(world: AppWorld): void {
  const s = getResource(world, ClientReplication);
  for (const e of s.inbox) {
    if (e.type !== "message" || e.channel !== s.snapshotChannel) continue;
    s.counters.snapshotsReceived++;
    const status = s.decoder.decode(e.data, s.ring);
    if (status !== DecodeStatus.Ok && status !== DecodeStatus.Stale) continue;
    const state = s.decoder.lastDecoded;
    if (state === undefined) continue;
    s.acks.record(state.sequence);
    s.ackDue = true;
    if (status === DecodeStatus.Ok) {
      s.pendingApply = state.sequence;
      s.history.recordAll(state);
    }
  }
}
