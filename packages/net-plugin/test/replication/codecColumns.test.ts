/**
 * The updates section's value columns (codec/columns.ts): the width choice with patched outliers
 * (PFOR), the cost of one fast entity among slow ones, the decoders' checks on a hand-written
 * column section (both the generated kernel and the generic path; never a throw), and budgets
 * priced with the columns' widths (exact when everything fits, an upper bound under selection).
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { BitWriter } from "../../src/protocol/bitWriter";
import {
  chooseWidths,
  ColumnChoice,
  COLUMN_BUCKETS,
  EXCEPTION_WIDTH_BITS,
  positionBits,
  WIDTH_BITS,
} from "../../src/replication/codec/columns";
import { costUpdates, measure } from "../../src/replication/codec/budgetPlan";
import { TICK_K, type EncodePlan } from "../../src/replication/codec/encodePlan";
import { codecKernels } from "../../src/replication/codec/kernels/compileKernel";
import { WordWriter } from "../../src/replication/codec/wordBits";
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
import { build, step } from "./codecRig";
import { CAPACITY, randomRegistry } from "./kernelFixture";

afterEach(() => {
  codecKernels.enabled = true;
});

/** chooseWidths' cost of width w for a histogram (the brute-force reference). */
function costOf(hist: number[], w: number): number {
  const n = hist.reduce((a, b) => a + b, 0);
  const longest = hist.reduce((m, c, l) => (c > 0 ? l : m), 0);
  let e = 0;
  for (let l = w + 1; l < COLUMN_BUCKETS; l++) e += hist[l] ?? 0;
  const countBits = 2 * Math.floor(Math.log2(e + 1)) + 1;
  return n * w + countBits + (e > 0 ? EXCEPTION_WIDTH_BITS + e * (positionBits(n) + longest - w) : 0);
}

function choose(hist: number[]): ColumnChoice {
  const c = new ColumnChoice(1);
  hist.forEach((v, l) => (c.hist[l] = v));
  chooseWidths(c);
  return c;
}

describe("column widths (PFOR)", () => {
  it("take the longest value when the column is uniform, and 0 when it is all zeros", () => {
    const h = new Array<number>(COLUMN_BUCKETS).fill(0);
    h[3] = 10;
    h[2] = 5;
    const c = choose(h);
    expect([c.width[0], c.exceptions[0], c.exWidth[0], c.count[0]]).toEqual([3, 0, 0, 15]);
    const zeros = new Array<number>(COLUMN_BUCKETS).fill(0);
    zeros[0] = 7;
    expect(choose(zeros).width[0]).toBe(0);
  });

  it("patch one outlier instead of widening the column", () => {
    const h = new Array<number>(COLUMN_BUCKETS).fill(0);
    h[3] = 99;
    h[20] = 1;
    const c = choose(h);
    expect([c.width[0], c.exceptions[0], c.exWidth[0]]).toEqual([3, 1, 17]);
    // Its price: the column width, its position (7 bits for 100 values) and its 17 high bits.
    expect(c.exPrice[0]).toBe(7 + 17);
  });

  it("choose the cheapest width on random histograms (lowest of equal costs)", () => {
    const rng = createRng(77);
    for (let i = 0; i < 300; i++) {
      const h = new Array<number>(COLUMN_BUCKETS).fill(0);
      const top = rng.int(0, 31);
      for (let l = 0; l <= top; l++) if (rng.chance(0.5)) h[l] = rng.int(0, rng.chance(0.3) ? 2 : 60);
      const c = choose(h);
      if (c.count[0] === 0) continue;
      const longest = h.reduce((m, v, l) => (v > 0 ? l : m), 0);
      let best = 0;
      for (let w = 1; w <= longest; w++) if (costOf(h, w) < costOf(h, best)) best = w;
      expect(c.width[0], `histogram ${h.join(",")}`).toBe(best);
    }
  });
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

describe("one teleporting entity among 100", () => {
  it.each([true, false])("costs its own bits, not the column's width × 100 (kernels %s)", (kernels) => {
    const registry = world();
    codecKernels.enabled = kernels;
    const encoder = new SnapshotEncoder(registry, N);
    codecKernels.enabled = true;
    const rng = createRng(3);
    const base = new SnapshotState(registry, N);
    for (let id = 0; id < N; id++) {
      base.setPresent(id, 3);
      for (let s = 0; s < 3; s++) base.values[id * registry.stride + s] = 1 << 19;
    }
    base.highWater = N;
    base.sequence = 1;
    // Every entity moves by ±7 quanta per slot; entity 42 also teleports by ~2^19 quanta per axis.
    const moved = new SnapshotState(registry, N);
    moved.copyFrom(base);
    for (let id = 0; id < N; id++)
      for (let s = 0; s < 3; s++) moved.values[id * registry.stride + s] = (1 << 19) + rng.int(-7, 7);
    const teleported = new SnapshotState(registry, N);
    teleported.copyFrom(moved);
    for (let s = 0; s < 3; s++) teleported.values[42 * registry.stride + s] = 3 + s;
    const bits = (current: SnapshotState): number => {
      const writer = new BitWriter(64 * 1024);
      const out = new SnapshotState(registry, N);
      return encoder.encode(writer, { sequence: 2, tick: 2, current, baseline: base, out }).bits;
    };
    const slow = bits(moved);
    const fast = bits(teleported);
    // Own bits: per axis ≤ 4 column bits + 7 position bits + 21 high bits, plus each column's
    // exception fields (≤ 5 + 3). A column widened for it would cost 100 × 17 more bits per axis.
    expect(fast - slow).toBeLessThanOrEqual(3 * (4 + 7 + 21 + 8));
    expect(fast - slow).toBeGreaterThan(3 * 21);
  });
});

/**
 * A snapshot with sequence `seq` against baseline 0: entities 0 and 1 (single Vec3 field, so no
 * flags) update, both in the bitmap; `columns` writes the three column sections.
 */
function handWritten(seq: number, columns: (w: WordWriter) => void): Uint8Array {
  const w = new WordWriter();
  w.writeBits(seq, 16);
  w.writeExpGolomb(seq, TICK_K);
  w.writeBool(true);
  w.writeBits(0, 16);
  w.writeBool(false); // no reference
  w.writeExpGolomb(0, 0); // despawns
  w.writeExpGolomb(0, 0); // spawns
  w.writeExpGolomb(2, 0); // updates
  w.writeBool(true); // bitmap (no k table: the only field is in the columns)
  w.writeBits(0b11, 2);
  columns(w);
  const writer = new BitWriter(1024);
  w.copyTo(writer);
  return writer.finish().slice();
}

/** One column: width, values, exception count, and with exceptions their width and entries. */
function column(w: WordWriter, width: number, values: number[], ex: [number, number][], x = 0): void {
  w.writeBits(width, WIDTH_BITS);
  for (const v of values) if (width > 0) w.writeBits(v, width);
  w.writeExpGolomb(ex.length, 0);
  if (ex.length === 0) return;
  w.writeBits(x, EXCEPTION_WIDTH_BITS);
  for (const [at, high] of ex) {
    w.writeBits(at, 1); // positionBits(2) = 1
    if (x > 0) w.writeBits(high, x);
  }
}

describe("hand-written column sections", () => {
  const registry = new ReplicationRegistry();
  registry.replicate(
    { x: new Float32Array(8), y: new Float32Array(8), z: new Float32Array(8) },
    Vec3Template({ min: 0, max: 100, precision: 0.01 }),
  );
  registry.close();
  const BASE = 5000;
  function rig(kernels: boolean) {
    codecKernels.enabled = kernels;
    const encoder = new SnapshotEncoder(registry, 8);
    const decoder = () => {
      codecKernels.enabled = kernels;
      const d = new SnapshotDecoder(registry, 8);
      codecKernels.enabled = true;
      return d;
    };
    codecKernels.enabled = true;
    const ring = new BaselineRing(registry, 8);
    const server = new SnapshotState(registry, 8);
    for (let id = 0; id < 2; id++) {
      server.setPresent(id, 1);
      for (let s = 0; s < 3; s++) server.values[id * 3 + s] = BASE;
    }
    server.highWater = 2;
    const writer = new BitWriter(1024);
    encoder.encode(writer, {
      sequence: 0,
      tick: 0,
      current: server,
      baseline: undefined,
      out: new SnapshotState(registry, 8),
    });
    expect(decoder().decode(writer.finish(), ring)).toBe(DecodeStatus.Ok);
    return { ring, decoder };
  }

  it.each([true, false])(
    "decode values and patched exceptions as docs/REPLICATION.md lays them out (kernels %s)",
    (kernels) => {
      const { ring, decoder } = rig(kernels);
      const bytes = handWritten(1, (w) => {
        column(w, 2, [1, 2], []); // x: +(-1), +1
        column(w, 1, [0, 1], [[0, 0b101]], 3); // y: u = 0b1010 = 10 → +5; u = 1 → −1
        column(w, 0, [0, 0], []); // z unchanged
      });
      const d = decoder();
      expect(d.decode(bytes, ring)).toBe(DecodeStatus.Ok);
      const v = (d.lastDecoded as SnapshotState).values;
      expect(Array.from(v.subarray(0, 6))).toEqual([BASE - 1, BASE + 5, BASE, BASE + 1, BASE - 1, BASE]);
    },
  );

  const bad: [string, (w: WordWriter) => void][] = [
    [
      "exceptions out of order",
      (w) =>
        column(
          w,
          1,
          [0, 0],
          [
            [1, 1],
            [0, 1],
          ],
          2,
        ),
    ],
    [
      "an exception position twice",
      (w) =>
        column(
          w,
          1,
          [0, 0],
          [
            [0, 1],
            [0, 1],
          ],
          2,
        ),
    ],
    [
      "more exceptions than values",
      (w) =>
        column(
          w,
          1,
          [0, 0],
          [
            [0, 1],
            [1, 1],
            [1, 1],
          ],
          2,
        ),
    ],
    ["an exception width of 0", (w) => column(w, 1, [0, 0], [[0, 0]], 0)],
    ["width + exception width above 31", (w) => column(w, 20, [0, 0], [[0, 1]], 12)],
    ["an exception without high bits", (w) => column(w, 1, [0, 0], [[0, 0]], 2)],
    ["a value below the slot's range", (w) => column(w, 16, [2 * BASE + 1, 0], [])],
    ["a value above the slot's range", (w) => column(w, 16, [2 * 6000, 0], [])],
  ];
  it.each([true, false])("refuse malformed columns as Invalid, never throwing (kernels %s)", (kernels) => {
    const { ring, decoder } = rig(kernels);
    bad.forEach(([what, write], i) => {
      const bytes = handWritten(2 + i, (w) => {
        column(w, 0, [0, 0], []);
        write(w);
        column(w, 0, [0, 0], []);
      });
      expect(decoder().decode(bytes, ring), what).toBe(DecodeStatus.Invalid);
    });
  });

  it.each([true, false])("refuse every truncation of the columns as Truncated (kernels %s)", (kernels) => {
    const { ring, decoder } = rig(kernels);
    const bytes = handWritten(20, (w) => {
      column(w, 9, [300, 2], [[1, 3]], 4);
      column(w, 3, [5, 2], []);
      column(w, 30, [1, 0], []);
    });
    const d = decoder();
    const start = handWritten(20, () => undefined).length - 1;
    // Every shorter byte length that cuts into the columns (the first of which starts in byte `start`).
    for (let length = start; length < bytes.length; length++)
      expect(d.decode(bytes.subarray(0, length), ring), `length ${length}`).toBe(DecodeStatus.Truncated);
    expect(d.decode(bytes, ring)).toBe(DecodeStatus.Ok);
  });
});

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
          if (tick >= 3) side.serverRing.markAcked(tick - 3);
          for (let id = 0; id < CAPACITY; id++) priority[id] = rng.range(0, 10);
          const baseline = side.serverRing.newestAckedState();
          const budgetBytes = rng.chance(0.5) ? rng.int(24, 160) : undefined;
          side.writer.reset();
          const r = side.encoder.encode(side.writer, {
            sequence: tick,
            tick,
            current,
            baseline,
            reference: baseline && rng.chance(0.5) ? side.serverRing.referenceFor(baseline, tick) : undefined,
            out: side.serverRing.acquire(tick),
            priority,
            budgetBytes,
          });
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
