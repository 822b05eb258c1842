/**
 * Pool-backed SnapshotStates (snapshotState.ts, codec/wasm/statePool.ts): with `wasmKernels.enabled`
 * on when built, a state's arrays are views on its block of the registry's pool (one per registry
 * and capacity); growth re-makes every live state's views (data kept, cached prefix views dropped);
 * dispose gives blocks back; a garbage-collected state's block is freed by the backstop; without
 * the switch, or when the memory is refused or full, states keep plain typed arrays.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CodecMemoryPool, stateLayout } from "../../../src/replication/codec/wasm/codecMemory";
import { statePoolOf } from "../../../src/replication/codec/wasm/statePool";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  BaselineRing,
  FloatTemplate,
  ReplicationRegistry,
  SnapshotState,
} from "../../../src/replication/index";

const SEED = 0x9001;

function registry(): ReplicationRegistry {
  const r = new ReplicationRegistry();
  r.replicate(new Float32Array(64), FloatTemplate({ min: 0, max: 10, precision: 0.1 }), { name: "a" });
  r.replicate(new Float64Array(64), FloatTemplate({ min: -5, max: 5, precision: 0.01 }), { name: "b" });
  return r;
}

/** A state built with the switch on. */
function pooled(r: ReplicationRegistry, capacity: number): SnapshotState {
  wasmKernels.enabled = true;
  try {
    return new SnapshotState(r, capacity);
  } finally {
    wasmKernels.enabled = false;
  }
}

function fill(s: SnapshotState, salt: number): void {
  for (let id = 0; id < s.capacity; id++) {
    if ((id + salt) % 3 === 0) continue;
    s.setPresent(id, (id ^ salt) & 3);
    s.version[id] = id + salt;
    for (let k = 0; k < s.stride; k++) s.values[id * s.stride + k] = id * 7 + k + salt;
  }
}

/** A plain copy of everything `s` holds. */
function snapshot(s: SnapshotState): number[] {
  return [...s.present, ...s.mask, ...s.version, ...s.values, s.highWater];
}

/** Builds states of `r` until its pool grows (kept alive by the caller). */
function grow(r: ReplicationRegistry, capacity: number): SnapshotState[] {
  const first = pooled(r, capacity);
  const pool = first.pool ?? fail();
  const generation = pool.generation;
  const extra: SnapshotState[] = [first];
  while (pool.generation === generation) extra.push(pooled(r, capacity));
  return extra;
}

function fail(): never {
  throw new Error("a pool was expected");
}

describe("pool-backed SnapshotState", () => {
  afterEach(() => {
    wasmKernels.enabled = false;
    vi.restoreAllMocks();
  });

  it("switch off: plain arrays; on: views of one pool per registry and capacity", () => {
    const r = registry();
    wasmKernels.enabled = false;
    const plain = new SnapshotState(r, 40);
    expect(plain.pool).toBeUndefined();
    expect(plain.block).toBe(-1);
    const [a, b, c] = [pooled(r, 40), pooled(r, 40), pooled(r, 41)];
    expect(a.pool).toBeDefined();
    expect(a.pool).toBe(b.pool);
    expect(c.pool).not.toBe(a.pool);
    const pool = a.pool ?? fail();
    expect(a.values.buffer).toBe(pool.memory.buffer);
    expect(a.present.buffer).toBe(pool.memory.buffer);
    fill(a, 1);
    const v = pool.views(a.block);
    expect(Array.from(v.values)).toEqual(Array.from(a.values));
    expect(Array.from(v.mask)).toEqual(Array.from(a.mask));
    expect(b.equals(a)).toBe(false);
    b.copyFrom(a);
    expect(b.equals(a)).toBe(true);
    expect(plain.values.buffer).not.toBe(pool.memory.buffer);
    plain.copyFrom(a); // mixed copies work both ways
    expect(plain.equals(a)).toBe(true);
  });

  it("growth re-makes every live state's views, keeps the data and drops cached prefix views", () => {
    const r = registry();
    const rng = createRng(SEED);
    const states = Array.from({ length: 5 }, () => pooled(r, 64));
    states.forEach((s, i) => fill(s, rng.int(1, 100) + i));
    const copy = pooled(r, 64);
    copy.copyFrom(states[0] as SnapshotState); // caches prefix views of both at this high water
    const before = states.map(snapshot);
    const oldValues = states[0]?.values;
    const extra = grow(r, 64);
    expect(oldValues?.length, "memory.grow detached the old views").toBe(0);
    states.forEach((s, i) => {
      expect(s.values.length).toBe(64 * s.stride);
      expect(snapshot(s), `state ${i} (seed ${SEED})`).toEqual(before[i]);
    });
    // The address kept on each state (what the kernels take) is still its block's, and its
    // values' view starts there.
    for (const s of [...states, ...extra]) {
      expect(s.address).toBe(s.pool?.address(s.block));
      expect(s.values.byteOffset - s.address).toBe(s.pool?.layout.valuesOffset);
    }
    // Same high water as before the grow: a stale cached prefix view would copy nothing.
    const src = states[0] as SnapshotState;
    src.values[src.stride] = 12345;
    copy.copyFrom(src);
    expect(copy.equals(src)).toBe(true);
    for (const s of extra) s.dispose();
    expect(extra[0]?.address, "disposed: no address").toBe(-1);
  });

  it("dispose gives the block back (reused next), and empties the state's arrays", () => {
    const r = registry();
    const a = pooled(r, 30);
    const pool = a.pool ?? fail();
    const allocated = pool.allocated;
    const block = a.block;
    a.dispose();
    expect(pool.allocated).toBe(allocated - 1);
    expect(a.values.length + a.present.length + a.block + 1).toBe(0);
    const b = pooled(r, 30);
    expect(b.block).toBe(block);
    expect(b.count()).toBe(0);
    const ring = ((): BaselineRing => {
      wasmKernels.enabled = true;
      try {
        return new BaselineRing(r, 30, 4);
      } finally {
        wasmKernels.enabled = false;
      }
    })();
    expect(pool.allocated).toBe(allocated + 5);
    ring.dispose();
    expect(pool.allocated).toBe(allocated);
  });

  it("a state garbage-collected without dispose has its block freed (FinalizationRegistry backstop)", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const r = registry();
    const pool = pooled(r, 20).pool ?? fail();
    const start = pool.allocated;
    (() => {
      for (let i = 0; i < 10; i++) pooled(r, 20);
    })();
    expect(pool.allocated).toBe(start + 10);
    for (let i = 0; i < 200 && pool.allocated > start; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(pool.allocated).toBeLessThanOrEqual(start);
  });

  it("falls back to plain arrays when the memory is refused or full", () => {
    const r = registry();
    const refuse = vi.spyOn(WebAssembly, "Memory").mockImplementation(function () {
      throw new RangeError("WebAssembly.Memory(): could not allocate memory");
    });
    const s = pooled(r, 50);
    refuse.mockRestore();
    expect(s.pool).toBeUndefined();
    expect(s.values.length).toBe(50 * s.stride);
    wasmKernels.enabled = true;
    expect(statePoolOf(r, 50), "refused once: plain arrays for this registry and capacity").toBeUndefined();
    expect(statePoolOf(r, 51)).toBeDefined();
    wasmKernels.enabled = false;
    expect(statePoolOf(r, 51), "switch off: no pool").toBeUndefined();
    const full = new CodecMemoryPool(stateLayout(8, 2), { initialBlocks: 1, maxBlocks: 1 });
    expect(full.tryAlloc()).toBe(0);
    expect(full.tryAlloc()).toBe(-1);
  });
});
