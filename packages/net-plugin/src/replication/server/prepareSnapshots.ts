/**
 * Server `prepareSnapshots` (PostUpdate, PrepareSend): once per new fixed tick, releases the
 * network ids of entities that stopped being `Networked`, gives new ones ids, captures the
 * replicated components of every `Networked` entity into the shared world state (rows that did
 * not change keep their version, so encoders skip them), computes interest, and adds the tick's
 * priority to every client's accumulators (scaled by nearness under spatial interest).
 */
import { FixedTime, getResource, Time, type AppWorld } from "@canopy/core";
import { query } from "bitecs";
import { captureWorld } from "../worldSnapshot";
import { computeInterest } from "./computeInterest";
import { Networked } from "./networked";
import { ServerReplication } from "./serverReplication";

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
  for (const eid of s.pendingRelease) alloc.release(eid, tick);
  s.pendingRelease.length = 0;
  const entities = query(world, [Networked]);
  for (let i = 0; i < entities.length; i++) alloc.allocate(entities[i] as number, tick);
  captureWorld(world, s.registry, entities, alloc.map, s.current, tick);
  computeInterest(world, s);
  for (const view of s.clients) {
    if (view === undefined) continue;
    view.priorities.accumulate(s.current, dt, s.grid === undefined ? undefined : view.nearness);
    view.tokens = Math.min(view.tokens + s.bandwidth * dt, s.burstBytes);
  }
}
