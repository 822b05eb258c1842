/**
 * The wasm collect's dense step (codec/wasm/encodeDenseEmit.ts) against the JS kernels: groups of
 * four moving entities with every field coded in one step (rotations whose largest component
 * changed among them: coded an entity at a time, their full values in the stream), and the groups
 * it must leave to the per-entity path — a field changed in some of the four but not all, an
 * entity with fewer fields, a resting entity, spawns and despawns — at every position of a group; fields unchanged in all four (an owner int, a velocity that stays), fields
 * of one, two, three and four slots, a registry of one field (no flags), a high water off a
 * multiple of four, acks of varying age (ratios other than 1:1, no reference), budgets under the
 * snapshot (the JS budget path on the collect's predictions and rotation flags) and an output
 * region too small for the section (the JS writer on the entity-major `colz`) — after a written
 * snapshot the dense step leaves the predictions and `colz` out, so such a call runs the collect
 * again with them (the test fails without that re-run). Same bytes,
 * results, expected states, `written` and counts; the dense step ran.
 */
import { createRng, type Rng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { HEADER_COUNTS } from "../../../src/replication/codec/wasm/collectParams";
import { encodeBoth, encodeSides, planOf, type EncodeSide } from "./encodeSides";
import {
  FloatTemplate,
  IntTemplate,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec2Template,
  Vec3Template,
} from "../../../src/replication/index";

const CAP = 640;

afterEach(() => {
  wasmKernels.enabled = false;
});

type Shape = "bench" | "game" | "one" | "narrow";

function registryOf(shape: Shape): ReplicationRegistry {
  const r = new ReplicationRegistry();
  const col = () => new Float32Array(CAP);
  const quat = () => r.replicate({ x: col(), y: col(), z: col(), w: col() }, QuatTemplate({ bits: 9 }));
  if (shape === "one") {
    quat();
  } else if (shape === "narrow") {
    r.replicate({ x: col(), y: col() }, Vec2Template({ min: -100, max: 100, precision: 1 / 64 }));
    r.replicate(col(), FloatTemplate({ min: 0, max: 10, precision: 0.01 }));
    quat();
  } else {
    r.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }));
    quat();
    if (shape === "game") {
      r.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: -20, max: 20, precision: 0.01 }));
      r.replicate(new Int32Array(CAP), IntTemplate({ bits: 8 }));
    }
  }
  r.close();
  return r;
}

/** How a run moves: ids below `ids` may be present (one lone id past them keeps the high water off a multiple of 4). */
interface Motion {
  readonly ids: number;
  /** Largest step of a slot in quanta. */
  readonly reach: number;
  /** Exceptions (resting, spawns, mixed fields, ...) at a twentieth of the usual rate. */
  readonly calm: boolean;
}

/** Changes field `f` of `id` (every slot may move, slot 0 surely; a rotation keeps its largest unless `flip`). */
function change(
  rng: Rng,
  s: SnapshotState,
  f: ReplicationRegistry["fields"][number],
  id: number,
  flip: boolean,
  reach: number,
) {
  const o = id * s.stride + f.offset;
  const quat = f.template.kind === "quat";
  for (let k = quat ? 1 : 0; k < f.template.width; k++) {
    const max = f.template.slotMax[k] as number;
    const old = s.values[o + k] as number;
    let v = Math.min(max, Math.max(0, old + rng.int(-reach, reach)));
    if (k === (quat ? 1 : 0) && v === old) v = old > 0 ? old - 1 : old + 1;
    s.values[o + k] = v;
  }
  if (quat && flip) s.values[o] = ((s.values[o] as number) + 1 + rng.int(0, 2)) % 4;
}

/**
 * One tick: most entities move every field; per group of four a field may stay in all four
 * (uniform, still dense) and single entities get an exception (mixed, per-entity path).
 */
function step(rng: Rng, s: SnapshotState, registry: ReplicationRegistry, tick: number, m: Motion) {
  const fields = registry.fields;
  const all = (1 << fields.length) - 1;
  const stays = new Uint8Array(fields.length);
  for (let id = 0; id < m.ids; id++) {
    if (id % 4 === 0) {
      // Fields that stay for the whole group: the int (usually), the velocity (sometimes).
      for (const f of fields) stays[f.index] = f.template.kind === "int" ? (rng.chance(0.85) ? 1 : 0) : 0;
      if (fields.length > 2 && rng.chance(0.15)) stays[2] = 1;
      if (rng.chance(0.06)) stays.fill(1); // versions bumped, nothing changed: not updates
    }
    if (s.present[id] !== 1) {
      if (rng.chance(0.08)) {
        s.setPresent(id, fields.length > 1 && rng.chance(0.3) ? all & ~1 : all);
        s.version[id] = tick + 1;
      }
      continue;
    }
    const r = m.calm && rng.chance(0.95) ? 1 : rng.next();
    if (r < 0.01) {
      s.remove(id); // despawn
      continue;
    }
    if (r < 0.03) continue; // resting: same version
    // Field set changed (a spawn): one field fewer, or (from fewer) back to every field.
    if (fields.length > 1 && (r < 0.04 || (s.mask[id] !== all && r < 0.3))) {
      s.setPresent(id, (s.mask[id] as number) ^ 1);
      s.version[id] = tick + 1;
      continue;
    }
    const single = r < 0.1 ? rng.int(0, fields.length - 1) : -1; // this field goes against the group
    for (const f of fields) {
      if (((s.mask[id] as number) & (1 << f.index)) === 0) continue;
      const moves = (stays[f.index] === 0) !== (single === f.index);
      if (moves) change(rng, s, f, id, r >= 0.1 && r < 0.13, m.reach);
    }
    s.version[id] = tick + 1;
  }
  const lone = m.ids + 7;
  if (tick % 3 === 0) s.setPresent(lone, all);
  if (s.present[lone] === 1) {
    for (const f of fields) change(rng, s, f, lone, false, m.reach);
    s.version[lone] = tick + 1;
  }
}

/** The groups the last call's dense step coded (the collect's header word after the stream's bits). */
function denseGroups(side: EncodeSide, fields: number): number {
  const kernel = planOf(side.encoder).wasm;
  if (kernel === undefined) return 0;
  const i32 = new Int32Array(kernel.pool.memory.buffer);
  return i32[(kernel.segment("hdr") >> 2) + HEADER_COUNTS + fields + 3] as number;
}

/** Encodes 60 ticks on both sides; returns [dense groups, fused snapshots]. */
function run(seed: number, shape: Shape, versioned: boolean, m: Motion): [number, number] {
  const rng = createRng(seed);
  const registry = registryOf(shape);
  wasmKernels.enabled = true;
  const current = new SnapshotState(registry, CAP);
  const sides = encodeSides(registry, CAP);
  current.versioned = versioned;
  const all = (1 << registry.fields.length) - 1;
  for (let id = 0; id < m.ids; id++) current.setPresent(id, all);
  let dense = 0;
  const priority = new Float32Array(CAP);
  const wide = planOf(sides[0]!.encoder).wasm?.writer.outBytes ?? 0;
  for (let tick = 0; tick < 60; tick++) {
    step(rng, current, registry, tick, m);
    for (let id = 0; id < CAP; id++) priority[id] = rng.range(0, 10);
    // A budget under the snapshot now and then: the JS budget path reads the collect's arrays;
    // an output region too small for the section: the JS header and writer (every candidate).
    const tight = tick % 5 === 3;
    const writer = planOf(sides[0]!.encoder).wasm?.writer;
    if (writer !== undefined) writer.outBytes = tick % 5 === 1 ? 64 : wide;
    // Mostly the last tick acked (1:1 with a reference), else older acks or none.
    const ack = rng.chance(0.85) ? tick - 1 - (rng.chance(0.8) ? 0 : rng.int(1, 3)) : -1;
    const context = `seed ${seed}, ${shape}, tick ${tick}`;
    const [a, b] = encodeBoth(sides, tick, ack, context, (s, baseline) => ({
      sequence: tick,
      tick,
      current,
      baseline,
      reference: baseline && tick % 9 !== 0 ? s.ring.referenceFor(baseline, tick) : undefined,
      out: s.ring.acquire(tick),
      priority,
      budgetBytes: tight ? 90 : undefined,
    }));
    expect((a as SnapshotState).equals(b as SnapshotState), context).toBe(true);
    dense += denseGroups(sides[0] as EncodeSide, registry.fields.length);
  }
  return [dense, planOf(sides[0]!.encoder).wasm?.fusedCalls ?? 0];
}

const USUAL: Motion = { ids: 70, reach: 40, calm: false };

describe("wasm collect, the dense step", () => {
  it.each([
    [1, "bench", true],
    [2, "bench", false],
    [3, "game", true],
    [4, "game", false],
    [5, "one", true],
    [6, "narrow", true],
    [7, "narrow", false],
  ] as const)(
    "seed %i, %s registry, versioned %s: same bytes as the JS kernels",
    (seed, shape, versioned) => {
      const [dense, fused] = run(seed, shape, versioned, USUAL);
      expect(fused).toBeGreaterThan(25); // two ticks in five are not written whole
      // ~17 groups a tick, a third or more dense (175–310 of them in 60 ticks with these seeds)
      expect(dense).toBeGreaterThan(100);
    },
  );

  it("one one-slot field, every id moving: the last group's stores stay inside colz, same bytes", () => {
    // The dense step stores a one-slot field's first three entities as whole vectors; with every
    // id an update the last group's reach 8 bytes past the column — here into `colm`, packed next
    // (the segment keeps slack for them: without it the writer loses the first two values).
    const cap = 24;
    const r = new ReplicationRegistry();
    const col = () => new Float32Array(cap);
    r.replicate(col(), FloatTemplate({ min: -5e5, max: 5e5, precision: 0.001 }));
    r.close();
    wasmKernels.enabled = true;
    const current = new SnapshotState(r, cap);
    const sides = encodeSides(r, cap);
    for (let id = 0; id < cap; id++) current.setPresent(id, 1);
    let dense = 0;
    for (let tick = 0; tick < 12; tick++) {
      for (let id = 0; id < cap; id++) {
        for (const f of r.fields) {
          for (let k = 0; k < f.template.width; k++) {
            const o = id * current.stride + f.offset + k;
            const max = f.template.slotMax[k] as number;
            current.values[o] = ((current.values[o] as number) + 1 + ((id + k) % 3) * 997) % (max + 1);
          }
        }
      }
      const context = `one-slot last, tick ${tick}`;
      // Every other snapshot over a tiny budget (the JS budget path), so the calls between store
      // colz too (not lazy) before the writer reads the columns.
      encodeBoth(sides, tick, tick - 1, context, (s, baseline) => ({
        sequence: tick,
        tick,
        current,
        baseline,
        reference: baseline ? s.ring.referenceFor(baseline, tick) : undefined,
        out: s.ring.acquire(tick),
        budgetBytes: tick % 2 === 1 ? 24 : undefined,
      }));
      dense += denseGroups(sides[0] as EncodeSide, r.fields.length);
    }
    expect(dense).toBeGreaterThan(20);
  });

  it("600 entities moving a quantum or two: byte buckets flushed before they wrap, same bytes", () => {
    // ~74 dense groups a call, residuals of 0–2 bits: a byte bucket would pass 255 within a call
    const [dense, fused] = run(8, "bench", true, { ids: 600, reach: 1, calm: true });
    expect(fused).toBeGreaterThan(25); // two ticks in five are not written whole
    expect(dense).toBeGreaterThan(60 * 64); // more than FLUSH_GROUPS a call on average
  });
});
