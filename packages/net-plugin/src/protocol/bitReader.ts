/**
 * Reads what a {@link BitWriter} wrote (same bit order: LSB-first, bit `i` is bit `i % 8` of
 * byte `i >> 3`). Decoding remote bytes never throws: reading past the end, a varuint longer than
 * five bytes or over 2^32-1, a string over its limit or malformed UTF-8 sets
 * {@link BitReader.overflowed} and returns 0 / "" / empty bytes. Check the flag once, after
 * reading a whole structure. Misuse by local code (a bit count outside 1..32) still throws.
 */
import { EMPTY_BYTES, float32Scratch, uint32Scratch, utf8Decoder } from "./scratch";

/** A reusable bit reader over a byte array. */
export class BitReader {
  private data: Uint8Array = EMPTY_BYTES;
  /** Byte offset of the range being read inside `data`. */
  private base = 0;
  private bitPos = 0;
  private totalBits = 0;
  private overflow = false;

  /** Starts reading `data` (or nothing; call {@link BitReader.reset} later). */
  constructor(data?: Uint8Array) {
    if (data) this.reset(data);
  }

  /** Starts over on new data (no copy: `data` must not change while it is read). */
  reset(data: Uint8Array): void {
    this.resetRange(data, 0, data.length);
  }

  /**
   * Starts over on `buffer[byteOffset, byteOffset + byteLength)` without creating a view (no copy:
   * the bytes must not change while they are read). A range outside `buffer` is local misuse: throws.
   */
  resetRange(buffer: Uint8Array, byteOffset: number, byteLength: number): void {
    if (!(byteOffset >= 0 && byteLength >= 0 && byteOffset + byteLength <= buffer.length)) {
      throw new RangeError(
        `BitReader.resetRange: [${byteOffset}, ${byteOffset + byteLength}) is outside the ${buffer.length}-byte buffer.`,
      );
    }
    this.data = buffer;
    this.base = byteOffset;
    this.bitPos = 0;
    this.totalBits = byteLength * 8;
    this.overflow = false;
  }

  /** Bits read so far. */
  get bitsRead(): number {
    return this.bitPos;
  }
  /** Bits left to read (0 after an overflow). */
  get bitsRemaining(): number {
    return this.totalBits - this.bitPos;
  }
  /** True once a read failed; every value read since then is 0 / "" / empty. */
  get overflowed(): boolean {
    return this.overflow;
  }

  private fail(): void {
    this.overflow = true;
    this.bitPos = this.totalBits;
  }

  /** Reads `bits` (1..32) bits as an unsigned integer; 0 when past the end. */
  readBits(bits: number): number {
    if (!(bits > 0 && bits <= 32) || !Number.isInteger(bits)) {
      throw new RangeError(`BitReader.readBits: bits must be an integer in 1..32, got ${bits}.`);
    }
    if (this.overflow || this.bitPos + bits > this.totalBits) {
      this.fail();
      return 0;
    }
    if ((this.bitPos & 7) === 0 && (bits & 7) === 0) {
      // Byte-aligned whole bytes (most header fields): little-endian bytes, no bit loop.
      const at = this.base + (this.bitPos >>> 3);
      let value = 0;
      let scale = 1;
      for (let i = 0; i < bits >>> 3; i++) {
        value += (this.data[at + i] as number) * scale;
        scale *= 256;
      }
      this.bitPos += bits;
      return value;
    }
    let value = 0;
    let shift = 1;
    let remaining = bits;
    while (remaining > 0) {
      const offset = this.bitPos & 7;
      const take = Math.min(8 - offset, remaining);
      const chunk = ((this.data[this.base + (this.bitPos >>> 3)] as number) >>> offset) & ((1 << take) - 1);
      value += chunk * shift;
      shift *= 1 << take;
      remaining -= take;
      this.bitPos += take;
    }
    return value;
  }

  /** Reads one bit. */
  readBool(): boolean {
    return this.readBits(1) === 1;
  }
  /** Reads 8 unsigned bits. */
  readUint8(): number {
    return this.readBits(8);
  }
  /** Reads 16 unsigned bits. */
  readUint16(): number {
    return this.readBits(16);
  }
  /** Reads 32 unsigned bits. */
  readUint32(): number {
    return this.readBits(32);
  }

  /** Reads a LEB128 unsigned integer; more than 5 groups or a value ≥ 2^32 overflows. */
  readVarUint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      const byte = this.readBits(8);
      if (this.overflow) return 0;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (value > 0xffffffff) break;
        return value;
      }
      scale *= 128;
    }
    this.fail();
    return 0;
  }

  /** Reads a zigzag-encoded signed integer of `bits` bits. */
  readSignedBits(bits: number): number {
    const u = this.readBits(bits);
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Reads an IEEE-754 single. */
  readFloat32(): number {
    uint32Scratch[0] = this.readBits(32);
    return float32Scratch[0] as number;
  }

  /**
   * Reads `n` bytes: a view into the data when byte-aligned (no copy), else a new array.
   * Past the end, returns an empty array and overflows.
   */
  readBytes(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0 || this.overflow || this.bitPos + n * 8 > this.totalBits) {
      this.fail();
      return EMPTY_BYTES;
    }
    if ((this.bitPos & 7) === 0) {
      const start = this.base + (this.bitPos >>> 3);
      this.bitPos += n * 8;
      return this.data.subarray(start, start + n);
    }
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.readBits(8);
    return out;
  }

  /** Skips `n` bytes' worth of bits without reading them (past the end overflows). */
  skipBytes(n: number): void {
    if (!Number.isInteger(n) || n < 0 || this.overflow || this.bitPos + n * 8 > this.totalBits) {
      this.fail();
      return;
    }
    this.bitPos += n * 8;
  }

  /** Reads a varuint-prefixed UTF-8 string of at most `maxBytes` bytes; "" on any error. */
  readString(maxBytes: number): string {
    const length = this.readVarUint();
    if (this.overflow) return "";
    if (length > maxBytes) {
      this.fail();
      return "";
    }
    const bytes = this.readBytes(length);
    if (this.overflow) return "";
    try {
      return utf8Decoder.decode(bytes);
    } catch {
      this.fail();
      return "";
    }
  }

  /** Skips to the next byte boundary (past the end overflows). */
  alignToByte(): void {
    const pad = (8 - (this.bitPos & 7)) & 7;
    if (pad > 0) this.readBits(pad);
  }
}
