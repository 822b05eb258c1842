/**
 * The client's corrections (client authority), applied by the `applySnapshots` system once the
 * frame's snapshot is applied (so the authority it read is current). The
 * server refused this client's upstream state of an entity (`validateUpstream` said no) and sent
 * its own values of that entity's upstream fields (server/correctionMessage.ts); this writes them
 * into the owned entity's components through the fields' bindings, so the owner snaps back to the
 * server's truth and its next upstream state (an ordinary change) equals what the server holds.
 *
 * Checked on read, never throws: a malformed message counts in `correctionsInvalid`; one for an
 * unknown network id or an entity this client is not (or no longer) the authority for counts in
 * `correctionsIgnored`; one older (server tick) than a correction already applied to the entity
 * since its authority began — the reliable channel may reorder — counts in `correctionsStale`.
 * A correction older than upstream state sent since is still applied: the server refused the
 * state it answers and holds these values at that tick; whatever the client sent after either
 * was refused too (and is answered by a later correction) or is sent again from the corrected
 * values.
 */
import type { AppWorld } from "@canopy/core";
import { hasComponent } from "bitecs";
import { NONE } from "../entityMap";
import { CorrectionStatus, readCorrection } from "../server/correctionMessage";
import type { ClientReplicationState } from "./clientReplication";

/** Applies this frame's corrections (routed into `s.correctionInbox`) to the entities this client is the authority for. */
export function applyCorrections(world: AppWorld, s: ClientReplicationState): void {
  const inbox = s.correctionInbox;
  while (inbox.next()) applyOne(world, s, inbox.bytes, inbox.offset, inbox.length);
}

function applyOne(
  world: AppWorld,
  s: ClientReplicationState,
  bytes: Uint8Array,
  offset: number,
  length: number,
): void {
  const c = s.correction;
  const counters = s.counters;
  const status = readCorrection(
    s.correctionReader,
    s.registry,
    s.capacity,
    s.ownershipMask,
    bytes,
    offset,
    length,
    c,
  );
  if (status !== CorrectionStatus.Ok) {
    counters.correctionsInvalid++;
    return;
  }
  const id = c.netId;
  const eid = s.map.entityOf(id);
  if (eid === NONE || s.authoritative[id] !== 1) {
    counters.correctionsIgnored++;
    return;
  }
  if (c.tick < (s.correctionTicks[id] as number)) {
    counters.correctionsStale++;
    return;
  }
  s.correctionTicks[id] = c.tick;
  const fields = s.registry.fields;
  for (let f = 0; f < fields.length; f++) {
    const field = fields[f];
    if (field === undefined || (c.mask & (1 << field.index)) === 0) continue;
    if (hasComponent(world, eid, field.component)) field.binding.apply(eid, c.values, field.offset);
  }
  counters.correctionsApplied++;
}
