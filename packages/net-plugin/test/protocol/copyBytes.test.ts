import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { copyBytes } from "../../src/protocol/scratch";

describe("copyBytes", () => {
  it("copies any range to any offset exactly as a subarray set would (seeded, views with byte offsets)", () => {
    const seed = 4711;
    const rng = createRng(seed);
    for (let round = 0; round < 2000; round++) {
      const backing = new Uint8Array(256);
      for (let i = 0; i < backing.length; i++) backing[i] = rng.int(0, 255);
      // Sources and destinations that are views into larger buffers at odd byte offsets.
      const srcBase = rng.int(0, 7);
      const src = new Uint8Array(backing.buffer, srcBase, rng.int(1, 200));
      const dst = new Uint8Array(new ArrayBuffer(264), rng.int(0, 7), 256);
      dst.fill(0xee);
      const srcOffset = rng.int(0, src.length - 1);
      const length = rng.int(0, src.length - srcOffset);
      const dstOffset = rng.int(0, dst.length - length);
      const expected = dst.slice();
      expected.set(src.subarray(srcOffset, srcOffset + length), dstOffset);
      copyBytes(src, srcOffset, dst, dstOffset, length);
      expect(Array.from(dst), `seed ${seed}, round ${round}`).toEqual(Array.from(expected));
    }
  });

  it("handles overlapping ranges of one array and two views of one buffer", () => {
    const a = Uint8Array.from({ length: 64 }, (_, i) => i);
    copyBytes(a, 0, a, 3, 40);
    expect(Array.from(a.subarray(3, 43))).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const buffer = new ArrayBuffer(64);
    const whole = new Uint8Array(buffer);
    whole.forEach((_, i) => (whole[i] = i));
    const left = new Uint8Array(buffer, 0, 40);
    const right = new Uint8Array(buffer, 20, 44);
    copyBytes(left, 1, right, 0, 30); // same buffer, overlapping: byte order as memmove forward
    const expected = Uint8Array.from({ length: 64 }, (_, i) => i);
    for (let i = 0; i < 30; i++) expected[20 + i] = expected[1 + i] as number;
    expect(Array.from(whole)).toEqual(Array.from(expected));
  });
});
