import { describe, expect, it } from "vitest";
import { addSeq, asSeq16, nextSeq, seqDiff, seqGreaterThan, seqLessThan } from "../../src/protocol/index";

describe("Seq16", () => {
  it("wraps 65535 → 0 and compares across the edge", () => {
    const last = asSeq16(65535);
    const zero = asSeq16(0);
    expect(nextSeq(last)).toBe(0);
    expect(seqGreaterThan(zero, last)).toBe(true);
    expect(seqLessThan(last, zero)).toBe(true);
    expect(seqGreaterThan(last, zero)).toBe(false);
    expect(seqDiff(zero, last)).toBe(1);
    expect(seqDiff(last, zero)).toBe(-1);
    expect(seqDiff(asSeq16(5), asSeq16(65530))).toBe(11);
    expect(addSeq(asSeq16(65534), 3)).toBe(1);
    expect(addSeq(asSeq16(1), -3)).toBe(65534);
    expect(asSeq16(-1)).toBe(65535);
    expect(asSeq16(65536)).toBe(0);
  });

  it("treats the half circle ahead as greater, and exactly half as behind", () => {
    const a = asSeq16(100);
    expect(seqGreaterThan(asSeq16(100 + 32767), a)).toBe(true);
    expect(seqGreaterThan(asSeq16(100 + 32768), a)).toBe(false);
    expect(seqDiff(asSeq16(100 + 32768), a)).toBe(-32768);
    expect(seqGreaterThan(a, a)).toBe(false);
    expect(seqLessThan(a, a)).toBe(false);
  });

  it("agrees with plain integer order for every pair closer than half the circle", () => {
    for (let base = 65000; base < 65000 + 1200; base += 7) {
      for (let d = -300; d <= 300; d += 13) {
        const a = asSeq16(base);
        const b = asSeq16(base + d);
        expect(seqDiff(b, a)).toBe(d);
        expect(seqGreaterThan(b, a)).toBe(d > 0);
        expect(seqLessThan(b, a)).toBe(d < 0);
      }
    }
  });
});
