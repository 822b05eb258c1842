/**
 * The codec's own bit packer, word-based like Glenn Fiedler's `BitPacker`: bits accumulate in a
 * 32-bit scratch and are stored a word at a time, and reads take bits straight out of 32-bit
 * words. Same bit order as protocol/'s BitWriter (LSB-first, bit i = bit i % 8 of byte i >> 3 on a
 * little-endian platform), so a finished snapshot is copied into the packet's BitWriter as is.
 * The snapshot codec writes several thousand small codes per tick; this keeps each one a few
 * machine operations. Internal: callers guarantee 1 ≤ bits ≤ 32 and value < 2^bits.
 */
import type { BitWriter } from "../../protocol/bitWriter";
import { copyBytes } from "../../protocol/scratch";
// Module-local reference: in tsx/esbuild's CommonJS output every call of an import is a getter call.
const copyBytesLocal = copyBytes;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error("Canopy's snapshot codec needs a little-endian platform.");
}

/** Grow-only word buffer writer. */
export class WordWriter {
  private words: Uint32Array;
  /** The same buffer as bytes (little-endian: bit order matches), for byte-aligned copies. */
  private bytes: Uint8Array;
  private index = 0;
  private scratch = 0;
  private scratchBits = 0;

  constructor(initialBytes = 4096) {
    this.words = new Uint32Array(Math.max(16, Math.ceil(initialBytes / 4)));
    this.bytes = new Uint8Array(this.words.buffer);
  }

  /**
   * Bits written since the last reset. Int32 arithmetic on purpose: `index * 32 + scratchBits`
   * was a heap number per call in the optimized encoder (≈ 30–60 B per snapshot in the sampling
   * heap profile; `scale` 1k rows 80–96 → 48 B per server update at the median).
   */
  get bitsWritten(): number {
    return (this.index << 5) + (this.scratchBits | 0);
  }

  /**
   * For inlined writers (the codec kernels): makes room for `extra` more words and returns the
   * buffer. Such a writer keeps `wordIndex`, `pending` and `pendingBits` in locals, stores whole
   * words itself, and sets the three back before any other call on this writer.
   */
  reserve(extra: number): Uint32Array {
    while (this.index + extra + 1 >= this.words.length) this.grow();
    return this.words;
  }
  /** Whole words written (see `reserve`). */
  get wordIndex(): number {
    return this.index;
  }
  set wordIndex(index: number) {
    this.index = index;
  }
  /** Bits of the word being filled, LSB first (see `reserve`). */
  get pending(): number {
    return this.scratch;
  }
  set pending(bits: number) {
    this.scratch = bits;
  }
  /** How many bits of `pending` are written (0..31). */
  get pendingBits(): number {
    return this.scratchBits;
  }
  set pendingBits(count: number) {
    this.scratchBits = count;
  }

  /** Forgets everything written. */
  reset(): void {
    this.index = 0;
    this.scratch = 0;
    this.scratchBits = 0;
  }

  /** Writes the low `bits` bits of `value` (1..32). */
  writeBits(value: number, bits: number): void {
    const used = this.scratchBits;
    const total = used + bits;
    if (total < 32) {
      this.scratch |= value << used;
      this.scratchBits = total;
      return;
    }
    if (this.index + 1 >= this.words.length) this.grow();
    this.words[this.index++] = this.scratch | (value << used);
    const rest = total - 32;
    this.scratch = rest > 0 ? value >>> (bits - rest) : 0;
    this.scratchBits = rest;
  }

  /** Writes one bit. */
  writeBool(v: boolean): void {
    this.writeBits(v ? 1 : 0, 1);
  }

  /** Writes `u` (0 ≤ u < 2^31 - 1) as an order-`k` (0..15) Exp-Golomb code (see expGolomb.ts). */
  writeExpGolomb(u: number, k: number): void {
    const q = (u >>> k) + 1;
    const n = 31 - Math.clz32(q);
    const prefix = 2 * n + 1;
    if (prefix + k < 32) {
      // Short code: prefix and low bits in one write (LSB-first, so the low bits go above).
      const code = ((q - (1 << n)) << (n + 1)) | (1 << n);
      this.writeBits(k > 0 ? code | ((u & ((1 << k) - 1)) << prefix) : code, prefix + k);
      return;
    }
    // Long code (n ≤ 30: q < 2^31). Int32 arithmetic only (`1 << n`, never `2 ** n`), so a rare
    // large delta does not turn this method's feedback to doubles.
    if (n <= 15) this.writeBits(((q - (1 << n)) << (n + 1)) | (1 << n), prefix);
    else {
      this.writeBits(1 << n, n + 1);
      this.writeBits(q - (1 << n), n);
    }
    if (k > 0) this.writeBits(u & ((1 << k) - 1), k);
  }

  /** Appends everything written to `writer` (whole words, then the last partial word's bits). */
  copyTo(writer: BitWriter): void {
    if (this.index + 1 >= this.words.length) this.grow();
    this.words[this.index] = this.scratch;
    // Word by word (the same bits as the bytes, little-endian): a `subarray` for writeBytes was
    // one view per client per tick.
    const total = this.bitsWritten;
    if ((writer.bitsWritten & 7) === 0) {
      // Byte-aligned (a snapshot starts a message): whole bytes in one copy, then the last bits.
      const byteCount = total >>> 3;
      // A range copy (copyBytes, 4 bytes at a time): a view per unseen snapshot length was an
      // allocation on most ticks, since snapshot sizes vary.
      if (byteCount > 0) writer.writeByteRange(this.bytes, 0, byteCount);
      const rest = total & 7;
      if (rest > 0) writer.writeBits((this.bytes[byteCount] as number) & ((1 << rest) - 1), rest);
      return;
    }
    const whole = total >>> 5;
    const words = this.words;
    for (let i = 0; i < whole; i++) writer.writeBits(words[i] as number, 32);
    const tail = total & 31;
    if (tail > 0) writer.writeBits((words[whole] as number) & ((1 << tail) - 1), tail);
  }

  private grow(): void {
    const words = new Uint32Array(this.words.length * 2);
    words.set(this.words);
    this.words = words;
    this.bytes = new Uint8Array(words.buffer);
  }
}

/**
 * Reads bits from a copy of the input, word by word (its own copy, or words the caller filled:
 * {@link WordReader.attach}); past the end it sets `overflowed` and returns 0.
 */
export class WordReader {
  /** The words being read: `own`, or the caller's after `attach`. */
  private words: Uint32Array;
  /** This reader's copy buffer (what `reset` fills). */
  private own: Uint32Array;
  private bytes: Uint8Array;
  private pos = 0;
  private total = 0;
  private failed = false;

  constructor(initialBytes = 4096) {
    this.own = new Uint32Array(Math.max(16, Math.ceil(initialBytes / 4) + 2));
    this.words = this.own;
    this.bytes = new Uint8Array(this.own.buffer);
  }

  /**
   * The input as words from index 0 (zero-padded by two words past the end; after `attach`, a view
   * that may start inside its buffer); for inlined readers.
   */
  get data(): Uint32Array {
    return this.words;
  }
  /** Bit position of the next read; inlined readers move it (never past `bitLength`). */
  get position(): number {
    return this.pos;
  }
  set position(bit: number) {
    this.pos = bit;
  }
  /** Bits in the input. */
  get bitLength(): number {
    return this.total;
  }

  /** True once a read went past the end. */
  get overflowed(): boolean {
    return this.failed;
  }
  /** Bits left. */
  get bitsRemaining(): number {
    return this.total - this.pos;
  }

  /**
   * Starts reading a copy of `data[offset, offset + length)` (default: all of it); a range is
   * copied byte by byte, so the caller needs no view of it.
   */
  reset(data: Uint8Array, offset = 0, length = data.length - offset): void {
    const needWords = Math.ceil(length / 4) + 2;
    if (needWords > this.own.length) {
      this.own = new Uint32Array(needWords * 2);
      this.bytes = new Uint8Array(this.own.buffer);
    }
    this.words = this.own;
    copyBytesLocal(data, offset, this.bytes, 0, length);
    this.bytes.fill(0, length, needWords * 4);
    this.pos = 0;
    this.total = length * 8;
    this.failed = false;
  }

  /**
   * Starts reading `byteLength` bytes the caller already put in `words` from index 0, followed by
   * zero bytes to the end of the second word past them (what `reset` leaves in its own copy): no
   * copy. The caller keeps those words unchanged, and the view attached, while it reads.
   */
  attach(words: Uint32Array, byteLength: number): void {
    this.words = words;
    this.pos = 0;
    this.total = byteLength * 8;
    this.failed = false;
  }

  /** Reads `bits` (1..32) bits. */
  readBits(bits: number): number {
    const pos = this.pos;
    if (pos + bits > this.total) {
      this.failed = true;
      this.pos = this.total;
      return 0;
    }
    const index = pos >>> 5;
    const offset = pos & 31;
    let v = (this.words[index] as number) >>> offset;
    if (offset + bits > 32) v |= (this.words[index + 1] as number) << (32 - offset);
    this.pos = pos + bits;
    return bits === 32 ? v >>> 0 : v & ((1 << bits) - 1);
  }

  /** Reads one bit. */
  readBool(): boolean {
    return this.readBits(1) === 1;
  }

  /** Reads an order-`k` Exp-Golomb code (see expGolomb.ts); -1 when malformed or truncated (then `overflowed`). */
  readExpGolomb(k: number): number {
    const peek = this.peekInt32();
    if (peek === 0) {
      // Only zeros up to the end: the code's 1 bit would be past it (truncated).
      if (this.pos + 32 > this.total) {
        this.failed = true;
        this.pos = this.total;
      }
      return -1;
    }
    const n = 31 - Math.clz32(peek & -peek);
    if (n > 30) return -1;
    const size = 2 * n + 1 + k;
    if (size < 32 && this.pos + size <= this.total) {
      // Short code: everything is in the peeked word.
      const rest = peek >>> (n + 1);
      const q = (rest & ((1 << n) - 1)) + (1 << n);
      this.pos += size;
      return (((q - 1) << k) | ((rest >>> n) & ((1 << k) - 1))) >>> 0;
    }
    // Long code: every step stays int32 (q ≤ 2^31 - 1 as n ≤ 30; the shift below is checked
    // first), so a rare large delta never turns this method's feedback to doubles.
    this.skip(n + 1);
    const high = (n > 0 ? this.readBits(n) : 0) + ((1 << n) - 1);
    const low = k > 0 ? this.readBits(k) : 0;
    if (this.failed || high > 0x7fffffff >>> k) return -1;
    return (high << k) | low;
  }

  /** The next 32 bits without consuming them (zeros past the end). */
  peek32(): number {
    return this.peekInt32() >>> 0;
  }

  /** The next 32 bits as an int32 (bit 31 is the sign): never a double, unlike {@link peek32}. */
  private peekInt32(): number {
    const index = this.pos >>> 5;
    const offset = this.pos & 31;
    const v = (this.words[index] as number) >>> offset;
    return offset > 0 ? v | ((this.words[index + 1] as number) << (32 - offset)) : v | 0;
  }

  /** Skips `bits` bits (past the end overflows). */
  skip(bits: number): void {
    if (this.pos + bits > this.total) {
      this.failed = true;
      this.pos = this.total;
      return;
    }
    this.pos += bits;
  }
}
