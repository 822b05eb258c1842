/**
 * The template contract (Traktor's `IValueTemplate`, reshaped for an ECS codec). A template turns
 * one replicated value into a fixed number of quantized integer slots, packs and unpacks them, says
 * whether a change is worth sending (`threshold`), and interpolates/extrapolates received values.
 *
 * The snapshot codec works on the quantized slots only: it compares them with the client's
 * baseline, codes deltas per {@link DeltaGroup}, and rebuilds exactly the same integers on the
 * other side. Values of type `T` appear only at the edges (reading/writing components, manual use).
 */

/**
 * How the codec codes a run of slots against the baseline:
 * - `slots`: each slot as a zigzag delta (Exp-Golomb, order chosen per snapshot);
 * - `quat`: a smallest-three quaternion (first slot = largest index): deltas of the other three
 *   when the largest index is unchanged, else the full value;
 * - `flip`: a one-bit slot; a change can only be a flip, so it costs nothing beyond "changed";
 * - `full`: the template's own `packQuantized` (the template must have this single group).
 */
export type DeltaKind = "slots" | "quat" | "flip" | "full";

/** Where templates write bits: protocol/'s BitWriter, or the codec's word writer. */
export interface BitSink {
  writeBits(value: number, bits: number): void;
}

/** Where templates read bits from: protocol/'s BitReader, or the codec's word reader (never throw). */
export interface BitSource {
  readBits(bits: number): number;
  readonly overflowed: boolean;
}

/** One SoA channel array (a typed array or a plain number array). */
export interface SoaArray {
  [index: number]: number;
  readonly length: number;
}

/** A run of slots coded one way. */
export interface DeltaGroup {
  readonly kind: DeltaKind;
  readonly start: number;
  readonly count: number;
}

/** A replicated value type: quantization, packing, change threshold and interpolation. */
export interface ValueTemplate<T> {
  /** Short type name, e.g. "float", "vec3", "quat". */
  readonly kind: string;
  /** Everything that shapes the bytes (bounds, precision, bits); feeds the protocol hash. */
  readonly descriptor: string;
  /**
   * Keys of `T` when it is an object of numbers (e.g. ["x","y","z"]); a component is read through
   * them (SoA: `component[key][eid]`, array of objects: `component[eid][key]`). Undefined when
   * `T` is a scalar stored as `component[eid]`.
   */
  readonly channels: readonly string[] | undefined;
  /** Number of quantized Int32 slots. */
  readonly width: number;
  /** Largest value of each slot (slots are unsigned: 0..slotMax). */
  readonly slotMax: readonly number[];
  /** Bits of each slot when packed in full. */
  readonly slotBits: readonly number[];
  /** Largest size of `pack`, in bits. */
  readonly maxPackedBits: number;
  /** How the codec codes deltas of these slots. */
  readonly deltaGroups: readonly DeltaGroup[];

  /** A fresh value to use as scratch/output (called at registration, not per tick). */
  createValue(): T;
  /** Quantizes `value` into `out[offset .. offset+width)`. */
  quantize(value: T, out: Int32Array, offset: number): void;
  /** The value that quantized slots stand for; object types fill and return `out`. */
  dequantize(q: Int32Array, offset: number, out: T): T;
  /** True when every slot is in range (check on read). */
  isValid(q: Int32Array, offset: number): boolean;
  /** Is the change from `base` to `cur` (quantized) worth sending? */
  changed(cur: Int32Array, curOffset: number, base: Int32Array, baseOffset: number): boolean;
  /** Bits `packQuantized` writes for these slots. */
  packedBits(q: Int32Array, offset: number): number;
  /** Writes the slots in full. */
  packQuantized(writer: BitSink, q: Int32Array, offset: number): void;
  /** Reads slots written by `packQuantized`; false (never a throw) when the bits are invalid. */
  unpackQuantized(reader: BitSource, out: Int32Array, offset: number): boolean;

  /** Optional fast path for SoA components: quantize from one array per channel, for entity `eid`. */
  quantizeSoa?(arrays: readonly SoaArray[], eid: number, out: Int32Array, offset: number): void;
  /** Optional fast path for SoA components: write the value straight into one array per channel. */
  dequantizeSoa?(q: Int32Array, offset: number, arrays: readonly SoaArray[], eid: number): void;

  /** Quantizes and packs one value (manual use, Traktor's `State.pack`). */
  pack(writer: BitSink, value: T): void;
  /** Unpacks one value; `undefined` on invalid or truncated bits; never throws. */
  unpack(reader: BitSource, out?: T): T | undefined;
  /** Is the change from `a` to `b` worth sending (beyond quantization and the threshold)? */
  threshold(a: T, b: T): boolean;
  /** The value at `t` (0..1) between `a` and `b`. */
  interpolate(a: T, b: T, t: number, out: T): T;
  /** The value at time `t` continuing from `a` (at `ta`) through `b` (at `tb`). */
  extrapolate(a: T, ta: number, b: T, tb: number, t: number, out: T): T;
}

/** Per-field declaration options (Traktor's `StateTemplate.declare`). */
export interface FieldOptions {
  /** Relative importance when the bandwidth budget is short (default 1; higher goes first). */
  priority?: number;
  /** Seconds a change may wait before it must be sent (default 0.1, Traktor-like). */
  latencyTolerance?: number;
}
