/**
 * The wasm collect's four-entity step (encodeEmit.ts): at the first id of every group of four, one
 * check whether all four skip the per-entity checks — present in `current` and the baseline, the
 * same field set in both (not spawns), a row version that changed since the baseline (when the
 * states are versioned) and, when predicting from a reference, present there with the same field
 * set. That is the common moving case; the entities of such a group go straight to the field code
 * (`fast` = 1), any other group (or a call with relevance, exclusions or no baseline, or the last
 * ids short of four) takes the per-entity checks. The outcome per entity is the same either way.
 */
import type { StateLayout } from "./codecMemory";
import type { Local, WasmFunction } from "./wasmModule";

/** The collect loop's locals the check reads and sets. */
export interface GroupLocals {
  readonly cur: Local;
  readonly base: Local;
  readonly ref: Local;
  readonly id: Local;
  readonly i4: Local;
  readonly hw: Local;
  /** 1 when the call allows fast groups (a baseline, no relevance, no exclusions). */
  readonly fastOK: Local;
  /** Set: 1 when the group's four ids are fast. */
  readonly fast: Local;
  /** Set: ids in the group (4; the caller counts it down). */
  readonly left: Local;
  readonly hasRef: Local;
}

/** Four present bytes of 1, read as one little-endian i32. */
const ALL_PRESENT = 0x01010101;

/** Emits the check for the group at `id` (the caller runs it when `left` is 0). */
export function emitGroupCheck(
  f: WasmFunction,
  layout: StateLayout,
  l: GroupLocals,
  versioned: Local,
  ratio: Local,
): void {
  const v = f.local("v128");
  const at = (s: Local, idx: Local): WasmFunction => f.localGet(s).localGet(idx).op("i32.add");
  f.i32Const(4).localSet(l.left);
  f.i32Const(0).localSet(l.fast);
  f.localGet(l.fastOK);
  f.localGet(l.id).i32Const(4).op("i32.add").localGet(l.hw).op("i32.le_s").op("i32.and");
  const room = f.if();
  // present in both states, the same field sets
  at(l.cur, l.id).load("i32.load", layout.presentOffset, 0).i32Const(ALL_PRESENT).op("i32.eq");
  at(l.base, l.id).load("i32.load", layout.presentOffset, 0).i32Const(ALL_PRESENT).op("i32.eq");
  f.op("i32.and");
  at(l.cur, l.i4).load("v128.load", layout.maskOffset, 0).localTee(v);
  at(l.base, l.i4).load("v128.load", layout.maskOffset, 0).op("i32x4.eq").op("i32x4.all_true");
  f.op("i32.and").localSet(l.fast);
  // versioned: every row's version differs from the baseline's
  f.localGet(versioned);
  const ver = f.if();
  f.localGet(l.fast);
  at(l.cur, l.i4).load("v128.load", layout.versionOffset, 0);
  at(l.base, l.i4).load("v128.load", layout.versionOffset, 0).op("i32x4.ne").op("i32x4.all_true");
  f.op("i32.and").localSet(l.fast);
  f.end(ver);
  // predicted from a reference: present there with the same field sets
  f.localGet(ratio).localGet(l.hasRef).op("i32.and");
  const pred = f.if();
  f.localGet(l.fast);
  at(l.ref, l.id).load("i32.load", layout.presentOffset, 0).i32Const(ALL_PRESENT).op("i32.eq");
  f.op("i32.and");
  f.localGet(v);
  at(l.ref, l.i4).load("v128.load", layout.maskOffset, 0).op("i32x4.eq").op("i32x4.all_true");
  f.op("i32.and").localSet(l.fast);
  f.end(pred);
  f.end(room);
}
