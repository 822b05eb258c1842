/**
 * Reliable channels under a hostile link: 25 % loss, jitter, reordering and duplication in both
 * directions. Every reliable message (small ones and fragmented ones up to 64 KiB) must arrive
 * exactly once, ordered ones in send order; sequenced unreliable messages never go backwards.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { LinkPresets } from "@canopy/net-plugin";
import { createLink } from "./link";

const DT = 1 / 60;
const HOSTILE = {
  simulatedLatency: 50,
  jitter: 30,
  simulatedPacketLoss: 25,
  reordering: 10,
  duplication: 5,
};

/** A message carrying its index (first 4 bytes) and filler derived from it. */
function makeMessage(index: number, size: number): Uint8Array {
  const m = new Uint8Array(Math.max(4, size));
  new DataView(m.buffer).setUint32(0, index, true);
  for (let i = 4; i < m.length; i++) m[i] = (index * 31 + i) & 0xff;
  return m;
}

function check(m: Uint8Array): number {
  const index = new DataView(m.buffer, m.byteOffset).getUint32(0, true);
  for (let i = 4; i < m.length; i++) if (m[i] !== ((index * 31 + i) & 0xff)) return -1;
  return index;
}

describe("reliable channels under 25 % loss with jitter and reordering", () => {
  it.each([1, 2, 3])("deliver everything exactly once, in order where ordered (seed %i)", async (seed) => {
    const rng = createRng(seed);
    const link = createLink({ seed, aToB: HOSTILE });
    const ordered: number[] = [];
    const unordered: number[] = [];
    const sequenced: number[] = [];
    let sentOrdered = 0;
    let sentUnordered = 0;
    let sentSequenced = 0;
    const drain = () => {
      for (let m = link.b.receive(0); m; m = link.b.receive(0)) ordered.push(check(m));
      for (let m = link.b.receive(1); m; m = link.b.receive(1)) unordered.push(check(m));
      for (let m = link.b.receive(2); m; m = link.b.receive(2)) sequenced.push(check(m));
      while (link.a.receive(0)) {
        /* b → a traffic is only there to carry acks both ways */
      }
    };
    for (let frame = 0; frame < 60 * 8; frame++) {
      const burst = rng.int(0, 3);
      for (let i = 0; i < burst; i++) {
        // Mostly small messages; now and then one that needs fragments (up to 64 KiB).
        const size = rng.chance(0.03) ? rng.int(1025, 65536) : rng.int(4, 300);
        link.a.send(0, makeMessage(sentOrdered++, size));
        link.a.send(1, makeMessage(sentUnordered++, rng.int(4, 2000)));
      }
      link.a.send(2, makeMessage(sentSequenced++, 20));
      if (rng.chance(0.2)) link.b.send(0, makeMessage(0, 8));
      link.step(DT);
      drain();
    }
    for (let frame = 0; frame < 60 * 5 && ordered.length < sentOrdered; frame++) {
      link.step(DT);
      drain();
    }
    for (let frame = 0; frame < 60 && unordered.length < sentUnordered; frame++) {
      link.step(DT);
      drain();
    }
    const why = `seed ${seed}`;
    expect(ordered, why).toEqual([...Array(sentOrdered).keys()]);
    expect(unordered.length, why).toBe(sentUnordered);
    expect(new Set(unordered).size, why).toBe(sentUnordered);
    expect(unordered.includes(-1), why).toBe(false);
    expect(
      unordered.some((v, i) => i > 0 && v < (unordered[i - 1] as number)),
      why,
    ).toBe(true); // really unordered
    for (let i = 1; i < sequenced.length; i++)
      expect(sequenced[i], why).toBeGreaterThan(sequenced[i - 1] as number);
    expect(sequenced.length, why).toBeGreaterThan(sentSequenced * 0.6);
    expect(sequenced.length, why).toBeLessThan(sentSequenced * 0.85);
    expect(link.b.counters.packetsDuplicate, why).toBeGreaterThan(0);
    expect(link.b.counters.packetsInvalid, why).toBe(0);
    await link.close();
  });

  it("deliver everything over the MOBILE_150MS_5PCT_BURSTY preset (bursty loss, 125 kB/s cap)", async () => {
    const seed = 11;
    const rng = createRng(seed);
    const link = createLink({ seed, aToB: LinkPresets.MOBILE_150MS_5PCT_BURSTY });
    const ordered: number[] = [];
    let sent = 0;
    const drain = () => {
      for (let m = link.b.receive(0); m; m = link.b.receive(0)) ordered.push(check(m));
    };
    for (let frame = 0; frame < 60 * 8; frame++) {
      if (rng.chance(0.5))
        link.a.send(0, makeMessage(sent++, rng.chance(0.05) ? rng.int(1025, 8000) : rng.int(4, 200)));
      link.step(DT);
      drain();
    }
    for (let frame = 0; frame < 60 * 10 && ordered.length < sent; frame++) {
      link.step(DT);
      drain();
    }
    expect(ordered, `seed ${seed}`).toEqual([...Array(sent).keys()]);
    expect(link.ta.stats.outbound.lostInBurst, `seed ${seed}`).toBeGreaterThan(0);
    await link.close();
  });
});
