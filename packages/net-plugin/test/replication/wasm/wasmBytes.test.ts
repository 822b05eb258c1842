/**
 * LEB128 and float encoding of the WebAssembly emitter (codec/wasm/wasmBytes.ts) against an
 * independent decoder: random and edge values round-trip, encodings are minimal, and values that
 * do not fit throw.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { ByteWriter } from "../../../src/replication/codec/wasm/wasmBytes";

const SEED = 0x1eb;

/** Decodes one LEB128 number at `bytes[0]`: its value (as a bigint) and length. */
function decode(bytes: Uint8Array, signed: boolean): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  let i = 0;
  for (;;) {
    const b = bytes[i++];
    if (b === undefined) throw new Error("truncated LEB128");
    result |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) {
      if (signed && (b & 0x40) !== 0) result -= 1n << shift;
      return [result, i];
    }
  }
}

function minimalLength(v: bigint, signed: boolean): number {
  let n = 1;
  while (signed ? v < -(1n << BigInt(7 * n - 1)) || v >= 1n << BigInt(7 * n - 1) : v >= 1n << BigInt(7 * n))
    n++;
  return n;
}

describe("ByteWriter LEB128", () => {
  const rng = createRng(SEED);
  const u32s = [0, 1, 63, 64, 127, 128, 16383, 16384, 0x7fffffff, 0x80000000, 0xffffffff];
  for (let i = 0; i < 2000; i++) u32s.push(Math.floor(rng.next() * 2 ** rng.int(0, 32)));
  const s32s = [0, -1, 63, 64, -64, -65, 0x7fffffff, -0x80000000];
  for (let i = 0; i < 2000; i++) s32s.push(Math.trunc((rng.next() - 0.5) * 2 ** rng.int(1, 32)));
  const s64s = [0n, -1n, 63n, -64n, -65n, (1n << 63n) - 1n, -(1n << 63n)];
  for (let i = 0; i < 2000; i++) {
    const hi = BigInt(rng.int(-0x80000000, 0x7fffffff)) >> BigInt(rng.int(0, 31));
    s64s.push((hi << 32n) | BigInt(rng.int(0, 0x7fffffff) * 2 + rng.int(0, 1)));
  }

  it("unsigned 32-bit round-trips minimally", () => {
    for (const v of u32s) {
      const [got, len] = decode(new ByteWriter().u32(v).toBytes(), false);
      expect(got, `seed ${SEED} v ${v}`).toBe(BigInt(v));
      expect(len).toBe(minimalLength(BigInt(v), false));
    }
  });

  it("signed 32-bit round-trips minimally (values ≥ 2^31 as their i32 wrap)", () => {
    for (const v of [...s32s, 0x80000000, 0xffffffff]) {
      const [got, len] = decode(new ByteWriter().s32(v).toBytes(), true);
      expect(got, `seed ${SEED} v ${v}`).toBe(BigInt(v | 0));
      expect(len).toBe(minimalLength(BigInt(v | 0), true));
    }
  });

  it("signed 64-bit round-trips minimally (values ≥ 2^63 as their i64 wrap)", () => {
    for (const v of [...s64s, 1n << 63n, (1n << 64n) - 1n]) {
      const bytes = new ByteWriter().s64(v).toBytes();
      const [got, len] = decode(bytes, true);
      expect(got, `seed ${SEED} v ${v}`).toBe(BigInt.asIntN(64, v));
      expect(len).toBe(bytes.length);
      expect(len).toBe(minimalLength(BigInt.asIntN(64, v), true));
    }
  });

  it("consecutive values decode in sequence after growth", () => {
    const w = new ByteWriter();
    for (const v of u32s) w.u32(v);
    const bytes = w.toBytes();
    let at = 0;
    for (const v of u32s) {
      const [got, len] = decode(bytes.subarray(at), false);
      expect(got).toBe(BigInt(v));
      at += len;
    }
    expect(at).toBe(bytes.length);
  });

  it("floats are little-endian IEEE 754", () => {
    const bytes = new ByteWriter().f32(1.1).f64(-2.5e300).toBytes();
    const view = new DataView(bytes.buffer);
    expect(view.getFloat32(0, true)).toBe(Math.fround(1.1));
    expect(view.getFloat64(4, true)).toBe(-2.5e300);
  });

  it("out-of-range values throw", () => {
    const w = new ByteWriter();
    expect(() => w.u32(-1)).toThrow(/unsigned 32-bit/);
    expect(() => w.u32(2 ** 32)).toThrow(/unsigned 32-bit/);
    expect(() => w.u32(1.5)).toThrow(/unsigned 32-bit/);
    expect(() => w.s32(-0x80000001)).toThrow(/32 bits/);
    expect(() => w.s64(1n << 64n)).toThrow(/64 bits/);
    expect(() => w.byte(256)).toThrow(/not a byte/);
  });
});
