/** SpatialGrid marks exactly the ids within the radius (brute-force comparison, seeded). */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { NEAR_FALLOFF, SpatialGrid } from "../../../src/replication/server/spatialGrid";

describe("SpatialGrid", () => {
  it("matches a brute-force distance check, negative coordinates and hash collisions included", () => {
    const seed = 31;
    const rng = createRng(seed);
    const n = 2000;
    const grid = new SpatialGrid(n, 10, 64); // few buckets: many collisions
    const xs: number[] = [];
    const ys: number[] = [];
    for (let id = 0; id < n; id++) {
      xs.push(rng.range(-500, 500));
      ys.push(rng.range(-500, 500));
      grid.insert(id, xs[id]!, ys[id]!);
    }
    for (let q = 0; q < 20; q++) {
      const x = rng.range(-500, 500);
      const y = rng.range(-500, 500);
      const r = rng.range(5, 80);
      const marks = new Uint8Array(n);
      grid.mark(x, y, r, marks);
      for (let id = 0; id < n; id++) {
        const inside = (xs[id]! - x) ** 2 + (ys[id]! - y) ** 2 <= r * r;
        expect(marks[id], `seed ${seed} id ${id}`).toBe(inside ? 1 : 0);
      }
    }
  });

  it("nearness falls from 1 at the point to 1 − NEAR_FALLOFF at the radius, keeping the largest", () => {
    const grid = new SpatialGrid(3, 10);
    grid.insert(0, 0, 0);
    grid.insert(1, 100, 0);
    grid.insert(2, 50, 0);
    const marks = new Uint8Array(3);
    const near = new Float32Array(3);
    grid.mark(0, 0, 100, marks, near);
    expect(near[0]).toBeCloseTo(1);
    expect(near[1]).toBeCloseTo(1 - NEAR_FALLOFF);
    expect(near[2]).toBeCloseTo(1 - NEAR_FALLOFF / 2);
    grid.mark(100, 0, 100, marks, near); // a second viewpoint next to id 1
    expect(near[1]).toBeCloseTo(1);
    expect(near[0]).toBeCloseTo(1);
  });

  it("clear() empties it; a bad cell size throws naming the option", () => {
    const grid = new SpatialGrid(4, 1);
    grid.insert(0, 0, 0);
    grid.clear();
    const marks = new Uint8Array(4);
    grid.mark(0, 0, 5, marks);
    expect([...marks]).toEqual([0, 0, 0, 0]);
    expect(() => new SpatialGrid(4, 0)).toThrow(/cellSize/);
  });
});
