/**
 * The fused encode's expected client state (expectedState.ts `fillExpected`, its `whole` case):
 * when everything went out, nothing was filtered or excluded and every field decodes to exactly
 * its current value, the client now holds `current` — `out`'s rows are copied in place on the
 * pool (present, mask and version up to `outRows`, values up to the current high water — in
 * one copy of the block's start when the rows past them are few: stateCopyEmit.ts), and
 * `written` is the spawn list then the update list (copied only when there are spawns; else
 * SnapshotEncoder reads the update list). SnapshotEncoder sets `out`'s own fields.
 */
import type { StateLayout } from "./codecMemory";
import { HEADER_COUNTS } from "./collectParams";
import { emitStateCopy } from "./stateCopyEmit";
import type { Local, WasmFunction } from "./wasmModule";

/** The parameters the copy reads. */
export interface ExpectedParams {
  /** `out`'s block address, or 0: not copied here (not whole, or not in the pool). */
  readonly outState: Local;
  /** Rows of present/mask/version to copy: max(out's, current's high water). */
  readonly outRows: Local;
  /** Current's high water (value rows to copy). */
  readonly curHw: Local;
  readonly cur: Local;
  readonly hdr: Local;
  readonly spawn: Local;
  readonly update: Local;
  /** The `written` segment: spawn ids, then update ids. */
  readonly written: Local;
}

/** Emits the copy (skipped when `outState` is 0 or an update left an excluded field out). */
export function emitExpectedCopy(
  f: WasmFunction,
  l: ExpectedParams,
  layout: StateLayout,
  stride: number,
): void {
  const n = f.local("i32");
  const copy = (dst: () => void, src: () => void, bytes: () => void): void => {
    dst();
    src();
    bytes();
    f.memoryCopy();
  };
  // written: the spawn ids (count in header word 0), then the update ids (word 1); without
  // spawns it is the update list itself (SnapshotEncoder reads that segment then: no copy)
  f.localGet(l.hdr).load("i32.load").i32Const(2).op("i32.shl").localTee(n);
  const spawns = f.if();
  copy(
    () => f.localGet(l.written),
    () => f.localGet(l.spawn),
    () => f.localGet(n),
  );
  copy(
    () => f.localGet(l.written).localGet(n).op("i32.add"),
    () => f.localGet(l.update),
    () => f.localGet(l.hdr).load("i32.load", 4).i32Const(2).op("i32.shl"),
  );
  f.end(spawns);
  f.localGet(l.outState).op("i32.eqz");
  f.localGet(l.hdr)
    .load("i32.load", (HEADER_COUNTS - 1) * 4)
    .op("i32.or");
  const skip = f.if();
  f.else();
  // The rows past the high waters (other rows' leftovers) are read by nobody: SnapshotState.equals
  // skips them.
  emitStateCopy(f, layout, stride, l.outState, l.cur, l.outRows, l.curHw);
  f.end(skip);
}
