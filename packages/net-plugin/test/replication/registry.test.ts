import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { BitReader } from "../../src/protocol/bitReader";
import { BitWriter } from "../../src/protocol/bitWriter";
import { createProtocolHash } from "../../src/protocol/protocolHash";
import { readExpGolomb, writeExpGolomb } from "../../src/replication/codec/expGolomb";
import { WordReader, WordWriter } from "../../src/replication/codec/wordBits";
import {
  EntityMap,
  FloatTemplate,
  NetworkIdAllocator,
  NONE,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  StringTemplate,
  TransformTemplate,
  Vec3Template,
} from "../../src/replication/index";

const vec = () => Vec3Template({ min: -10, max: 10, precision: 0.001 });

describe("ReplicationRegistry binds bitecs component shapes", () => {
  it("SoA typed arrays, arrays of objects and plain arrays quantize and apply the same values", () => {
    const soa = { x: new Float32Array(8), y: new Float32Array(8), z: new Float32Array(8) };
    const aos: { x: number; y: number; z: number }[] = [];
    const health = new Float32Array(8);
    const names: string[] = [];
    const r = new ReplicationRegistry();
    const fSoa = r.replicate(soa, vec(), { name: "soa" });
    const fAos = r.replicate(aos, vec(), { name: "aos" });
    const fHp = r.replicate(health, FloatTemplate({ min: 0, max: 100, precision: 0.1 }), { name: "hp" });
    const fName = r.replicate(names, StringTemplate({ maxBytes: 8 }), { name: "name" });
    expect([fSoa.binding.shape, fAos.binding.shape, fHp.binding.shape, fName.binding.shape]).toEqual([
      "soa",
      "aos",
      "array",
      "array",
    ]);
    expect(r.stride).toBe(3 + 3 + 1 + 4);
    soa.x[3] = 1.5;
    soa.y[3] = -2.25;
    soa.z[3] = 9;
    aos[3] = { x: 1.5, y: -2.25, z: 9 };
    health[3] = 42.5;
    names[3] = "bob";
    const q = new Int32Array(r.stride);
    for (const f of r.fields) f.binding.quantize(3, q, f.offset);
    expect(Array.from(q.subarray(0, 3))).toEqual(Array.from(q.subarray(3, 6)));
    // Apply to entity 5 on every shape.
    for (const f of r.fields) f.binding.apply(5, q, f.offset);
    expect([soa.x[5], soa.y[5], soa.z[5]]).toEqual([1.5, -2.25, 9]);
    expect(aos[5]).toEqual({ x: 1.5, y: -2.25, z: 9 });
    expect(health[5]).toBeCloseTo(42.5, 5);
    expect(names[5]).toBe("bob");
  });

  it("maps channels to differently named SoA keys, and one array of an SoA component for a scalar", () => {
    const rot = {
      qx: new Float32Array(4),
      qy: new Float32Array(4),
      qz: new Float32Array(4),
      qw: new Float32Array(4),
    };
    const stats = { hp: new Float32Array(4), armor: new Float32Array(4) };
    const r = new ReplicationRegistry();
    const f = r.replicate(rot, QuatTemplate(), { fields: { x: "qx", y: "qy", z: "qz", w: "qw" } });
    const hp = r.replicate(stats, FloatTemplate({ min: 0, max: 10, precision: 0.5 }), {
      fields: { value: "hp" },
    });
    rot.qw[1] = 1;
    stats.hp[1] = 7;
    const q = new Int32Array(r.stride);
    f.binding.quantize(1, q, f.offset);
    hp.binding.quantize(1, q, hp.offset);
    f.binding.apply(2, q, f.offset);
    hp.binding.apply(2, q, hp.offset);
    expect(rot.qw[2]).toBeCloseTo(1, 4);
    expect(stats.hp[2]).toBe(7);
  });

  it("a Transform over one SoA component { x, y, z, qx, qy, qz, qw } round-trips through its binding", () => {
    const keys = ["x", "y", "z", "qx", "qy", "qz", "qw"] as const;
    const transform = Object.fromEntries(keys.map((k) => [k, new Float64Array(4)])) as Record<
      (typeof keys)[number],
      Float64Array
    >;
    const r = new ReplicationRegistry();
    const f = r.replicate(
      transform,
      TransformTemplate({ min: -8, max: 8, precision: 0.001, rotationBits: 12 }),
    );
    const half = Math.SQRT1_2;
    const v = { x: 1.25, y: -3.5, z: 7.999, qx: 0, qy: half, qz: 0, qw: half };
    for (const k of keys) transform[k][1] = v[k];
    const q = new Int32Array(r.stride);
    f.binding.quantize(1, q, 0);
    f.binding.apply(2, q, 0);
    for (const k of keys) expect(transform[k][2]).toBeCloseTo(v[k], 3);
  });

  it("misuse throws with the fix in the message", () => {
    const r = new ReplicationRegistry();
    expect(() => r.replicate({ a: new Float32Array(2) }, vec(), { name: "pos" })).toThrow(
      /no array "x".*fields/,
    );
    expect(() => r.replicate({ a: 1 }, FloatTemplate({ min: 0, max: 1, precision: 0.1 }))).toThrow(
      /array or typed array/,
    );
    const c = new Float32Array(2);
    r.replicate(c, FloatTemplate({ min: 0, max: 1, precision: 0.1 }), { name: "f" });
    expect(() => r.replicate(c, FloatTemplate({ min: 0, max: 1, precision: 0.1 }))).toThrow(
      /already replicated/,
    );
    new SnapshotState(r, 4);
    expect(() => r.replicate(new Float32Array(2), FloatTemplate({ min: 0, max: 1, precision: 0.1 }))).toThrow(
      /closed/,
    );
  });

  it("feeds the protocol hash: same declarations hash equal, any change in a template differs", () => {
    const build = (precision: number, name = "pos") => {
      const r = new ReplicationRegistry();
      r.replicate({ x: [], y: [], z: [] }, Vec3Template({ min: -1, max: 1, precision }), { name });
      return r.addToHash(createProtocolHash()).digest();
    };
    expect(build(0.01)).toBe(build(0.01));
    expect(build(0.01)).not.toBe(build(0.02));
    expect(build(0.01)).not.toBe(build(0.01, "position"));
  });
});

describe("entity id mapping", () => {
  it("maps both ways and unbinds", () => {
    const m = new EntityMap(8);
    m.bind(3, 100);
    expect(m.entityOf(3)).toBe(100);
    expect(m.netIdOf(100)).toBe(3);
    m.bind(3, 101);
    expect(m.netIdOf(100)).toBe(NONE);
    expect(m.unbindNet(3)).toBe(101);
    expect(m.entityOf(3)).toBe(NONE);
    expect(m.entityOf(99)).toBe(NONE);
  });

  it("quarantines released network ids before reusing them, and says when all are used", () => {
    const a = new NetworkIdAllocator(2, 10);
    expect(a.allocate(50, 0)).toBe(0);
    expect(a.allocate(51, 0)).toBe(1);
    expect(a.allocate(50, 0)).toBe(0);
    expect(a.release(50, 5)).toBe(0);
    expect(() => a.allocate(52, 14)).toThrow(/quarantined/);
    expect(a.allocate(52, 15)).toBe(0);
    expect(a.map.entityOf(0)).toBe(52);
  });
});

describe("codec bit packing", () => {
  it("word writer output reads back bit-identically through protocol/'s BitReader, even unaligned", () => {
    const rng = createRng(42);
    const values: [number, number][] = [];
    const words = new WordWriter(16);
    for (let i = 0; i < 5000; i++) {
      const bits = rng.int(1, 32);
      const v = bits === 32 ? rng.int(0, 0xffffffff) : rng.int(0, 2 ** bits - 1);
      values.push([v, bits]);
      words.writeBits(v, bits);
    }
    const writer = new BitWriter(64 * 1024);
    writer.writeBits(5, 3); // a packet header before the snapshot: unaligned start
    words.copyTo(writer);
    const reader = new BitReader(writer.finish());
    expect(reader.readBits(3)).toBe(5);
    for (const [v, bits] of values) expect(reader.readBits(bits)).toBe(v);
    const wr = new WordReader();
    const alone = new BitWriter(64 * 1024);
    words.copyTo(alone);
    wr.reset(alone.finish());
    for (const [v, bits] of values) expect(wr.readBits(bits)).toBe(v);
    expect(wr.overflowed).toBe(false);
    wr.readBits(32);
    expect(wr.overflowed).toBe(true);
  });

  it("Exp-Golomb codes round-trip for every order, and truncation reads as -1", () => {
    const rng = createRng(7);
    const w = new WordWriter();
    const items: [number, number][] = [];
    for (let i = 0; i < 3000; i++) {
      const k = rng.int(0, 15);
      const u = rng.chance(0.5) ? rng.int(0, 300) : rng.int(0, 2 ** 31 - 2);
      items.push([u, k]);
      writeExpGolomb(w, u, k);
    }
    const out = new BitWriter(64 * 1024);
    w.copyTo(out);
    const r = new WordReader();
    r.reset(out.finish());
    for (const [u, k] of items) expect(readExpGolomb(r, k)).toBe(u);
    expect(readExpGolomb(r, 0)).toBe(-1);
    r.reset(new Uint8Array(8));
    expect(readExpGolomb(r, 3)).toBe(-1);
  });
});
