/**
 * Code generation of the WebAssembly collect kernel (wasmEncode.ts): the JS collect kernel's loop
 * (kernels/encodeKernel.ts collectSource) emitted as straight-line wasm for one registry whose
 * fields are all inline (`slots` and smallest-three fields, encodePlan.ts / columns.ts), every
 * constant inlined. Exported function `collect(...)` (parameters in COLLECT_PARAMS order): reads
 * the current, baseline and reference states at their pool block addresses (codecMemory.ts
 * layout) and writes the plan's outputs to the scratch segments (SEGMENTS, byte addresses given
 * as parameters): candidate lists, per-id selected / respawn / changed mask / spawn cost, predicted
 * rows, rotation flags (`zz`), column residuals (`colz`, one cursor per field as in the JS kernel;
 * and column-major in `colm` for the wasm writer) and the columns' bit-length histograms; the
 * counts and final cursors go to the header segment (collectHeaderEmit.ts). The parameters,
 * segments and header words are collectParams.ts's.
 * Prediction rounds as Math.round does (floor, then up when the remainder is ≥ 0.5: exact in f64).
 */
import { fieldCount, type PartField } from "./transformParts";
import { COLUMN_BUCKETS } from "../columns";
import type { StateLayout } from "./codecMemory";
import { emitField, type FieldContext, type LoopLocals } from "./encodeFieldEmit";
import { emitGroupCheck } from "./encodeGroupEmit";
import { denseEligible, emitDense } from "./encodeDenseEmit";
import { emitFlush8, hist8Bytes, hist8Locals } from "./encodeHist8Emit";
import { emitWrite } from "./writeEmit";
import { ByteOut } from "./writeBytesEmit";
import { emitEntityBits } from "./writeEntityEmit";
import { emitWidths } from "./encodeWidthsEmit";
import { emitChooseIdK, emitFused, emitRun, FUSED_EXTRA } from "./encodeFusedEmit";
import { WasmModule, type Local, type WasmFunction } from "./wasmModule";
import { COLLECT_PARAMS, SEGMENTS, type Segment } from "./collectParams";
import { emitHeader, push, zeroBytes } from "./collectHeaderEmit";

/** Parameters of the fused `encode` (COLLECT_PARAMS, SEGMENTS, FUSED_EXTRA): the words of `run`'s block. */
export function fusedParams(): number {
  return COLLECT_PARAMS.length + SEGMENTS.length + FUSED_EXTRA.length;
}

/** Emits `collect` and `write` for `fields` (all inline, fixed spawn bits) into a new module; returns its bytes. */
export function collectModule(
  fields: readonly PartField[],
  layout: StateLayout,
  stride: number,
  columns: number,
  simd: boolean,
  tickK: number,
): Uint8Array<ArrayBuffer> {
  const mod = new WasmModule().importMemory("env", "memory", { min: 1 });
  const params = COLLECT_PARAMS.length + SEGMENTS.length;
  const f = mod.function(
    "collect",
    Array.from({ length: params }, () => "i32" as const),
    [],
  );
  const p = (name: (typeof COLLECT_PARAMS)[number]): Local => f.param(COLLECT_PARAMS.indexOf(name));
  const seg = (name: Segment): Local => f.param(COLLECT_PARAMS.length + SEGMENTS.indexOf(name));
  const i32 = (): Local => f.local("i32");
  const [cur, base, ref, hasBase, hw] = [p("cur"), p("base"), p("ref"), p("hasBase"), p("hw")];
  const id = i32(),
    i4 = i32(),
    curP = i32(),
    baseP = i32(),
    mask = i32(),
    live = i32(),
    changed = i32(),
    predicted = i32(),
    ratio = i32(),
    unit = i32();
  const sc = i32(),
    uc = i32(),
    dc = i32(),
    bc = i32(),
    ec = i32(),
    curRow = i32(),
    baseRow = i32(),
    refRow = i32(),
    row = i32(),
    d = i32(),
    fs = i32(),
    costSum = i32(),
    respawns = i32(),
    multi = i32(),
    el = i32();
  const ec64 = f.local("i64");
  const g = f.local("f64");
  const t = f.local("f64");
  // (A Transform's change test loads both its parts' slots: transformParts.ts.)
  const maxWidth = Math.max(1, ...fields.map((x, k) => x.width + (fields[k + 1]?.follows === true ? 4 : 0)));
  const cs = Array.from({ length: maxWidth }, i32);
  const bs = Array.from({ length: maxWidth }, i32);
  // One byte-address cursor per field into colz (its columns interleaved, from column × capacity).
  const cursors = fields.map(() => i32());
  // and one per field into colm (its columns one after another, each capacity long)
  const mcursors = fields.map(() => i32());
  const cap = layout.capacity;
  const V = layout.valuesOffset;

  // ratio = rd > 0, unit = rn === rd; absent states read the current one (never used then).
  f.localGet(p("rd")).i32Const(0).op("i32.gt_s").localSet(ratio);
  f.localGet(p("rn")).localGet(p("rd")).op("i32.eq").localSet(unit);
  f.localGet(hasBase).op("i32.eqz");
  const noBase = f.if();
  f.localGet(cur).localSet(base);
  f.end(noBase);
  f.localGet(p("hasRef")).op("i32.eqz");
  const noRef = f.if();
  f.localGet(cur).localSet(ref);
  f.end(noRef);
  // (A `flip`/`full` field has no columns: its cursors stay at the segment's start, never moved.)
  fields.forEach((x, k) => {
    f.localGet(seg("colz"))
      .i32Const(Math.max(0, x.column) * cap * 4)
      .op("i32.add")
      .localSet(cursors[k] as Local);
    f.localGet(seg("colm"))
      .i32Const(Math.max(0, x.column) * cap * 4)
      .op("i32.add")
      .localSet(mcursors[k] as Local);
  });
  zeroBytes(f, seg("hist"), columns * COLUMN_BUCKETS * 4 + hist8Bytes(columns), simd);

  // The bitmap stream: per baseline entity still present its bit, an update's bits after its 1.
  const stream = new ByteOut(f);
  const zero = i32();
  stream.begin(seg("stream"), zero, zero);
  const at = (s: Local, idx: Local): WasmFunction => f.localGet(s).localGet(idx).op("i32.add");
  const exit = f.block();
  f.localGet(hw).i32Const(0).op("i32.le_s").brIf(exit);
  // The four-entity step (emitGroupCheck): fastOK per call, then per group of four ids whether
  // they skip the per-entity checks (`fast`), `left` ids to go in the group.
  const fastOK = i32(),
    fast = i32(),
    left = i32();
  f.localGet(hasBase).localGet(p("hasRel")).localGet(p("hasEx")).op("i32.or").op("i32.eqz").op("i32.and");
  f.localSet(fastOK);
  // The dense step (encodeDenseEmit.ts) per call: fast groups, predicting at 1:1 or not at all.
  const dense = simd && denseEligible(fields);
  const denseOK = i32(),
    denseGroups = i32(),
    pending = i32();
  const h8 = hist8Locals(f, seg("hist"), columns, d);
  if (dense) {
    f.localGet(ratio).op("i32.eqz").localGet(p("hasRef")).localGet(unit).op("i32.and").op("i32.or");
    f.localGet(fastOK).op("i32.and").localSet(denseOK);
  }
  const top = f.loop();
  const cont = f.block();
  f.localGet(id).i32Const(2).op("i32.shl").localSet(i4);
  // selected and respawn start at 0 for every id below the high water (set to 1 below; the
  // dense step stores its four ids' bytes whole)
  at(seg("sel"), id).i32Const(0).store("i32.store8");
  at(seg("resp"), id).i32Const(0).store("i32.store8");
  const common = f.block();
  if (simd) {
    f.localGet(left).op("i32.eqz");
    const group = f.if();
    const g4 = { cur, base, ref, id, i4, hw, fastOK, fast, left, hasRef: p("hasRef") };
    emitGroupCheck(f, layout, g4, p("versioned"), ratio);
    if (dense) {
      f.localGet(fast).localGet(denseOK).op("i32.and");
      const try4 = f.if();
      const fail = f.block();
      const d4 = {
        cur,
        base,
        ref,
        id,
        i4,
        ratio,
        bc,
        uc,
        row,
        curRow,
        baseRow,
        refRow,
        d,
        cursors,
        mcursors,
        seg,
        h8,
        pending,
      };
      // One copy of the step per value of `lazyPred` (the fused calls' copy without the JS path's stores).
      f.localGet(p("lazyPred"));
      const lazy = f.if();
      emitDense(f, fields, layout, stride, { ...d4, lazyKnown: true }, stream, fail);
      f.else();
      emitDense(f, fields, layout, stride, { ...d4, lazyKnown: false }, stream, fail);
      f.end(lazy);
      // The group is coded: on past it (`cont` adds the last 1), the next group checked afresh.
      f.localGet(id).i32Const(3).op("i32.add").localSet(id);
      f.localGet(denseGroups).i32Const(1).op("i32.add").localSet(denseGroups);
      f.i32Const(0).localSet(left).br(cont);
      f.end(fail).end(try4);
    }
    f.end(group);
    f.localGet(left).i32Const(1).op("i32.sub").localSet(left);
    // A fast entity: present in both, same field set, changed version, the reference's state known.
    f.localGet(fast);
    const skip = f.if();
    at(cur, i4).load("i32.load", layout.maskOffset).localTee(mask).localSet(live);
    f.localGet(bc).i32Const(1).op("i32.add").localSet(bc);
    f.localGet(ratio).localGet(p("hasRef")).op("i32.and").localSet(predicted);
    f.br(common).end(skip);
  }
  // curP = cur.present[id] === 1 && (!hasRel || rel[id] === 1)
  at(cur, id).load("i32.load8_u", layout.presentOffset).i32Const(1).op("i32.eq").localSet(curP);
  f.localGet(p("hasRel"));
  const relevance = f.if();
  f.localGet(curP);
  at(seg("rel"), id).load("i32.load8_u").i32Const(1).op("i32.eq").op("i32.and").localSet(curP);
  f.end(relevance);
  f.localGet(hasBase);
  at(base, id).load("i32.load8_u", layout.presentOffset).i32Const(1).op("i32.eq").op("i32.and");
  f.localTee(baseP).localGet(bc).op("i32.add").localSet(bc);
  f.localGet(curP).op("i32.eqz");
  const absent = f.if();
  f.localGet(baseP);
  const despawn = f.if();
  push(f, seg("despawn"), dc, id);
  f.end(despawn).br(cont).end(absent);
  at(cur, i4).load("i32.load", layout.maskOffset).localSet(mask);
  // Spawn: new, or its field set changed.
  f.localGet(baseP).op("i32.eqz");
  at(base, i4).load("i32.load", layout.maskOffset).localGet(mask).op("i32.ne").op("i32.or");
  const spawn = f.if();
  // cost[id] (a Float64Array, as the JS kernel writes it) = fields + packed bits of each present field
  f.localGet(seg("cost")).localGet(id).i32Const(3).op("i32.shl").op("i32.add").i32Const(fieldCount(fields));
  for (const x of fields) {
    f.i32Const(x.packedBits).i32Const(0).localGet(mask).i32Const(x.bit).op("i32.and");
    f.op("select").op("i32.add");
  }
  // The spawns' cost and respawns, summed for the fused encode's bound and id choice (encodeFusedEmit.ts).
  f.localTee(d).localGet(costSum).op("i32.add").localSet(costSum);
  f.localGet(respawns).localGet(baseP).op("i32.add").localSet(respawns);
  f.localGet(d).op("f64.convert_i32_s").store("f64.store");
  at(seg("resp"), id).localGet(baseP).store("i32.store8");
  at(seg("sel"), id).i32Const(1).store("i32.store8");
  push(f, seg("spawn"), sc, id);
  f.br(cont).end(spawn);
  // Same version as the baseline's row: unchanged since, not compared.
  f.localGet(p("versioned"));
  at(base, i4).load("i32.load", layout.versionOffset);
  at(cur, i4).load("i32.load", layout.versionOffset).op("i32.eq").op("i32.and");
  const unchanged = f.if();
  stream.put(() => void f.i32Const(0), 1); // the bitmap's 0 for an unchanged entity
  f.br(cont).end(unchanged);
  // predicted = ratio && hasRef && ref.present[id] === 1 && ref.mask[id] === mask
  f.localGet(ratio).localGet(p("hasRef")).op("i32.and");
  at(ref, id).load("i32.load8_u", layout.presentOffset).i32Const(1).op("i32.eq").op("i32.and");
  at(ref, i4).load("i32.load", layout.maskOffset).localGet(mask).op("i32.eq").op("i32.and");
  f.localSet(predicted);
  f.localGet(mask).localSet(live);
  f.localGet(p("hasEx"));
  const exclusion = f.if();
  at(seg("exBy"), i4).load("i32.load").localGet(p("exClient")).op("i32.eq");
  f.localGet(mask).localGet(p("exMask")).op("i32.and").op("i32.eqz").op("i32.eqz").op("i32.and");
  const excluded = f.if();
  f.localGet(mask).localGet(p("exMask")).i32Const(-1).op("i32.xor").op("i32.and").localSet(live);
  f.localGet(ec).i32Const(1).op("i32.add").localSet(ec);
  f.end(excluded).end(exclusion);
  f.end(common);
  f.i32Const(0).localSet(changed);
  f.localGet(id)
    .i32Const(stride * 4)
    .op("i32.mul")
    .localTee(row);
  f.localGet(cur).op("i32.add").localSet(curRow);
  f.localGet(row).localGet(base).op("i32.add").localSet(baseRow);
  f.localGet(row).localGet(ref).op("i32.add").localSet(refRow);
  const ctx: FieldContext = { f, cs, bs, curRow, baseRow, refRow, row, d, fs, g, t, V, simd, cap };
  fields.forEach((x, k) => {
    if (x.follows === true) return; // coded with the part before it
    const loop = (mcur: Local): LoopLocals => ({ live, changed, ratio, unit, predicted, seg, p, mcur });
    const next = fields[k + 1];
    const partner =
      next?.follows === true
        ? { x: next, cursor: cursors[k + 1] as Local, l: loop(mcursors[k + 1] as Local) }
        : undefined;
    emitField(ctx, x, cursors[k] as Local, loop(mcursors[k] as Local), partner);
  });
  f.localGet(changed).op("i32.eqz");
  const same = f.if();
  stream.put(() => void f.i32Const(0), 1);
  f.br(cont).end(same);
  // The bitmap's 1 and the update's own bits (writeEntityEmit.ts), for the fused encode.
  f.i64Const(1).localSet(ec64).i32Const(1).localSet(el);
  f.localGet(mask).localGet(mask).i32Const(1).op("i32.sub").op("i32.and").i32Const(0).op("i32.ne");
  f.localSet(multi);
  const entity = { mask, changed, multi, row, cur, zz: seg("zz"), ec: ec64, el };
  emitEntityBits(f, stream, fields, layout.valuesOffset, entity);
  at(seg("changed"), i4).localGet(changed).store("i32.store");
  at(seg("sel"), id).i32Const(1).store("i32.store8");
  push(f, seg("update"), uc, id);
  f.end(cont);
  f.localGet(id).i32Const(1).op("i32.add").localTee(id).localGet(hw).op("i32.lt_s").brIf(top);
  f.end(top).end(exit);
  if (dense) emitFlush8(f, seg("hist"), columns);
  const sums = { costSum, respawns, denseGroups, cursors };
  emitHeader(f, fields, stream, { hdr: seg("hdr"), colz: seg("colz"), sc, uc, dc, bc, ec, ...sums });
  mod.export("collect", f);
  const write = emitWrite(mod, fields, layout, stride, columns, simd); // the updates writer (writeEmit.ts)
  const widths = emitWidths(mod, columns, simd);
  const chooseIdK = emitChooseIdK(mod);
  const calls = { collect: f, widths, chooseIdK, write };
  const encode = emitFused(mod, fields, layout, stride, columns, calls, tickK);
  mod.export("encode", encode);
  mod.export("run", emitRun(mod, encode, fusedParams()));
  return mod.toBytes();
}
