/**
 * Byte-level encoding for the WebAssembly binary emitter (wasmModule.ts): a growable byte buffer
 * with the binary format's LEB128 integers, little-endian floats, names and vectors. Emission
 * runs once per registry, never per tick, so clarity wins over speed here.
 */

/** Initial capacity of a ByteWriter; it doubles as needed. */
const INITIAL_BYTES = 64;

/** A growable little-endian byte buffer. */
export class ByteWriter {
  private bytes: Uint8Array<ArrayBuffer> = new Uint8Array(INITIAL_BYTES);
  private view = new DataView(this.bytes.buffer);
  /** Bytes written so far. */
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  /** Appends one byte (0..255). */
  byte(b: number): this {
    if (!Number.isInteger(b) || b < 0 || b > 0xff) {
      throw new RangeError(`ByteWriter.byte: ${b} is not a byte (0..255).`);
    }
    this.reserve(1);
    this.bytes[this.length++] = b;
    return this;
  }

  /** Appends raw bytes. */
  append(bytes: Uint8Array | readonly number[]): this {
    this.reserve(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.byte(bytes[i] as number);
    return this;
  }

  /** Appends an unsigned LEB128 integer in 0..2^32-1 (indices, sizes, offsets). */
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new RangeError(`ByteWriter.u32: ${v} is not an unsigned 32-bit integer.`);
    }
    do {
      let b = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  /** Appends a signed LEB128 integer in -2^31..2^32-1 (i32.const; values ≥ 2^31 wrap to negative). */
  s32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
      throw new RangeError(`ByteWriter.s32: ${v} does not fit in 32 bits.`);
    }
    return this.s64(BigInt(v | 0));
  }

  /** Appends a signed LEB128 integer in -2^63..2^64-1 (i64.const; values ≥ 2^63 wrap to negative). */
  s64(v: bigint): this {
    if (v < -(1n << 63n) || v >= 1n << 64n) {
      throw new RangeError(`ByteWriter.s64: ${v} does not fit in 64 bits.`);
    }
    v = BigInt.asIntN(64, v);
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  /** Appends a float32 (little-endian IEEE 754; the value is rounded to float32). */
  f32(v: number): this {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
    return this;
  }

  /** Appends a float64 (little-endian IEEE 754). */
  f64(v: number): this {
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
    return this;
  }

  /** Appends a UTF-8 name prefixed by its byte length. */
  name(s: string): this {
    const utf8 = new TextEncoder().encode(s);
    return this.u32(utf8.length).append(utf8);
  }

  /** Appends another writer's bytes prefixed by their length (a section or function body). */
  sized(inner: ByteWriter): this {
    return this.u32(inner.length).append(inner.toBytes());
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array<ArrayBuffer> {
    return this.bytes.slice(0, this.length);
  }
}
