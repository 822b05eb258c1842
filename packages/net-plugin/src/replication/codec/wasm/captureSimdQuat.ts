/**
 * The capture kernel's rotation quantizer in f64x2 lanes (captureSimd.ts SimdQuantizer, two pairs
 * of entries per iteration): fieldAccess.ts quantizeSource's smallest-three encoding — the largest
 * component (first of equals), the length, a zero or non-finite rotation as identity, the sign of
 * the largest, three slots rounded and clamped — the same IEEE operations per lane as the scalar
 * kernel (captureQuantize.ts), each statement emitted for both pairs in turn.
 */
import type { InlineField } from "./capturePlan";
import type { Pair, SimdQuantizer } from "./captureSimd";
import { SlotRows } from "./captureSimdRows";
import type { Local, WasmFunction } from "./wasmModule";

export function emitQuat(s: SimdQuantizer, field: InlineField & { kind: "quat" }): void {
  const f = s.f;
  const named = (p: Pair): Record<QuatLocal, Local> =>
    Object.fromEntries(QUAT_LOCALS.map((name, i) => [name, p.v[i] as Local])) as Record<QuatLocal, Local>;
  const [A, B] = s.pairs.map(named) as [Record<QuatLocal, Local>, Record<QuatLocal, Local>];
  const both = (step: (q: Record<QuatLocal, Local>, p: Pair) => void): void => {
    step(A, s.pairs[0] as Pair);
    step(B, s.pairs[1] as Pair);
  };
  both(({ x, best, lg }) => {
    f.localGet(x).op("f64x2.abs").localSet(best);
    s.lanes(0).localSet(lg);
  });
  for (const k of [0, 1, 2]) {
    both((q) => {
      const { best, a, m, lg } = q;
      const c = [q.y, q.z, q.w][k] as Local;
      f.localGet(c).op("f64x2.abs").localTee(a).localGet(best).op("f64x2.gt").localSet(m);
      // lg = m ? k + 1 : lg, as max(lg, (k + 1) & m): lg < k + 1 here, small integers in i64 lanes
      f.localGet(lg);
      s.lanes(k + 1)
        .localGet(m)
        .op("v128.and")
        .op("i32x4.max_s")
        .localSet(lg);
      // best = a > best ? a : best, i.e. pmax(best, a) (best < a ? a : best; NaN keeps best)
      if (k < 2) f.localGet(best).localGet(a).op("f64x2.pmax").localSet(best);
    });
  }
  const square = (c: Local): WasmFunction => f.localGet(c).localGet(c).op("f64x2.mul");
  both(({ x, y, z, w, len }) => {
    square(x);
    square(y).op("f64x2.add");
    square(z).op("f64x2.add");
    square(w).op("f64x2.add").op("f64x2.sqrt").localSet(len);
  });
  both(({ x, y, z, w, len, valid, lg }) => {
    f.localGet(len);
    s.splat(1e-12).op("f64x2.gt").localGet(len);
    s.splat(Infinity).op("f64x2.lt").op("v128.and").localSet(valid);
    [x, y, z].forEach((c) => f.localGet(c).localGet(valid).op("v128.and").localSet(c));
    f.localGet(w);
    s.splat(1).localGet(valid).op("v128.bitselect").localSet(w);
    // lg = valid ? lg : 3, as max(lg, 3 & ~valid)
    f.localGet(lg);
    s.lanes(3).localGet(valid).op("v128.andnot").op("i32x4.max_s").localSet(lg);
  });
  both(({ lg, e0, e1, e3 }) => {
    for (const [k, into] of [
      [0, e0],
      [1, e1],
      [3, e3],
    ] as const) {
      f.localGet(lg);
      s.lanes(k).op("i64x2.eq").localSet(into);
    }
  });
  // inv = 1 / len for a valid rotation, else +0: an identity's slots are (0 · sign + SQRT1_2) ·
  // scale for any finite sign (the JS kernel's 1 / (len || 1) gives the same integers).
  // sign = big < 0 ? -inv : inv, as inv with big's sign bit (-1 / l is exactly -(1 / l); big is
  // never ±0 or NaN here: a valid rotation's largest, or identity's w).
  both(({ len, inv, valid }) => {
    s.splat(1).localGet(len).op("f64x2.div").localGet(valid).op("v128.and").localSet(inv);
  });
  both(({ x, y, z, w, e0, e1, e3, inv, sign }) => {
    // big = largest 0 ? x : 1 ? y : 2 ? z : w (e2 = not e0, e1, e3)
    f.localGet(x).localGet(y).localGet(w).localGet(z).localGet(e3).op("v128.bitselect");
    f.localGet(e1).op("v128.bitselect").localGet(e0).op("v128.bitselect");
    s.splat(-0).op("v128.and").localGet(inv).op("v128.xor").localSet(sign);
  });
  const rows = SlotRows.fits(field) ? s.rows : undefined;
  if (rows !== undefined) rows.joinI64(0, A.lg, B.lg);
  else {
    both(({ lg }, p) => {
      // largest as i32 lanes 0, 1
      f.localGet(s.q4).localGet(lg).localGet(lg);
      f.shuffle([0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
      s.store2(p, field.offset);
    });
  }
  for (const k of [0, 1, 2]) {
    both(({ x, y, z, w, e0, e1, e3, sign, t }) => {
      const [yes, no] = [
        [y, x],
        [z, y],
        [w, z],
      ][k] as [Local, Local];
      f.localGet(yes).localGet(no);
      if (k === 0) f.localGet(e0);
      else if (k === 1) f.localGet(e0).localGet(e1).op("v128.or");
      else f.localGet(e3).op("v128.not");
      f.op("v128.bitselect").localGet(sign).op("f64x2.mul");
      s.splat(Math.SQRT1_2).op("f64x2.add");
      s.splat(field.scale).op("f64x2.mul").localSet(t);
    });
    if (rows !== undefined) {
      both(({ t }, p) => rows.pair(p, t, field.maxValue));
      rows.join(k + 1, s.pairs);
      continue;
    }
    both(({ t }, p) => {
      f.localGet(s.q4);
      s.round(t);
      s.clampToInt(p, field.maxValue);
      s.store2(p, field.offset + k + 1);
    });
  }
  rows?.store(field);
}

/** The rotation path's locals, by name (the first four hold the loaded x, y, z, w). */
const QUAT_LOCALS = [
  "x",
  "y",
  "z",
  "w",
  "best",
  "a",
  "m",
  "lg",
  "len",
  "valid",
  "inv",
  "sign",
  "e0",
  "e1",
  "e3",
  "t",
] as const;
type QuatLocal = (typeof QUAT_LOCALS)[number];
