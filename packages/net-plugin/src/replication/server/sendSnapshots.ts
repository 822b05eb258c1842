/**
 * Server `sendSnapshots` (PostUpdate, Send): for each connected client, encodes one snapshot of
 * this tick against the newest state that client acknowledged (spawns in full, updates as
 * quantized deltas, despawns; never the upstream fields it sends for the entities it is the
 * client authority for), within what is left of its bandwidth budget and one MTU, highest
 * accumulated priority first; queues it on the unreliable snapshot channel. A lost snapshot is never
 * resent: the next one is simply encoded against an older acknowledged baseline. One writer
 * serves every client: `send(…, writer.bytes, writer.bytesWritten)` copies the bytes into the
 * endpoint before it returns, so nothing is allocated per snapshot.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { ReplicationDefaults, ServerReplication } from "./serverReplication";
import { Time } from "@canopy/core";

/** Encodes and queues this tick's snapshot for every connected client. */
export function sendSnapshots(world: AppWorld): void {
  const s = getResource(world, ServerReplication);
  if (!s.sendDue) return;
  s.sendDue = false;
  s.lastSendTime = getResource(world, Time).now;
  const { server, encoder, current, counters, clients } = s;
  const input = s.encodeInput;
  for (let slot = 0; slot < clients.length; slot++) {
    const view = clients[slot];
    if (view === undefined || !server.isConnected(view.slot)) continue;
    if (view.tokens < ReplicationDefaults.minSnapshotBytes) {
      counters.snapshotsSkipped++;
      continue;
    }
    const sequence = view.nextSequence;
    view.nextSequence = (sequence + 1) & 0xffff;
    // Claim the slot first: when acks stalled for a whole ring, it held the baseline, now gone.
    const out = view.ring.acquireForEncode(sequence); // the encode overwrites all of it
    const writer = s.writer;
    writer.reset();
    input.sequence = sequence;
    input.tick = s.lastTick;
    input.current = current;
    const baseline = view.ring.newestAckedState();
    input.baseline = baseline;
    // Velocity prediction from an older acknowledged state (none when the baseline is too old).
    input.reference =
      s.prediction && baseline !== undefined ? view.ring.referenceFor(baseline, s.lastTick) : undefined;
    input.out = out;
    input.relevant = view.relevant;
    input.priority = view.priorities.priority;
    input.budgetBytes = Math.floor(view.tokens);
    // Client authority: the upstream fields this client sends for the entities it is the
    // authority for are its own (it ignores ours), so they are not sent back to it.
    const own = s.upstreamMask & view.upstreamFieldsSeen;
    input.exclude = s.authority.count > 0 && own !== 0 ? s.ownFields : undefined;
    s.ownFields.client = view.slot;
    s.ownFields.mask = own;
    const result = encoder.encode(writer, input);
    view.priorities.resetWritten(encoder.written, encoder.writtenCount);
    const length = writer.bytesWritten;
    view.tickets.sent(sequence, server.send(view.slot, s.snapshotChannel, writer.bytes, length));
    view.tokens -= length;
    view.snapshotsSent++;
    view.bytesSent += length;
    counters.snapshotsSent++;
    counters.snapshotBytesSent += length;
    if (length > counters.largestSnapshotBytes) counters.largestSnapshotBytes = length;
    counters.entitiesDeferred += result.deferred;
  }
}
