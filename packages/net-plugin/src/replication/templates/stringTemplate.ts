/**
 * StringTemplate: a short UTF-8 string of at most `maxBytes` bytes (longer ones are cut at a
 * character boundary). Quantized as a length slot plus 3 bytes per slot; sent in full when it
 * changes. Decoding never throws: malformed UTF-8 becomes U+FFFD.
 */
import { bitsRequired } from "../../protocol/quantize";
import { QuantizedTemplate } from "./quantizedTemplate";
import type { BitSink, BitSource } from "./valueTemplate";

/** Longest string a StringTemplate may declare: short labels and names, not documents. */
export const MAX_STRING_TEMPLATE_BYTES = 255;
const BYTES_PER_SLOT = 3;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** The byte limit of a replicated string. */
export interface StringTemplateOptions {
  maxBytes: number;
}

/** A short string. */
export class StringValueTemplate extends QuantizedTemplate<string> {
  readonly kind = "string";
  readonly descriptor: string;
  readonly channels = undefined;
  readonly maxBytes: number;
  private readonly lengthBits: number;
  private readonly bytes: Uint8Array;

  constructor(options: StringTemplateOptions) {
    const maxBytes = options.maxBytes;
    if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_STRING_TEMPLATE_BYTES) {
      throw new RangeError(
        `StringTemplate: maxBytes must be an integer in 1..${MAX_STRING_TEMPLATE_BYTES}, got ${maxBytes}.`,
      );
    }
    const dataSlots = Math.ceil(maxBytes / BYTES_PER_SLOT);
    const lengthBits = bitsRequired(maxBytes);
    super(
      [maxBytes, ...new Array<number>(dataSlots).fill(0xffffff)],
      [lengthBits, ...new Array<number>(dataSlots).fill(8 * BYTES_PER_SLOT)],
      [{ kind: "full", start: 0, count: 1 + dataSlots }],
    );
    this.maxBytes = maxBytes;
    this.lengthBits = lengthBits;
    this.bytes = new Uint8Array(dataSlots * BYTES_PER_SLOT);
    this.descriptor = `string(${maxBytes})`;
  }

  createValue(): string {
    return "";
  }
  quantize(value: string, out: Int32Array, offset: number): void {
    const bytes = this.bytes;
    bytes.fill(0);
    const written = encoder.encodeInto(
      typeof value === "string" ? value : "",
      bytes.subarray(0, this.maxBytes),
    ).written;
    out[offset] = written;
    for (let s = 1; s < this.width; s++) {
      const b = (s - 1) * BYTES_PER_SLOT;
      out[offset + s] =
        (bytes[b] as number) | ((bytes[b + 1] as number) << 8) | ((bytes[b + 2] as number) << 16);
    }
  }
  dequantize(q: Int32Array, offset: number): string {
    const length = Math.min(this.maxBytes, Math.max(0, q[offset] as number));
    this.unslot(q, offset);
    return decoder.decode(this.bytes.subarray(0, length));
  }
  override isValid(q: Int32Array, offset: number): boolean {
    if (!super.isValid(q, offset)) return false;
    const length = q[offset] as number;
    this.unslot(q, offset);
    for (let i = length; i < this.bytes.length; i++) if (this.bytes[i] !== 0) return false;
    return true;
  }
  override packedBits(q: Int32Array, offset: number): number {
    return this.lengthBits + 8 * (q[offset] as number);
  }
  override packQuantized(writer: BitSink, q: Int32Array, offset: number): void {
    const length = q[offset] as number;
    writer.writeBits(length, this.lengthBits);
    this.unslot(q, offset);
    for (let i = 0; i < length; i++) writer.writeBits(this.bytes[i] as number, 8);
  }
  override unpackQuantized(reader: BitSource, out: Int32Array, offset: number): boolean {
    const length = reader.readBits(this.lengthBits);
    if (reader.overflowed || length > this.maxBytes) return false;
    for (let s = 1; s < this.width; s++) out[offset + s] = 0;
    out[offset] = length;
    for (let i = 0; i < length; i++) {
      const slot = offset + 1 + Math.floor(i / BYTES_PER_SLOT);
      out[slot] = (out[slot] as number) | (reader.readBits(8) << (8 * (i % BYTES_PER_SLOT)));
    }
    return !reader.overflowed;
  }
  interpolate(a: string, b: string, t: number): string {
    return t < 1 ? a : b;
  }
  extrapolate(_a: string, _ta: number, b: string): string {
    return b;
  }

  private unslot(q: Int32Array, offset: number): void {
    for (let s = 1; s < this.width; s++) {
      const v = q[offset + s] as number;
      const b = (s - 1) * BYTES_PER_SLOT;
      this.bytes[b] = v & 0xff;
      this.bytes[b + 1] = (v >>> 8) & 0xff;
      this.bytes[b + 2] = (v >>> 16) & 0xff;
    }
  }
}

/** A short UTF-8 string of at most `maxBytes` bytes. */
export function StringTemplate(options: StringTemplateOptions): StringValueTemplate {
  return new StringValueTemplate(options);
}
