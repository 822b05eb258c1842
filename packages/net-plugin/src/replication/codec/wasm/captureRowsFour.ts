/**
 * The SIMD row pass's four-entry step (captureRows.ts emitRows): the common case of a moving or
 * resting world — four batch entries with consecutive network ids, every field, rows already
 * present with every field — handled as one block of four rows. Their `stride` v128 chunks (four
 * rows are exactly `stride` chunks) are loaded, XOR-compared with the four quantized rows (also
 * consecutive in the scratch) and stored whole; an entry changed when a lane of its row differs
 * (its chunks' lanes masked to the row, OR-ed, `any_true`); changed entries get the next
 * versions in batch order, as the per-entry path gives them — all four changed (a moving world)
 * and no counter wrap among them: one v128 store of the four versions. When the batch is lined
 * (`lined`: captureReuse.ts emitLined, a reused gather's), the step's entry tests (consecutive ids,
 * every field) are known to pass and only the state rows are tested. The rows written are
 * counted in a local, added to the header's count once after the loop (`flush`). Present, mask
 * and high water are already what the per-entry path would write. Any other four entries take
 * the per-entry path.
 */
import { HEADER, type CapturePlan } from "./capturePlan";
import type { RowLocals } from "./captureRows";
import type { Label } from "./wasmCode";
import type { Local, WasmFunction } from "./wasmModule";

/** Bytes of four consecutive `present` flags of 1. */
const PRESENT4 = 0x01010101;

/**
 * Per entry e of a four-row block, its lanes in each chunk c: `full` when the whole chunk is the
 * entry's, a lane mask when part of it, none when none.
 */
function entryChunks(stride: number): { chunk: number; full: boolean; lanes: Uint8Array }[][] {
  return [0, 1, 2, 3].map((e) => {
    const parts: { chunk: number; full: boolean; lanes: Uint8Array }[] = [];
    for (let c = 0; c < stride; c++) {
      const lanes = new Int32Array(4);
      let count = 0;
      for (let k = 0; k < 4; k++) {
        const slot = c * 4 + k;
        if (slot >= e * stride && slot < (e + 1) * stride) {
          lanes[k] = -1;
          count++;
        }
      }
      if (count > 0) parts.push({ chunk: c, full: count === 4, lanes: new Uint8Array(lanes.buffer) });
    }
    return parts;
  });
}

/** The four-entry step: constants hoisted at construction (before the loop), `emit` at the loop's top. */
export class RowsFour {
  private readonly fullMask: number;
  /** i32x4 of the full mask, and 0, 1, 2, 3. */
  private readonly full: Local;
  private readonly steps: Local;
  /** All lanes set (the entry tests of a lined batch). */
  private readonly all: Local;
  /** i32x4 of 1, 2, 3, 4: the versions of four changed entries after the counter. */
  private readonly ones: Local;
  /** Rows the steps wrote (added to the header's count once, by `flush`, after the loop). */
  private readonly written: Local;
  /** Lane masks of partly covered chunks, by their bytes. */
  private readonly lanes = new Map<string, Local>();

  constructor(
    private readonly f: WasmFunction,
    private readonly plan: CapturePlan,
  ) {
    this.fullMask = plan.fields.reduce((a, field) => a | field.bit, 0);
    this.full = f.local("v128");
    f.i32Const(this.fullMask).op("i32x4.splat").localSet(this.full);
    this.steps = f.local("v128");
    f.v128ConstI32(0, 1, 2, 3).localSet(this.steps);
    this.all = f.local("v128");
    f.v128ConstI32(-1, -1, -1, -1).localSet(this.all);
    this.ones = f.local("v128");
    f.v128ConstI32(1, 2, 3, 4).localSet(this.ones);
    this.written = f.local("i32");
    f.i32Const(0).localSet(this.written);
    for (const parts of entryChunks(plan.stride)) {
      for (const part of parts) {
        const key = part.lanes.join(",");
        if (part.full || this.lanes.has(key)) continue;
        const local = f.local("v128");
        f.v128Const(part.lanes).localSet(local);
        this.lanes.set(key, local);
      }
    }
  }

  /**
   * Emits the step: when entries i..i+3 qualify (see the file comment) it handles them, advances
   * `i`, `a4`, `q4` by four entries and goes back to `top` (or leaves through `done` after the
   * last entry); otherwise it falls through to the per-entry path. `vc`: the version counter.
   */
  emit(l: RowLocals, vc: Local, top: Label, done: Label): void {
    emitStep(this.f, this.plan, l, vc, top, done, this);
  }

  /** Emits, after the loop, the header's rows count += the rows the steps wrote. */
  flush(): void {
    const h = this.plan.header;
    this.f
      .i32Const(h)
      .i32Const(h)
      .load("i32.load", HEADER.rows * 4)
      .localGet(this.written)
      .op("i32.add");
    this.f.store("i32.store", HEADER.rows * 4);
  }

  /** The hoisted constants and the rows-written local (for emitStep). */
  get constants(): {
    full: Local;
    all: Local;
    steps: Local;
    ones: Local;
    written: Local;
    lanes: ReadonlyMap<string, Local>;
  } {
    const { full, all, steps, ones, written, lanes } = this;
    return { full, all, steps, ones, written, lanes };
  }
}

function emitStep(
  f: WasmFunction,
  plan: CapturePlan,
  l: RowLocals,
  vc: Local,
  top: Label,
  done: Label,
  four4: RowsFour,
): void {
  const { stride } = plan;
  const { full, all: allLanes, steps, ones, written, lanes } = four4.constants;
  const [id0, row] = [f.local("i32"), f.local("i32")];
  const changed = [0, 1, 2, 3].map(() => f.local("i32"));
  const diffs = Array.from({ length: stride }, () => f.local("v128"));
  const acc = f.local("v128");
  const chunks = entryChunks(stride);
  const four = f.block();
  // i + 4 <= n
  f.localGet(l.i).i32Const(4).op("i32.add").localGet(l.n).op("i32.gt_s").brIf(four);
  f.localGet(l.a4).load("i32.load", plan.ids).localSet(id0);
  // ids consecutive, entry masks full (known when the batch is lined: captureReuse.ts emitLined),
  // rows present with the full mask: the lane tests AND-ed into one all_true
  f.localGet(l.lined);
  const lined = f.if("v128");
  f.localGet(allLanes);
  f.else();
  f.localGet(l.a4).load("v128.load", plan.ids, 0);
  f.localGet(id0).op("i32x4.splat").localGet(steps).op("i32x4.add");
  f.op("i32x4.eq");
  f.localGet(l.a4).load("v128.load", plan.masks, 0);
  f.localGet(full).op("i32x4.eq").op("v128.and");
  f.end(lined);
  f.localGet(l.mask).localGet(id0).i32Const(2).op("i32.shl").op("i32.add").load("v128.load", 0, 0);
  f.localGet(full).op("i32x4.eq").op("v128.and").op("i32x4.all_true");
  f.localGet(l.present).localGet(id0).op("i32.add").load("i32.load", 0, 0);
  f.i32Const(PRESENT4).op("i32.eq").op("i32.and");
  f.op("i32.eqz").brIf(four);
  // The block: old chunks loaded, new ones stored, differences kept.
  f.localGet(id0)
    .i32Const(stride * 4)
    .op("i32.mul")
    .localGet(l.values)
    .op("i32.add")
    .localSet(row);
  for (let c = 0; c < stride; c++) {
    f.localGet(row).load("v128.load", c * 16, 0);
    f.localGet(l.q4)
      .load("v128.load", plan.quantized + c * 16, 0)
      .localTee(acc)
      .op("v128.xor")
      .localSet(diffs[c] as Local);
    f.localGet(row)
      .localGet(acc)
      .store("v128.store", c * 16, 0);
  }
  // Per entry: changed (1 or 0) into its local.
  chunks.forEach((parts, e) => {
    parts.forEach((part, k) => {
      f.localGet(diffs[part.chunk] as Local);
      if (!part.full) f.localGet(lanes.get(part.lanes.join(",")) as Local).op("v128.and");
      if (k > 0) f.op("v128.or");
    });
    f.op("v128.any_true").localSet(changed[e] as Local);
  });
  // All four changed and no wrap in vc + 1..4 (vc < 2^32 - 4, unsigned): their versions in one
  // v128 store; else per entry, in batch order: vc = (vc + 1) >>> 0 || 1, version[id0 + e] = vc.
  f.localGet(changed[0] as Local);
  for (let e = 1; e < 4; e++) f.localGet(changed[e] as Local).op("i32.and");
  f.localGet(vc).i32Const(-4).op("i32.lt_u").op("i32.and");
  const all = f.if();
  f.localGet(l.version).localGet(id0).i32Const(2).op("i32.shl").op("i32.add");
  f.localGet(vc).op("i32x4.splat").localGet(ones).op("i32x4.add").store("v128.store", 0, 0);
  f.localGet(vc).i32Const(4).op("i32.add").localSet(vc);
  f.localGet(written).i32Const(4).op("i32.add").localSet(written);
  f.else();
  for (let e = 0; e < 4; e++) {
    f.localGet(changed[e] as Local);
    const bump = f.if();
    f.localGet(vc)
      .i32Const(1)
      .op("i32.add")
      .localTee(vc)
      .op("i32.eqz")
      .localGet(vc)
      .op("i32.or")
      .localSet(vc);
    f.localGet(l.version).localGet(id0).i32Const(2).op("i32.shl").op("i32.add").localGet(vc);
    f.store("i32.store", e * 4);
    f.localGet(written).i32Const(1).op("i32.add").localSet(written);
    f.end(bump);
  }
  f.end(all);
  // Next four entries.
  f.localGet(l.a4).i32Const(16).op("i32.add").localSet(l.a4);
  f.localGet(l.q4)
    .i32Const(16 * stride)
    .op("i32.add")
    .localSet(l.q4);
  f.localGet(l.i).i32Const(4).op("i32.add").localTee(l.i).localGet(l.n).op("i32.lt_s").brIf(top);
  f.br(done);
  f.end(four);
}
