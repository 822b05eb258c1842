/**
 * The wasm update reader's (decodeEmit.ts) misc block layout and calling convention: `read(misc)`
 * takes one i32 — the misc block's address — and loads its arguments from the block (one i32
 * parameter keeps the JS → wasm call on V8's cheapest wrapper; fifteen with two f64 did not), then,
 * when asked, copies the base state into the work state with memory.copy (the decoder defers
 * SnapshotState.copyFrom to the kernel when nothing before it writes the work state).
 */
import type { StateLayout } from "./codecMemory";
import { emitStateCopy } from "./stateCopyEmit";
import type { Local, WasmFunction } from "./wasmModule";

/** Where the kernel's scratch lives in its `misc` block (bytes from the block's address). */
export interface DecodeScratch {
  /** `capacity` u8: 1 despawned / 2 spawned in this snapshot (the decoder's `mark`). */
  readonly markOffset: number;
  /** `capacity + 1` i32 exception positions of the column being read. */
  readonly exPosOffset: number;
  /** `capacity + 1` i32 exception high bits. */
  readonly exHighOffset: number;
  /** The call's arguments: READ_ARGS i32 from here, then `rn`, `rd` as f64 at `argsOffset + READ_ARGS_F64`. */
  readonly argsOffset: number;
  /**
   * The dense exception high bits of up to four columns read together (decodeFieldFused.ts,
   * decodeFieldDense.ts), `capacity + 1` i32 each, one after the other and zero between calls;
   * empty when they do not fit the block (then no field is fused).
   */
  readonly columns: readonly { readonly denseOffset: number }[];
  /** The ids the layout was made for. */
  readonly capacity: number;
  /** Bytes the misc area needs. */
  readonly bytes: number;
}

/**
 * The i32 arguments of `read`, in this order at `argsOffset` (byte offset = 4 × index):
 * input, pos, total, base, work, ref, hasRef, updates, bitmap, k, hw, lists, copyRows
 * (copyRows > 0: first copy the base into the work state — `copyRows` rows of present, mask and
 * version, `hw` rows of values — as SnapshotState.copyFrom does, with the base's leftover rows past
 * them when those are few (stateCopyEmit.ts); 0: the work state already holds it).
 */
export const READ_ARGS = 13;
/** Byte offset of the two f64 arguments (`rn`, `rd`) from `argsOffset` (after the i32s, 8-aligned). */
export const READ_ARGS_F64 = 64;

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** The misc block's layout at `capacity` ids (status words at 0 and 4) in blocks of `blockBytes`. */
export function decodeScratch(capacity: number, blockBytes = 0): DecodeScratch {
  const markOffset = 16;
  const exPosOffset = align16(markOffset + capacity);
  const exHighOffset = exPosOffset + 4 * (capacity + 1);
  const argsOffset = align16(exHighOffset + 4 * (capacity + 1));
  const bytes = argsOffset + READ_ARGS_F64 + 16;
  // Four dense columns after the arguments (apart from the per-column reader's lists, which the
  // fused pass's fallback writes while the dense arrays must stay zero).
  const column = 4 * (capacity + 1);
  const columns = Array.from({ length: 4 }, (_, i) => ({ denseOffset: bytes + i * column }));
  const withColumns = bytes + 4 * column;
  return withColumns <= blockBytes
    ? { markOffset, exPosOffset, exHighOffset, argsOffset, columns, capacity, bytes: withColumns }
    : { markOffset, exPosOffset, exHighOffset, argsOffset, columns: [], capacity, bytes };
}

/** The arguments as locals of `read` (loaded from the misc block). */
export interface ReadArgs {
  readonly input: Local;
  readonly pos0: Local;
  readonly total: Local;
  readonly base: Local;
  readonly work: Local;
  readonly ref: Local;
  readonly hasRef: Local;
  readonly updates: Local;
  readonly bitmap: Local;
  readonly k: Local;
  readonly hw: Local;
  readonly lists: Local;
  readonly rn: Local;
  readonly rd: Local;
}

/** Emits the argument loads and the optional base → work copy at the start of `read`. */
export function emitReadArgs(
  f: WasmFunction,
  misc: Local,
  layout: StateLayout,
  stride: number,
  scratch: DecodeScratch,
): ReadArgs {
  const i32 = Array.from({ length: READ_ARGS }, (_, i) => {
    const l = f.local("i32");
    f.localGet(misc)
      .load("i32.load", scratch.argsOffset + i * 4)
      .localSet(l);
    return l;
  });
  const [rn, rd] = [0, 8].map((o) => {
    const l = f.local("f64");
    f.localGet(misc)
      .load("f64.load", scratch.argsOffset + READ_ARGS_F64 + o)
      .localSet(l);
    return l;
  }) as [Local, Local];
  const [input, pos0, total, base, work, ref, hasRef, updates, bitmap, k, hw, lists, copyRows] = i32 as [
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
    Local,
  ];
  // copyRows > 0: the base's rows copied into the work state (SnapshotState.copyFrom's data).
  f.localGet(copyRows);
  const copy = f.if();
  emitStateCopy(f, layout, stride, work, base, copyRows, hw);
  f.end(copy);
  return { input, pos0, total, base, work, ref, hasRef, updates, bitmap, k, hw, lists, rn, rd };
}
