/**
 * Server `prepareSnapshots` (PostUpdate, PrepareSend): once per new fixed tick, releases the
 * network ids of entities that stopped being `Networked`, gives new ones ids, captures the
 * replicated components into the shared world state (rows that did not change keep their version,
 * so encoders skip them) — every `Networked` entity (`changeDetection: "scan"`), or only new ones
 * and those passed to `markChanged` (`"marked"`: unchanged entities are not even read) — then
 * finds the client-authority owners and the fields they send up (only the entities given client
 * authority are read, nothing when none has it: those fields are left out of their own
 * snapshots), computes interest and adds the tick's
 * priority to every client's accumulators (scaled by nearness under spatial interest).
 */
import { FixedTime, getResource, Time, type AppWorld } from "@canopy/core";
import { commitRemovals, entityExists, hasComponent, registerQuery } from "bitecs";
import { NONE } from "../entityMap";
import { captureEntities, captureWorld } from "../worldCapture";
import { computeInterest } from "./computeInterest";
import { Networked } from "./networked";
import { MAX_UNRELIABLE_MESSAGE_BYTES } from "../../reliability/channels";
import { ReplicationDefaults, ServerReplication, type ServerReplicationState } from "./serverReplication";

/** Captures this tick's replicated state and prepares every client's send. */
export function prepareSnapshots(world: AppWorld): void {
  const s = getResource(world, ServerReplication);
  const tick = getResource(world, FixedTime).tick as number;
  s.sendDue = tick !== s.lastTick;
  if (!s.sendDue) return;
  const now = getResource(world, Time).now;
  const dt = s.lastSendTime < 0 ? 0 : now - s.lastSendTime;
  s.lastTick = tick;
  const alloc = s.allocator;
  const marked = s.changeDetection === "marked";
  const released = s.pendingRelease;
  for (let i = 0; i < released.length; i++) {
    const id = alloc.release(released[i] as number, tick);
    if (marked && id !== NONE) s.current.remove(id);
  }
  s.pendingRelease.clear();
  if (marked) captureMarked(world, s, tick);
  else {
    s.pendingAdd.clear();
    s.dirty.clear();
    // bitecs' query() hashes its terms into a fresh string each call; the registered query is live.
    commitRemovals(world);
    const entities = (s.networkedQuery ??= registerQuery(world, [Networked])).dense;
    for (let i = 0; i < entities.length; i++) alloc.allocate(entities[i] as number, tick);
    captureWorld(world, s.registry, entities, alloc.map, s.current, tick);
  }
  const authority = s.authority;
  if (authority.active) {
    const bySlot = s.ownFields.bySlot;
    authority.refresh(world, s.current, alloc.map, s.owner, s.ownerField, s.authorityField, bySlot);
    noteUpstreamFields(s);
  }
  computeInterest(world, s);
  const clients = s.clients;
  for (let slot = 0; slot < clients.length; slot++) {
    const view = clients[slot];
    if (view === undefined) continue;
    // Set, not passed: a double passed to the (not inlined) call is boxed, 16 B per client and tick.
    view.priorities.elapsedSeconds = dt;
    view.priorities.accumulateElapsed(s.current, s.grid === undefined ? undefined : view.nearness);
    const rate = view.bandwidth ?? s.bandwidth;
    const burst = Math.max(MAX_UNRELIABLE_MESSAGE_BYTES, rate * ReplicationDefaults.burstSeconds);
    view.tokens = Math.min(view.tokens + rate * dt, burst);
  }
}

/** Marked mode: ids for entities that became `Networked`, then capture only them and the marked ones. */
function captureMarked(world: AppWorld, s: ServerReplicationState, tick: number): void {
  const alloc = s.allocator;
  const list = s.dirty;
  const added = s.pendingAdd;
  for (let i = 0; i < added.length; i++) {
    const eid = added[i] as number;
    if (!entityExists(world, eid) || !hasComponent(world, eid, Networked)) continue;
    alloc.allocate(eid, tick);
    list.push(eid);
  }
  s.pendingAdd.clear();
  // Keep only live networked entities (marking a plain or removed entity is harmless).
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    const eid = list[i] as number;
    if (alloc.map.netIdOf(eid) !== NONE && entityExists(world, eid)) list[n++] = eid;
  }
  list.length = n;
  captureEntities(world, s.registry, list, alloc.map, s.current, tick);
  list.clear();
}

/** Adds to each authority client's `upstreamFieldsSeen` the fields its upstream state holds for its entities. */
function noteUpstreamFields(s: ServerReplicationState): void {
  const bySlot = s.ownFields.bySlot;
  const clients = s.clients;
  const ids = s.authority.ids;
  for (let i = 0; i < s.authority.count; i++) {
    const id = ids[i] as number;
    const slot = bySlot[id] as number;
    const view = clients[slot];
    const state = view?.upstream?.decoder.lastDecoded;
    if (view !== undefined && state !== undefined && state.present[id] === 1)
      view.upstreamFieldsSeen |= state.mask[id] as number;
  }
}
