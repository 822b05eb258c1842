/**
 * Client `sendOwnedState` (PostUpdate, Send): client authority. Once per new fixed tick, captures
 * the upstream fields of the entities this client is the authority for (`hasAuthority`; never the
 * ownership fields) into its upstream state, keyed by network id, and sends it to the server on
 * the snapshot channel as an ordinary snapshot: encoded by the `SnapshotEncoder` against the
 * newest upstream state the server acknowledged (packet acks), within the upstream budget
 * (`upstreamBytesPerSecond`). Nothing goes out while nothing changed since that baseline and it
 * is the newest state sent. The server checks, validates and applies it
 * (replication/server/receiveOwnedState.ts).
 */
import { FixedTime, getResource, type AppWorld } from "@canopy/core";
import { hasComponent } from "bitecs";
import { MAX_UNRELIABLE_MESSAGE_BYTES } from "../../reliability/channels";
import { NONE } from "../entityMap";
import { ReplicationDefaults } from "../server/serverReplication";
import { ClientReplication, type ClientReplicationState } from "./clientReplication";
import type { UpstreamSender } from "./upstreamSender";

/** Sends this tick's state of the entities this client is the authority for. */
export function sendOwnedState(world: AppWorld): void {
  const s = getResource(world, ClientReplication);
  // Authority ended (or never began): stop at once; the server's values apply again.
  if (s.authorityCount === 0 || s.client.state !== "connected") return;
  const up = s.upstreamSender();
  const fixed = getResource(world, FixedTime);
  const tick = fixed.tick as number;
  if (tick === up.lastTick) return;
  up.refill(tick, fixed.hz);
  capture(world, s, up, tick);
  if (up.tokens < ReplicationDefaults.minSnapshotBytes) {
    s.counters.upstreamSkipped++;
    return;
  }
  const sequence = up.nextSequence;
  const ring = up.ring;
  // Claim the slot first (as sendSnapshots does): when acks stalled for a whole ring, the newest
  // acknowledged state can sit in this very slot, and acquire drops that ack before it is read.
  const out = ring.acquire(sequence);
  const baseline = ring.newestAckedState();
  const input = up.input;
  input.sequence = sequence;
  input.tick = tick;
  input.current = up.current;
  input.baseline = baseline;
  input.reference = baseline === undefined ? undefined : ring.referenceFor(baseline, tick);
  input.out = out;
  input.budgetBytes = Math.min(up.tokens, MAX_UNRELIABLE_MESSAGE_BYTES);
  const writer = up.writer;
  writer.reset();
  const result = up.encoder.encode(writer, input);
  // Nothing changed since the acknowledged state, nor since the newest state sent (the server may
  // hold that one, decoded but not yet acked: a move since undone must still go up): send nothing;
  // the sequence is reused.
  if (
    baseline !== undefined &&
    result.spawns + result.updates + result.despawns === 0 &&
    sameAsLastSent(s, up)
  )
    return;
  up.nextSequence = (sequence + 1) & 0xffff;
  up.lastSent = sequence;
  const length = writer.bytesWritten;
  up.tickets.sent(sequence, s.client.send(s.snapshotChannel, writer.bytes, length));
  up.tokens -= length;
  s.counters.upstreamSent++;
  s.counters.upstreamBytesSent += length;
}

/** True when the newest upstream state sent holds this tick's upstream rows (the ids this client owns). */
function sameAsLastSent(s: ClientReplicationState, up: UpstreamSender): boolean {
  const sent = up.lastSent < 0 ? undefined : up.ring.get(up.lastSent);
  if (sent === undefined) return false;
  const cur = up.current;
  const ids = s.authorityIds;
  for (let i = 0; i < s.authorityCount; i++) {
    const id = ids[i] as number;
    const mask = cur.mask[id] as number;
    if (cur.present[id] !== sent.present[id] || mask !== sent.mask[id]) return false;
    // The upstream state holds only upstream fields: its mask is what to compare.
    if (!cur.sameFields(sent, id, mask)) return false;
  }
  return true;
}

/** Quantizes the upstream fields of every entity this client is the authority for into `up.current`. */
function capture(world: AppWorld, s: ClientReplicationState, up: UpstreamSender, tick: number): void {
  const cur = up.current;
  cur.clear();
  cur.tick = tick;
  cur.versioned = false;
  const fields = s.upstreamFields;
  const ids = s.authorityIds;
  for (let i = 0; i < s.authorityCount; i++) {
    const id = ids[i] as number;
    const eid = s.map.entityOf(id);
    if (eid === NONE) continue;
    const row = id * cur.stride;
    let mask = 0;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f];
      if (field === undefined || !hasComponent(world, eid, field.component)) continue;
      mask |= 1 << field.index;
      field.binding.quantize(eid, cur.values, row + field.offset);
    }
    if (mask !== 0) cur.setPresent(id, mask);
  }
}
