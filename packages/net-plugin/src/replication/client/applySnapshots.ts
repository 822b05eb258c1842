/**
 * Client `applySnapshots` (PreUpdate, Receive, after receiveSnapshots): makes the world match the
 * newest decoded snapshot — spawning entities (tagged `Replicated`, bound in the entity map),
 * despawning those gone, and writing only the fields whose quantized value changed.
 *
 * Client authority: the server's (older) values of the upstream fields of entities this client is
 * the authority for are not written over its own. Their rows are copied from the snapshot into
 * the last applied state first (same field mask only, so spawns and added fields still apply), so
 * the apply sees no change there; the decoded ring states are never touched (they are decode
 * baselines). When authority ends, the server's values are written at once. The server's
 * corrections of refused upstream state (applyCorrections.ts) are written after the snapshot, with
 * the authority it gave.
 */
import { getResource, type AppWorld } from "@canopy/core";
import type { SnapshotState } from "../codec/snapshotState";
import { NONE } from "../entityMap";
import { authorityInState } from "../server/ownership";
import { applySnapshot } from "../worldApply";
import { applyCorrections } from "./applyCorrections";
import { ClientReplication, type ClientReplicationState } from "./clientReplication";

/** Applies the newest decoded snapshot to the world, then this frame's corrections. */
export function applySnapshots(world: AppWorld): void {
  const s = getResource(world, ClientReplication);
  if (s.pendingApply >= 0) applyNewest(world, s);
  if (s.correctionInbox.size > 0) applyCorrections(world, s);
}

function applyNewest(world: AppWorld, s: ClientReplicationState): void {
  const next = s.ring.get(s.pendingApply);
  s.pendingApply = -1;
  if (next === undefined) return;
  const authority = s.client.clientIndex >= 0 && (s.authorityCount > 0 || ownsAny(s, next));
  const previous = authority ? keepOwnValues(s, next) : 0;
  const r = applySnapshot(
    world,
    s.registry,
    s.hasApplied ? s.applied : undefined,
    next,
    s.map,
    s.hooks,
    s.applyResult,
  );
  if (authority) endAuthority(s, next, previous);
  s.applied.copyFrom(next);
  s.hasApplied = true;
  s.counters.snapshotsApplied++;
  s.counters.spawned += r.spawned;
  s.counters.despawned += r.despawned;
  s.counters.updated += r.updated;
}

/** True when `next` gives this client authority over an entity (quantized owner = slot + 1). */
function ownsAny(s: ClientReplicationState, next: SnapshotState): boolean {
  for (let id = 0; id < next.highWater; id++) if (isMine(s, next, id)) return true;
  return false;
}

/** True when `next` holds network id `id` owned by this client with client authority. */
function isMine(s: ClientReplicationState, next: SnapshotState, id: number): boolean {
  return authorityInState(next, s.ownerField, s.authorityField, id) === s.client.clientIndex;
}

/**
 * Lists the ids `next` gives this client authority over (`nextAuthorityIds`, flag bit 2) and
 * copies their upstream slots into the last applied state where it holds them with the same mask.
 * The old list moves to `nextAuthorityIds`; returns its length.
 */
function keepOwnValues(s: ClientReplicationState, next: SnapshotState): number {
  const { mask, values, stride } = next;
  const applied = s.applied;
  const slots = s.upstreamSlots;
  const ids = s.nextAuthorityIds;
  let count = 0;
  for (let id = 0; id < next.highWater; id++) {
    if (!isMine(s, next, id)) continue;
    const o = id * stride;
    ids[count++] = id;
    const flags = s.authoritative[id] as number;
    // Authority begins: corrections of an earlier grant say nothing about this one's order.
    if ((flags & 1) === 0) s.correctionTicks[id] = -1;
    s.authoritative[id] = flags | 2;
    if (!s.hasApplied || applied.present[id] !== 1 || applied.mask[id] !== mask[id]) continue;
    for (let i = 0; i < slots.length; i++) {
      const slot = o + (slots[i] as number);
      applied.values[slot] = values[slot] as number;
    }
  }
  const previous = s.authorityCount;
  s.nextAuthorityIds = s.authorityIds;
  s.authorityIds = ids;
  s.authorityCount = count;
  return previous;
}

/** Writes the server's values of entities whose authority this snapshot ended; updates the flags. */
function endAuthority(s: ClientReplicationState, next: SnapshotState, oldCount: number): void {
  const old = s.nextAuthorityIds;
  const fields = s.registry.fields;
  const upstream = s.upstreamMask;
  for (let i = 0; i < oldCount; i++) {
    const id = old[i] as number;
    const flags = s.authoritative[id] as number;
    if ((flags & 2) !== 0 || next.present[id] !== 1) continue;
    const eid = s.map.entityOf(id);
    if (eid === NONE) continue;
    const m = (next.mask[id] as number) & upstream;
    const o = id * next.stride;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f];
      if (field === undefined || (m & (1 << field.index)) === 0) continue;
      field.binding.apply(eid, next.values, o + field.offset);
    }
  }
  for (let i = 0; i < oldCount; i++) s.authoritative[old[i] as number] = 0;
  const ids = s.authorityIds;
  for (let i = 0; i < s.authorityCount; i++) s.authoritative[ids[i] as number] = 1;
}
