/**
 * The updates section's value columns under budgets and mutation: budgets priced with the
 * columns' widths (exact when everything fits, an upper bound under selection), and mutated or cut
 * column sections refused or decoded alike by the generated kernel and the generic path.
 */
import { createRng } from "@canopy/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BitWriter } from "../../src/protocol/bitWriter";
import { costUpdates, measure } from "../../src/replication/codec/budgetPlan";
import type { EncodePlan } from "../../src/replication/codec/encodePlan";
import { codecKernels } from "../../src/replication/codec/kernels/compileKernel";
import { wasmKernels } from "../../src/replication/codec/wasm/wasmKernels";
import {
  BaselineRing,
  DecodeStatus,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  Vec3Template,
} from "../../src/replication/index";
import { build, encodeTick, step } from "./codecRig";
import { CAPACITY, randomRegistry } from "./kernelFixture";

// The JS kernels' and generic path's budget pricing (budgetPlan.ts) on the JS encoder's plan; the
// wasm encoder prices in wasm and is compared byte for byte with these in wasm/wasmEncode*.test.ts.
beforeEach(() => {
  wasmKernels.enabled = false;
});
afterEach(() => {
  codecKernels.enabled = true;
  wasmKernels.enabled = true;
});

const N = 100;

function world() {
  const registry = new ReplicationRegistry();
  const soa = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, new Float32Array(N)]));
  registry.replicate(soa(["x", "y", "z"]), Vec3Template({ min: -500, max: 500, precision: 0.001 }));
  registry.replicate(soa(["x", "y", "z", "w"]), QuatTemplate({ bits: 12 }));
  registry.close();
  return registry;
}

describe("budgets with columns", () => {
  it.each([31, 32, 34, 35, 36])(
    "measure the written bits exactly when everything fits, and bound them under a budget (seed %i)",
    (seed) => {
      const rng = createRng(seed);
      const { registry, describe: layout } = randomRegistry(rng);
      const current = new SnapshotState(registry, CAPACITY);
      let held = 0;
      let exact = 0;
      for (const kernels of [true, false]) {
        const side = build(registry, kernels);
        const plan = (side.encoder as unknown as { plan: EncodePlan }).plan;
        const priority = new Float32Array(CAPACITY);
        for (let tick = 0; tick < 60; tick++) {
          step(rng, registry, current);
          for (let id = 0; id < CAPACITY; id++) priority[id] = rng.range(0, 10);
          const budgetBytes = rng.chance(0.5) ? rng.int(24, 160) : undefined;
          const r = encodeTick(side, current, tick, tick - 3, rng.chance(0.5), { priority, budgetBytes });
          const baseline = side.serverRing.newestAckedState();
          const context = `seed ${seed}, tick ${tick}, kernels ${kernels}, fields ${layout.join(" ")}`;
          if (budgetBytes !== undefined)
            expect(side.writer.bytesWritten, context).toBeLessThanOrEqual(budgetBytes);
          costUpdates(plan, current, baseline);
          const measured = measure(plan, tick, baseline);
          if (r.deferred === 0) expect(measured, context).toBe(r.bits);
          else expect(measured, context).toBeGreaterThanOrEqual(r.bits);
          if (r.deferred > 0) held++;
          else if (r.updates > 0) exact++;
          expect(side.decoder.decode(side.writer.finish(), side.clientRing), context).toBe(DecodeStatus.Ok);
        }
      }
      // Both cases were met: snapshots with updates that all fit, and snapshots that held some back.
      expect(held).toBeGreaterThan(0);
      expect(exact).toBeGreaterThan(0);
    },
  );
});

describe("mutated column sections", () => {
  it("are refused or decoded alike by the kernel and the generic path, never throwing", () => {
    const registry = world();
    const rng = createRng(91);
    const current = new SnapshotState(registry, N);
    const stride = registry.stride;
    for (let id = 0; id < N; id++) {
      current.setPresent(id, 3);
      for (let s = 0; s < 3; s++) current.values[id * stride + s] = 1 << 19;
    }
    const sides = [true, false].map((kernels) => {
      codecKernels.enabled = kernels;
      const parts = {
        encoder: new SnapshotEncoder(registry, N),
        decoder: () => {
          codecKernels.enabled = kernels;
          const d = new SnapshotDecoder(registry, N);
          codecKernels.enabled = true;
          return d;
        },
        server: new BaselineRing(registry, N),
        client: new BaselineRing(registry, N),
        writer: new BitWriter(64 * 1024),
      };
      codecKernels.enabled = true;
      return parts;
    });
    const snapshots: Uint8Array[] = [];
    for (let tick = 0; tick < 12; tick++) {
      // Slow movers, a few fast ones (exceptions), rotations with and without a new largest index.
      for (let id = 0; id < N; id++) {
        const o = id * stride;
        for (let s = 0; s < 3; s++)
          current.values[o + s] = Math.max(
            0,
            (current.values[o + s] as number) + (rng.chance(0.05) ? rng.int(-90000, 90000) : rng.int(-6, 6)),
          );
        if (rng.chance(0.3)) current.values[o + 3] = rng.int(0, 3);
        for (let s = 4; s < 7; s++) current.values[o + s] = rng.int(0, 511);
      }
      for (const side of sides) {
        if (tick >= 2) side.server.markAcked(tick - 2);
        const baseline = side.server.newestAckedState();
        side.writer.reset();
        side.encoder.encode(side.writer, {
          sequence: tick,
          tick,
          current,
          baseline,
          reference: baseline && tick % 2 === 0 ? side.server.referenceFor(baseline, tick) : undefined,
          out: side.server.acquire(tick),
        });
        const bytes = side.writer.finish().slice();
        expect(side.decoder().decode(bytes, side.client)).toBe(DecodeStatus.Ok);
        if (side === sides[0]) snapshots.push(bytes);
      }
    }
    const [kernel, generic] = sides as [(typeof sides)[0], (typeof sides)[0]];
    const outcomes = new Set<DecodeStatus>();
    for (let i = 0; i < 1500; i++) {
      const src = snapshots[rng.int(3, snapshots.length - 1)] as Uint8Array;
      // The columns are the snapshot's last ~two thirds: mutate there, or cut there.
      const from = Math.floor(src.length / 3);
      let bytes: Uint8Array;
      if (rng.chance(0.3)) bytes = src.subarray(0, rng.int(from, src.length - 1));
      else {
        bytes = src.slice();
        for (let m = rng.int(1, 3); m > 0; m--) {
          const at = rng.int(from, bytes.length - 1);
          bytes[at] = (bytes[at] as number) ^ (1 << rng.int(0, 7));
        }
      }
      const dk = kernel.decoder();
      const dg = generic.decoder();
      let sk: DecodeStatus = DecodeStatus.Ok;
      let sg: DecodeStatus = DecodeStatus.Ok;
      expect(() => {
        sk = dk.decode(bytes, kernel.client);
        sg = dg.decode(bytes, generic.client);
      }).not.toThrow();
      expect(sk, `case ${i}`).toBe(sg);
      outcomes.add(sk);
      if (sk === DecodeStatus.Ok)
        expect((dk.lastDecoded as SnapshotState).equals(dg.lastDecoded as SnapshotState), `case ${i}`).toBe(
          true,
        );
    }
    // Every kind of outcome was met: refused as truncated, as invalid, and (a flipped bit in a
    // value that stays in range) decoded.
    expect([...outcomes].sort()).toEqual(
      [DecodeStatus.Ok, DecodeStatus.Truncated, DecodeStatus.Invalid].sort(),
    );
  });
});
