/**
 * Small pieces of the WebAssembly collect kernel's code (encodeEmit.ts): appending an id to an id
 * list, zeroing a region (the histograms, per call), and the stores of the counts, sums, stream
 * bits, dense groups and field cursors into the header segment after the loop (collectParams.ts).
 */
import type { KernelField } from "../kernels/compileKernel";
import { HEADER_COUNTS } from "./collectParams";
import type { Local, WasmFunction } from "./wasmModule";
import type { ByteOut } from "./writeBytesEmit";

/** Most v128 stores that zero a constant-size region inline (more: memory.fill, a call into the runtime). */
const ZERO_STORES = 64;

/** The locals `emitHeader` stores (encodeEmit.ts's names). */
export interface HeaderLocals {
  readonly hdr: Local;
  readonly colz: Local;
  readonly sc: Local;
  readonly uc: Local;
  readonly dc: Local;
  readonly bc: Local;
  readonly ec: Local;
  readonly costSum: Local;
  readonly respawns: Local;
  readonly denseGroups: Local;
  readonly cursors: readonly Local[];
}

/** After the loop: the counts, sums, the stream's bits (finishing it), dense groups and cursors into the header. */
export function emitHeader(
  f: WasmFunction,
  fields: readonly KernelField[],
  stream: ByteOut,
  h: HeaderLocals,
): void {
  const { hdr, colz, sc, uc, dc, bc, ec, costSum, respawns, denseGroups, cursors } = h;
  [sc, uc, dc, bc, ec].forEach((count, k) => {
    f.localGet(hdr)
      .localGet(count)
      .store("i32.store", k * 4);
  });
  [costSum, respawns].forEach((sum, k) => {
    f.localGet(hdr)
      .localGet(sum)
      .store("i32.store", (HEADER_COUNTS + fields.length + k) * 4);
  });
  f.localGet(hdr);
  stream.finish();
  f.store("i32.store", (HEADER_COUNTS + fields.length + 2) * 4);
  f.localGet(hdr)
    .localGet(denseGroups)
    .store("i32.store", (HEADER_COUNTS + fields.length + 3) * 4);
  cursors.forEach((c, k) => {
    f.localGet(hdr);
    f.localGet(c).localGet(colz).op("i32.sub").i32Const(2).op("i32.shr_u");
    f.store("i32.store", (HEADER_COUNTS + k) * 4);
  });
}

/** Appends `id` to the i32 list at `list` and bumps `count`. */
export function push(f: WasmFunction, list: Local, count: Local, id: Local): void {
  f.localGet(list).localGet(count).i32Const(2).op("i32.shl").op("i32.add").localGet(id).store("i32.store");
  f.localGet(count).i32Const(1).op("i32.add").localSet(count);
}

/** Zeroes `bytes` (a multiple of 16) at `at`: v128 stores when few (SIMD builds), else one memory.fill (a runtime call). */
export function zeroBytes(f: WasmFunction, at: Local, bytes: number, simd: boolean): void {
  if (!simd || bytes > ZERO_STORES * 16) {
    f.localGet(at).i32Const(0).i32Const(bytes).memoryFill();
    return;
  }
  for (let o = 0; o < bytes; o += 16) f.localGet(at).v128ConstI32(0, 0, 0, 0).store("v128.store", o, 0);
}
