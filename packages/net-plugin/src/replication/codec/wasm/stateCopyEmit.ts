/**
 * A pool state's rows copied onto another block (SnapshotState.copyFrom's data, in wasm): the
 * encoder's expected state (encodeExpectedEmit.ts: `current` into the ring slot `out`) and the
 * reader's base → work copy (decodeArgs.ts). Both write a ring slot last written a ring's length
 * ago (cache-cold), so when the rows past the high waters are few the block's start is copied in
 * one `memory.copy` (one stream of stores into the cold lines) instead of four.
 */
import type { StateLayout } from "./codecMemory";
import type { Local, WasmFunction } from "./wasmModule";

/**
 * Bytes of leftover rows (past the high waters, and alignment) the one copy may carry along.
 * Leftover rows are read by nobody (SnapshotState.equals skips them); past this, the four exact
 * copies (at 1024 ids the leftovers would be most of the block).
 */
export const ONE_COPY_SLACK = 1024;

/**
 * Emits the copy of `rows` rows of present, mask and version and `valueRows` rows of values from
 * the block at `src` to the block at `dst` — one copy through the last present byte (codecMemory.ts's
 * order: values from the block's start, then mask, version, present) when its leftover bytes are at
 * most ONE_COPY_SLACK, else one copy per array.
 */
export function emitStateCopy(
  f: WasmFunction,
  layout: StateLayout,
  stride: number,
  dst: Local,
  src: Local,
  rows: Local,
  valueRows: Local,
): void {
  const region = (offset: number, bytes: () => void): void => {
    f.localGet(dst).i32Const(offset).op("i32.add");
    f.localGet(src).i32Const(offset).op("i32.add");
    bytes();
    f.memoryCopy();
  };
  const through = (): void => void f.localGet(rows).i32Const(layout.presentOffset).op("i32.add");
  const ordered =
    layout.valuesOffset === 0 &&
    layout.maskOffset < layout.versionOffset &&
    layout.versionOffset < layout.presentOffset;
  if (ordered) {
    // leftover bytes = through − the value rows − the rows' present, mask and version (1 + 4 + 4 each)
    through();
    f.localGet(valueRows)
      .i32Const(stride * 4)
      .op("i32.mul")
      .op("i32.sub");
    f.localGet(rows).i32Const(9).op("i32.mul").op("i32.sub");
    f.i32Const(ONE_COPY_SLACK).op("i32.le_s");
  }
  const one = ordered ? f.if() : undefined;
  if (one !== undefined) {
    region(0, through);
    f.else();
  }
  region(layout.presentOffset, () => void f.localGet(rows));
  region(layout.maskOffset, () => void f.localGet(rows).i32Const(2).op("i32.shl"));
  region(layout.versionOffset, () => void f.localGet(rows).i32Const(2).op("i32.shl"));
  region(
    layout.valuesOffset,
    () =>
      void f
        .localGet(valueRows)
        .i32Const(stride * 4)
        .op("i32.mul"),
  );
  if (one !== undefined) f.end(one);
}
