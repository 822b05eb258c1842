/**
 * Bit reading helpers of the generated wasm update reader (decodeEmit.ts, decodeColumnEmit.ts):
 * the checks of the JS kernel's inline reads (kernels/decodeKernel.ts) with WordReader's overflow
 * rule — a read past the end sets `failed`, moves to the end and leaves through `fail`.
 */
import type { WasmBitReader } from "./wasmBits";
import type { Label, Local, WasmFunction } from "./wasmModule";

/** Locals and labels shared by the emitting helpers. */
export interface DecodeCtx {
  readonly f: WasmFunction;
  readonly r: WasmBitReader;
  readonly fail: Label;
  readonly input: Local;
  readonly tmp: Local;
  /**
   * Where the JS kernel's WordReader position is (it syncs only on its slow paths and overflows):
   * stored on a refusal, so the reader ends where the JS kernel leaves it.
   */
  readonly synced: Local;
  readonly start: Local;
}

/** Pushes the 32 bits at pos (i32) without consuming them (zeros past the input). */
export function peek32(c: DecodeCtx): void {
  // The 32 bits at pos (i32): one unaligned i64 load at its byte, shifted by pos & 7.
  const { f, r, input } = c;
  f.localGet(input).localGet(r.pos).i32Const(3).op("i32.shr_u").op("i32.add");
  f.load("i64.load", 0, 0).localGet(r.pos).i32Const(7).op("i32.and").op("i64.extend_i32_u");
  f.op("i64.shr_u").op("i32.wrap_i64");
}

/** Read past the end: `failed`, pos at the end, then out (WordReader's overflow). */
export function overflow(c: DecodeCtx): void {
  c.f.i32Const(1).localSet(c.r.failed).localGet(c.r.total).localTee(c.r.pos).localSet(c.synced).br(c.fail);
}

/** Fails with an overflow when fewer than `bits` (on the stack, i32) bits are left. */
export function need(c: DecodeCtx, pushBits: () => void): void {
  const { f, r } = c;
  f.localGet(r.total).localGet(r.pos).op("i32.sub");
  pushBits();
  f.op("i32.lt_u");
  const short = f.if();
  overflow(c);
  f.end(short);
}

/** Pushes the bit at pos and moves past it (the caller checked pos < total). */
export function bit(c: DecodeCtx): void {
  const { f, r, input } = c;
  f.localGet(input).localGet(r.pos).i32Const(3).op("i32.shr_u").op("i32.add").load("i32.load8_u");
  f.localGet(r.pos).i32Const(7).op("i32.and").op("i32.shr_u").i32Const(1).op("i32.and");
  f.localGet(r.pos).i32Const(1).op("i32.add").localSet(r.pos);
}

/** Pushes `bits` (a constant or local, 0..31) at pos masked by `mask` and moves past them (checked). */
export function fixed(c: DecodeCtx, bits: number | Local, mask: number | Local): void {
  const { f, r } = c;
  peek32(c);
  if (typeof mask === "number") f.i32Const(mask);
  else f.localGet(mask);
  f.op("i32.and");
  f.localGet(r.pos);
  if (typeof bits === "number") f.i32Const(bits);
  else f.localGet(bits);
  f.op("i32.add").localSet(r.pos);
}

/** Pushes an order-k Exp-Golomb code as WordReader.readExpGolomb reads it; fails on -1. */
export function expGolomb(c: DecodeCtx, k: number | Local): void {
  const { f, r } = c;
  f.localGet(r.pos).localSet(c.start);
  r.readExpGolomb(k);
  f.localTee(c.tmp).i32Const(0).op("i32.lt_s");
  const bad = f.if();
  // WordReader also overflows on a code of only zeros up to the end (WasmBitReader does not).
  peek32(c);
  f.op("i32.eqz").localGet(r.pos).i32Const(32).op("i32.add").localGet(r.total).op("i32.gt_u").op("i32.and");
  const zeros = f.if();
  overflow(c);
  f.end(zeros);
  // A refused code is the JS kernel's slow path: its reader is where WordReader stopped.
  f.localGet(r.pos).localSet(c.synced).br(c.fail);
  f.end(bad);
  // A code of 32 bits or more is the slow path too (the fast one takes codes below 32 bits).
  f.localGet(r.pos).localGet(c.start).op("i32.sub").i32Const(32).op("i32.ge_u");
  const long = f.if();
  f.localGet(r.pos).localSet(c.synced);
  f.end(long);
  f.localGet(c.tmp);
}
