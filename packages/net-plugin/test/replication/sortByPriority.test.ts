import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { sortByPriority } from "../../src/replication/codec/sortByPriority";

describe("sortByPriority", () => {
  it.each([1, 2, 3])("orders like a comparator sort (priority desc, id asc), seed %i", (seed) => {
    const rng = createRng(seed);
    for (const n of [0, 1, 2, 7, 100, 1000]) {
      const priority = new Float32Array(2000);
      // Few distinct values so ties are common.
      for (let i = 0; i < priority.length; i++) priority[i] = rng.int(0, 5) * 0.5;
      const ids = new Int32Array(n + 5).fill(-1);
      for (let i = 0; i < n; i++) ids[i] = rng.int(0, 1999);
      const expected = [...ids.subarray(0, n)].sort(
        (a, b) => (priority[b] as number) - (priority[a] as number) || a - b,
      );
      sortByPriority(ids, n, priority);
      expect([...ids.subarray(0, n)]).toEqual(expected);
      expect([...ids.subarray(n)]).toEqual([-1, -1, -1, -1, -1]); // beyond n untouched
    }
  });
});
