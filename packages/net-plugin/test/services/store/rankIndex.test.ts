/** RankIndex against a brute-force sorted array, across block splits and removals (seeded). */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { RankIndex, type RankEntry } from "../../../src/services/store/rankIndex";

const order = (a: RankEntry, b: RankEntry) => a.key - b.key || a.seq - b.seq;

describe("RankIndex", () => {
  it("matches a sorted array through 20,000 random inserts, updates and removals", () => {
    const seed = 4242;
    const rng = createRng(seed);
    const index = new RankIndex();
    const truth = new Map<string, RankEntry>();
    let seq = 0;
    const check = () => {
      const sorted = [...truth.values()].sort(order);
      expect(index.size, `seed ${seed}`).toBe(sorted.length);
      for (let k = 0; k < 40; k++) {
        const i = rng.int(0, Math.max(0, sorted.length - 1));
        const e = sorted[i];
        if (e === undefined) continue;
        expect(index.rankOf(e.userId), `seed ${seed}`).toBe(i);
        expect(index.at(i), `seed ${seed}`).toBe(e);
      }
      const from = rng.int(0, sorted.length);
      const page: RankEntry[] = [];
      index.forRange(from, 37, (e, rank) => {
        expect(rank).toBe(from + page.length);
        page.push(e);
      });
      expect(page, `seed ${seed}`).toEqual(sorted.slice(from, from + 37));
    };
    for (let step = 0; step < 20_000; step++) {
      const user = `u${rng.int(0, 6000)}`;
      if (rng.chance(0.2)) {
        expect(index.remove(user)).toBe(truth.get(user));
        truth.delete(user);
      } else {
        index.remove(user);
        const entry = { userId: user, key: rng.int(-50, 50), seq: ++seq };
        index.insert(entry);
        truth.set(user, entry);
      }
      if (step % 2000 === 0) check();
    }
    check();
    expect(index.rankOf("absent")).toBe(-1);
    expect(index.at(-1)).toBeUndefined();
    expect(index.at(index.size)).toBeUndefined();
  });

  it("bulk-loads sorted entries and refuses a user twice", () => {
    const entries = Array.from({ length: 5000 }, (_, i) => ({ userId: `u${i}`, key: i >> 3, seq: i }));
    const index = new RankIndex();
    index.loadSorted(entries);
    expect(index.rankOf("u4321")).toBe(4321);
    expect(index.at(4999)?.userId).toBe("u4999");
    expect(() => index.insert({ userId: "u1", key: 0, seq: 0 })).toThrow(/indexed/);
    expect(() => index.loadSorted([entries[0] as RankEntry, entries[0] as RankEntry])).toThrow(/twice/);
  });
});
