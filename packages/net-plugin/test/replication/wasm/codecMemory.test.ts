/**
 * The codec memory pool (codec/wasm/codecMemory.ts): block layout, allocation and release,
 * zeroed blocks, growth that keeps data and re-makes views lazily (also after a grow by someone
 * else), block copies, and a wasm function reading a block at its address seeing what the JS
 * views wrote.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import {
  CodecMemoryPool,
  stateLayout,
  WASM_PAGE_BYTES,
} from "../../../src/replication/codec/wasm/codecMemory";
import { WasmModule } from "../../../src/replication/codec/wasm/wasmModule";

const SEED = 0xb10c;

describe("stateLayout", () => {
  it("places values, mask, version and present 16-byte aligned without overlap", () => {
    for (const [capacity, stride] of [
      [1, 0],
      [1, 1],
      [3, 7],
      [1024, 10],
      [1000, 3],
    ] as const) {
      const l = stateLayout(capacity, stride);
      expect(l.valuesOffset).toBe(0);
      expect(l.maskOffset).toBeGreaterThanOrEqual(capacity * stride * 4);
      expect(l.versionOffset).toBeGreaterThanOrEqual(l.maskOffset + capacity * 4);
      expect(l.presentOffset).toBeGreaterThanOrEqual(l.versionOffset + capacity * 4);
      expect(l.blockBytes).toBeGreaterThanOrEqual(l.presentOffset + capacity);
      for (const o of [l.maskOffset, l.versionOffset, l.presentOffset, l.blockBytes]) expect(o % 16).toBe(0);
      expect(l.blockBytes - (l.presentOffset + capacity)).toBeLessThan(16);
    }
    expect(() => stateLayout(0, 4)).toThrow(/capacity 0/);
  });
});

describe("CodecMemoryPool", () => {
  const layout = stateLayout(100, 7);

  function fill(pool: CodecMemoryPool, block: number, salt: number): void {
    const v = pool.views(block);
    for (let i = 0; i < v.values.length; i++) v.values[i] = i * 31 + salt;
    for (let i = 0; i < 100; i++) {
      v.mask[i] = (i ^ salt) >>> 0;
      v.version[i] = i + salt;
      v.present[i] = (i + salt) & 1;
    }
  }

  function expectFilled(pool: CodecMemoryPool, block: number, salt: number): void {
    const v = pool.views(block);
    let bad = 0;
    for (let i = 0; i < v.values.length; i++) if (v.values[i] !== i * 31 + salt) bad++;
    for (let i = 0; i < 100; i++) {
      if (v.mask[i] !== (i ^ salt) >>> 0 || v.version[i] !== i + salt || v.present[i] !== ((i + salt) & 1))
        bad++;
    }
    expect(bad, `block ${block} salt ${salt} (seed ${SEED})`).toBe(0);
  }

  it("hands out distinct zeroed blocks after the scratch region; views do not overlap", () => {
    const pool = new CodecMemoryPool(layout, { scratchBytes: 1000, initialBlocks: 4 });
    expect(pool.base).toBe(1008);
    const blocks = [pool.alloc(), pool.alloc(), pool.alloc()];
    expect(new Set(blocks).size).toBe(3);
    blocks.forEach((b, i) => fill(pool, b, i + 1));
    blocks.forEach((b, i) => expectFilled(pool, b, i + 1));
    expect(pool.address(blocks[1] as number) - pool.address(blocks[0] as number)).toBe(layout.blockBytes);
    pool.release(blocks[1] as number);
    const again = pool.alloc();
    expect(again).toBe(blocks[1]);
    const v = pool.views(again);
    expect(v.values.every((x) => x === 0) && v.mask.every((x) => x === 0)).toBe(true);
    expect(v.present.every((x) => x === 0) && v.version.every((x) => x === 0)).toBe(true);
    expect(pool.allocated).toBe(3);
  });

  it("grows by doubling, keeps the data and re-makes views only after growth", () => {
    const pool = new CodecMemoryPool(stateLayout(100, 160), { initialBlocks: 2 }); // ~66 KiB blocks
    const rng = createRng(SEED);
    const live = new Map<number, number>();
    const first = pool.alloc();
    fill(pool, first, 7);
    live.set(first, 7);
    const before = pool.views(first);
    expect(pool.views(first) === before).toBe(true); // cached while the memory did not grow
    for (let i = 0; i < 40; i++) {
      if (live.size > 1 && rng.chance(0.3)) {
        const [b] = [...live.keys()].filter((k) => k !== first);
        pool.release(b as number);
        live.delete(b as number);
      } else {
        const b = pool.alloc();
        const salt = rng.int(1, 1000);
        fill(pool, b, salt);
        live.set(b, salt);
      }
    }
    expect(pool.generation).toBeGreaterThan(0);
    expect(before.values.length).toBe(0); // detached by memory.grow
    const after = pool.views(first);
    expect(after === before).toBe(false);
    for (const [b, salt] of live) expectFilled(pool, b, salt);
    expect(pool.memory.buffer.byteLength).toBeGreaterThanOrEqual(pool.address(Math.max(...live.keys()) + 1));
  });

  it("notices a grow by another user of the memory", () => {
    const pool = new CodecMemoryPool(layout, { initialBlocks: 2 });
    const b = pool.alloc();
    fill(pool, b, 3);
    const old = pool.views(b);
    const generation = pool.generation;
    pool.memory.grow(1);
    const fresh = pool.views(b);
    expect(pool.generation).toBe(generation + 1);
    expect(fresh === old).toBe(false);
    expectFilled(pool, b, 3);
  });

  it("copies blocks", () => {
    const pool = new CodecMemoryPool(layout, { initialBlocks: 2 });
    const [a, b] = [pool.alloc(), pool.alloc()];
    fill(pool, a, 11);
    pool.copy(b, a);
    expectFilled(pool, b, 11);
  });

  it("misuse throws: double release, unknown blocks, exhaustion", () => {
    const pool = new CodecMemoryPool(layout, { initialBlocks: 1, maxBlocks: 2 });
    const a = pool.alloc();
    pool.alloc();
    expect(() => pool.alloc()).toThrow(/all 2 blocks are allocated; raise maxBlocks/);
    pool.release(a);
    expect(() => pool.release(a)).toThrow(/block 0 is not allocated \(released twice\?\)/);
    expect(() => pool.views(5)).toThrow(/block 5 is not allocated/);
    expect(() => new CodecMemoryPool(layout, { initialBlocks: 3, maxBlocks: 2 })).toThrow(/initialBlocks 3/);
  });

  it("a wasm function sees the block at its address", () => {
    const pool = new CodecMemoryPool(layout, { initialBlocks: 1 });
    pool.alloc();
    const b = pool.alloc(); // from the pool's first growth
    fill(pool, b, 5);
    const mod = new WasmModule().importMemory("env", "memory", { min: 1 });
    // sum over ids of present[id] ? mask[id] + values[id * stride] : 0
    const f = mod.function("sum", ["i32"], ["i32"]);
    const [at, acc, id] = [f.param(0), f.local("i32"), f.local("i32")];
    const loop = f.loop();
    f.localGet(at).localGet(id).op("i32.add").load("i32.load8_u", layout.presentOffset);
    const skip = f.if();
    f.localGet(acc).localGet(at).localGet(id).i32Const(2).op("i32.shl").op("i32.add");
    f.load("i32.load", layout.maskOffset).op("i32.add");
    f.localGet(at)
      .localGet(id)
      .i32Const(layout.stride * 4)
      .op("i32.mul")
      .op("i32.add")
      .load("i32.load");
    f.op("i32.add").localSet(acc);
    f.end(skip);
    f.localGet(id).i32Const(1).op("i32.add").localTee(id).i32Const(layout.capacity).op("i32.lt_u").brIf(loop);
    f.end(loop).localGet(acc);
    mod.export("sum", f);
    const { sum } = mod.instantiate({ env: { memory: pool.memory } }).exports as {
      sum: (a: number) => number;
    };
    const v = pool.views(b);
    let want = 0;
    for (let i = 0; i < layout.capacity; i++) {
      if (v.present[i] === 1)
        want = (want + (v.mask[i] as number) + (v.values[i * layout.stride] as number)) | 0;
    }
    expect(sum(pool.address(b))).toBe(want);
    expect(pool.memory.buffer.byteLength % WASM_PAGE_BYTES).toBe(0);
  });
});
