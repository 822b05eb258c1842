/**
 * Interest management for one tick (used by prepareSnapshots): fills each client's `relevant`
 * mask from the spatial grid (entities within `radius` of the client's viewpoints; entities
 * without a position and those the client owns are always relevant, at full nearness), and its
 * `nearness` priority scale (falling with distance), then applies the user filter.
 */
import type { AppWorld } from "@canopy/core";
import type { SnapshotState } from "../codec/snapshotState";
import type { ServerReplicationState } from "./serverReplication";

/**
 * The `out` of the position and viewpoint callbacks: a class instance whose fields start as
 * fractions, so V8 stores coordinates into them in place. A module-level `{ x: 0, y: 0 }` ended
 * up with generic fields, and every fractional coordinate written was a new heap number (~650 B
 * per tick for 40 moving entities under spatial interest).
 */
class Point {
  x = 0.5;
  y = 0.5;
}
const point = new Point();
/** Network ids without a position this tick (always relevant). */
let unpositioned = new Int32Array(0);

/** Computes `relevant` for every connected client. */
export function computeInterest(world: AppWorld, s: ServerReplicationState): void {
  const { interest, filter } = s.options;
  const cur: SnapshotState = s.current;
  const hw = cur.highWater;
  const map = s.allocator.map;
  const grid = s.grid;
  let unpositionedCount = 0;
  if (interest !== undefined && grid !== undefined) {
    if (unpositioned.length < s.capacity) unpositioned = new Int32Array(s.capacity);
    grid.clear();
    for (let id = 0; id < hw; id++) {
      if (cur.present[id] !== 1) continue;
      if (interest.position(map.entityOf(id), point)) grid.insert(id, point.x, point.y);
      else unpositioned[unpositionedCount++] = id;
    }
  }
  const clients = s.clients;
  for (let slot = 0; slot < clients.length; slot++) {
    const view = clients[slot];
    if (view === undefined) continue;
    const rel = view.relevant;
    const near = view.nearness;
    if (interest === undefined || grid === undefined) rel.fill(1, 0, hw);
    else {
      rel.fill(0, 0, hw);
      near.fill(0, 0, hw);
      for (let i = 0; i < unpositionedCount; i++) {
        rel[unpositioned[i] as number] = 1;
        near[unpositioned[i] as number] = 1;
      }
      if (interest.viewpoint !== undefined) {
        const most = s.maxViewpoints;
        for (let i = 0; interest.viewpoint(world, view.slot, i, point); i++) {
          if (i >= most) throw tooManyViewpoints(view.slot, most);
          grid.mark(point.x, point.y, interest.radius, rel, near);
        }
      } else {
        for (let id = 0; id < hw; id++) {
          if (s.ownerOfNetId(id) !== view.slot) continue;
          rel[id] = 1;
          if (interest.position(map.entityOf(id), point))
            grid.mark(point.x, point.y, interest.radius, rel, near);
        }
      }
      for (let id = 0; id < hw; id++) {
        if (s.ownerOfNetId(id) !== view.slot) continue;
        rel[id] = 1;
        near[id] = 1;
      }
    }
    if (filter !== undefined) {
      for (let id = 0; id < hw; id++) {
        if (rel[id] === 1 && cur.present[id] === 1 && !filter(world, view.slot, map.entityOf(id)))
          rel[id] = 0;
      }
    }
  }
}

function tooManyViewpoints(client: number, most: number): Error {
  return new Error(
    `interest.viewpoint returned true for index ${most} of client ${client}: at most ${most} ` +
      "viewpoints per client (interest.maxViewpoints); the callback must return false after the last one.",
  );
}
