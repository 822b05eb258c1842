/**
 * Shared base of the built-in templates: fixed-width slots packed with `slotBits` each, range
 * checks on read, and `pack`/`unpack`/`threshold` derived from `quantize`/`dequantize`.
 */
import type { BitSink, BitSource, DeltaGroup, ValueTemplate } from "./valueTemplate";

/** Base class: subclasses give the slot layout and the value conversions. */
export abstract class QuantizedTemplate<T> implements ValueTemplate<T> {
  abstract readonly kind: string;
  abstract readonly descriptor: string;
  abstract readonly channels: readonly string[] | undefined;
  readonly width: number;
  readonly maxPackedBits: number;
  /** Scratch slots for `pack`, `unpack` and `threshold` (no allocation per call). */
  private readonly scratchA: Int32Array;
  private readonly scratchB: Int32Array;

  protected constructor(
    readonly slotMax: readonly number[],
    readonly slotBits: readonly number[],
    readonly deltaGroups: readonly DeltaGroup[],
    /** Change threshold in quanta per slot (0 = any change counts). */
    readonly thresholdQuanta = 0,
  ) {
    this.width = slotMax.length;
    this.maxPackedBits = slotBits.reduce((sum, b) => sum + b, 0);
    this.scratchA = new Int32Array(this.width);
    this.scratchB = new Int32Array(this.width);
  }

  abstract createValue(): T;
  abstract quantize(value: T, out: Int32Array, offset: number): void;
  abstract dequantize(q: Int32Array, offset: number, out: T): T;
  abstract interpolate(a: T, b: T, t: number, out: T): T;
  abstract extrapolate(a: T, ta: number, b: T, tb: number, t: number, out: T): T;

  isValid(q: Int32Array, offset: number): boolean {
    for (let i = 0; i < this.width; i++) {
      const v = q[offset + i] as number;
      if (v < 0 || v > (this.slotMax[i] as number)) return false;
    }
    return true;
  }

  changed(cur: Int32Array, curOffset: number, base: Int32Array, baseOffset: number): boolean {
    const limit = this.thresholdQuanta;
    for (let i = 0; i < this.width; i++) {
      const d = (cur[curOffset + i] as number) - (base[baseOffset + i] as number);
      if (d > limit || -d > limit) return true;
    }
    return false;
  }

  packedBits(_q: Int32Array, _offset: number): number {
    return this.maxPackedBits;
  }

  packQuantized(writer: BitSink, q: Int32Array, offset: number): void {
    for (let i = 0; i < this.width; i++) {
      const bits = this.slotBits[i] as number;
      if (bits > 0) writer.writeBits(q[offset + i] as number, bits);
    }
  }

  unpackQuantized(reader: BitSource, out: Int32Array, offset: number): boolean {
    for (let i = 0; i < this.width; i++) {
      const bits = this.slotBits[i] as number;
      out[offset + i] = bits > 0 ? reader.readBits(bits) : 0;
    }
    return !reader.overflowed && this.isValid(out, offset);
  }

  pack(writer: BitSink, value: T): void {
    this.quantize(value, this.scratchA, 0);
    this.packQuantized(writer, this.scratchA, 0);
  }

  unpack(reader: BitSource, out?: T): T | undefined {
    if (!this.unpackQuantized(reader, this.scratchA, 0)) return undefined;
    return this.dequantize(this.scratchA, 0, out ?? this.createValue());
  }

  threshold(a: T, b: T): boolean {
    this.quantize(a, this.scratchA, 0);
    this.quantize(b, this.scratchB, 0);
    return this.changed(this.scratchB, 0, this.scratchA, 0);
  }
}

/** Linear interpolation. */
export function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/** Linear extrapolation through (ta, a) and (tb, b) to t; `b` when the times coincide. */
export function extrapolateLinear(a: number, ta: number, b: number, tb: number, t: number): number {
  const span = tb - ta;
  return span > 0 ? b + ((b - a) * (t - tb)) / span : b;
}
