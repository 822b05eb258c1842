/**
 * Transform fields in the updates section's columns (codec FIELD_TRANSFORM, docs/REPLICATION.md
 * "Snapshot bytes"): the layout (three position columns, then the rotation's three), the bits (a
 * Transform costs what a Vec3 + a Quat of the same motion cost, less their field flags), and the
 * generated kernels against the generic path on random registries mixing Transforms (and a
 * Transform-like custom template with a change threshold) with every other template: same bytes,
 * expected and decoded states under references, budgets, interest and respawns; the same status
 * on mutated and truncated snapshots, never a throw.
 */
import { createRng } from "@canopy/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { costUpdates, measure } from "../../src/replication/codec/budgetPlan";
import { columnLayout } from "../../src/replication/codec/columns";
import type { EncodePlan } from "../../src/replication/codec/encodePlan";
import { FIELD_TRANSFORM, fieldCodecPlan } from "../../src/replication/codec/fieldDelta";
import { codecKernels } from "../../src/replication/codec/kernels/compileKernel";
import { wasmKernels } from "../../src/replication/codec/wasm/wasmKernels";
import {
  DecodeStatus,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotState,
  TransformTemplate,
  Vec3Template,
} from "../../src/replication/index";
import { build, encodeTick } from "./codecRig";
import { evolve, soa, ThresholdTransform, transformRegistry } from "./transformFixture";
import { CAPACITY } from "./kernelFixture";
import { mutatedSnapshot } from "./codecFixture";

// The JS kernels against the generic path (budget pricing: budgetPlan.ts on the JS encoder's plan);
// the wasm kernels against both: wasm/transformEncode.test.ts, wasm/transformDecode.test.ts.
const WASM_DEFAULT = wasmKernels.enabled;
beforeEach(() => {
  wasmKernels.enabled = false;
});
afterEach(() => {
  codecKernels.enabled = true;
  wasmKernels.enabled = WASM_DEFAULT;
});

describe("Transform fields in the columns", () => {
  it("lay out three position columns then the rotation's three, with no header k", () => {
    const registry = new ReplicationRegistry();
    const f32 = () => new Float32Array(CAPACITY);
    registry.replicate({ x: f32(), y: f32(), z: f32(), w: f32() }, QuatTemplate({ bits: 9 }));
    registry.replicate(soa(), TransformTemplate({ min: -10, max: 10, precision: 0.01, rotationBits: 11 }));
    const plan = fieldCodecPlan(registry);
    expect(plan.codes[1]).toBe(FIELD_TRANSFORM);
    const layout = columnLayout(registry);
    expect(layout.colBase[1]).toBe(3);
    expect(Array.from(layout.colSlot.subarray(3))).toEqual([4, 5, 6, 8, 9, 10]);
    expect(Array.from(layout.colQuat.subarray(3))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(layout.colLargest)).toEqual([0, 0, 0, -1, -1, -1, 7, 7, 7]);
    expect(layout.headerGroups.length).toBe(0);
  });

  it("cost a Vec3 + Quat of the same motion less their two field flags per update", () => {
    const vq = new ReplicationRegistry();
    vq.replicate(
      { x: new Float32Array(CAPACITY), y: new Float32Array(CAPACITY), z: new Float32Array(CAPACITY) },
      Vec3Template({ min: -64, max: 64, precision: 1 / 256 }),
    );
    const f32 = () => new Float32Array(CAPACITY);
    vq.replicate({ x: f32(), y: f32(), z: f32(), w: f32() }, QuatTemplate({ bits: 12 }));
    const tr = new ReplicationRegistry();
    tr.replicate(soa(), TransformTemplate({ min: -64, max: 64, precision: 1 / 256, rotationBits: 12 }));
    for (const kernels of [true, false]) {
      const rng = createRng(5);
      const a = new SnapshotState(vq, CAPACITY);
      const b = new SnapshotState(tr, CAPACITY);
      const sa = build(vq, kernels);
      const sb = build(tr, kernels);
      for (let id = 0; id < 50; id++) {
        a.setPresent(id, 3);
        b.setPresent(id, 1);
      }
      a.highWater = b.highWater = 50;
      for (let tick = 0; tick < 30; tick++) {
        for (let id = 0; id < 50; id++) {
          // Every slot moves each tick (both fields changed); the largest index changes sometimes.
          for (let s = 0; s < 7; s++) {
            const o = id * 7 + s;
            const prev = a.values[o] as number;
            // Never the previous value (100..3899): every field changes every tick.
            const v =
              s === 3 ? (rng.chance(0.1) ? rng.int(0, 3) : prev) : 100 + ((prev + rng.int(1, 50)) % 3800);
            a.values[o] = v;
            b.values[o] = v;
          }
        }
        a.tick = b.tick = tick;
        const ra = encodeTick(sa, a, tick, tick - 2, true);
        const rb = encodeTick(sb, b, tick, tick - 2, true);
        expect(sb.decoder.decode(sb.writer.finish(), sb.clientRing)).toBe(DecodeStatus.Ok);
        expect((sb.decoder.lastDecoded as SnapshotState).equals(b)).toBe(true);
        if (tick < 2) continue; // spawns (a field mask of 2 bits vs 1)
        expect(ra.updates).toBe(50);
        expect(rb.updates).toBe(50);
        expect(rb.bits).toBe(ra.bits - 2 * 50);
      }
    }
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])(
    "write the same bytes and decode the same states on the kernels and the generic path (seed %i)",
    (seed) => {
      const rng = createRng(seed);
      const { registry, describe: layout } = transformRegistry(rng);
      const current = new SnapshotState(registry, CAPACITY);
      current.versioned = true;
      const kernel = build(registry, true);
      const generic = build(registry, false);
      const priority = new Float32Array(CAPACITY);
      const relevant = new Uint8Array(CAPACITY);
      const context = `seed ${seed}, fields ${layout.join(" ")}`;
      for (let tick = 0; tick < 60; tick++) {
        evolve(rng, registry, current);
        current.tick = tick;
        const ack = tick - rng.int(1, 8);
        for (let id = 0; id < CAPACITY; id++) {
          priority[id] = rng.range(0, 10);
          relevant[id] = rng.chance(0.9) ? 1 : 0;
        }
        const extras = {
          relevant: rng.chance(0.3) ? relevant : undefined,
          priority,
          budgetBytes: rng.chance(0.25) ? rng.int(20, 400) : undefined,
        };
        const predict = rng.chance(0.7);
        const acked = ack >= 0 && rng.chance(0.8);
        const bytes: Uint8Array[] = [];
        for (const side of [kernel, generic]) {
          const r = encodeTick(side, current, tick, acked ? ack : -1, predict, extras);
          bytes.push(side.writer.finish().slice());
          if (extras.budgetBytes !== undefined && r.spawns + r.updates > 1)
            expect(r.bits, context).toBeLessThanOrEqual(extras.budgetBytes * 8);
        }
        const [a, b] = bytes as [Uint8Array, Uint8Array];
        expect(Array.from(a), context).toEqual(Array.from(b));
        const sent = kernel.serverRing.get(tick) as SnapshotState;
        expect(sent.equals(generic.serverRing.get(tick) as SnapshotState), context).toBe(true);
        const sa = kernel.decoder.decode(a, kernel.clientRing);
        expect(generic.decoder.decode(b, generic.clientRing), context).toBe(sa);
        expect(sa, context).toBe(DecodeStatus.Ok);
        expect((kernel.decoder.lastDecoded as SnapshotState).equals(sent), context).toBe(true);
        expect((generic.decoder.lastDecoded as SnapshotState).equals(sent), context).toBe(true);
      }
    },
  );

  it.each([21, 22, 23, 24])(
    "refuse or accept mutated and truncated snapshots alike on both paths, never throwing (seed %i)",
    (seed) => {
      const rng = createRng(seed);
      const { registry, describe: layout } = transformRegistry(rng);
      const current = new SnapshotState(registry, CAPACITY);
      const kernel = build(registry, true);
      const generic = build(registry, false);
      const good: Uint8Array[] = [];
      for (let tick = 0; tick < 24; tick++) {
        evolve(rng, registry, current);
        current.tick = tick;
        encodeTick(kernel, current, tick, tick - 2, tick % 2 === 1);
        const bytes = kernel.writer.finish().slice();
        good.push(bytes);
        expect(kernel.decoder.decode(bytes, kernel.clientRing)).toBe(DecodeStatus.Ok);
        expect(generic.decoder.decode(bytes, generic.clientRing)).toBe(DecodeStatus.Ok);
      }
      const seen = new Set<DecodeStatus>();
      for (let i = 0; i < 1200; i++) {
        const bytes = mutatedSnapshot(rng, good);
        codecKernels.enabled = true;
        const dk = new SnapshotDecoder(registry, CAPACITY);
        codecKernels.enabled = false;
        const dg = new SnapshotDecoder(registry, CAPACITY);
        codecKernels.enabled = true;
        let sk: DecodeStatus = DecodeStatus.Ok;
        let sg: DecodeStatus = DecodeStatus.Ok;
        expect(() => {
          sk = dk.decode(bytes, kernel.clientRing);
          sg = dg.decode(bytes, generic.clientRing);
        }).not.toThrow();
        expect(sk, `seed ${seed}, case ${i}, fields ${layout.join(" ")}`).toBe(sg);
        seen.add(sk);
        if (sk === DecodeStatus.Ok)
          expect((dk.lastDecoded as SnapshotState).equals(dg.lastDecoded as SnapshotState)).toBe(true);
      }
      expect(seen.size).toBeGreaterThan(1);
    },
  );

  it("refuse every single-bit flip alike on both paths (a rotation's full value out of its range too)", () => {
    const rng = createRng(77);
    const registry = new ReplicationRegistry();
    registry.replicate([] as number[][], new ThresholdTransform(5));
    registry.replicate(soa(), TransformTemplate({ min: -8, max: 8, precision: 0.01, rotationBits: 6 }));
    const current = new SnapshotState(registry, CAPACITY);
    const kernel = build(registry, true);
    const generic = build(registry, false);
    const good: Uint8Array[] = [];
    for (let tick = 0; tick < 8; tick++) {
      evolve(rng, registry, current);
      current.tick = tick;
      encodeTick(kernel, current, tick, tick - 1, tick % 2 === 0);
      good.push(kernel.writer.finish().slice());
      expect(kernel.decoder.decode(good[tick] as Uint8Array, kernel.clientRing)).toBe(DecodeStatus.Ok);
      expect(generic.decoder.decode(good[tick] as Uint8Array, generic.clientRing)).toBe(DecodeStatus.Ok);
    }
    const statuses = new Set<DecodeStatus>();
    for (const src of good.slice(4)) {
      for (let bit = 0; bit < src.length * 8; bit++) {
        const bytes = src.slice();
        bytes[bit >>> 3] = (bytes[bit >>> 3] as number) ^ (1 << (bit & 7));
        codecKernels.enabled = true;
        const dk = new SnapshotDecoder(registry, CAPACITY);
        codecKernels.enabled = false;
        const dg = new SnapshotDecoder(registry, CAPACITY);
        codecKernels.enabled = true;
        const sk = dk.decode(bytes, kernel.clientRing);
        expect(dg.decode(bytes, generic.clientRing), `bit ${bit}`).toBe(sk);
        statuses.add(sk);
        if (sk === DecodeStatus.Ok)
          expect((dk.lastDecoded as SnapshotState).equals(dg.lastDecoded as SnapshotState)).toBe(true);
      }
    }
    expect(statuses.has(DecodeStatus.Invalid)).toBe(true);
  });

  it.each([41, 42, 43])(
    "are priced exactly when everything fits, bounded under a budget (seed %i)",
    (seed) => {
      const rng = createRng(seed);
      const { registry, describe: layout } = transformRegistry(rng);
      const current = new SnapshotState(registry, CAPACITY);
      let exact = 0;
      for (const kernels of [true, false]) {
        const side = build(registry, kernels);
        const plan = (side.encoder as unknown as { plan: EncodePlan }).plan;
        for (let tick = 0; tick < 40; tick++) {
          evolve(rng, registry, current);
          const budgetBytes = rng.chance(0.4) ? rng.int(24, 160) : undefined;
          const r = encodeTick(side, current, tick, tick - 3, rng.chance(0.5), { budgetBytes });
          const baseline = side.serverRing.newestAckedState();
          const context = `seed ${seed}, tick ${tick}, kernels ${kernels}, fields ${layout.join(" ")}`;
          costUpdates(plan, current, baseline);
          const measured = measure(plan, tick, baseline);
          if (r.deferred === 0) expect(measured, context).toBe(r.bits);
          else expect(measured, context).toBeGreaterThanOrEqual(r.bits);
          if (r.deferred === 0 && r.updates > 0) exact++;
          expect(side.decoder.decode(side.writer.finish(), side.clientRing), context).toBe(DecodeStatus.Ok);
        }
      }
      expect(exact).toBeGreaterThan(0);
    },
  );
});
