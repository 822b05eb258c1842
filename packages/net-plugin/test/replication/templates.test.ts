import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { BitReader } from "../../src/protocol/bitReader";
import { BitWriter } from "../../src/protocol/bitWriter";
import {
  BoolTemplate,
  EnumTemplate,
  FloatTemplate,
  IntTemplate,
  quatAngle,
  QuatTemplate,
  StringTemplate,
  TransformTemplate,
  Vec2Template,
  Vec3Template,
  type QuatLike,
  type ValueTemplate,
} from "../../src/replication/index";

const SEED = 20261125;

function roundTrip<T>(template: ValueTemplate<T>, value: T): T | undefined {
  const w = new BitWriter(1024);
  template.pack(w, value);
  expect(w.bitsWritten).toBeLessThanOrEqual(template.maxPackedBits);
  return template.unpack(new BitReader(w.finish()));
}

function randomQuat(rng: ReturnType<typeof createRng>): QuatLike {
  const q = { x: rng.gaussian(), y: rng.gaussian(), z: rng.gaussian(), w: rng.gaussian() };
  const l = Math.hypot(q.x, q.y, q.z, q.w);
  return { x: q.x / l, y: q.y / l, z: q.z / l, w: q.w / l };
}

describe("templates round-trip within their precision", () => {
  const rng = createRng(SEED);

  it("FloatTemplate: error ≤ precision / 2, clamps out-of-range and NaN", () => {
    const t = FloatTemplate({ min: -10, max: 10, precision: 0.01 });
    for (let i = 0; i < 2000; i++) {
      const v = rng.range(-10, 10);
      expect(Math.abs((roundTrip(t, v) as number) - v)).toBeLessThanOrEqual(0.005 + 1e-9);
    }
    expect(roundTrip(t, 50)).toBe(10);
    expect(roundTrip(t, -50)).toBe(-10);
    expect(roundTrip(t, Number.NaN)).toBe(-10);
    expect(t.maxPackedBits).toBe(11);
  });

  it("IntTemplate: exact in range, by range or by bits", () => {
    const t = IntTemplate({ min: -5, max: 1000 });
    for (let v = -5; v <= 1000; v += 7) expect(roundTrip(t, v)).toBe(v);
    expect(roundTrip(t, 5000)).toBe(1000);
    const b = IntTemplate({ bits: 12 });
    expect(roundTrip(b, 4095)).toBe(4095);
    expect(b.maxPackedBits).toBe(12);
    expect(() => IntTemplate({ min: 0, max: 2 ** 31 })).toThrow(/bits/);
  });

  it("BoolTemplate and EnumTemplate are exact", () => {
    expect(roundTrip(BoolTemplate(), true)).toBe(true);
    expect(roundTrip(BoolTemplate(), false)).toBe(false);
    const e = EnumTemplate(["idle", "run", "jump"] as const);
    for (const v of ["idle", "run", "jump"] as const) expect(roundTrip(e, v)).toBe(v);
    expect(e.maxPackedBits).toBe(2);
    expect(() => EnumTemplate(["a", "a"])).toThrow(/unique/);
  });

  it("Vec2Template / Vec3Template: every axis within precision / 2, per-axis bounds", () => {
    const v2 = Vec2Template({ min: -50, max: 50, precision: 0.02 });
    const v3 = Vec3Template({
      min: { x: -100, y: 0, z: -100 },
      max: { x: 100, y: 20, z: 100 },
      precision: 1 / 512,
    });
    for (let i = 0; i < 1000; i++) {
      const a = { x: rng.range(-50, 50), y: rng.range(-50, 50) };
      const r2 = roundTrip(v2, a) as typeof a;
      expect(Math.abs(r2.x - a.x)).toBeLessThanOrEqual(0.01 + 1e-9);
      expect(Math.abs(r2.y - a.y)).toBeLessThanOrEqual(0.01 + 1e-9);
      const b = { x: rng.range(-100, 100), y: rng.range(0, 20), z: rng.range(-100, 100) };
      const r3 = roundTrip(v3, b) as typeof b;
      for (const k of ["x", "y", "z"] as const)
        expect(Math.abs(r3[k] - b[k])).toBeLessThanOrEqual(1 / 1024 + 1e-9);
    }
    expect(v3.slotBits).toEqual([17, 14, 17]);
  });

  it("QuatTemplate: smallest-three, worst angle error bounded by the bits", () => {
    for (const bits of [9, 12]) {
      const t = QuatTemplate({ bits });
      expect(t.maxPackedBits).toBe(2 + 3 * bits);
      // Half a step on each of three components of [-1/√2, 1/√2], and the rebuilt fourth one
      // inherits their error: the angle error stays within a few steps (≈0.5° at 9 bits).
      const step = Math.SQRT2 / ((1 << bits) - 1);
      let worst = 0;
      for (let i = 0; i < 3000; i++) {
        const q = randomQuat(rng);
        const r = roundTrip(t, q) as QuatLike;
        // float32 components (dequantizeQuat's arithmetic): unit length within a few 2^-24.
        expect(Math.abs(Math.hypot(r.x, r.y, r.z, r.w) - 1)).toBeLessThan(2 ** -21);
        worst = Math.max(worst, quatAngle(q, r));
      }
      expect(worst).toBeLessThanOrEqual(3.5 * step);
      expect(worst).toBeGreaterThan(0.5 * step);
    }
    expect(() => QuatTemplate({ bits: 1 })).toThrow(/bits/);
  });

  it("TransformTemplate: position within precision / 2 and rotation within the quat bound", () => {
    const t = TransformTemplate({ min: -64, max: 64, precision: 0.001, rotationBits: 11 });
    for (let i = 0; i < 1000; i++) {
      const q = randomQuat(rng);
      const v = {
        x: rng.range(-64, 64),
        y: rng.range(-64, 64),
        z: rng.range(-64, 64),
        qx: q.x,
        qy: q.y,
        qz: q.z,
        qw: q.w,
      };
      const r = roundTrip(t, v) as typeof v;
      for (const k of ["x", "y", "z"] as const)
        expect(Math.abs(r[k] - v[k])).toBeLessThanOrEqual(0.0005 + 1e-9);
      expect(quatAngle(q, { x: r.qx, y: r.qy, z: r.qz, w: r.qw })).toBeLessThan(0.002);
    }
  });

  it("StringTemplate: exact up to maxBytes, cut at a character boundary beyond", () => {
    const t = StringTemplate({ maxBytes: 10 });
    for (const s of ["", "a", "héllo", "0123456789"]) expect(roundTrip(t, s)).toBe(s);
    expect(roundTrip(t, "0123456789abc")).toBe("0123456789");
    expect(roundTrip(t, "ééééééé")).toBe("ééééé");
    const w = new BitWriter(64);
    t.pack(w, "hi");
    expect(w.bitsWritten).toBe(4 + 16);
  });
});

describe("templates never throw on hostile bytes", () => {
  const templates: ValueTemplate<unknown>[] = [
    FloatTemplate({ min: 0, max: 1, precision: 0.001 }),
    IntTemplate({ min: 3, max: 9 }),
    BoolTemplate(),
    EnumTemplate(["a", "b", "c"]),
    Vec2Template({ min: -1, max: 1, precision: 0.1 }),
    Vec3Template({ min: -1, max: 1, precision: 0.001 }),
    QuatTemplate(),
    TransformTemplate({ min: -8, max: 8, precision: 0.01 }),
    StringTemplate({ maxBytes: 16 }),
  ] as ValueTemplate<unknown>[];

  it.each(templates.map((t) => [t.descriptor, t] as const))(
    "%s: random bytes give a valid value or undefined",
    (_, t) => {
      const rng = createRng(SEED + 1);
      const slots = new Int32Array(t.width);
      for (let i = 0; i < 500; i++) {
        const bytes = Uint8Array.from({ length: rng.int(0, 40) }, () => rng.int(0, 255));
        const r = new BitReader(bytes);
        let value: unknown;
        expect(() => {
          value = t.unpack(r);
        }).not.toThrow();
        if (value !== undefined) {
          // Whatever decodes re-quantizes to valid slots.
          t.quantize(value, slots, 0);
          expect(t.isValid(slots, 0)).toBe(true);
        }
      }
    },
  );

  it("an out-of-range enum index or string length is rejected, not returned", () => {
    const e = EnumTemplate(["a", "b", "c"]);
    expect(e.unpack(new BitReader(Uint8Array.of(3)))).toBeUndefined();
    const s = StringTemplate({ maxBytes: 5 });
    expect(s.unpack(new BitReader(Uint8Array.of(7, 0, 0, 0, 0, 0, 0, 0)))).toBeUndefined();
  });
});

describe("threshold, interpolate, extrapolate", () => {
  it("threshold: changes under it are not worth sending", () => {
    const t = FloatTemplate({ min: 0, max: 100, precision: 0.01, threshold: 0.5 });
    expect(t.threshold(10, 10.3)).toBe(false);
    expect(t.threshold(10, 10.6)).toBe(true);
    const exact = Vec3Template({ min: -1, max: 1, precision: 0.01 });
    expect(exact.threshold({ x: 0, y: 0, z: 0 }, { x: 0, y: 0.002, z: 0 })).toBe(false);
    expect(exact.threshold({ x: 0, y: 0, z: 0 }, { x: 0, y: 0.02, z: 0 })).toBe(true);
  });

  it("vectors lerp and extrapolate linearly; quaternions take the short arc", () => {
    const v = Vec3Template({ min: -10, max: 10, precision: 0.01 });
    const out = v.createValue();
    expect(v.interpolate({ x: 0, y: 0, z: 0 }, { x: 2, y: 4, z: -2 }, 0.5, out)).toEqual({
      x: 1,
      y: 2,
      z: -1,
    });
    expect(v.extrapolate({ x: 0, y: 0, z: 0 }, 0, { x: 1, y: 1, z: 1 }, 1, 3, out)).toEqual({
      x: 3,
      y: 3,
      z: 3,
    });
    const q = QuatTemplate();
    const a = { x: 0, y: 0, z: 0, w: 1 };
    const half = Math.SQRT1_2;
    const b = { x: 0, y: half, z: 0, w: half }; // 90° about y
    const mid = q.interpolate(a, b, 0.5, q.createValue());
    expect(quatAngle(a, mid)).toBeCloseTo(Math.PI / 4, 6);
    const negB = { x: -0, y: -half, z: -0, w: -half };
    expect(quatAngle(a, q.interpolate(a, negB, 0.5, q.createValue()))).toBeCloseTo(Math.PI / 4, 6);
    const ext = q.extrapolate(a, 0, b, 1, 2, q.createValue());
    expect(quatAngle(a, ext)).toBeCloseTo(Math.PI, 5);
  });
});
