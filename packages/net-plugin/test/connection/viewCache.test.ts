import { describe, expect, it } from "vitest";
import { PacketType } from "../../src/connection/constants";
import { PacketCipher } from "../../src/connection/packetCrypto";
import { ViewCache } from "../../src/protocol/viewCache";

describe("ViewCache", () => {
  it("returns the same view per length and the right bytes after an offset change", () => {
    const buffer = Uint8Array.from({ length: 16 }, (_, i) => i);
    const c = new ViewCache(buffer);
    const a = c.get(0, 4);
    expect(c.get(0, 4)).toBe(a);
    expect([...a]).toEqual([0, 1, 2, 3]);
    expect([...c.get(2, 3)]).toEqual([2, 3, 4]);
    expect([...c.get(0, 4)]).toEqual([0, 1, 2, 3]);
  });

  it("keeps the views of a few offsets at once (the composer's header length varies) and stays correct past them", () => {
    const buffer = Uint8Array.from({ length: 64 }, (_, i) => i);
    const c = new ViewCache(buffer);
    const at4 = c.get(4, 10);
    const at1 = c.get(1, 10);
    expect(c.get(4, 10)).toBe(at4); // switching back and forth reuses the views
    expect(c.get(1, 10)).toBe(at1);
    for (let offset = 10; offset < 30; offset++) {
      const v = c.get(offset, 5);
      expect([...v]).toEqual([offset, offset + 1, offset + 2, offset + 3, offset + 4]);
      expect(c.get(offset, 5)).toBe(v);
    }
    // Past the kept offsets the oldest were replaced: a fresh, still correct view.
    expect([...c.get(4, 10)]).toEqual([...buffer.subarray(4, 14)]);
  });

  it("sealing with cached views gives the same bytes as fresh ones across sizes and sequence widths", () => {
    const key = new Uint8Array(32).fill(5);
    const a = new PacketCipher(7n);
    const b = new PacketCipher(7n);
    for (const [seq, size] of [
      [1, 10],
      [2, 300],
      [3, 10],
      [300, 10],
      [70000, 300],
      [4, 300],
    ] as const) {
      const payload = Uint8Array.from({ length: size }, (_, i) => (i * seq) & 0xff);
      b.sealReused(PacketType.payload, 999, new Uint8Array(size), key); // churn b's cache with another sequence
      expect(a.seal(PacketType.payload, seq, payload, key)).toEqual(
        b.seal(PacketType.payload, seq, payload, key),
      );
      const opened = a.open(b.seal(PacketType.payload, seq, payload, key), key);
      expect(opened && [...opened.payload]).toEqual([...payload]);
    }
  });
});
