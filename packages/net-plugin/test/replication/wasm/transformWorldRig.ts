/**
 * Shared by the Transform four-entity tests (transformDecodeGroups, transformEncodeDense): small
 * registries with one Transform field (alone, after or before an owner int, beside a Quat) and a
 * steady moving world of them whose groups of four break in every way a tick can break them.
 */
import type { Rng } from "@canopy/core";
import {
  IntTemplate,
  QuatTemplate,
  ReplicationRegistry,
  TransformTemplate,
  type SnapshotState,
} from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { soa } from "../transformFixture";

/** The registry layouts: a Transform alone, with an owner int after or before it, beside a Quat. */
export type Layout = "transform" | "owner-after" | "owner-before" | "with-quat";

/**
 * Row versions: one clock for every id, as capture's (`SnapshotState.remove` zeroes a row's version;
 * a per-id count would give a respawned id again a version its previous life had in a baseline).
 */
let versionClock = 0;

/** The registry of `layout` and, per field, its slot holding a rotation's largest index (or -1). */
export function registryOf(layout: Layout): { registry: ReplicationRegistry; largest: number[] } {
  const registry = new ReplicationRegistry();
  const largest: number[] = [];
  const owner = (): void => {
    registry.replicate(new Int32Array(CAPACITY), IntTemplate({ min: 0, max: 15 }), { name: "o" });
    largest.push(-1);
  };
  if (layout === "owner-before") owner();
  registry.replicate(soa(), TransformTemplate({ min: -50, max: 50, precision: 1 / 512, rotationBits: 9 }), {
    name: "t",
  });
  largest.push(3);
  if (layout === "owner-after") owner();
  if (layout === "with-quat") {
    const quat = Object.fromEntries(["x", "y", "z", "w"].map((k) => [k, new Float32Array(CAPACITY)]));
    registry.replicate(quat, QuatTemplate({ bits: 7 }), { name: "q" });
    largest.push(0);
  }
  registry.close();
  return { registry, largest };
}

/** Per-entity, per-tick chances of the moving world. */
export interface WorldChances {
  /** A rotation's largest component changes. */
  readonly largest: number;
  /** The entity does not change (not updated). */
  readonly rest: number;
  /** It leaves, or comes back with new values (marked spawned). */
  readonly leave: number;
  /** Only the owner changes (the Transform's flag 0). */
  readonly still?: number;
  /** Only a Transform's position or only its rotation moves (one part of its change test). */
  readonly part?: number;
}

/** One tick of the moving world over ids 0..ids−1 (every field present at tick 0). */
export function stepWorld(
  rng: Rng,
  registry: ReplicationRegistry,
  largest: readonly number[],
  current: SnapshotState,
  tick: number,
  ids: number,
  chances: WorldChances,
): void {
  const mask = (1 << registry.fields.length) - 1;
  for (let id = 0; id < ids; id++) {
    const row = id * registry.stride;
    if (tick === 0) current.setPresent(id, mask);
    else if (rng.chance(chances.leave)) {
      if (current.present[id] === 1) current.remove(id);
      else current.setPresent(id, mask);
    }
    if (current.present[id] !== 1 || (tick > 0 && rng.chance(chances.rest))) continue;
    const still = tick > 0 && rng.chance(chances.still ?? 0);
    // -1: every slot; else only the Transform's slots below 3 (0) or from 3 (1).
    const part = tick > 0 && rng.chance(chances.part ?? 0) ? rng.int(0, 1) : -1;
    registry.fields.forEach((field, i) => {
      const owner = largest[i] === -1;
      if (owner ? tick > 0 && !still && !rng.chance(0.1) : still) return; // the owner: mostly unchanged
      for (let s = 0; s < field.template.width; s++) {
        if (part >= 0 && field.template.width === 7 && (s < 3 ? 0 : 1) !== part) continue;
        const max = field.template.slotMax[s] as number;
        const o = row + field.offset + s;
        if (s === largest[i]) {
          if (tick === 0 || rng.chance(chances.largest)) current.values[o] = rng.int(0, max);
          continue;
        }
        // Mostly small steps; now and then a jump (an exception in its column).
        const step = rng.chance(0.04) ? rng.int(-3000, 3000) : rng.int(-3, 3);
        const v = tick === 0 ? rng.int(0, max) : (current.values[o] as number) + step;
        current.values[o] = Math.min(max, Math.max(0, v));
      }
    });
    current.version[id] = ++versionClock;
  }
}
