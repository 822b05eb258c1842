/**
 * The wasm updates writer's bit output (writeEmit.ts): the codec's LSB-first stream (wordBits.ts;
 * little-endian, so the bytes equal WordWriter's words) written a byte at a time, branch free as
 * in the experiment's `$put` (docs/experiments/wasm-features/feat.wat): a 64-bit accumulator with
 * fewer than 8 pending bits, stored whole at the byte pointer after every code, the pointer moved
 * by the whole bytes written. A code is at most 56 bits; the output needs 8 bytes of slack.
 */
import type { BitCount } from "./wasmBits";
import type { Local, WasmFunction } from "./wasmModule";

function pushCount(f: WasmFunction, n: BitCount): void {
  if (typeof n === "number") f.i32Const(n);
  else f.localGet(n);
}

/** Emits the byte-pointer bit writer into `f`. */
export class ByteOut {
  private readonly acc: Local;
  private readonly bits: Local;
  /** Byte address of the next store. */
  readonly p: Local;
  private readonly start: Local;
  private readonly t: Local;
  private readonly q: Local;
  private readonly nn: Local;
  private readonly u: Local;

  constructor(private readonly f: WasmFunction) {
    this.acc = f.local("i64");
    this.bits = f.local("i32");
    this.p = f.local("i32");
    this.start = f.local("i32");
    this.t = f.local("i32");
    this.q = f.local("i32");
    this.nn = f.local("i32");
    this.u = f.local("i32");
  }

  /**
   * Starts at the word-aligned byte address `start` with `pending` bits (0..31) of `acc` already
   * written there (a WordWriter's pending word).
   */
  begin(start: Local, acc: Local, pending: Local): void {
    const f = this.f;
    f.localGet(start).localTee(this.start).localSet(this.p);
    f.localGet(acc).op("i64.extend_i32_u").localSet(this.acc);
    f.localGet(pending).localSet(this.bits);
    this.settle();
  }

  /** Writes the low `len` (0..32) bits of the i32 `value` pushes (the caller ensures it fits). */
  put(value: () => void, len: BitCount): void {
    const f = this.f;
    f.localGet(this.acc);
    value();
    f.op("i64.extend_i32_u");
    this.shiftIn(len);
  }

  /** Writes `len` (0..56) bits of the i64 `value` pushes. */
  put64(value: () => void, len: BitCount): void {
    const f = this.f;
    f.localGet(this.acc);
    value();
    this.shiftIn(len);
  }

  /** Writes one bit: the i32 (0 or 1) that `value` pushes. */
  bit(value: () => void): void {
    this.put(value, 1);
  }

  /**
   * Writes the i32 `u` (0 ≤ u < 2^31 − 1) that `value` pushes as an order-`k` (0..15) Exp-Golomb
   * code (WordWriter.writeExpGolomb's bits): n zeros and a one, then the low n bits of
   * q = (u >> k) + 1 and the low k bits of u, in two codes of ≤ 31 and ≤ 45 bits.
   */
  expGolomb(value: () => void, k: BitCount): void {
    const f = this.f;
    value();
    f.localTee(this.u);
    pushCount(f, k);
    f.op("i32.shr_u").i32Const(1).op("i32.add").localSet(this.q);
    f.i32Const(31).localGet(this.q).op("i32.clz").op("i32.sub").localSet(this.nn);
    this.put(() => void f.i32Const(1).localGet(this.nn).op("i32.shl"), -1);
    if (k === 0) {
      this.put(
        () => void f.localGet(this.q).i32Const(1).localGet(this.nn).op("i32.shl").op("i32.sub"),
        this.nn,
      );
      return;
    }
    this.put64(() => {
      f.localGet(this.q).i32Const(1).localGet(this.nn).op("i32.shl").op("i32.sub").op("i64.extend_i32_u");
      f.localGet(this.u).i32Const(1);
      pushCount(f, k);
      f.op("i32.shl").i32Const(1).op("i32.sub").op("i32.and").op("i64.extend_i32_u");
      f.localGet(this.nn).op("i64.extend_i32_u").op("i64.shl").op("i64.or");
    }, this.countPlusK(k));
  }

  /**
   * Calls `fn(p, pending acc, pending count, ...args) → bits` — a function that begins a ByteOut
   * of its own at this writer's byte (`begin`) and returns what its `finish` pushes — and moves
   * this writer past the bits it wrote (its pending byte is stored at the new `p`).
   */
  call(fn: WasmFunction, args: () => void): void {
    const f = this.f;
    f.localGet(this.p).localGet(this.acc).op("i32.wrap_i64").localGet(this.bits);
    args();
    f.call(fn).localSet(this.t);
    f.localGet(this.p).localGet(this.t).i32Const(3).op("i32.shr_u").op("i32.add").localSet(this.p);
    f.localGet(this.t).i32Const(7).op("i32.and").localSet(this.bits);
    f.localGet(this.p).load("i64.load8_u", 0, 0).localSet(this.acc);
  }

  /** The pending bit count (0..7) above the byte at `p`. */
  get bitsLocal(): Local {
    return this.bits;
  }

  /** Stores the pending bits at `p` (its byte and the next seven). */
  store(): void {
    this.f.localGet(this.p).localGet(this.acc).store("i64.store", 0, 0);
  }

  /** Stores the pending bits and pushes the bits written since `start` (i32). */
  finish(): void {
    const f = this.f;
    f.localGet(this.p).localGet(this.acc).store("i64.store", 0, 0);
    f.localGet(this.p).localGet(this.start).op("i32.sub").i32Const(3).op("i32.shl");
    f.localGet(this.bits).op("i32.add");
  }

  /** acc |= value << bits (value on the stack above acc), bits += len, then store and advance. */
  private shiftIn(len: BitCount): void {
    const f = this.f;
    f.localGet(this.bits).op("i64.extend_i32_u").op("i64.shl").op("i64.or").localSet(this.acc);
    f.localGet(this.bits);
    // −1: the Exp-Golomb prefix, nn + 1 bits.
    if (len === -1) f.localGet(this.nn).i32Const(1).op("i32.add");
    else pushCount(f, len);
    f.op("i32.add").localSet(this.bits);
    this.settle();
  }

  /** Stores the accumulator and moves the pointer by the whole bytes in it (bits < 8 after). */
  private settle(): void {
    const f = this.f;
    f.localGet(this.p).localGet(this.acc).store("i64.store", 0, 0);
    f.localGet(this.bits).i32Const(3).op("i32.shr_u").localTee(this.t);
    f.localGet(this.p).op("i32.add").localSet(this.p);
    f.localGet(this.acc).localGet(this.t).i32Const(3).op("i32.shl").op("i64.extend_i32_u");
    f.op("i64.shr_u").localSet(this.acc);
    f.localGet(this.bits).i32Const(7).op("i32.and").localSet(this.bits);
  }

  /** A local holding nn + k. */
  private countPlusK(k: BitCount): Local {
    const f = this.f;
    const l = f.local("i32");
    f.localGet(this.nn);
    pushCount(f, k);
    f.op("i32.add").localSet(l);
    return l;
  }
}
