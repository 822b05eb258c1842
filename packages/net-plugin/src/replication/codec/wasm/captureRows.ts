/**
 * The capture kernel's row pass (captureEmit.ts): per batch entry, its quantized row (capturePlan.ts
 * `quantized`) compared with and written over the state's row, present/mask/version/high water
 * bumped as the JS kernel does (worldKernels.ts captureSource) — with SIMD a v128 chunk at a time,
 * else slot by slot — and captureWorld's removal of the rows the wasm gather did not stamp.
 */
import { HEADER, loadHeader, storeHeader, type CapturePlan } from "./capturePlan";
import { RowsFour } from "./captureRowsFour";
import type { Label } from "./wasmCode";
import type { Local, WasmFunction } from "./wasmModule";

/**
 * captureWorld's removal: every present id below the high water whose seen stamp is not this
 * call's loses present, mask and version (SnapshotState.remove); counted in the header. With
 * `simd`, four ids a step compare their stamps as one v128 and go on when all four are this
 * call's (every id listed: a moving or resting world); other steps and the last hw mod 4 ids
 * are checked one by one.
 */
export function emitRemoval(f: WasmFunction, plan: CapturePlan, l: RowLocals, simd = false): void {
  const [stamp, seen, hw, removed, end] = [
    f.local("i32"),
    f.local("i32"),
    f.local("i32"),
    f.local("i32"),
    f.local("i32"),
  ];
  loadHeader(f, plan, HEADER.stamp, stamp);
  loadHeader(f, plan, HEADER.seen, seen);
  loadHeader(f, plan, HEADER.highWater, hw);
  f.i32Const(0).localSet(l.i);
  // One id: `l.i` (the caller advances it).
  const one = (): void => {
    f.localGet(l.present).localGet(l.i).op("i32.add").load("i32.load8_u");
    f.localGet(seen).localGet(l.i).i32Const(2).op("i32.shl").op("i32.add").load("i32.load");
    f.localGet(stamp).op("i32.ne").op("i32.and");
    const drop = f.if();
    f.localGet(l.present).localGet(l.i).op("i32.add").i32Const(0).store("i32.store8");
    f.localGet(l.i).i32Const(2).op("i32.shl").localSet(l.a4);
    f.localGet(l.mask).localGet(l.a4).op("i32.add").i32Const(0).store("i32.store");
    f.localGet(l.version).localGet(l.a4).op("i32.add").i32Const(0).store("i32.store");
    f.localGet(removed).i32Const(1).op("i32.add").localSet(removed);
    f.end(drop);
    f.localGet(l.i).i32Const(1).op("i32.add").localSet(l.i);
  };
  if (simd) {
    const stamps = f.local("v128");
    f.localGet(stamp).op("i32x4.splat").localSet(stamps);
    f.localGet(hw).i32Const(-4).op("i32.and").localSet(end);
    const exit4 = f.block();
    const top4 = f.loop();
    f.localGet(l.i).localGet(end).op("i32.ge_s").brIf(exit4);
    f.localGet(seen).localGet(l.i).i32Const(2).op("i32.shl").op("i32.add").load("v128.load", 0, 2);
    f.localGet(stamps).op("i32x4.ne").op("v128.any_true");
    const check = f.if();
    for (let k = 0; k < 4; k++) one();
    f.else();
    f.localGet(l.i).i32Const(4).op("i32.add").localSet(l.i);
    f.end(check);
    f.br(top4);
    f.end(top4);
    f.end(exit4);
  }
  const exit = f.block();
  const top = f.loop();
  f.localGet(l.i).localGet(hw).op("i32.ge_s").brIf(exit);
  one();
  f.br(top);
  f.end(top);
  f.end(exit);
  storeHeader(f, plan, HEADER.removed, removed);
}

/** The row update pass's locals. */
export interface RowLocals {
  readonly values: Local;
  readonly present: Local;
  readonly mask: Local;
  readonly version: Local;
  readonly n: Local;
  readonly i: Local;
  readonly a4: Local;
  readonly q4: Local;
  /** 1: every entry lined (captureReuse.ts emitLined): the four-entry step tests only the state rows. */
  readonly lined: Local;
}

/**
 * First slot of each v128 chunk of a row: 0, 4, ... and, when the stride is not a multiple of 4,
 * a last chunk ending at the stride (overlapping the one before: its shared slots are written
 * twice with the same values). A chunk never reaches into the next row, so the next entry's loads
 * do not wait on this entry's stores (a store-forwarding stall of ~15 cycles each when they
 * overlap partly). A stride below 4 has one chunk, past the row: those lanes are kept.
 */
function chunkStarts(stride: number): number[] {
  if (stride < 4) return [0];
  const starts: number[] = [];
  for (let o = 0; o + 4 <= stride; o += 4) starts.push(o);
  if (stride % 4 !== 0) starts.push(stride - 4);
  return starts;
}

/** Per v128 chunk of a row (slots o..o+3), the lanes of `field` (or of the row) as all-ones i32 lanes. */
function chunkMask(
  plan: CapturePlan,
  field: CapturePlan["fields"][number] | undefined,
  o: number,
): Uint8Array {
  const lanes = new Int32Array(4);
  for (let k = 0; k < 4; k++) {
    const s = o + k;
    const inField =
      field === undefined ? s < plan.stride : s >= field.offset && s < field.offset + field.width;
    lanes[k] = inField ? -1 : 0;
  }
  return new Uint8Array(lanes.buffer);
}

/**
 * worldKernels.ts captureSource's per-entity row update, from the quantized rows: per v128 chunk
 * of the row (chunkStarts), the entry's fields blended over the old slots (lanes of fields it
 * lacks, and with a stride below 4 lanes past it, written back unchanged, keep theirs),
 * XOR-compared and stored; then present/mask/version/high water as the JS kernel bumps them.
 */
export function emitRows(f: WasmFunction, plan: CapturePlan, l: RowLocals): void {
  const i32 = (): Local => f.local("i32");
  const [id, m, row, vc, hw, at] = [i32(), i32(), i32(), i32(), i32(), i32()];
  const diff = f.local("v128");
  const starts = chunkStarts(plan.stride);
  const chunks = starts.length;
  const sels = starts.map(() => f.local("v128"));
  const olds = starts.map(() => f.local("v128"));
  const fullMask = plan.fields.reduce((a, field) => a | field.bit, 0);
  // Lane masks hoisted out of the loop (V8 materializes a v128.const each time it runs).
  const hoist = (bytes: Uint8Array): Local => {
    const local = f.local("v128");
    f.v128Const(bytes).localSet(local);
    return local;
  };
  const full = starts.map((o) => hoist(chunkMask(plan, undefined, o)));
  const perField = plan.fields.map((field) =>
    starts.map((o) => {
      const overlaps = field.offset < o + 4 && field.offset + field.width > o;
      return overlaps ? hoist(chunkMask(plan, field, o)) : undefined;
    }),
  );
  const four = new RowsFour(f, plan);
  const top = emitRowLoopHead(f, plan, l, { id, m, row, vc, hw }, (loop, done) =>
    four.emit(l, vc, loop, done),
  );
  // sels = the lanes of the entry's fields: all of them (the common case) or per field
  f.localGet(m).i32Const(fullMask).op("i32.eq");
  const all = f.if();
  for (let c = 0; c < chunks; c++) f.localGet(full[c] as Local).localSet(sels[c] as Local);
  f.else();
  for (let c = 0; c < chunks; c++) {
    const sel = sels[c] as Local;
    f.v128ConstI32(0, 0, 0, 0).localSet(sel);
    plan.fields.forEach((field, k) => {
      const lanes = perField[k]?.[c];
      if (lanes === undefined) return;
      f.localGet(sel).localGet(lanes).op("v128.or").localGet(sel);
      f.localGet(m).i32Const(field.bit).op("i32.and").op("select").localSet(sel);
    });
  }
  f.end(all);
  // Every chunk is loaded before any is stored (overlapping chunks: no store-forwarding stall).
  starts.forEach((o, c) => {
    f.localGet(row)
      .load("v128.load", 4 * o, 0)
      .localSet(olds[c] as Local);
  });
  starts.forEach((o, c) => {
    const sel = sels[c] as Local;
    const old = olds[c] as Local;
    f.localGet(l.q4).load("v128.load", plan.quantized + 4 * o, 0);
    f.localGet(old).localGet(sel).op("v128.bitselect").localTee(sel);
    f.localGet(old).op("v128.xor");
    if (c > 0) f.localGet(diff).op("v128.or");
    f.localSet(diff);
  });
  starts.forEach((o, c) => {
    f.localGet(row)
      .localGet(sels[c] as Local)
      .store("v128.store", 4 * o, 0);
  });
  // changed = any slot differs || present[id] !== 1 || mask[id] !== m
  f.localGet(diff).op("v128.any_true");
  f.localGet(l.present).localGet(id).op("i32.add").load("i32.load8_u").i32Const(1).op("i32.ne").op("i32.or");
  f.localGet(id).i32Const(2).op("i32.shl").localTee(at).localGet(l.mask).op("i32.add");
  f.load("i32.load").localGet(m).op("i32.ne").op("i32.or");
  emitRowWriteAndLoopEnd(f, plan, l, { id, m, at, vc, hw }, top);
  four.flush();
}

/** emitRows without SIMD (the scalar kernel): slot by slot. */
export function emitRowsScalar(f: WasmFunction, plan: CapturePlan, l: RowLocals): void {
  const i32 = (): Local => f.local("i32");
  const [id, m, row, changed, vc, hw, q, at] = [i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const top = emitRowLoopHead(f, plan, l, { id, m, row, vc, hw });
  // changed = present[id] !== 1
  f.localGet(l.present).localGet(id).op("i32.add").load("i32.load8_u").i32Const(1).op("i32.ne");
  f.localSet(changed);
  // The entry's fields (quantized this call: inline ones by the kernel, the others by the gather).
  for (const field of plan.fields) {
    f.localGet(m).i32Const(field.bit).op("i32.and");
    const has = f.if();
    for (let s = field.offset; s < field.offset + field.width; s++) {
      f.localGet(l.q4)
        .load("i32.load", plan.quantized + s * 4)
        .localSet(q);
      f.localGet(row)
        .load("i32.load", s * 4)
        .localGet(q)
        .op("i32.ne")
        .localGet(changed)
        .op("i32.or")
        .localSet(changed);
      f.localGet(row)
        .localGet(q)
        .store("i32.store", s * 4);
    }
    f.end(has);
  }
  // changed ||= mask[id] !== m
  f.localGet(id).i32Const(2).op("i32.shl").localTee(at).localGet(l.mask).op("i32.add");
  f.load("i32.load").localGet(m).op("i32.ne").localGet(changed).op("i32.or");
  emitRowWriteAndLoopEnd(f, plan, l, { id, m, at, vc, hw }, top);
}

/** Locals of one row-pass entry. */
interface RowEntry {
  id: Local;
  m: Local;
  vc: Local;
  hw: Local;
}

/** Loads the version counter and high water, opens the loop over the entries and loads an entry's id, mask and row address. */
function emitRowLoopHead(
  f: WasmFunction,
  plan: CapturePlan,
  l: RowLocals,
  e: RowEntry & { row: Local },
  onTop?: (top: Label, done: Label) => void,
): { top: Label; done: Label } {
  loadHeader(f, plan, HEADER.versionCounter, e.vc);
  loadHeader(f, plan, HEADER.highWater, e.hw);
  f.i32Const(0).localSet(l.i).i32Const(0).localSet(l.a4).i32Const(0).localSet(l.q4);
  const done = f.block();
  const top = f.loop();
  onTop?.(top, done);
  f.localGet(l.a4).load("i32.load", plan.ids).localSet(e.id);
  f.localGet(l.a4).load("i32.load", plan.masks).localSet(e.m);
  f.localGet(e.id)
    .i32Const(plan.stride * 4)
    .op("i32.mul")
    .localGet(l.values)
    .op("i32.add")
    .localSet(e.row);
  return { top, done };
}

/**
 * With "the row changed" on the stack (and `at` = id × 4): marks the row present with its mask and
 * a new version, raises the high water, counts it; then advances to the next entry, closes the
 * loop and stores the version counter and high water back.
 */
function emitRowWriteAndLoopEnd(
  f: WasmFunction,
  plan: CapturePlan,
  l: RowLocals,
  e: RowEntry & { at: Local },
  { top, done }: { top: Label; done: Label },
): void {
  const { id, m, vc, hw, at } = e;
  const write = f.if();
  f.localGet(l.present).localGet(id).op("i32.add").i32Const(1).store("i32.store8");
  f.localGet(l.mask).localGet(at).op("i32.add").localGet(m).store("i32.store");
  // hw = max(hw, id + 1); vc = (vc + 1) >>> 0 || 1
  f.localGet(id).i32Const(1).op("i32.add").localGet(hw);
  f.localGet(id).localGet(hw).op("i32.ge_s").op("select").localSet(hw);
  f.localGet(vc).i32Const(1).op("i32.add").localTee(vc).op("i32.eqz").localGet(vc).op("i32.or").localSet(vc);
  f.localGet(l.version).localGet(at).op("i32.add").localGet(vc).store("i32.store");
  // Rows written (summed over the batches of a call).
  f.i32Const(plan.header)
    .i32Const(plan.header)
    .load("i32.load", HEADER.rows * 4)
    .i32Const(1)
    .op("i32.add")
    .store("i32.store", HEADER.rows * 4);
  f.end(write);
  f.localGet(l.a4).i32Const(4).op("i32.add").localSet(l.a4);
  f.localGet(l.q4)
    .i32Const(plan.stride * 4)
    .op("i32.add")
    .localSet(l.q4);
  f.localGet(l.i).i32Const(1).op("i32.add").localTee(l.i).localGet(l.n).op("i32.lt_s").brIf(top);
  f.end(top);
  f.end(done);
  storeHeader(f, plan, HEADER.versionCounter, vc);
  storeHeader(f, plan, HEADER.highWater, hw);
}
