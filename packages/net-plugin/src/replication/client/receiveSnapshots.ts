/**
 * Client `receiveSnapshots` (PreUpdate, Receive): decodes every snapshot of the frame against
 * the baseline it names (never throws: malformed, truncated, stale and baseline-less snapshots
 * are dropped and counted in `decoder.counters`), and records the newest one's entities in the
 * per-entity history (not those it gives this client authority over: `SnapshotHistory.recordAll`). Nothing is acked here: the packet acks do that. A snapshot that fails to
 * decode (missing baseline, malformed) sends one resync request per frame naming its sequence,
 * so the server stops encoding against baselines this client may not hold.
 *
 * A 2-byte message on the channel is the server's resync request for this client's upstream
 * state (client authority: it could not decode one; a snapshot is never that short): the upstream
 * baselines are forgotten, so the next upstream snapshot is full state. Requests naming a sequence
 * sent before the last reset are stale and ignored.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { DecodeStatus } from "../codec/decodeStatus";
import {
  isStaleResync,
  readResyncMessage,
  RESYNC_MESSAGE_BYTES,
  writeResyncMessage,
} from "../server/resyncMessage";
import { FrameEventKind } from "../server/frameEvents";
import { ClientReplication, type ClientReplicationState } from "./clientReplication";

/** Decodes this frame's snapshots into the baseline ring. */
export function receiveSnapshots(world: AppWorld): void {
  const s = getResource(world, ClientReplication);
  let failed = -1;
  const frame = s.frame;
  for (let i = 0; i < frame.count; i++) {
    if (frame.kindOf(i) !== FrameEventKind.message) continue;
    const offset = frame.offsetOf(i);
    const length = frame.lengthOf(i);
    if (length === RESYNC_MESSAGE_BYTES) {
      upstreamResync(s, readResyncMessage(frame.bytes, offset, length));
      continue;
    }
    s.counters.snapshotsReceived++;
    // The range form: the decoder copies the bytes itself, no view or staging copy per snapshot.
    const status = s.decoder.decode(frame.bytes, s.ring, offset, length);
    if (
      status === DecodeStatus.MissingBaseline ||
      status === DecodeStatus.Invalid ||
      status === DecodeStatus.Truncated
    ) {
      const sequence = sequenceOf(frame.bytes, offset, length);
      if (sequence >= 0) failed = sequence;
      continue;
    }
    if (status !== DecodeStatus.Ok) continue;
    const state = s.decoder.lastDecoded;
    if (state === undefined) continue;
    s.pendingApply = state.sequence;
    // Not the entities this client is the authority for (their history is its own state).
    s.history.recordAll(state, s.client.clientIndex);
  }
  if (failed >= 0 && s.client.state === "connected") {
    s.client.send(s.snapshotChannel, writeResyncMessage(failed, s.resyncBytes));
    s.counters.resyncsSent++;
  }
}

/** The server could not decode upstream snapshot `sequence`: forget the upstream baselines once per failure burst. */
function upstreamResync(s: ClientReplicationState, sequence: number): void {
  const up = s.upstream;
  if (up === undefined) return;
  if (isStaleResync(sequence, up.resyncFloor)) return;
  up.forgetBaselines();
  s.counters.upstreamResyncs++;
}

/** The sequence in a snapshot's header (its first 16 bits, LSB-first), or −1 when too short. */
function sequenceOf(bytes: Uint8Array, offset: number, length: number): number {
  if (length < 2) return -1;
  return (bytes[offset] as number) | ((bytes[offset + 1] as number) << 8);
}
