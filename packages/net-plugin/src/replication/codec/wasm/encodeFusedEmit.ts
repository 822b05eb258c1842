/**
 * The fused wasm encode (one call per client snapshot; wasmEncode.ts runs it): `collect`
 * (encodeEmit.ts), the columns' widths (encodeWidthsEmit.ts), SnapshotEncoder's budget check
 * (budgetPlan.ts `upperBound`, the same formula), then the whole snapshot — the header
 * (sequence, tick, baseline and reference, despawn and spawn id lists with each spawn's mask
 * and packed values, the update count, bitmap or id list as SnapshotEncoder.write chooses
 * them) and the updates section (`write`, writeEmit.ts) — into the writer's output region.
 * Then the expected client state when it is the current one (encodeExpectedEmit.ts).
 * Returns the snapshot's bits, or −2 when the upper bound passes the budget or the region (the
 * plan is collected; the JS encoder goes on from there: budget selection, JS header, writer).
 * For registries whose fields are all inline and packed as QuantizedTemplate packs them.
 */
import { fieldCount, type PartField } from "./transformParts";
import { EXCEPTION_WIDTH_BITS, WIDTH_BITS } from "../columns";
import { ID_K_BITS } from "../idList";
import { REFERENCE_AGE_BITS } from "../predict";
import type { StateLayout } from "./codecMemory";
import { COLLECT_PARAMS, HEADER_COUNTS, SEGMENTS, type Segment } from "./collectParams";
import { ByteOut } from "./writeBytesEmit";
import { emitExpectedCopy, type ExpectedParams } from "./encodeExpectedEmit";
import { WRITE_PARAMS } from "./writeEmit";
import type { Local, WasmFunction, WasmModule } from "./wasmModule";

/** Parameters after the collect's (COLLECT_PARAMS, then SEGMENTS). */
export const FUSED_EXTRA = [
  "seq",
  "tick",
  "baseSeq",
  "refAge",
  "budget",
  "baseHw",
  "out",
  "outBytes",
  "ex",
  "wid",
  "outState",
  "outRows",
  "curHw",
  "written",
] as const;
type Extra = (typeof FUSED_EXTRA)[number];

/** budgetPlan.ts: the longest code, and the bound's constant part (header and lists' fixed fields). */
const CODE_BOUND = 64;
/** Longest id-gap code, an order-0 count code, at most (as wasmWrite.ts). */
const ID_CODE_BOUND = 70;
const COUNT_CODE_BOUND = 63;
/** A tick's order-10 Exp-Golomb code for ticks below 2^31, at most. */
const TICK_CODE_BOUND = 53;
/** Bytes past the snapshot the byte writer may store into. */
const OUT_SLACK = 16;

/** Emits `chooseIdK(list, count) → bits·8 + k` (idList.ts, every id kept) into `mod`. */
export function emitChooseIdK(mod: WasmModule): WasmFunction {
  const f = mod.function("chooseIdK", ["i32", "i32"], ["i32"]);
  const list = f.param(0);
  const end = f.param(1);
  const id = f.local("i32");
  const prev = f.local("i32");
  const gap = f.local("i32");
  const best = f.local("i32");
  const costs = Array.from({ length: 1 << ID_K_BITS }, () => f.local("i32"));
  f.i32Const(-1).localSet(prev);
  f.localGet(end).i32Const(2).op("i32.shl").localGet(list).op("i32.add").localSet(end);
  const exit = f.block();
  f.localGet(list).localGet(end).op("i32.ge_u").brIf(exit);
  const loop = f.loop();
  f.localGet(list).load("i32.load").localTee(id).localGet(prev).op("i32.sub").i32Const(1).op("i32.sub");
  f.localSet(gap).localGet(id).localSet(prev);
  costs.forEach((c, k) => {
    f.localGet(c).i32Const(31).localGet(gap).i32Const(k).op("i32.shr_u").i32Const(1).op("i32.add");
    f.op("i32.clz")
      .op("i32.sub")
      .i32Const(1)
      .op("i32.shl")
      .i32Const(1 + k)
      .op("i32.add")
      .op("i32.add");
    f.localSet(c);
  });
  f.localGet(list).i32Const(4).op("i32.add").localTee(list).localGet(end).op("i32.lt_u").brIf(loop);
  f.end(loop).end(exit);
  const cost = f.local("i32");
  f.localGet(costs[0] as Local).localSet(cost);
  costs.forEach((c, k) => {
    if (k === 0) return;
    f.localGet(c).localGet(cost).op("i32.lt_s");
    const lower = f.if();
    f.localGet(c).localSet(cost).i32Const(k).localSet(best);
    f.end(lower);
  });
  f.localGet(cost).i32Const(3).op("i32.shl").localGet(best).op("i32.or");
  return f;
}

/** The functions the fused encode calls. */
export interface FusedCallees {
  readonly collect: WasmFunction;
  readonly widths: WasmFunction;
  readonly chooseIdK: WasmFunction;
  readonly write: WasmFunction;
}

/**
 * Emits `encode` (COLLECT_PARAMS, SEGMENTS, FUSED_EXTRA → bits or −2) into `mod`; `tickK`: the
 * tick's Exp-Golomb order (encodePlan.ts TICK_K, passed in: this file must not import the plan).
 */
export function emitFused(
  mod: WasmModule,
  fields: readonly PartField[],
  layout: StateLayout,
  stride: number,
  columns: number,
  calls: FusedCallees,
  tickK: number,
): WasmFunction {
  const names = [...COLLECT_PARAMS, ...SEGMENTS, ...FUSED_EXTRA] as const;
  const f = mod.function(
    "encode",
    names.map(() => "i32" as const),
    ["i32"],
  );
  const p = (name: (typeof COLLECT_PARAMS)[number] | Segment | Extra): Local =>
    f.param((names as readonly string[]).indexOf(name));
  const i32 = (): Local => f.local("i32");
  const h = (word: number): WasmFunction => f.localGet(p("hdr")).load("i32.load", word * 4);
  const sums = HEADER_COUNTS + fields.length;
  const [sc, uc, dc, bc] = [i32(), i32(), i32(), i32()];
  const bound = i32(),
    k = i32(),
    bitmap = i32(),
    lc = i32(),
    prev = i32(),
    q = i32(),
    id = i32(),
    row = i32(),
    mask = i32(),
    start = i32();
  names.slice(0, COLLECT_PARAMS.length + SEGMENTS.length).forEach((n) => f.localGet(p(n)));
  f.call(calls.collect);
  h(0).localSet(sc);
  h(1).localSet(uc);
  h(2).localSet(dc);
  h(3).localSet(bc);
  // budgetPlan.upperBound (every code at its longest), against the budget.
  const fixed =
    16 +
    64 +
    1 +
    17 +
    REFERENCE_AGE_BITS +
    3 * (CODE_BOUND + ID_K_BITS) +
    1 +
    columns * (WIDTH_BITS + CODE_BOUND + EXCEPTION_WIDTH_BITS);
  f.i32Const(fixed).localGet(dc).i32Const(CODE_BOUND).op("i32.mul").op("i32.add");
  f.localGet(sc).i32Const(CODE_BOUND).op("i32.mul").op("i32.add");
  h(sums).op("i32.add");
  f.localGet(uc)
    .i32Const(CODE_BOUND + fields.length + stride * CODE_BOUND)
    .op("i32.mul")
    .op("i32.add");
  f.localGet(p("budget")).op("i32.gt_s");
  const over = f.if();
  f.i32Const(-2).op("return");
  f.end(over);
  // The snapshot's size in this writer's codes, against the region.
  f.localGet(p("hist")).localGet(p("wid")).call(calls.widths);
  f.i32Const(16 + TICK_CODE_BOUND + 1 + 16 + 1 + REFERENCE_AGE_BITS + 3 * (COUNT_CODE_BOUND + ID_K_BITS) + 1);
  f.op("i32.add");
  f.localGet(dc).localGet(sc).op("i32.add").i32Const(ID_CODE_BOUND).op("i32.mul").op("i32.add");
  f.localGet(sc).i32Const(fields.length).op("i32.mul").op("i32.add");
  h(sums).op("i32.add");
  f.localGet(p("baseHw")).op("i32.add");
  let entityBits = ID_CODE_BOUND + fields.length;
  for (const x of fields) if (x.quat) entityBits += 1 + x.slotBits.reduce((a, b) => a + b, 0);
  for (const x of fields) if (x.full) entityBits += x.slotBits.reduce((a, b) => a + b, 0);
  f.localGet(uc).i32Const(entityBits).op("i32.mul").op("i32.add");
  f.i32Const(3).op("i32.shr_u").i32Const(OUT_SLACK).op("i32.add").localTee(bound);
  f.localGet(p("outBytes")).op("i32.gt_u");
  const tooBig = f.if();
  f.i32Const(-2).op("return");
  f.end(tooBig);

  const expected: ExpectedParams = {
    outState: p("outState"),
    outRows: p("outRows"),
    curHw: p("curHw"),
    cur: p("cur"),
    hdr: p("hdr"),
    spawn: p("spawn"),
    update: p("update"),
    written: p("written"),
  };
  const out = new ByteOut(f);
  const zero = i32();
  out.begin(p("out"), zero, zero);
  out.put(() => void f.localGet(p("seq")).i32Const(0xffff).op("i32.and"), 16);
  out.expGolomb(() => void f.localGet(p("tick")), tickK);
  out.bit(() => void f.localGet(p("hasBase")));
  f.localGet(p("hasBase"));
  const based = f.if();
  out.put(() => void f.localGet(p("baseSeq")).i32Const(0xffff).op("i32.and"), 16);
  f.localGet(p("rd")).i32Const(0).op("i32.gt_s").localSet(q);
  out.bit(() => void f.localGet(q));
  f.localGet(q);
  const referenced = f.if();
  out.put(() => void f.localGet(p("refAge")), REFERENCE_AGE_BITS);
  f.end(referenced).end(based);
  // An id list (ids ascending): k, then each id's gap from the last, order-k Exp-Golomb.
  const ids = (list: Local, count: Local, each?: () => void): void => {
    out.expGolomb(() => void f.localGet(count), 0);
    f.localGet(count);
    const some = f.if();
    f.localGet(list).localGet(count).call(calls.chooseIdK).i32Const(7).op("i32.and").localSet(k);
    out.put(() => void f.localGet(k), ID_K_BITS);
    f.i32Const(-1).localSet(prev).localGet(list).localSet(q);
    f.localGet(count).i32Const(2).op("i32.shl").localGet(list).op("i32.add").localSet(bound);
    const loop = f.loop();
    f.localGet(q).load("i32.load").localSet(id);
    out.expGolomb(() => void f.localGet(id).localGet(prev).op("i32.sub").i32Const(1).op("i32.sub"), k);
    f.localGet(id).localSet(prev);
    each?.();
    f.localGet(q).i32Const(4).op("i32.add").localTee(q).localGet(bound).op("i32.lt_u").brIf(loop);
    f.end(loop).end(some);
  };
  ids(p("despawn"), dc);
  // Spawns: mask, then each present field's slots at their bits (QuantizedTemplate.packQuantized).
  ids(p("spawn"), sc, () => {
    f.localGet(id).i32Const(2).op("i32.shl").localGet(p("cur")).op("i32.add");
    f.load("i32.load", layout.maskOffset).localSet(mask);
    out.put(() => void f.localGet(mask), fieldCount(fields));
    f.localGet(id)
      .i32Const(stride * 4)
      .op("i32.mul")
      .localGet(p("cur"))
      .op("i32.add")
      .localSet(row);
    for (const x of fields) {
      f.localGet(mask).i32Const(x.bit).op("i32.and");
      const has = f.if();
      x.slotBits.forEach((b, s) => {
        if (b > 0)
          out.put(() => void f.localGet(row).load("i32.load", layout.valuesOffset + (x.offset + s) * 4), b);
      });
      f.end(has);
    }
  });
  out.expGolomb(() => void f.localGet(uc), 0);
  const done = f.block();
  f.localGet(uc).op("i32.eqz").localGet(p("hasBase")).op("i32.eqz").op("i32.or").brIf(done);
  // Bitmap or id list (SnapshotEncoder.write): the list is priced only when it could be shorter.
  f.localGet(bc).localGet(dc).op("i32.sub");
  h(sums + 1)
    .op("i32.sub")
    .localTee(q);
  f.localGet(uc).i32Const(ID_K_BITS).op("i32.add").op("i32.lt_s").localTee(bitmap);
  const priced = f.if();
  f.i32Const(0).localSet(lc);
  f.else();
  f.localGet(p("update")).localGet(uc).call(calls.chooseIdK).localTee(lc);
  f.i32Const(3).op("i32.shr_u").i32Const(ID_K_BITS).op("i32.add").localGet(q).op("i32.gt_s").localSet(bitmap);
  f.end(priced);
  out.bit(() => void f.localGet(bitmap));
  f.localGet(bitmap).op("i32.eqz");
  const list = f.if();
  out.put(() => void f.localGet(lc).i32Const(7).op("i32.and"), ID_K_BITS);
  f.end(list);
  // The section from the word the header ends in: its pending bits go in as `acc`, `n`.
  out.store();
  f.localGet(out.p).i32Const(-4).op("i32.and").localSet(start);
  const args: Record<(typeof WRITE_PARAMS)[number], () => void> = {
    cur: () => f.localGet(p("cur")),
    base: () => f.localGet(p("base")),
    delta: () => {
      f.localGet(p("pred")).localGet(p("base")).i32Const(layout.valuesOffset).op("i32.add");
      f.localGet(p("rd")).i32Const(0).op("i32.gt_s").op("select");
    },
    hw: () => f.localGet(p("baseHw")),
    hasRel: () => f.localGet(p("hasRel")),
    bitmap: () => f.localGet(bitmap),
    k: () => f.localGet(lc).i32Const(7).op("i32.and"),
    all: () => f.i32Const(1),
    start: () => f.localGet(start),
    // the pending bits: the stored bytes from `start` up to the bit position, masked
    acc: () => {
      f.localGet(start).load("i32.load").i32Const(1).localGet(out.p).localGet(start).op("i32.sub");
      f.i32Const(3).op("i32.shl").localGet(out.bitsLocal).op("i32.add").op("i32.shl").i32Const(1);
      f.op("i32.sub").op("i32.and");
    },
    n: () => {
      f.localGet(out.p).localGet(start).op("i32.sub").i32Const(3).op("i32.shl");
      f.localGet(out.bitsLocal).op("i32.add");
    },
    count: () => f.localGet(uc),
    rel: () => f.localGet(p("rel")),
    sel: () => f.localGet(p("sel")),
    resp: () => f.localGet(p("resp")),
    update: () => f.localGet(p("update")),
    changed: () => f.localGet(p("changed")),
    zz: () => f.localGet(p("zz")),
    colz: () => f.localGet(p("colz")),
    hdr: () => f.localGet(p("hdr")),
    ex: () => f.localGet(p("ex")),
    wid: () => f.localGet(p("wid")),
    stream: () => f.localGet(p("stream")),
    colm: () => f.localGet(p("colm")),
  };
  for (const name of WRITE_PARAMS) args[name]();
  f.call(calls.write);
  f.localGet(start).localGet(p("out")).op("i32.sub").i32Const(3).op("i32.shl").op("i32.add");
  emitExpectedCopy(f, expected, layout, stride);
  f.op("return");
  f.end(done);
  out.finish();
  emitExpectedCopy(f, expected, layout, stride);
  return f;
}

/**
 * Emits `run(args) → bits` into `mod`: `encode`'s parameters read from the i32 block at `args`
 * (wasmEncode.ts writes the per-call ones there, the segment addresses once), then the call — a
 * JS call with one argument instead of forty.
 */
export function emitRun(mod: WasmModule, encode: WasmFunction, count: number): WasmFunction {
  const f = mod.function("run", ["i32"], ["i32"]);
  const args = f.param(0);
  for (let k = 0; k < count; k++) f.localGet(args).load("i32.load", k * 4);
  f.call(encode);
  return f;
}
