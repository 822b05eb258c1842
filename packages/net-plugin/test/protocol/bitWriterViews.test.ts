/**
 * BitWriter's `finish()` views kept per length (no allocation per packet) and `advance` (the
 * position moved over bits a caller stored into `bytes` itself, as the wasm encoder's packet copy
 * does).
 */
import { describe, expect, it } from "vitest";
import { BitReader, BitWriter } from "../../src/protocol/index";

describe("BitWriter.finish views", () => {
  it("returns one view per length, always showing the bytes written now", () => {
    const w = new BitWriter(64);
    w.writeUint16(0x1234);
    const first = w.finish();
    expect([...first]).toEqual([0x34, 0x12]);
    w.reset();
    w.writeUint16(0xbeef);
    const second = w.finish();
    expect(second).toBe(first); // the same view: no allocation for a length seen before
    expect([...second]).toEqual([0xef, 0xbe]);
    w.writeBits(1, 3);
    const third = w.finish();
    expect(third).not.toBe(first);
    expect(third.length).toBe(3);
    expect([...third]).toEqual([0xef, 0xbe, 1]);
    w.reset();
    expect(w.finish().length).toBe(0);
    w.writeUint8(7);
    expect([...w.finish()]).toEqual([7]);
  });

  it("exact lengths up to the capacity and past the cached range", () => {
    for (const capacity of [0, 1, 5, 4096, 4100, 9000]) {
      const w = new BitWriter(capacity);
      for (const length of [0, 1, 2, capacity >> 1, capacity - 1, capacity]) {
        if (length < 0 || length > capacity) continue;
        w.reset();
        for (let i = 0; i < length; i++) w.writeUint8(i & 0xff);
        const view = w.finish();
        expect(view.length).toBe(length);
        expect(view[length - 1]).toBe(length > 0 ? (length - 1) & 0xff : undefined);
        expect(w.finish().length).toBe(length);
      }
    }
  });

  it("an overflowed writer's view stays valid (the bytes that fit)", () => {
    const w = new BitWriter(2);
    w.writeUint16(0xffff);
    w.writeUint8(1);
    expect(w.overflowed).toBe(true);
    expect([...w.finish()]).toEqual([0xff, 0xff]);
  });
});

describe("BitWriter.advance", () => {
  it("moves over bits stored into `bytes`; later writes continue the stream", () => {
    const w = new BitWriter(16);
    w.writeBits(0b101, 3);
    w.alignToByte();
    w.bytes[1] = 0xab;
    w.bytes[2] = 0x05; // 3 bits of it used, the high bits zero
    w.advance(11);
    w.writeBits(0b11, 2);
    w.writeUint8(0x5a);
    expect(w.bitsWritten).toBe(8 + 11 + 2 + 8);
    const r = new BitReader(w.finish());
    expect(r.readBits(8)).toBe(0b101);
    expect(r.readBits(8)).toBe(0xab);
    expect(r.readBits(3)).toBe(0b101);
    expect(r.readBits(2)).toBe(0b11);
    expect(r.readBits(8)).toBe(0x5a);
  });

  it("throws at once past the capacity, on a bad count or after an overflow", () => {
    const w = new BitWriter(2);
    expect(() => w.advance(17)).toThrow(/advance/);
    expect(() => w.advance(-1)).toThrow(/advance/);
    expect(() => w.advance(1.5)).toThrow(/advance/);
    w.advance(16);
    expect(w.bitsWritten).toBe(16);
    expect(() => w.advance(1)).toThrow(/advance/);
    w.reset();
    w.writeUint32(1); // does not fit: overflowed
    expect(() => w.advance(0)).toThrow(/overflowed/);
  });
});
