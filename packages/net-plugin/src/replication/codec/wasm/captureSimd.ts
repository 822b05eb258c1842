/**
 * The capture kernel's per-field work, four entries per loop iteration: vectors and scalar floats
 * in f64x2 lanes (two pairs), rotations in f32x4 lanes (captureSimdQuat32.ts) — see
 * captureQuantize.ts for the contract and the scalar form it matches lane for lane.
 */
import type { CaptureColumn, InlineField, CapturePlan, LinearSlot } from "./capturePlan";
import { EntityReader, ROUND_EXCEPTION, type LoopLocals, type Quantizer } from "./captureQuantize";
import { SlotRows } from "./captureSimdRows";
import { Quat32 } from "./captureSimdQuat32";
import type { Local, WasmFunction } from "./wasmModule";

/** 2^52: an integer r in 0..2^32 is the low word of the double r + 2^52. */
const TO_INT = 2 ** 52;

/**
 * True when t = (v - min) * inverse of a Float32 column's value v is never ROUND_EXCEPTION
 * (0.5 - 2^-54: 53 significant bits), so its lanes need no check: a power-of-two step (t · step is
 * then v - min rounded once, exactly scaled) and min = k0 · step with k0 an integer. Rounded to
 * 0.5 · step - 2^-54 · step, v - min would lie within 2^-55 · step of it. With k0 = 0 it is v itself
 * (24 bits). Else |min| ≥ step, so |v| > 0.49 · step, v's ulp is at least 2^-25 · step and v - min
 * (a multiple of it, below step in magnitude) is exact with at most 25 significant bits.
 */
export function noRoundException(z: LinearSlot, column: CaptureColumn | undefined): boolean {
  const inverse = z.inverse;
  if (inverse === undefined || column === undefined || column.f64) return false;
  return (
    Number.isInteger(z.min * inverse) && Number.isFinite(z.min) && inverse > 2 ** -900 && inverse < 2 ** 900
  );
}

/** Entries per loop iteration of the SIMD kernel: two f64x2 pairs (one f32x4 of rotations). */
export const SIMD_ENTRIES = 4;

/** One f64x2 pair of entries: its readers, locals, and byte offset from the batch cursor. */
export interface Pair {
  readonly at: number;
  readonly first: EntityReader;
  readonly second: EntityReader;
  readonly v: Local[];
  /** clampToInt's scratch (SlotRows: the integers). */
  readonly r: Local;
  /** SlotRows: the round-exception lanes. */
  readonly ex: Local;
}

/**
 * Four entries per iteration: vectors and scalar floats as two f64x2 pairs, rotations as one f32x4
 * (captureSimdQuat32.ts) — the scalar path's IEEE operations per lane, selects as lane masks. Each
 * statement is emitted for both pairs in turn (`both`), so their dependency chains overlap.
 * Constants live in locals set before the loops (V8 builds a v128.const from immediates each time
 * it is executed).
 */
export class SimdQuantizer implements Quantizer {
  /** Byte offset of the iteration's first entry's quantized row (entry × stride × 4). */
  readonly q4: Local;
  /** store2's scratch. */
  private readonly out: Local;
  /** 1 when the iteration's four entity ids are consecutive (their channels load as one v128). */
  private readonly run: Local | undefined;
  readonly pairs: Pair[];
  /** The four-entry slot vectors and their transposed row stores (fields that `SlotRows.fits`). */
  readonly rows: SlotRows;
  private readonly constants = new Map<string, Local>();

  constructor(
    readonly f: WasmFunction,
    private readonly plan: CapturePlan,
    l: LoopLocals,
  ) {
    this.q4 = l.q4;
    this.out = f.local("v128");
    // Consecutive ids index the column copies directly only when the gather clamped them (one length).
    this.run = plan.columnLength === undefined ? undefined : f.local("i32");
    this.pairs = [0, 8].map((at) => ({
      at,
      first: new EntityReader(f, plan, l, at),
      second: new EntityReader(f, plan, l, at + 4),
      v: Array.from({ length: 16 }, () => f.local("v128")),
      r: f.local("v128"),
      ex: f.local("v128"),
    }));
    this.rows = new SlotRows(f, plan, this.q4, (c, hoist) => this.splat(c, hoist));
  }

  /** Emits `step` for each pair in turn. */
  both(step: (p: Pair) => void): void {
    for (const p of this.pairs) step(p);
  }

  /** The Float32 rotation path (made on first use). */
  private q32: Quat32 | undefined;

  private quat32(): Quat32 {
    this.q32 ??= new Quat32(this);
    return this.q32;
  }

  /** Pushes a v128 of 16 bytes (from its hoisted local when there is one), or with `hoist` only hoists it. */
  constant(bytes: Uint8Array, hoist: boolean): WasmFunction {
    const key = bytes.join(",");
    const local = this.constants.get(key);
    if (hoist) {
      if (local === undefined) {
        const l = this.f.local("v128");
        this.f.v128Const(bytes).localSet(l);
        this.constants.set(key, l);
      }
      return this.f;
    }
    return local === undefined ? this.f.v128Const(bytes) : this.f.localGet(local);
  }

  splat(c: number, hoist = false): WasmFunction {
    return this.constant(new Uint8Array(Float64Array.of(c, c).buffer), hoist);
  }

  prepare(field: InlineField): void {
    if (field.kind === "quat") {
      this.quat32().prepare(field);
      return;
    }
    if (SlotRows.fits(field)) this.rows.prepare(field);
    for (const c of [0, 0.5, ROUND_EXCEPTION, TO_INT]) this.splat(c, true);
    for (const z of field.slots) {
      for (const c of [z.min, z.maxValue, z.inverse ?? z.step]) this.splat(c, true);
    }
  }

  entities(): void {
    this.both((p) => {
      p.first.load();
      p.second.load();
    });
    const run = this.run;
    if (run === undefined) return;
    // run = e1 - e0 === 1 && e2 - e0 === 2 && e3 - e0 === 3 (bitECS lists in spawn order)
    const f = this.f;
    const [a, b] = this.pairs as [Pair, Pair];
    const e0 = a.first.eid;
    const step = (e: Local, k: number): void => {
      f.localGet(e).localGet(e0).op("i32.sub").i32Const(k).op("i32.eq");
    };
    step(a.second.eid, 1);
    step(b.first.eid, 2);
    f.op("i32.and");
    step(b.second.eid, 3);
    f.op("i32.and").localSet(run);
  }

  load(field: InlineField): void {
    if (field.kind === "quat") {
      this.quat32().load(field, this.run);
      return;
    }
    const f = this.f;
    const gather = (): void =>
      field.columns.forEach((col, k) =>
        this.both((p) => {
          p.first.channel(col);
          f.op("f64x2.splat");
          p.second.channel(col);
          f.lane("f64x2.replace_lane", 1).localSet(p.v[k] as Local);
        }),
      );
    if (this.run === undefined) {
      gather();
      return;
    }
    f.localGet(this.run);
    const consecutive = f.if();
    const [a, b] = this.pairs as [Pair, Pair];
    field.columns.forEach((col, k) => {
      if (col.f64) {
        f.localGet(a.first.o8)
          .load("v128.load", col.address, 0)
          .localSet(a.v[k] as Local);
        f.localGet(a.first.o8)
          .load("v128.load", col.address + 16, 0)
          .localSet(b.v[k] as Local);
        return;
      }
      f.localGet(a.first.o4).load("v128.load", col.address, 0).localTee(this.out);
      f.op("f64x2.promote_low_f32x4").localSet(a.v[k] as Local);
      f.localGet(this.out).localGet(this.out);
      f.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]);
      f.op("f64x2.promote_low_f32x4").localSet(b.v[k] as Local);
    });
    f.else();
    gather();
    f.end(consecutive);
  }

  quantize(field: InlineField): void {
    if (field.kind === "quat") this.quat32().emit(field);
    else {
      field.slots.forEach((_, s) => this.linear(field, s));
      if (SlotRows.fits(field)) this.rows.store(field);
    }
  }

  /** Stores the two low i32 lanes on the stack to `column` (the pair's entries). */
  store2(p: Pair, column: number): void {
    const f = this.f;
    const { quantized, stride } = this.plan;
    // Entries p.at / 4 and p.at / 4 + 1 of the iteration; the first's address is on the stack.
    const first = quantized + ((p.at / 4) * stride + column) * 4;
    f.localTee(this.out).lane("i32x4.extract_lane", 0).store("i32.store", first);
    f.localGet(this.q4).localGet(this.out).lane("i32x4.extract_lane", 1);
    f.store("i32.store", first + stride * 4);
  }

  /**
   * Clamps the f64 lanes on the stack (integers or NaN) to 0..`max` (NaN → 0, as `| 0` and the
   * clamps of the JS kernel give) and converts them to i32 lanes 0, 1: `pmax(0, r)` is
   * `0 < r ? r : 0`, `pmin(r, max)` is `max < r ? max : r`, and an integer r in 0..2^32 is the low
   * word of r + 2^52.
   */
  clampToInt(p: Pair, max: number): void {
    const f = this.f;
    const r = p.r;
    f.localSet(r);
    this.splat(0).localGet(r).op("f64x2.pmax");
    this.splat(max).op("f64x2.pmin");
    this.splat(TO_INT).op("f64x2.add").localTee(r).localGet(r);
    f.shuffle([0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
  }

  /** Pushes round(t) per lane as f64 (ROUND_SOURCE; the caller truncates). */
  round(t: Local): void {
    const f = this.f;
    this.splat(0);
    f.localGet(t);
    this.splat(0.5);
    f.op("f64x2.add").op("f64x2.floor").localGet(t);
    this.splat(ROUND_EXCEPTION);
    f.op("f64x2.eq").op("v128.bitselect");
  }

  private linear(field: InlineField & { kind: "linear" }, s: number): void {
    const f = this.f;
    const z = field.slots[s] as (typeof field.slots)[number];
    this.both((p) => {
      const v = p.v[s] as Local;
      f.localGet(v);
      this.splat(z.min).op("f64x2.sub");
      if (z.inverse !== undefined) this.splat(z.inverse).op("f64x2.mul");
      else this.splat(z.step).op("f64x2.div");
      f.localSet(p.v[15] as Local);
    });
    // !(v > min) ? 0 : v >= max ? maxValue : round(t) is clamp(round(t), 0, maxValue): v > min
    // gives t ≥ 0 (v - min is then ≥ 0), v ≥ max gives round(t) ≥ maxValue (t is maxValue within
    // a few ulps at v = max, step = (max - min) / maxValue), NaN stays NaN.
    if (SlotRows.fits(field)) {
      const exact = noRoundException(z, field.columns[s]);
      this.both((p) => this.rows.pair(p, p.v[15] as Local, z.maxValue, exact));
      this.rows.join(s, this.pairs, exact);
      return;
    }
    this.both((p) => {
      f.localGet(this.q4);
      this.round(p.v[15] as Local);
      this.clampToInt(p, z.maxValue);
      this.store2(p, field.offset + s);
    });
  }
}
