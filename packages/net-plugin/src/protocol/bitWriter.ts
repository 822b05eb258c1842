/**
 * Writes values bit by bit into a preallocated buffer. Bit order (docs/PROTOCOL.md, "Bit order"):
 * LSB-first inside 32-bit little-endian words, like Glenn Fiedler's `BitPacker` — equivalently,
 * bit `i` of the stream is bit `i % 8` of byte `i >> 3`, so a stream is byte-compatible with a
 * little-endian word writer but is never padded to a whole word.
 *
 * Check on read, assert on write: running out of capacity sets {@link BitWriter.overflowed} and
 * drops the write (the caller checks the flag once, after writing a packet); passing a value that
 * does not fit its bit count is local misuse and throws at once.
 */
import { copyBytes, float32Scratch, uint32Scratch, utf8Encoder } from "./scratch";

/** 2^0 … 2^32: the exclusive upper bound of a `bits`-bit value (no `**` per write). */
const POWERS_OF_TWO = Array.from({ length: 33 }, (_, i) => 2 ** i);

/**
 * Longest `finish()` view kept per length (bytes): a packet up to an MTU and beyond; a longer one
 * gets a fresh view per call.
 */
const FINISH_VIEWS = 4096;

/** A reusable bit writer over one preallocated buffer. */
export class BitWriter {
  private readonly buffer: Uint8Array;
  private bitPos = 0;
  private overflow = false;
  /** `finish()`'s views by length (made on first use, at most FINISH_VIEWS + 1 slots). */
  private views: (Uint8Array | undefined)[] | undefined;

  /** Preallocates `capacityBytes` bytes; reuse the writer with {@link BitWriter.reset}. */
  constructor(capacityBytes: number) {
    if (!Number.isInteger(capacityBytes) || capacityBytes < 0) {
      throw new RangeError(`BitWriter capacity must be a non-negative integer, got ${capacityBytes}.`);
    }
    this.buffer = new Uint8Array(capacityBytes);
  }

  /**
   * The backing buffer (not a copy, not trimmed): the written bytes are `bytes[0, bytesWritten)`,
   * valid until the next reset or write. Lets a caller send without a view:
   * `server.send(client, channel, writer.bytes, writer.bytesWritten)`.
   */
  get bytes(): Uint8Array {
    return this.buffer;
  }
  /** Bytes this writer can hold. */
  get capacityBytes(): number {
    return this.buffer.length;
  }
  /** Bits written so far (writes dropped after an overflow are not counted). */
  get bitsWritten(): number {
    return this.bitPos;
  }
  /** Whole bytes the written bits occupy (the last one may be partly used). */
  get bytesWritten(): number {
    return (this.bitPos + 7) >>> 3;
  }
  /** True once a write did not fit; the written bytes are then incomplete. */
  get overflowed(): boolean {
    return this.overflow;
  }

  /** Writes the low `bits` bits of the unsigned integer `value` (0 < bits ≤ 32). */
  writeBits(value: number, bits: number): void {
    if (!(bits > 0 && bits <= 32) || (bits | 0) !== bits) {
      throw new RangeError(`BitWriter.writeBits: bits must be an integer in 1..32, got ${bits}.`);
    }
    if (!(value >= 0 && value < (POWERS_OF_TWO[bits] as number)) || Math.floor(value) !== value) {
      throw new RangeError(`BitWriter.writeBits: ${value} does not fit in ${bits} unsigned bits.`);
    }
    if (this.overflow || this.bitPos + bits > this.buffer.length * 8) {
      this.overflow = true;
      return;
    }
    if ((this.bitPos & 7) === 0 && (bits & 7) === 0) {
      // Byte-aligned whole bytes (most header fields): little-endian bytes, no bit loop.
      const at = this.bitPos >>> 3;
      let v = value;
      for (let i = 0; i < bits >>> 3; i++) {
        this.buffer[at + i] = v & 0xff;
        v = Math.floor(v / 256);
      }
      this.bitPos += bits;
      return;
    }
    let v = value;
    let remaining = bits;
    while (remaining > 0) {
      const byteIndex = this.bitPos >>> 3;
      const offset = this.bitPos & 7;
      const take = Math.min(8 - offset, remaining);
      const chunk = v & ((1 << take) - 1);
      if (offset === 0) this.buffer[byteIndex] = chunk;
      else this.buffer[byteIndex] = (this.buffer[byteIndex] as number) | (chunk << offset);
      // Division instead of >>> so 32-bit values stay exact above 2^31.
      v = Math.floor(v / (1 << take));
      remaining -= take;
      this.bitPos += take;
    }
  }

  /** Writes one bit. */
  writeBool(v: boolean): void {
    this.writeBits(v ? 1 : 0, 1);
  }
  /** Writes 8 unsigned bits. */
  writeUint8(v: number): void {
    if ((this.bitPos & 7) === 0 && v >= 0 && v <= 0xff && (v | 0) === v && !this.overflow) {
      const at = this.bitPos >>> 3;
      if (at < this.buffer.length) {
        this.buffer[at] = v; // the common aligned byte: no general bit path
        this.bitPos += 8;
        return;
      }
    }
    this.writeBits(v, 8);
  }
  /** Writes 16 unsigned bits. */
  writeUint16(v: number): void {
    this.writeBits(v, 16);
  }
  /** Writes 32 unsigned bits. */
  writeUint32(v: number): void {
    this.writeBits(v, 32);
  }

  /** Writes an unsigned integer < 2^32 as LEB128: 7 bits per byte-sized group, high bit = more. */
  writeVarUint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new RangeError(`BitWriter.writeVarUint: ${v} is not an integer in 0..2^32-1.`);
    }
    let rest = v;
    while (rest >= 0x80) {
      this.writeBits((rest & 0x7f) | 0x80, 8);
      rest = Math.floor(rest / 128);
    }
    this.writeBits(rest, 8);
  }

  /** Writes a signed integer in `bits` bits (2..32) with zigzag encoding (0,-1,1,-2 → 0,1,2,3). */
  writeSignedBits(v: number, bits: number): void {
    const limit = 2 ** (bits - 1);
    if (!Number.isInteger(v) || v < -limit || v >= limit) {
      throw new RangeError(`BitWriter.writeSignedBits: ${v} does not fit in ${bits} signed bits.`);
    }
    this.writeBits(v >= 0 ? v * 2 : -v * 2 - 1, bits);
  }

  /** Writes an IEEE-754 single (32 bits). */
  writeFloat32(v: number): void {
    float32Scratch[0] = v;
    this.writeBits(uint32Scratch[0] as number, 32);
  }

  /** Writes raw bytes (fast copy when the stream is byte-aligned). */
  writeBytes(b: Uint8Array): void {
    if (this.overflow || this.bitPos + b.length * 8 > this.buffer.length * 8) {
      this.overflow = true;
      return;
    }
    if ((this.bitPos & 7) === 0) {
      this.buffer.set(b, this.bitPos >>> 3);
      this.bitPos += b.length * 8;
      return;
    }
    for (let i = 0; i < b.length; i++) this.writeBits(b[i] as number, 8);
  }

  /** Writes `src[offset, offset + length)` (no view is created; fast when byte-aligned). */
  writeByteRange(src: Uint8Array, offset: number, length: number): void {
    if (!(offset >= 0 && length >= 0 && offset + length <= src.length)) {
      throw new RangeError(
        `BitWriter.writeByteRange: [${offset}, ${offset + length}) is outside the ${src.length}-byte source.`,
      );
    }
    if (this.overflow || this.bitPos + length * 8 > this.buffer.length * 8) {
      this.overflow = true;
      return;
    }
    if ((this.bitPos & 7) === 0) {
      copyBytes(src, offset, this.buffer, this.bitPos >>> 3, length);
      this.bitPos += length * 8;
      return;
    }
    for (let i = 0; i < length; i++) this.writeBits(src[offset + i] as number, 8);
  }

  /** Writes a UTF-8 string with a varuint byte-length prefix; more than `maxBytes` bytes throws. */
  writeString(s: string, maxBytes: number): void {
    const bytes = utf8Encoder.encode(s);
    if (bytes.length > maxBytes) {
      throw new RangeError(
        `BitWriter.writeString: string is ${bytes.length} UTF-8 bytes, over the ${maxBytes}-byte limit.`,
      );
    }
    this.writeVarUint(bytes.length);
    this.writeBytes(bytes);
  }

  /** Pads with zero bits up to the next byte boundary. */
  alignToByte(): void {
    const pad = (8 - (this.bitPos & 7)) & 7;
    if (pad > 0) this.writeBits(0, pad);
  }

  /**
   * A view of the written bytes (no copy; valid until the next reset or write). Up to
   * FINISH_VIEWS bytes the view is made once per length and returned again for that length (no
   * allocation per packet): do not keep it past the next `finish` expecting other bytes.
   */
  finish(): Uint8Array {
    const length = (this.bitPos + 7) >>> 3;
    if (length > FINISH_VIEWS) return this.buffer.subarray(0, length);
    let views = this.views;
    if (views === undefined) {
      // Packed (not holey-to-dictionary) slots for every length this buffer can hold.
      views = Array.from({ length: Math.min(this.buffer.length, FINISH_VIEWS) + 1 }, () => undefined);
      this.views = views;
    }
    let view = views[length];
    if (view === undefined) {
      view = this.buffer.subarray(0, length);
      views[length] = view;
    }
    return view;
  }

  /**
   * Moves the write position `bits` bits on, over bits the caller stored into {@link BitWriter.bytes}
   * itself (a byte-range copy from elsewhere): the stored bits must continue the stream, and the
   * unused high bits of the last byte must be zero (later writes OR into that byte).
   */
  advance(bits: number): void {
    if (!(bits >= 0 && (bits | 0) === bits) || this.overflow || this.bitPos + bits > this.buffer.length * 8) {
      throw new RangeError(
        `BitWriter.advance: ${bits} bits from bit ${this.bitPos} do not fit the ${this.buffer.length}-byte buffer${this.overflow ? " (the writer overflowed)" : ""}.`,
      );
    }
    this.bitPos += bits;
  }

  /** Forgets everything written (capacity is kept). */
  reset(): void {
    this.bitPos = 0;
    this.overflow = false;
  }

  /**
   * Forgets everything written and continues at byte `byteOffset`, leaving room in front (e.g.
   * for a header written last); `bytesWritten` then counts from 0, the room included.
   */
  resetAt(byteOffset: number): void {
    if (!(Number.isInteger(byteOffset) && byteOffset >= 0 && byteOffset <= this.buffer.length)) {
      throw new RangeError(
        `BitWriter.resetAt: ${byteOffset} is not a byte offset in 0..${this.buffer.length}.`,
      );
    }
    this.bitPos = byteOffset * 8;
    this.overflow = false;
  }
}
