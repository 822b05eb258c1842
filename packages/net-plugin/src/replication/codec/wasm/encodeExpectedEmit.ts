/**
 * The fused encode's expected client state (expectedState.ts `fillExpected`, its `whole` case):
 * when everything went out, nothing was filtered or excluded and every field decodes to exactly
 * its current value, the client now holds `current` — `out`'s rows are copied in place on the
 * pool (present, mask and version up to `outRows`, values up to the current high water — in
 * one copy of the block's start when the rows past them are few), and
 * `written` is the spawn list then the update list (copied only when there are spawns; else
 * SnapshotEncoder reads the update list). SnapshotEncoder sets `out`'s own fields.
 */
import type { StateLayout } from "./codecMemory";
import { HEADER_COUNTS } from "./collectParams";
import type { Local, WasmFunction } from "./wasmModule";

/** Bytes of leftover rows (past the high waters, and alignment) one whole copy may carry along. */
const ONE_COPY_SLACK = 1024;

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
  // One copy of the block's first bytes through the last present byte when the rows past the
  // high waters (other rows' leftovers: read by nobody, SnapshotState.equals skips them) are at
  // most ONE_COPY_SLACK bytes of it: one stream of stores into the (cache-cold) ring slot, not four.
  // (codecMemory.ts's order: values from the block's start, then mask, version, present)
  const ordered =
    layout.valuesOffset === 0 &&
    layout.maskOffset < layout.versionOffset &&
    layout.versionOffset < layout.presentOffset;
  const whole = (): void => void f.localGet(l.outRows).i32Const(layout.presentOffset).op("i32.add");
  whole();
  f.localGet(l.curHw)
    .i32Const(stride * 4)
    .op("i32.mul")
    .op("i32.sub");
  // less the rows' present, mask and version bytes (1 + 4 + 4 each)
  f.localGet(l.outRows).i32Const(9).op("i32.mul").op("i32.sub");
  f.i32Const(ONE_COPY_SLACK).op("i32.le_s");
  if (!ordered) f.op("drop").i32Const(0);
  const one = f.if();
  copy(
    () => f.localGet(l.outState),
    () => f.localGet(l.cur),
    whole,
  );
  f.else();
  const rows = (offset: number, size: number): void =>
    copy(
      () => f.localGet(l.outState).i32Const(offset).op("i32.add"),
      () => f.localGet(l.cur).i32Const(offset).op("i32.add"),
      () => f.localGet(l.outRows).i32Const(size).op("i32.mul"),
    );
  rows(layout.presentOffset, 1);
  rows(layout.maskOffset, 4);
  rows(layout.versionOffset, 4);
  copy(
    () => f.localGet(l.outState).i32Const(layout.valuesOffset).op("i32.add"),
    () => f.localGet(l.cur).i32Const(layout.valuesOffset).op("i32.add"),
    () =>
      f
        .localGet(l.curHw)
        .i32Const(stride * 4)
        .op("i32.mul"),
  );
  f.end(one);
  f.end(skip);
}
