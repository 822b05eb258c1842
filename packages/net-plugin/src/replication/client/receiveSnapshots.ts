/**
 * Client `receiveSnapshots` (PreUpdate, Receive): decodes every snapshot of the frame against
 * the baseline it names (never throws: malformed, truncated, stale and baseline-less snapshots
 * are dropped and counted in `decoder.counters`), and records the newest one's entities in the
 * per-entity history. Nothing is acked here: the packet acks do that. A snapshot that fails to
 * decode (missing baseline, malformed) sends one resync request per frame naming its sequence,
 * so the server stops encoding against baselines this client may not hold.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { DecodeStatus } from "../codec/decodeStatus";
import { writeResyncMessage } from "../server/resyncMessage";
import { ClientReplication, type ClientReplicationState } from "./clientReplication";

/** Decodes this frame's snapshots into the baseline ring. */
export function receiveSnapshots(world: AppWorld): void {
  const s = getResource(world, ClientReplication);
  let failed = -1;
  for (const e of s.inbox) {
    if (e.type !== "message" || e.channel !== s.snapshotChannel) continue;
    s.counters.snapshotsReceived++;
    const status = s.decoder.decode(e.data, s.ring);
    if (
      status === DecodeStatus.MissingBaseline ||
      status === DecodeStatus.Invalid ||
      status === DecodeStatus.Truncated
    ) {
      const sequence = sequenceOf(s, e.data);
      if (sequence >= 0) failed = sequence;
      continue;
    }
    if (status !== DecodeStatus.Ok) continue;
    const state = s.decoder.lastDecoded;
    if (state === undefined) continue;
    s.pendingApply = state.sequence;
    s.history.recordAll(state);
  }
  if (failed >= 0 && s.client.state === "connected") {
    s.client.send(s.snapshotChannel, writeResyncMessage(failed, s.resyncBytes));
    s.counters.resyncsSent++;
  }
}

/** The sequence in a snapshot's header (its first 16 bits), or −1 when too short. */
function sequenceOf(s: ClientReplicationState, bytes: Uint8Array): number {
  const r = s.headerReader;
  if (bytes.length < 2) return -1;
  r.reset(bytes.subarray(0, 4));
  const sequence = r.readBits(16);
  return r.overflowed ? -1 : sequence;
}
