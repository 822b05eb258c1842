/**
 * ByteRing (outgoing message bytes, freed in FIFO order): a seeded random walk of pushes and frees
 * with wraps and growths keeps every live allocation's bytes intact, offsets rebased after growth.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { ByteRing } from "../../src/reliability/byteRing";

interface Live {
  offset: number;
  bytes: number[];
}

/** True if every live allocation still holds its bytes. */
function intact(ring: ByteRing, live: readonly Live[]): boolean {
  for (const l of live) {
    for (let i = 0; i < l.bytes.length; i++) if (ring.bytes[l.offset + i] !== l.bytes[i]) return false;
  }
  return true;
}

describe("ByteRing", () => {
  it.each([1, 2, 3, 4])("keeps FIFO allocations intact across wraps and growths (seed %i)", (seed) => {
    const rng = createRng(seed);
    const ring = new ByteRing(64);
    const live: Live[] = [];
    let grows = 0;
    let wraps = 0;
    for (let step = 0; step < 4000; step++) {
      if (live.length > 0 && rng.chance(live.length > 40 ? 0.6 : 0.45)) {
        live.shift();
        if (live.length === 0) ring.clear();
        else ring.freeTo((live[0] as Live).offset);
        continue;
      }
      const length = rng.chance(0.05) ? rng.int(100, 300) : rng.int(0, 40);
      const src = new Uint8Array(length + 5).map(() => rng.int(0, 255));
      const before = ring.bytes;
      const at = ring.push(src, 3, length);
      if (ring.grew) {
        grows++;
        ring.grew = false;
        expect(ring.bytes).not.toBe(before);
        for (const l of live) l.offset = ring.rebase(l.offset);
      }
      const last = live[live.length - 1];
      if (last !== undefined && at < last.offset) wraps++;
      live.push({ offset: at, bytes: [...src.subarray(3, 3 + length)] });
      if (!intact(ring, live)) expect.fail(`seed ${seed}: a live allocation changed at step ${step}`);
    }
    expect(grows).toBeGreaterThan(0);
    expect(wraps).toBeGreaterThan(10);
  });

  it("keeps an allocation's bytes across a growth (read back at the rebased offset)", () => {
    const ring = new ByteRing(16);
    const at = ring.push(Uint8Array.of(1, 2, 3), 0, 3);
    expect([...ring.bytes.subarray(at, at + 3)]).toEqual([1, 2, 3]);
    ring.push(new Uint8Array(40), 0, 40); // grows
    expect(ring.grew).toBe(true);
    const moved = ring.rebase(at);
    expect([...ring.bytes.subarray(moved, moved + 3)]).toEqual([1, 2, 3]);
  });
});
