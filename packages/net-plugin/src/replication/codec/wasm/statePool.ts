/**
 * The CodecMemoryPool that pool-backed SnapshotStates of one registry and capacity share (one
 * WebAssembly.Memory each), so the wasm kernels address states where they live instead of copying
 * them in per call. A SnapshotState asks here when it is built: with `wasmKernels.enabled` off,
 * without WebAssembly, or when the memory cannot be made, it gets undefined and keeps plain typed
 * arrays (the fallback every codec path also runs).
 *
 * The pool's scratch region (at address 0) is sized for the kernels that run on these states:
 * today the apply kernel (applyPlan.ts: entity ids, the generic-path id list, the component column
 * copies); a kernel added later that needs scratch in the same memory adds its need in
 * `scratchBytesOf`.
 *
 * A registry replicating components made by `wasmComponents` (componentMemory.ts) for this
 * capacity gets its pool in their memory: a fixed one (never grows); the kernels then read and
 * write those columns in place.
 */
import type { ReplicationRegistry } from "../../registry";
import { applyPlan } from "./applyPlan";
import { CodecMemoryPool, stateLayout } from "./codecMemory";
import { componentMemoryOf, type WasmComponentMemory } from "./componentMemory";
import { wasmKernels } from "./wasmKernels";

/**
 * Memory reserved for a new pool's blocks before its first growth, in bytes (rounded down to whole
 * blocks, at least one): a client's ring is 65 blocks of ~45 KiB at 1024 ids × 8 slots, so ~4 MiB
 * avoids most growths there, while a 65536-id server state (~3 MiB a block) does not reserve
 * hundreds of MiB for clients that have not joined. Growth doubles.
 */
const INITIAL_POOL_BYTES = 4 * 1024 * 1024;

/** Pools per registry by capacity (null: the memory could not be made here). */
const pools = new WeakMap<ReplicationRegistry, Map<number, CodecMemoryPool | null>>();

/** Bytes of scratch the wasm kernels of `registry` need at `capacity` ids (columns in `memory` need none). */
function scratchBytesOf(
  registry: ReplicationRegistry,
  capacity: number,
  memory?: WebAssembly.Memory,
): number {
  return applyPlan(registry, capacity, memory)?.scratchBytes ?? 0;
}

/**
 * The component memory (componentMemory.ts) `registry`'s pool of `capacity` lives in: the first one
 * that holds a column of its fields, was made for `capacity` and is not taken by another registry
 * (that one's columns are then copied, as plain ones). Undefined: an ordinary, growing pool.
 */
function componentMemoryFor(
  registry: ReplicationRegistry,
  capacity: number,
): WasmComponentMemory | undefined {
  for (const field of registry.fields) {
    for (const column of field.binding.columns ?? []) {
      const m = componentMemoryOf(column);
      if (m === undefined || m.capacity !== capacity) continue;
      if (m.owner !== undefined && m.owner !== registry) continue;
      m.owner = registry;
      return m;
    }
  }
  return undefined;
}

/**
 * The pool states of `registry` with `capacity` ids live in, or undefined (switch off, no
 * WebAssembly, memory refused): such states keep plain typed arrays. Made once per registry and
 * capacity; the registry must be closed.
 */
export function statePoolOf(registry: ReplicationRegistry, capacity: number): CodecMemoryPool | undefined {
  if (!wasmKernels.enabled || typeof WebAssembly === "undefined") return undefined;
  let byCapacity = pools.get(registry);
  if (byCapacity === undefined) {
    byCapacity = new Map();
    pools.set(registry, byCapacity);
  }
  let pool = byCapacity.get(capacity);
  if (pool === undefined) {
    const layout = stateLayout(capacity, registry.stride);
    const components = componentMemoryFor(registry, capacity);
    try {
      pool =
        components === undefined
          ? new CodecMemoryPool(layout, {
              scratchBytes: scratchBytesOf(registry, capacity),
              initialBlocks: Math.max(1, Math.floor(INITIAL_POOL_BYTES / layout.blockBytes)),
            })
          : // In the components' fixed memory (never grows); too small a region throws, naming the fix.
            new CodecMemoryPool(layout, {
              scratchBytes: scratchBytesOf(registry, capacity, components.memory),
              fixed: { memory: components.memory, limitBytes: components.stateBytes },
            });
    } catch (e) {
      if (components !== undefined) throw e;
      if (!(e instanceof RangeError)) throw e;
      pool = null; // the engine refused the memory (address space): plain arrays
    }
    byCapacity.set(capacity, pool);
  }
  return pool ?? undefined;
}
