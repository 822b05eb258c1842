/**
 * The fast wasm gather's four-entry step (captureGatherEmit.ts `gatherFast`, SIMD modules): four
 * list entries with consecutive entity ids (bitECS lists in spawn order) read their network ids
 * and membership words as one v128 each from the tables, and store ids, masks and entity ids as
 * one v128 each; seen stamps, the largest network id and the int fields (per lane, as the
 * per-entity path) as that path does. Four entries with an unmapped entity or a network id at or
 * past the capacity take the per-entity path (which refuses at the exact entry).
 */
import type { CapturePlan } from "./capturePlan";
import { emitInt } from "./captureScalarEmit";
import type { Label } from "./wasmCode";
import type { Local, WasmFunction } from "./wasmModule";

/** The gather's locals the step reads and advances (header words loaded before the loop). */
export interface GatherLocals {
  readonly j: Local;
  readonly n: Local;
  readonly a4: Local;
  readonly list: Local;
  readonly netAt: Local;
  readonly capacity: Local;
  readonly seen: Local;
  readonly stamp: Local;
  readonly r: Local;
  /** Per field: its membership table (the fast form: every field's is the first's) and flag, its int table. */
  readonly fields: readonly { readonly maskAt: Local; readonly flag: Local; readonly intAt: Local }[];
}

/** The step: constants hoisted at construction (before the loop), `emit` inside it, `finish` after it. */
export class GatherFour {
  private readonly steps: Local;
  private readonly ones: Local;
  private readonly capacity: Local;
  private readonly flags: Local[];
  private readonly bits: Local[];
  private readonly columnLength: Local | undefined;
  /** The largest network id of the four-entry steps (per lane). */
  private readonly top: Local;
  private readonly e0: Local;
  private readonly ev: Local;
  private readonly ids: Local;
  private readonly words: Local;
  private readonly mask: Local;
  private readonly hit: Local;

  constructor(
    private readonly f: WasmFunction,
    private readonly plan: CapturePlan,
    private readonly l: GatherLocals,
  ) {
    const v = (): Local => f.local("v128");
    [this.steps, this.ones, this.capacity, this.top] = [v(), v(), v(), v()];
    [this.ev, this.ids, this.words, this.mask, this.hit] = [v(), v(), v(), v(), v()];
    this.e0 = f.local("i32");
    f.v128ConstI32(0, 1, 2, 3).localSet(this.steps);
    f.i32Const(1).op("i32x4.splat").localSet(this.ones);
    f.localGet(l.capacity).op("i32x4.splat").localSet(this.capacity);
    f.i32Const(-1).op("i32x4.splat").localSet(this.top);
    this.flags = l.fields.map((field) => {
      const local = v();
      f.localGet(field.flag).op("i32x4.splat").localSet(local);
      return local;
    });
    this.bits = plan.fields.map((field) => {
      const local = v();
      f.i32Const(field.bit).op("i32x4.splat").localSet(local);
      return local;
    });
    this.columnLength = plan.columnLength === undefined ? undefined : v();
    if (this.columnLength !== undefined) {
      f.i32Const(plan.columnLength as number)
        .op("i32x4.splat")
        .localSet(this.columnLength);
    }
  }

  /** Emits the step at the top of the loop body (after its exit test); it goes back to `loop` when taken. */
  emit(loop: Label): void {
    const { f, plan, l } = this;
    const four = f.block();
    f.localGet(l.j).i32Const(4).op("i32.add").localGet(l.n).op("i32.gt_s").brIf(four);
    // Entity ids e0..e0+3.
    f.localGet(l.list).localGet(l.a4).op("i32.add").localTee(this.e0);
    f.load("v128.load", 0, 0).localSet(this.ev);
    f.localGet(this.e0).load("i32.load").localTee(this.e0);
    f.op("i32x4.splat").localGet(this.steps).op("i32x4.add").localGet(this.ev).op("i32x4.eq");
    f.op("i32x4.all_true").op("i32.eqz").brIf(four);
    // Network ids (table holds id + 1): all mapped and below the capacity.
    f.localGet(this.e0).i32Const(2).op("i32.shl").localGet(l.netAt).op("i32.add").load("v128.load", 0, 0);
    f.localGet(this.ones).op("i32x4.sub").localTee(this.ids);
    f.localGet(this.capacity).op("i32x4.ge_u").op("v128.any_true").brIf(four);
    for (let q = 0; q < 4; q++) {
      f.localGet(l.seen).localGet(this.ids).lane("i32x4.extract_lane", q).i32Const(2).op("i32.shl");
      f.op("i32.add").localGet(l.stamp).store("i32.store");
    }
    f.localGet(l.a4).localGet(this.ids).store("v128.store", plan.ids, 0);
    f.localGet(this.top).localGet(this.ids).op("i32x4.max_s").localSet(this.top);
    // Membership words (one table) → masks; int fields per lane.
    const first = l.fields[0] as GatherLocals["fields"][number];
    f.localGet(this.e0).i32Const(2).op("i32.shl").localGet(first.maskAt).op("i32.add");
    f.load("v128.load", 0, 0).localSet(this.words);
    f.v128ConstI32(0, 0, 0, 0).localSet(this.mask);
    plan.fields.forEach((field, k) => {
      const flag = this.flags[k] as Local;
      f.localGet(this.words).localGet(flag).op("v128.and").localGet(flag).op("i32x4.eq").localTee(this.hit);
      f.localGet(this.bits[k] as Local)
        .op("v128.and")
        .localGet(this.mask)
        .op("v128.or")
        .localSet(this.mask);
      if (field.kind !== "generic" || field.int === undefined) return;
      const intAt = (l.fields[k] as GatherLocals["fields"][number]).intAt;
      for (let q = 0; q < 4; q++) {
        f.localGet(this.hit).lane("i32x4.extract_lane", q);
        const has = f.if();
        f.localGet(this.e0).i32Const(q).op("i32.add").i32Const(3).op("i32.shl").localGet(intAt).op("i32.add");
        emitInt(f, plan, field.offset, field.int, l.r, l.a4, q);
        f.end(has);
      }
    });
    f.localGet(l.a4).localGet(this.mask).store("v128.store", plan.masks, 0);
    f.localGet(l.a4).localGet(this.ev);
    if (this.columnLength !== undefined) f.localGet(this.columnLength).op("i32x4.min_u");
    f.store("v128.store", plan.eids, 0);
    f.localGet(l.a4).i32Const(16).op("i32.add").localSet(l.a4);
    f.localGet(l.j).i32Const(4).op("i32.add").localSet(l.j);
    f.br(loop);
    f.end(four);
  }

  /** After the loop: `top` = max(top, the steps' largest network id). */
  finish(top: Local): void {
    const f = this.f;
    for (let q = 0; q < 4; q++) {
      f.localGet(this.top).lane("i32x4.extract_lane", q).localGet(top);
      f.localGet(this.top)
        .lane("i32x4.extract_lane", q)
        .localGet(top)
        .op("i32.gt_s")
        .op("select")
        .localSet(top);
    }
  }
}
