import { describe, expect, it } from "vitest";
import { createRng } from "@canopy/core";
import { BitReader, BitWriter } from "../../src/protocol/index";

describe("BitWriter / BitReader", () => {
  it("round-trips every kind of value, aligned and unaligned", () => {
    const w = new BitWriter(256);
    w.writeBool(true);
    w.writeBits(5, 3);
    w.writeUint8(0xab);
    w.writeUint16(0xbeef);
    w.writeUint32(0xdeadbeef);
    w.writeVarUint(0);
    w.writeVarUint(300);
    w.writeVarUint(0xffffffff);
    w.writeSignedBits(-5, 8);
    w.writeSignedBits(-(2 ** 31), 32);
    w.writeFloat32(1.5);
    w.writeBytes(new Uint8Array([1, 2, 3]));
    w.writeString("héllo ✓", 64);
    w.alignToByte();
    w.writeBytes(new Uint8Array([9, 8]));
    expect(w.overflowed).toBe(false);
    const r = new BitReader(w.finish());
    expect(r.readBool()).toBe(true);
    expect(r.readBits(3)).toBe(5);
    expect(r.readUint8()).toBe(0xab);
    expect(r.readUint16()).toBe(0xbeef);
    expect(r.readUint32()).toBe(0xdeadbeef);
    expect(r.readVarUint()).toBe(0);
    expect(r.readVarUint()).toBe(300);
    expect(r.readVarUint()).toBe(0xffffffff);
    expect(r.readSignedBits(8)).toBe(-5);
    expect(r.readSignedBits(32)).toBe(-(2 ** 31));
    expect(r.readFloat32()).toBe(1.5);
    expect([...r.readBytes(3)]).toEqual([1, 2, 3]);
    expect(r.readString(64)).toBe("héllo ✓");
    r.alignToByte();
    expect([...r.readBytes(2)]).toEqual([9, 8]);
    expect(r.overflowed).toBe(false);
    expect(r.bitsRemaining).toBe(0);
  });

  it("matches the documented bit order: LSB-first, byte i holds stream bits 8i..8i+7", () => {
    const w = new BitWriter(8);
    w.writeBits(1, 1); // bit 0
    w.writeBits(0b10, 2); // bits 1..2
    w.writeBits(0x1f, 5); // bits 3..7
    w.writeBits(0xabc, 12); // spans bytes 1 and 2
    expect([...w.finish()]).toEqual([0b11111101, 0xbc, 0x0a]);
    const le = new BitWriter(4);
    le.writeUint32(0x04030201);
    expect([...le.finish()]).toEqual([1, 2, 3, 4]); // little-endian word
  });

  it("round-trips random widths at random offsets", () => {
    const rng = createRng(7);
    const w = new BitWriter(4096);
    const values: [number, number][] = [];
    for (let i = 0; i < 800; i++) {
      const bits = rng.int(1, 32);
      const value = Math.floor(rng.next() * 2 ** bits);
      values.push([value, bits]);
      w.writeBits(value, bits);
    }
    expect(w.overflowed).toBe(false);
    const r = new BitReader(w.finish());
    for (const [value, bits] of values) expect(r.readBits(bits)).toBe(value);
    expect(r.overflowed).toBe(false);
  });

  it("sets overflowed instead of throwing when the writer is full, and finish() stays valid", () => {
    const w = new BitWriter(2);
    w.writeUint8(1);
    w.writeUint16(2);
    expect(w.overflowed).toBe(true);
    expect(w.bytesWritten).toBe(1);
    w.writeBytes(new Uint8Array(5));
    expect([...w.finish()]).toEqual([1]);
    w.reset();
    expect(w.overflowed).toBe(false);
    w.writeUint16(0x0201);
    expect([...w.finish()]).toEqual([1, 2]);
  });

  it("throws at once on local misuse (value does not fit, bad bit count, long string)", () => {
    const w = new BitWriter(16);
    expect(() => w.writeBits(256, 8)).toThrow(/does not fit/);
    expect(() => w.writeBits(-1, 8)).toThrow(/does not fit/);
    expect(() => w.writeBits(1, 33)).toThrow(/1..32/);
    expect(() => w.writeVarUint(2 ** 32)).toThrow(/0..2\^32-1/);
    expect(() => w.writeSignedBits(128, 8)).toThrow(/signed bits/);
    expect(() => w.writeString("abcdef", 3)).toThrow(/3-byte limit/);
  });

  it("never throws on truncated, oversized or malformed input; returns zeros and flags it", () => {
    const r = new BitReader(new Uint8Array([0xff]));
    expect(r.readUint16()).toBe(0);
    expect(r.overflowed).toBe(true);
    expect(r.readUint8()).toBe(0); // stays overflowed
    expect(r.bitsRemaining).toBe(0);

    const longVar = new BitReader(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]));
    expect(longVar.readVarUint()).toBe(0);
    expect(longVar.overflowed).toBe(true);
    const bigVar = new BitReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x7f]));
    expect(bigVar.readVarUint()).toBe(0);
    expect(bigVar.overflowed).toBe(true);

    const badUtf8 = new BitReader(new Uint8Array([2, 0xc3, 0x28]));
    expect(badUtf8.readString(10)).toBe("");
    expect(badUtf8.overflowed).toBe(true);
    const tooLong = new BitReader(new Uint8Array([5, 97, 97, 97, 97, 97]));
    expect(tooLong.readString(4)).toBe("");
    expect(tooLong.overflowed).toBe(true);
    const shortBytes = new BitReader(new Uint8Array([1, 2]));
    expect(shortBytes.readBytes(3).length).toBe(0);
    expect(shortBytes.overflowed).toBe(true);
  });

  it("survives random garbage without throwing", () => {
    const rng = createRng(99);
    const r = new BitReader();
    for (let i = 0; i < 2000; i++) {
      const data = new Uint8Array(rng.int(0, 12)).map(() => rng.int(0, 255));
      r.reset(data);
      expect(() => {
        r.readVarUint();
        r.readString(8);
        r.readSignedBits(rng.int(1, 32));
        r.readBytes(rng.int(0, 4));
        r.readFloat32();
      }).not.toThrow();
    }
  });
});
