/**
 * Inline bit packing for generated WebAssembly kernels: the codec's word bit stream (wordBits.ts —
 * LSB-first, bit i = bit i % 8 of byte i >> 3) written and read by code emitted into a kernel
 * function, with order-k Exp-Golomb codes (expGolomb.ts). The writer keeps up to 63 bits in an i64
 * accumulator and stores a 32-bit word whenever 32 are pending; the reader takes bits from one
 * unaligned i64 load at the byte of the bit position (≥ 57 valid bits), so the input must be
 * followed by 8 readable zero bytes. Reads check on read as WordReader does: past the end they set
 * `failed`, move to the end and yield 0 (Exp-Golomb: -1), never trap.
 */
import type { Local, WasmFunction } from "./wasmModule";

/** A bit count or Exp-Golomb order: a constant, or an i32 local. */
export type BitCount = number | Local;

function pushCount(f: WasmFunction, n: BitCount): void {
  if (typeof n === "number") f.i32Const(n);
  else f.localGet(n);
}

/** Emits a bit writer's code into `f`; values are pushed by the caller's callbacks. */
export class WasmBitWriter {
  private readonly acc: Local;
  private readonly pending: Local;
  private readonly out: Local;
  private readonly start: Local;
  private readonly q: Local;
  private readonly n: Local;

  constructor(private readonly f: WasmFunction) {
    this.acc = f.local("i64");
    this.pending = f.local("i32");
    this.out = f.local("i32");
    this.start = f.local("i32");
    this.q = f.local("i32");
    this.n = f.local("i32");
  }

  /** Starts writing at the byte address on top of the stack (4-byte aligned). */
  begin(): void {
    const f = this.f;
    f.localTee(this.out).localSet(this.start);
    f.i64Const(0).localSet(this.acc).i32Const(0).localSet(this.pending);
  }

  /** Writes the low `bits` (1..32) bits of the i32 `value` pushes (the caller ensures it fits). */
  writeBits(value: () => void, bits: BitCount): void {
    const f = this.f;
    f.localGet(this.acc);
    value();
    f.op("i64.extend_i32_u").localGet(this.pending).op("i64.extend_i32_u").op("i64.shl").op("i64.or");
    f.localSet(this.acc);
    f.localGet(this.pending);
    pushCount(f, bits);
    f.op("i32.add").localTee(this.pending).i32Const(32).op("i32.ge_u");
    const full = f.if();
    f.localGet(this.out).localGet(this.acc).op("i32.wrap_i64").store("i32.store", 0, 0);
    f.localGet(this.out).i32Const(4).op("i32.add").localSet(this.out);
    f.localGet(this.acc).i64Const(32).op("i64.shr_u").localSet(this.acc);
    f.localGet(this.pending).i32Const(32).op("i32.sub").localSet(this.pending);
    f.end(full);
  }

  /** Writes the i32 `u` (0 ≤ u < 2^31 - 1) that `value` pushes as an order-`k` (0..15) Exp-Golomb code. */
  writeExpGolomb(value: () => void, k: BitCount): void {
    const f = this.f;
    const u = this.f.local("i32");
    value();
    f.localTee(u);
    pushCount(f, k);
    f.op("i32.shr_u").i32Const(1).op("i32.add").localSet(this.q);
    f.i32Const(31).localGet(this.q).op("i32.clz").op("i32.sub").localSet(this.n); // n = 31 - clz(q)
    // n zero bits and a one: 1 << n in n + 1 bits (two writes when n + 1 > 32 cannot happen: n ≤ 30).
    const one = (): void => void f.i32Const(1).localGet(this.n).op("i32.shl");
    this.writeBits(one, this.countPlus(1));
    // The low n bits of q, when n > 0.
    f.localGet(this.n);
    const hasLow = f.if();
    this.writeBits(
      () => void f.localGet(this.q).i32Const(1).localGet(this.n).op("i32.shl").op("i32.sub"),
      this.n,
    );
    f.end(hasLow);
    // The low k bits of u.
    if (typeof k === "number") {
      if (k > 0)
        this.writeBits(
          () =>
            void f
              .localGet(u)
              .i32Const((1 << k) - 1)
              .op("i32.and"),
          k,
        );
      return;
    }
    f.localGet(k);
    const hasK = f.if();
    this.writeBits(() => {
      f.localGet(u).i32Const(1).localGet(k).op("i32.shl").i32Const(1).op("i32.sub").op("i32.and");
    }, k);
    f.end(hasK);
  }

  /** Stores the pending bits and pushes the bits written since `begin` (i32). */
  finish(): void {
    const f = this.f;
    f.localGet(this.out).localGet(this.acc).store("i64.store", 0, 0);
    f.localGet(this.out).localGet(this.start).op("i32.sub").i32Const(3).op("i32.shl");
    f.localGet(this.pending).op("i32.add");
  }

  /** A local holding n + `extra` (for the Exp-Golomb prefix). */
  private countPlus(extra: number): Local {
    const f = this.f;
    const l = f.local("i32");
    f.localGet(this.n).i32Const(extra).op("i32.add").localSet(l);
    return l;
  }
}

/** Emits a bit reader's code into `f`. */
export class WasmBitReader {
  /** Bit position of the next read. */
  readonly pos: Local;
  /** 1 once a read went past the end. */
  readonly failed: Local;
  private readonly base: Local;
  /** Bits in the input. */
  readonly total: Local;
  private readonly peek: Local;
  private readonly n: Local;
  private readonly size: Local;
  private readonly high: Local;
  private readonly low: Local;

  constructor(private readonly f: WasmFunction) {
    this.pos = f.local("i32");
    this.failed = f.local("i32");
    this.base = f.local("i32");
    this.total = f.local("i32");
    this.peek = f.local("i32");
    this.n = f.local("i32");
    this.size = f.local("i32");
    this.high = f.local("i32");
    this.low = f.local("i32");
  }

  /** Starts reading: byte address and bit length of the input are the caller's locals. */
  begin(address: Local, bitLength: Local): void {
    const f = this.f;
    f.localGet(address).localSet(this.base).localGet(bitLength).localSet(this.total);
    f.i32Const(0).localSet(this.pos).i32Const(0).localSet(this.failed);
  }

  /** Pushes the next 32 bits (i32) without consuming them. */
  private pushPeek(): void {
    const f = this.f;
    f.localGet(this.base).localGet(this.pos).i32Const(3).op("i32.shr_u").op("i32.add");
    f.load("i64.load", 0, 0).localGet(this.pos).i32Const(7).op("i32.and").op("i64.extend_i32_u");
    f.op("i64.shr_u").op("i32.wrap_i64");
  }

  /** Pushes the next `bits` (1..32) bits as an i32 (0 past the end, which sets `failed`). */
  readBits(bits: BitCount): void {
    const f = this.f;
    f.localGet(this.pos);
    pushCount(f, bits);
    f.op("i32.add").localGet(this.total).op("i32.gt_u");
    const past = f.if("i32");
    f.i32Const(1).localSet(this.failed).localGet(this.total).localSet(this.pos).i32Const(0);
    f.else();
    // (peek64 >> (pos & 7)) & (2^bits - 1), as i64 so that bits = 32 needs no special case.
    f.localGet(this.base).localGet(this.pos).i32Const(3).op("i32.shr_u").op("i32.add");
    f.load("i64.load", 0, 0).localGet(this.pos).i32Const(7).op("i32.and").op("i64.extend_i32_u");
    f.op("i64.shr_u").i64Const(1);
    pushCount(f, bits);
    f.op("i64.extend_i32_u").op("i64.shl").i64Const(1).op("i64.sub").op("i64.and").op("i32.wrap_i64");
    f.localGet(this.pos);
    pushCount(f, bits);
    f.op("i32.add").localSet(this.pos);
    f.end(past);
  }

  /** Pushes an order-`k` Exp-Golomb code (i32), -1 when malformed or truncated (WordReader.readExpGolomb). */
  readExpGolomb(k: BitCount): void {
    const f = this.f;
    const done = f.block("i32");
    this.pushPeek();
    f.localTee(this.peek).op("i32.eqz");
    const zero = f.if();
    f.i32Const(-1).br(done).end(zero);
    f.localGet(this.peek).op("i32.ctz").localTee(this.n).i32Const(30).op("i32.gt_u");
    const tooLong = f.if();
    f.i32Const(-1).br(done).end(tooLong);
    // size = 2n + 1 + k; a truncated code fails every read it reaches, as WordReader's does.
    f.localGet(this.n).i32Const(1).op("i32.shl").i32Const(1).op("i32.add");
    pushCount(f, k);
    f.op("i32.add").localSet(this.size);
    // Short code (size < 32, inside the input): everything is in the peeked word.
    f.localGet(this.size).i32Const(32).op("i32.lt_u");
    f.localGet(this.pos).localGet(this.size).op("i32.add").localGet(this.total).op("i32.le_u").op("i32.and");
    const short = f.if();
    {
      const pow = (): void => void f.i32Const(1).localGet(this.n).op("i32.shl"); // 2^n
      f.localGet(this.peek).localGet(this.n).i32Const(1).op("i32.add").op("i32.shr_u").localTee(this.low);
      pow();
      f.i32Const(1).op("i32.sub").op("i32.and"); // rest & (2^n - 1)
      pow();
      f.op("i32.add").i32Const(1).op("i32.sub"); // q - 1
      pushCount(f, k);
      f.op("i32.shl");
      f.localGet(this.low).localGet(this.n).op("i32.shr_u").i32Const(1);
      pushCount(f, k);
      f.op("i32.shl").i32Const(1).op("i32.sub").op("i32.and").op("i32.or"); // | low k bits
      f.localGet(this.pos).localGet(this.size).op("i32.add").localSet(this.pos);
      f.br(done);
    }
    f.end(short);
    f.localGet(this.pos).localGet(this.size).op("i32.add").localGet(this.total).op("i32.gt_u");
    const truncated = f.if();
    f.i32Const(1).localSet(this.failed).localGet(this.total).localSet(this.pos).i32Const(-1).br(done);
    f.end(truncated);
    f.localGet(this.pos).localGet(this.n).op("i32.add").i32Const(1).op("i32.add").localSet(this.pos);
    // high = (n bits) + 2^n - 1 = q - 1
    f.localGet(this.n);
    const hasHigh = f.if("i32");
    this.readBits(this.n);
    f.else().i32Const(0).end(hasHigh);
    f.i32Const(1).localGet(this.n).op("i32.shl").op("i32.add").i32Const(1).op("i32.sub").localSet(this.high);
    if (typeof k === "number" && k === 0) f.i32Const(0).localSet(this.low);
    else {
      pushCount(f, k);
      const hasLow = f.if("i32");
      this.readBits(k);
      f.else().i32Const(0).end(hasLow);
      f.localSet(this.low);
    }
    // high > 0x7fffffff >>> k: the value would not fit in 31 bits.
    f.localGet(this.high).i32Const(0x7fffffff);
    pushCount(f, k);
    f.op("i32.shr_u").op("i32.gt_u");
    const overflow = f.if();
    f.i32Const(-1).br(done).end(overflow);
    f.localGet(this.high);
    pushCount(f, k);
    f.op("i32.shl").localGet(this.low).op("i32.or");
    f.end(done);
  }
}
