/**
 * The snapshot decoder's update reader (kernels/decodeKernel.ts ReadUpdatesKernel) as a generated
 * WebAssembly kernel (decodeEmit.ts) that reads and writes pool-backed states in place: the base,
 * the prediction reference and the work state at their block addresses in the registry's
 * CodecMemoryPool (statePool.ts). The decoder copies the snapshot's bytes into the input block
 * once (`load`) and its WordReader reads them there (`read` copies in the words of a reader on its
 * own copy, as the tests' direct calls pass); the ids marked despawned/spawned in this snapshot (a
 * few) are set in the kernel's mark array and cleared after; nothing per entity runs in JS.
 *
 * Used by SnapshotDecoder only when the registry has the JS kernel and no generic field (a field
 * without an inline form keeps the JS kernel for the whole section), the states of the call all
 * live in this pool, and the snapshot fits the input block (else the JS kernel runs that call).
 * Same result, same work rows, same overflowed flag (Truncated vs Invalid) and, on success, the
 * same reader position as the JS kernel (test/replication/wasm/wasmDecode.test.ts).
 *
 * Memory: three blocks of the pool (owned by this object; freed with it or by `dispose`): the
 * input words, the per-field update lists, and misc (status, mark, exception positions and high
 * bits). Blocks keep their addresses when the memory grows; only the JS views are re-made.
 */
import { copyBytes } from "../../../protocol/scratch";
import type { ReplicationRegistry } from "../../registry";
import { kernelFields } from "../kernels/compileKernel";
import type { SnapshotState } from "../snapshotState";
import type { WordReader } from "../wordBits";
import type { BlockOwner, CodecMemoryPool } from "./codecMemory";
import { decodeScratch, READ_ARGS_F64, type DecodeScratch } from "./decodeArgs";
import { decodeModule } from "./decodeEmit";
import { statePoolOf } from "./statePool";
import { splitTransforms } from "./transformParts";
import { compileCached } from "./wasmCompile";

/** `read(misc)`: the arguments are at `misc + argsOffset` (decodeEmit.ts READ_ARGS). */
type ReadFn = (misc: number) => number;

// A module-local reference: in tsx/esbuild's CommonJS output every call of an import is a getter call.
const copyBytesLocal = copyBytes;

/** A compiled module per pool (null: the registry has no wasm reader here). */
const modules = new WeakMap<CodecMemoryPool, WebAssembly.Module | null>();

/** The update reader in wasm for one decoder (see the file comment). */
export class WasmDecode implements BlockOwner {
  /** Calls that ran in wasm (tests check which reader ran). */
  calls = 0;
  private readonly fn: ReadFn;
  private readonly blocks: number[];
  private readonly input: number;
  private readonly misc: number;
  private readonly lists: number;
  /** Bytes of the input block (the words plus the zero padding must fit). */
  private readonly inputBytes: number;
  /** Where `read` puts the marks (byte address), its i32 arguments and its two f64 (element indexes). */
  private readonly markAt: number;
  private readonly argsAt: number;
  private readonly ratioAt: number;
  private generation = -1;
  private u8: Uint8Array = new Uint8Array(0);
  private u32: Uint32Array = new Uint32Array(0);
  private f64: Float64Array = new Float64Array(0);
  /** The input block as words (what `load` attaches a reader to). */
  private inputWords: Uint32Array = new Uint32Array(0);
  /** The last range source's buffer as words (`load`'s aligned copy; re-made for another buffer or past its end). */
  private sourceBuffer: ArrayBufferLike | undefined;
  private sourceWords: Uint32Array = new Uint32Array(0);

  /** Use wasmDecodeFor(). */
  constructor(
    readonly pool: CodecMemoryPool,
    module: WebAssembly.Module,
    scratch: DecodeScratch,
  ) {
    this.blocks = [];
    for (let i = 0; i < 3; i++) {
      const block = pool.tryAlloc(this);
      if (block < 0) {
        // The pool is full or cannot grow: no wasm reader (the JS kernel decodes).
        this.dispose();
        break;
      }
      this.blocks.push(block);
    }
    const [input, lists, misc] = this.blocks.map((b) => pool.address(b));
    this.input = input ?? 0;
    this.lists = lists ?? 0;
    this.misc = misc ?? 0;
    this.inputBytes = pool.layout.blockBytes;
    this.markAt = this.misc + scratch.markOffset;
    this.argsAt = (this.misc + scratch.argsOffset) >>> 2;
    this.ratioAt = (this.misc + scratch.argsOffset + READ_ARGS_F64) >>> 3;
    const instance = new WebAssembly.Instance(module, { env: { memory: pool.memory } });
    this.fn = instance.exports["read"] as ReadFn;
  }

  /**
   * Copies the snapshot `bytes[offset, offset + length)` into the input block (zero-padded as the
   * reader's own copy) and attaches `r` to it, so the packet is copied once and `read` copies
   * nothing; false (nothing done) when it does not fit or the blocks are missing — then the caller
   * resets `r` on the bytes. The memory must not grow while `r` reads (a decode builds no state).
   */
  load(bytes: Uint8Array, offset: number, length: number, r: WordReader): boolean {
    if (this.blocks.length !== 3 || (length >>> 2) * 4 + 12 > this.inputBytes) return false;
    this.views();
    const u32 = this.u32;
    // Zero the words from the last (maybe partial) one to the second after the end, then copy.
    const at = (this.input >>> 2) + (length >>> 2);
    u32[at] = u32[at + 1] = u32[at + 2] = 0;
    const from = bytes.byteOffset + offset;
    if ((from & 3) !== 0 || (offset === 0 && length === bytes.length)) {
      copyBytesLocal(bytes, offset, this.u8, this.input, length); // a native copy when it is all of `bytes`
    } else this.copyWords(bytes, offset, length, from);
    r.attach(this.inputWords, length);
    return true;
  }

  /**
   * A range starting on a 4-byte boundary of its buffer (a message in a receive slab: no view of
   * the range, which would be an object per call) a word at a time, then the last 0–3 bytes.
   */
  private copyWords(bytes: Uint8Array, offset: number, length: number, from: number): void {
    const buffer = bytes.buffer;
    const words = length >>> 2;
    // Re-made for another buffer, and for the same one grown past the view (a resizable
    // ArrayBuffer keeps its identity; the view keeps its length and would read undefined there).
    if (buffer !== this.sourceBuffer || (from >>> 2) + words > this.sourceWords.length) {
      this.sourceBuffer = buffer;
      this.sourceWords = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
    }
    const src = this.sourceWords;
    const u32 = this.u32;
    for (let i = 0, s = from >>> 2, d = this.input >>> 2; i < words; i++) u32[d + i] = src[s + i] as number;
    const u8 = this.u8;
    for (let i = words * 4; i < length; i++) u8[this.input + i] = bytes[offset + i] as number;
  }

  /** Makes the views when the memory grew or another owner's refresh detached them. */
  private views(): void {
    const pool = this.pool;
    // A grown memory detaches the old buffer (views of it read length 0) and a refresh by another
    // owner rebinds this one: only then is the pool's refresh (a memory.buffer getter) needed.
    if (this.generation !== pool.generation || this.u8.length === 0) {
      pool.refresh();
      this.u8 = pool.memoryBytes();
      this.u32 = new Uint32Array(this.u8.buffer);
      this.f64 = new Float64Array(this.u8.buffer);
      this.inputWords = new Uint32Array(this.u8.buffer, this.input, this.inputBytes >>> 2);
      this.generation = pool.generation;
    }
  }

  /** True when `r` reads the words the last `load` put in the input block (its words are ours). */
  loaded(r: WordReader): boolean {
    return r.data === this.inputWords && this.blocks.length === 3;
  }

  /** False when its blocks could not be allocated (then it is not used). */
  get ready(): boolean {
    return this.blocks.length === 3;
  }

  /** Re-makes the views after the memory grew (the pool calls it). */
  rebind(): void {
    this.generation = -1;
  }

  /** True when this reader can run a call on these states and this input. */
  accepts(
    r: WordReader,
    base: SnapshotState,
    work: SnapshotState,
    reference: SnapshotState | undefined,
  ): boolean {
    const pool = this.pool;
    return (
      this.blocks.length === 3 &&
      base.pool === pool &&
      work.pool === pool &&
      (reference === undefined || reference.pool === pool) &&
      // Integer ops, not Math.ceil: a double result is a heap number per call while this runs in
      // baseline code (clientAuthorityAllocation's first ticks).
      (((r.bitLength + 31) >>> 5) + 2) * 4 <= this.inputBytes
    );
  }

  /**
   * ReadUpdatesKernel's contract (the caller checked `accepts`); `marked[0, count)` are the ids set
   * in `mark`. `copyRows` > 0: the kernel first copies the base into `work` (present, mask and
   * version of `copyRows` rows, values of the base's high water: SnapshotState.copyFrom's data, the
   * caller sets its fields); 0: `work` already holds it.
   */
  read(
    r: WordReader,
    base: SnapshotState,
    work: SnapshotState,
    mark: Uint8Array,
    marked: Int32Array,
    markedCount: number,
    reference: SnapshotState | undefined,
    rn: number,
    rd: number,
    updates: number,
    bitmap: boolean,
    k: number,
    copyRows = 0,
  ): boolean {
    this.views();
    const u8 = this.u8;
    const u32 = this.u32;
    if (r.data !== this.inputWords) {
      // A reader on its own copy (not `load`ed): its words up to the end and the two zero words
      // after it (unaligned i64 reads).
      const words = ((r.bitLength + 31) >>> 5) + 2;
      const data = r.data;
      for (let i = 0, at = this.input >>> 2; i < words; i++) u32[at + i] = data[i] as number;
    }
    const markAt = this.markAt;
    for (let i = 0; i < markedCount; i++) {
      const id = marked[i] as number;
      u8[markAt + id] = mark[id] as number;
    }
    // The states' block addresses as kept on them (fixed while they hold their blocks).
    const baseAt = base.address;
    this.calls++;
    const a = this.argsAt;
    u32[a] = this.input;
    u32[a + 1] = r.position;
    u32[a + 2] = r.bitLength;
    u32[a + 3] = baseAt;
    u32[a + 4] = work.address;
    u32[a + 5] = reference === undefined ? baseAt : reference.address;
    u32[a + 6] = reference === undefined ? 0 : 1;
    u32[a + 7] = updates;
    u32[a + 8] = bitmap ? 1 : 0;
    u32[a + 9] = k;
    u32[a + 10] = base.highWater;
    u32[a + 11] = this.lists;
    u32[a + 12] = copyRows;
    const d = this.ratioAt;
    this.f64[d] = rn;
    this.f64[d + 1] = rd;
    const ok = this.fn(this.misc);
    for (let i = 0; i < markedCount; i++) u8[markAt + (marked[i] as number)] = 0;
    if (u32[(this.misc >>> 2) + 1] !== 0) {
      // The kernel read past the end: leave the reader overflowed, as the JS kernel does.
      r.position = r.bitLength;
      r.readBits(1);
    } else r.position = u32[this.misc >>> 2] as number;
    return ok === 1 && !r.overflowed;
  }

  /** Gives the three blocks back to the pool; the reader must not be used afterwards. */
  dispose(): void {
    for (const b of this.blocks) this.pool.release(b);
    this.blocks.length = 0;
  }
}

/**
 * The wasm update reader for a decoder of `registry` at `capacity` ids, or undefined: switch off
 * or no pool (statePool.ts), code generation off, a generic field, scratch that does not fit a
 * block, or WebAssembly refusing to compile (a CSP without 'wasm-unsafe-eval'). The module is
 * compiled once per pool; each decoder gets its own instance and blocks.
 */
export function wasmDecodeFor(registry: ReplicationRegistry, capacity: number): WasmDecode | undefined {
  const pool = statePoolOf(registry, capacity);
  if (pool === undefined) return undefined;
  const scratch = decodeScratch(capacity, pool.layout.blockBytes);
  let module = modules.get(pool);
  if (module === undefined) {
    module = null;
    const fields = splitTransforms(kernelFields(registry));
    const layout = pool.layout;
    const inline = fields?.filter((f) => f.inline >= 0).length ?? 0;
    if (
      fields !== undefined &&
      !fields.some((f) => f.generic) &&
      scratch.bytes <= layout.blockBytes &&
      inline * capacity * 4 <= layout.blockBytes
    ) {
      // SIMD groups unless the engine refuses them; then the scalar reader. Compiled once per
      // process for equal bytes (registries of the same shape: the server's, each client's).
      for (const simd of [true, false]) {
        module = compileCached(decodeModule(fields, layout, registry.stride, scratch, simd));
        if (module !== null) break; // null: refused (no SIMD, a CSP without 'wasm-unsafe-eval', a size limit)
      }
    }
    modules.set(pool, module);
  }
  if (module === null) return undefined;
  const reader = new WasmDecode(pool, module, scratch);
  return reader.ready ? reader : undefined;
}
