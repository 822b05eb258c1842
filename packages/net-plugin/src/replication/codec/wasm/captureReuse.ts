/**
 * The capture kernel's gather skipped when its inputs are the last call's (captureEmit.ts
 * `runBoundFast`): the gather's outputs in the scratch — per batch entry the network id, field mask
 * and entity id, and the largest network id — and the seen stamps depend only on the listed entity
 * ids, the membership words of those ids, the network id table, the flags and the capacity. The
 * caller (wasmCapture.ts) allows the reuse (header `reuse` = 1) only while the network id table,
 * the flags, the membership table and the runner are the last call's and no other gather ran on
 * this runner since; the kernel then compares the list and the membership words up to the list's
 * largest entity id with its copies of the last gathered call's (`prevListAt`, `prevMaskAt`):
 * equal, it takes the last call's largest network id and seen stamp (`prevTop`, `prevStamp`: the
 * stamps of the listed ids are that stamp) and skips the gather (`reuse` = 1 out); else it gathers
 * and keeps copies of this call's list and words (`reuse` = 0 out). A gather kept for reuse also
 * notes whether its entries are lined (emitLined; header `lined`), which a reusing call passes to
 * the row pass: the four-entry step then tests only the state's rows.
 */
import { FIELD_WORDS, fieldWord, HEADER, loadHeader, storeHeader, type CapturePlan } from "./capturePlan";
import type { Local, WasmFunction } from "./wasmModule";

/**
 * True when `runBoundFast` may reuse its gather: SIMD modules without a generic field (the gather
 * reads their ints, which move between calls with the list unchanged). Both the emitter and the
 * caller ask this, so a module never keeps copies a caller never allows it to use.
 */
export function gatherReusable(plan: CapturePlan, simd: boolean): boolean {
  return simd && plan.fields.every((f) => f.kind !== "generic");
}

/** Emits `diff |= a[0..count) ^ b[0..count)` (i32 words; four a step, then one by one). */
function emitDiffWords(f: WasmFunction, a: Local, b: Local, count: Local, l: Scratch): void {
  const { k, end, acc, diff } = l;
  f.i32Const(0).localSet(k);
  f.localGet(count).i32Const(-4).op("i32.and").i32Const(2).op("i32.shl").localSet(end);
  f.v128ConstI32(0, 0, 0, 0).localSet(acc);
  const exit4 = f.block();
  const top4 = f.loop();
  f.localGet(k).localGet(end).op("i32.ge_u").brIf(exit4);
  f.localGet(a).localGet(k).op("i32.add").load("v128.load", 0, 2);
  f.localGet(b).localGet(k).op("i32.add").load("v128.load", 0, 2);
  f.op("v128.xor").localGet(acc).op("v128.or").localSet(acc);
  f.localGet(k).i32Const(16).op("i32.add").localSet(k);
  f.br(top4);
  f.end(top4);
  f.end(exit4);
  f.localGet(acc).op("v128.any_true").localGet(diff).op("i32.or").localSet(diff);
  f.localGet(count).i32Const(2).op("i32.shl").localSet(end);
  const exit = f.block();
  const top = f.loop();
  f.localGet(k).localGet(end).op("i32.ge_u").brIf(exit);
  f.localGet(a).localGet(k).op("i32.add").load("i32.load");
  f.localGet(b).localGet(k).op("i32.add").load("i32.load");
  f.op("i32.xor").localGet(diff).op("i32.or").localSet(diff);
  f.localGet(k).i32Const(4).op("i32.add").localSet(k);
  f.br(top);
  f.end(top);
  f.end(exit);
}

/**
 * Emits `lined` = 1 when the batch's `n` entries (the gather's outputs) are lined — entry k has
 * network id ids[0] + k and every field (mask = the full mask) — so any four consecutive entries
 * pass the four-entry row step's entry tests (captureRowsFour.ts); else 0 (also below 4 entries,
 * where the step never runs). Four entries a step, the last step overlapping the one before.
 */
function emitLined(f: WasmFunction, plan: CapturePlan, n: Local, lined: Local, l: Scratch): void {
  const fullMask = plan.fields.reduce((a, field) => a | field.bit, 0);
  const { k, end, acc } = l;
  const base = f.local("v128");
  const last = f.local("i32");
  f.i32Const(0).localSet(lined);
  f.localGet(n).i32Const(4).op("i32.ge_s");
  const some = f.if();
  // base = ids[0] + (0, 1, 2, 3); acc = all ones while every step matches
  f.i32Const(0).load("i32.load", plan.ids).op("i32x4.splat").v128ConstI32(0, 1, 2, 3).op("i32x4.add");
  f.localSet(base);
  f.v128ConstI32(-1, -1, -1, -1).localSet(acc);
  f.localGet(n).i32Const(2).op("i32.shl").localSet(end); // byte end of the entries
  f.i32Const(0).localSet(k);
  const exit = f.block();
  const top = f.loop();
  // k = min(k, end - 16): the last step overlaps
  f.localGet(k).localGet(end).i32Const(16).op("i32.sub").localTee(last);
  f.localGet(k).localGet(last).op("i32.lt_s").op("select").localSet(k);
  f.localGet(k).load("v128.load", plan.ids, 0);
  f.localGet(base).localGet(k).i32Const(2).op("i32.shr_u").op("i32x4.splat").op("i32x4.add");
  f.op("i32x4.eq");
  f.localGet(k).load("v128.load", plan.masks, 0);
  f.i32Const(fullMask).op("i32x4.splat").op("i32x4.eq").op("v128.and");
  f.localGet(acc).op("v128.and").localSet(acc);
  f.localGet(k).i32Const(16).op("i32.add").localTee(k).localGet(end).op("i32.ge_s").brIf(exit);
  f.br(top);
  f.end(top);
  f.end(exit);
  f.localGet(acc).op("i32x4.all_true").localSet(lined);
  f.end(some);
}

/** Emits `to[0..count) = from[0..count)` (i32 words, one `memory.copy`). */
function emitCopyWords(f: WasmFunction, from: Local, to: Local, count: Local): void {
  f.localGet(to).localGet(from).localGet(count).i32Const(2).op("i32.shl").memoryCopy();
}

interface Scratch {
  readonly k: Local;
  readonly end: Local;
  readonly acc: Local;
  readonly diff: Local;
}

/**
 * Emits the gather of `n` entries (largest listed entity id in `max`) into `top`, or its reuse
 * (see the file comment): `gather()` emits the call pushing the gather's result.
 */
export function emitGatherOrReuse(
  f: WasmFunction,
  plan: CapturePlan,
  n: Local,
  max: Local,
  top: Local,
  /** Out: 1 when the entries are lined (emitLined; this call's, or the reused call's). */
  lined: Local,
  gather: () => void,
): void {
  const i32 = (): Local => f.local("i32");
  const l: Scratch = { k: i32(), end: i32(), acc: f.local("v128"), diff: i32() };
  const [list, prevList, words, prevWords, count, word] = [i32(), i32(), i32(), i32(), i32(), i32()];
  loadHeader(f, plan, HEADER.listAt, list);
  loadHeader(f, plan, HEADER.prevListAt, prevList);
  loadHeader(f, plan, fieldWord(0) + FIELD_WORDS.maskAt, words);
  loadHeader(f, plan, HEADER.prevMaskAt, prevWords);
  // diff = reuse not allowed, or another list length, list or membership word (ids 0..max).
  f.i32Const(plan.header)
    .load("i32.load", HEADER.reuse * 4)
    .op("i32.eqz");
  f.i32Const(plan.header)
    .load("i32.load", HEADER.prevN * 4)
    .localGet(n)
    .op("i32.ne");
  f.op("i32.or").localSet(l.diff);
  f.localGet(l.diff).op("i32.eqz");
  const check = f.if();
  emitDiffWords(f, list, prevList, n, l);
  f.localGet(max).i32Const(1).op("i32.add").localSet(count);
  emitDiffWords(f, words, prevWords, count, l);
  f.end(check);
  f.localGet(l.diff).op("i32.eqz");
  const same = f.if();
  loadHeader(f, plan, HEADER.prevTop, top);
  loadHeader(f, plan, HEADER.prevStamp, word);
  storeHeader(f, plan, HEADER.stamp, word);
  loadHeader(f, plan, HEADER.lined, lined);
  f.i32Const(1).localSet(word);
  storeHeader(f, plan, HEADER.reuse, word);
  f.else();
  f.i32Const(0).localSet(word);
  storeHeader(f, plan, HEADER.reuse, word);
  gather();
  f.localTee(top).i32Const(-1).op("i32.ge_s");
  const kept = f.if();
  emitCopyWords(f, list, prevList, n);
  f.localGet(max).i32Const(1).op("i32.add").localSet(count);
  emitCopyWords(f, words, prevWords, count);
  storeHeader(f, plan, HEADER.prevN, n);
  storeHeader(f, plan, HEADER.prevTop, top);
  emitLined(f, plan, n, lined, l);
  storeHeader(f, plan, HEADER.lined, lined);
  f.end(kept);
  f.end(same);
}
