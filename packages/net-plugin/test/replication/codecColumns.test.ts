/**
 * The updates section's value columns (codec/columns.ts): the width choice with patched outliers
 * (PFOR), the cost of one fast entity among slow ones, the decoders' checks on a hand-written
 * column section (both the generated kernel and the generic path; never a throw). Budgets and
 * mutations: codecColumnsFuzz.test.ts.
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
import { TICK_K } from "../../src/replication/codec/encodePlan";
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
