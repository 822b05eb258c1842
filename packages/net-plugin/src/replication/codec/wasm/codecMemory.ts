/**
 * Memory for running generated WebAssembly codec kernels on SnapshotState-shaped data: one
 * WebAssembly.Memory per registry, a fixed scratch region at its start (the kernels' inputs and
 * outputs: component arrays copied in and out, wire bytes) and after it a pool of equal-size
 * blocks, one per state. Every SnapshotState of a registry has the same size (its capacity is
 * fixed), so a block holds one state's `values` (capacity × stride i32), `mask` and `version`
 * (capacity u32 each) and `present` (capacity u8), 16-byte aligned for v128 loads.
 *
 * Growth: when the free list is empty the pool doubles its blocks with `memory.grow`, which
 * detaches the old ArrayBuffer and every view on it. Views are therefore never held across a
 * call that may grow: `views(block)` returns cached per-block views, re-made lazily when the
 * memory's buffer changed (checked by identity on every call and counted in `generation`, so a
 * grow by anyone — another pool user, a kernel — is noticed). Steady state allocates nothing.
 *
 * Owners: a pool-backed SnapshotState (snapshotState.ts, statePool.ts) passes itself to `alloc`
 * as the block's {@link BlockOwner}; whenever the pool notices a replaced buffer it calls every
 * live owner's `rebind()` at once, so states hold plain typed-array fields (no getter per access)
 * that are never detached when read. The pool holds owners weakly: a block whose owner was
 * garbage-collected without `release` is freed by a FinalizationRegistry (the backstop for owners
 * nobody disposes; `release` is the prompt way). Kernels take block addresses (`address`) as i32
 * parameters instead of arrays.
 */
import type { WasmApplyKernel } from "./wasmApply";

/** Bytes of a WebAssembly page. */
export const WASM_PAGE_BYTES = 65536;
/** Block and scratch alignment: one v128. */
const BLOCK_ALIGN = 16;
/** Default blocks reserved up front: one baseline ring (64 + scratch) and a little more. */
const DEFAULT_INITIAL_BLOCKS = 72;
/** WebAssembly 32-bit memories address at most 4 GiB (65536 pages). */
const MAX_PAGES = 65536;

/** Byte layout of one state block (offsets from the block's address). */
export interface StateLayout {
  readonly capacity: number;
  readonly stride: number;
  /** `capacity × stride` i32 quantized slots. */
  readonly valuesOffset: number;
  /** `capacity` u32 field masks. */
  readonly maskOffset: number;
  /** `capacity` u32 row versions. */
  readonly versionOffset: number;
  /** `capacity` u8 present flags. */
  readonly presentOffset: number;
  /** Block size, a multiple of 16. */
  readonly blockBytes: number;
}

/** Typed-array views of one block (valid until the memory grows; see CodecMemoryPool.views). */
export interface StateViews {
  readonly values: Int32Array;
  readonly mask: Uint32Array;
  readonly version: Uint32Array;
  readonly present: Uint8Array;
}

/** A block's user whose views must be re-made after growth (a pool-backed SnapshotState). */
export interface BlockOwner {
  /** Re-fetches the block's views (`pool.views(block)`); called by the pool after every growth. */
  rebind(): void;
}

/** Options of a CodecMemoryPool. */
export interface CodecMemoryOptions {
  /** Bytes reserved at address 0 for kernel inputs/outputs (rounded up to 16). Default 0. */
  readonly scratchBytes?: number;
  /** Blocks available before the first growth. Default 72. */
  readonly initialBlocks?: number;
  /** Upper bound on blocks (alloc beyond it throws). Default: what fits in 4 GiB. */
  readonly maxBlocks?: number;
  /**
   * An existing memory of fixed size (componentMemory.ts) to use its first `limitBytes` bytes:
   * every block that fits is reserved at once and the pool never grows (alloc throws when full).
   */
  readonly fixed?: { readonly memory: WebAssembly.Memory; readonly limitBytes: number };
}

const align = (n: number): number => Math.ceil(n / BLOCK_ALIGN) * BLOCK_ALIGN;

/** The block layout of states with `capacity` network ids of `stride` slots. */
export function stateLayout(capacity: number, stride: number): StateLayout {
  if (!Number.isInteger(capacity) || capacity < 1 || !Number.isInteger(stride) || stride < 0) {
    throw new RangeError(`stateLayout: capacity ${capacity} / stride ${stride} must be integers ≥ 1 / ≥ 0.`);
  }
  const valuesOffset = 0;
  const maskOffset = align(valuesOffset + capacity * stride * 4);
  const versionOffset = align(maskOffset + capacity * 4);
  const presentOffset = align(versionOffset + capacity * 4);
  const blockBytes = align(presentOffset + capacity);
  return { capacity, stride, valuesOffset, maskOffset, versionOffset, presentOffset, blockBytes };
}

/** A pool of equal-size state blocks in one WebAssembly.Memory (see the file comment). */
export class CodecMemoryPool {
  /** The memory kernels import. */
  readonly memory: WebAssembly.Memory;
  /** Byte address of block 0 (the end of the scratch region). */
  readonly base: number;
  /** Bumped each time the memory's buffer is found replaced (growth); views made before are stale. */
  generation = 0;
  /** Blocks currently allocated. */
  allocated = 0;
  /**
   * The apply kernel of this pool's states once worldApply.ts looked it up (null: none), read by
   * applySnapshot's steady path without a lookup; undefined before.
   */
  applyKernel: WasmApplyKernel | null | undefined = undefined;
  /** Blocks the memory holds now. */
  private blocks: number;
  private readonly maxBlocks: number;
  private free: Int32Array;
  private freeCount: number;
  private inUse: Uint8Array;
  private buffer: ArrayBuffer;
  private bytes: Uint8Array;
  private readonly cache: (StateViews | undefined)[] = [];
  private readonly cacheGeneration: number[] = [];
  /** Per block, its owner (held weakly) or undefined. */
  private readonly owners: (WeakRef<BlockOwner> | undefined)[] = [];
  /** Frees the blocks of owners collected without a `release` (held value: the block). */
  private readonly finalizer = new FinalizationRegistry<number>((block) => {
    if (this.inUse[block] === 1 && this.owners[block]?.deref() === undefined) this.release(block);
  });

  constructor(
    readonly layout: StateLayout,
    options: CodecMemoryOptions = {},
  ) {
    this.base = align(options.scratchBytes ?? 0);
    const fixed = options.fixed;
    const limit = fixed === undefined ? MAX_PAGES * WASM_PAGE_BYTES : fixed.limitBytes;
    const fit = Math.floor((limit - this.base) / layout.blockBytes);
    if (fixed !== undefined && fit < 1) {
      throw new RangeError(
        `CodecMemoryPool: a fixed region of ${limit} bytes holds no block (scratch ${this.base} B + ${layout.blockBytes} B); raise wasmComponents' stateBytes.`,
      );
    }
    this.maxBlocks = Math.min(options.maxBlocks ?? fit, fit);
    const initial =
      fixed !== undefined
        ? this.maxBlocks
        : (options.initialBlocks ?? Math.min(DEFAULT_INITIAL_BLOCKS, this.maxBlocks));
    if (!Number.isInteger(initial) || initial < 1 || initial > this.maxBlocks) {
      throw new RangeError(
        `CodecMemoryPool: initialBlocks ${initial} must be an integer in 1..maxBlocks (${this.maxBlocks}).`,
      );
    }
    this.blocks = initial;
    this.memory =
      fixed?.memory ??
      new WebAssembly.Memory({
        initial: this.pagesFor(initial),
        maximum: this.pagesFor(this.maxBlocks),
      });
    this.buffer = this.memory.buffer;
    this.bytes = new Uint8Array(this.buffer);
    this.free = new Int32Array(initial);
    this.inUse = new Uint8Array(initial);
    for (let i = 0; i < initial; i++) this.free[i] = initial - 1 - i; // pop yields 0, 1, 2, ...
    this.freeCount = initial;
  }

  /**
   * Takes a zeroed block (growing the memory when none is free) and returns its handle. With an
   * `owner`, the pool calls `owner.rebind()` after every later growth and frees the block if the
   * owner is garbage-collected without `release`; the owner makes its own first views.
   */
  alloc(owner?: BlockOwner): number {
    if (this.freeCount === 0) this.grow();
    const block = this.free[--this.freeCount] as number;
    this.inUse[block] = 1;
    this.allocated++;
    this.refresh(); // after a grow: every live owner re-makes its views here
    const at = this.address(block);
    this.bytes.fill(0, at, at + this.layout.blockBytes);
    if (owner !== undefined) {
      this.owners[block] = new WeakRef(owner);
      this.finalizer.register(owner, block, owner);
    }
    return block;
  }

  /** Like `alloc`, but -1 instead of a throw when the memory is full or cannot grow (the caller falls back). */
  tryAlloc(owner?: BlockOwner): number {
    try {
      return this.alloc(owner);
    } catch (e) {
      if (e instanceof RangeError) return -1; // all blocks allocated, or memory.grow refused
      throw e;
    }
  }

  /** Returns `block` to the pool; its views must no longer be used. */
  release(block: number): void {
    this.check(block, "release");
    const owner = this.owners[block]?.deref();
    if (owner !== undefined) this.finalizer.unregister(owner);
    this.owners[block] = undefined;
    this.cache[block] = undefined;
    this.inUse[block] = 0;
    this.free[this.freeCount++] = block;
    this.allocated--;
  }

  /** Byte address of `block` in the memory (what kernels take). */
  address(block: number): number {
    return this.base + block * this.layout.blockBytes;
  }

  /** Views of `block`, re-made only when the memory grew since they were last made. */
  views(block: number): StateViews {
    this.check(block, "views");
    this.refresh();
    let v = this.cache[block];
    if (v === undefined || this.cacheGeneration[block] !== this.generation) {
      const { capacity, stride } = this.layout;
      const at = this.address(block);
      v = {
        values: new Int32Array(this.buffer, at + this.layout.valuesOffset, capacity * stride),
        mask: new Uint32Array(this.buffer, at + this.layout.maskOffset, capacity),
        version: new Uint32Array(this.buffer, at + this.layout.versionOffset, capacity),
        present: new Uint8Array(this.buffer, at + this.layout.presentOffset, capacity),
      };
      this.cache[block] = v;
      this.cacheGeneration[block] = this.generation;
    }
    return v;
  }

  /** A view of the whole memory as bytes (re-made after growth). */
  memoryBytes(): Uint8Array {
    this.refresh();
    return this.bytes;
  }

  /** Copies block `src` over block `dst` (a state's copyFrom). */
  copy(dst: number, src: number): void {
    this.check(dst, "copy");
    this.check(src, "copy");
    this.refresh();
    const from = this.address(src);
    this.bytes.copyWithin(this.address(dst), from, from + this.layout.blockBytes);
  }

  /**
   * Notices a replaced buffer (growth by this pool or anyone else), bumps `generation` and has
   * every live owner re-make its views.
   */
  refresh(): void {
    if (this.memory.buffer === this.buffer) return;
    this.buffer = this.memory.buffer;
    this.bytes = new Uint8Array(this.buffer);
    this.generation++;
    const owners = this.owners;
    for (let b = 0; b < owners.length; b++) {
      if (this.inUse[b] === 1) owners[b]?.deref()?.rebind();
    }
  }

  /**
   * `refresh` only when the buffer last seen is detached — growth detaches a (non-shared)
   * memory's old buffer, so a byteLength read tells what the `memory.buffer` getter (a call into
   * the engine) would: for per-call checks on hot paths.
   */
  refreshIfDetached(): void {
    if (this.buffer.byteLength === 0) this.refresh();
  }

  private grow(): void {
    if (this.blocks >= this.maxBlocks) {
      throw new RangeError(
        `CodecMemoryPool: all ${this.maxBlocks} blocks are allocated; raise maxBlocks or release states.`,
      );
    }
    const next = Math.min(this.blocks * 2, this.maxBlocks);
    const have = this.memory.buffer.byteLength / WASM_PAGE_BYTES;
    const need = this.pagesFor(next);
    if (need > have) this.memory.grow(need - have);
    const free = new Int32Array(next);
    free.set(this.free.subarray(0, this.freeCount));
    for (let b = next - 1; b >= this.blocks; b--) free[this.freeCount++] = b;
    const inUse = new Uint8Array(next);
    inUse.set(this.inUse);
    this.free = free;
    this.inUse = inUse;
    this.blocks = next;
  }

  private pagesFor(blocks: number): number {
    return Math.ceil((this.base + blocks * this.layout.blockBytes) / WASM_PAGE_BYTES);
  }

  private check(block: number, what: string): void {
    if (!Number.isInteger(block) || block < 0 || block >= this.blocks || this.inUse[block] !== 1) {
      throw new RangeError(`CodecMemoryPool.${what}: block ${block} is not allocated (released twice?).`);
    }
  }
}
