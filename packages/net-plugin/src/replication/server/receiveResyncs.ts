/**
 * Server `receiveResyncs` (PreUpdate, Receive, after handleConnections): a resync message on the
 * snapshot channel means that client failed to decode a snapshot, so it may lack a baseline this
 * server believes acked. The client's baseline ring is forgotten (acks of snapshots already in
 * flight then find no state and are ignored) and the next snapshot carries full state. Resyncs
 * for snapshots sent before the last reset are stale and ignored, so one failure burst costs one
 * full-state snapshot. Messages longer than a resync request are upstream snapshots (client
 * authority), left to receiveOwnedState.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { FrameEventKind } from "./frameEvents";
import { isStaleResync, readResyncMessage, RESYNC_MESSAGE_BYTES } from "./resyncMessage";
import { ServerReplication } from "./serverReplication";

/** Applies this frame's resync requests. */
export function receiveResyncs(world: AppWorld): void {
  const s = getResource(world, ServerReplication);
  const frame = s.frame;
  for (let i = 0; i < frame.count; i++) {
    if (frame.kindOf(i) !== FrameEventKind.message || frame.lengthOf(i) > RESYNC_MESSAGE_BYTES) continue;
    const view = s.clients[frame.peerOf(i)];
    if (view === undefined) continue;
    const sequence = readResyncMessage(frame.bytes, frame.offsetOf(i), frame.lengthOf(i));
    if (sequence < 0) {
      s.counters.resyncsInvalid++;
      continue;
    }
    if (isStaleResync(sequence, view.resyncFloor)) continue;
    view.ring.reset();
    view.resyncFloor = view.nextSequence;
    s.counters.resyncs++;
  }
}
