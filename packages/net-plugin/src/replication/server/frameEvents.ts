/**
 * One frame's connection events for the Receive systems, copied out of the NetServer/NetClient
 * (whose event objects and message bytes are only valid until the next `pollEvent()`): connects,
 * disconnects and snapshot-channel messages as records in preallocated arrays, message bytes in
 * one slab that grows (doubling) only when a frame brings more bytes than ever before. Filled by
 * `receivePackets`, read by index by any later system of the frame, cleared next frame.
 *
 * Every message starts on a 4-byte boundary of the slab (the wasm decoder copies an aligned range a
 * word at a time) and is copied in as 32-bit words read through a DataView of its source buffer,
 * kept while the source buffer stays the same (transports reuse theirs): ≈ 0.11 µs for a 560-byte
 * snapshot against ≈ 0.5–0.85 byte by byte, and no per-message view. Not protocol/scratch.ts
 * `copyBytes`: its two WeakMap lookups per call and DataView stores took ≈ 0.6 µs for the same copy
 * (pinned micro-benchmark, session 10); a one-entry cache there reached ≈ 0.25 in isolation but not
 * inside copyBytes, so the faster shared copy is still to be found.
 */

/** What a {@link FrameEvents} record is. */
export const FrameEventKind = {
  connected: 0,
  disconnected: 1,
  message: 2,
} as const;
/** One of the {@link FrameEventKind} values. */
export type FrameEventKind = (typeof FrameEventKind)[keyof typeof FrameEventKind];

/** Initial record and byte capacities: a busy frame of a small server; both grow on demand. */
const INITIAL_RECORDS = 64;
const INITIAL_BYTES = 8 * 1024;
/** Messages shorter than this are copied byte by byte (a word loop's setup costs more). */
const WORD_COPY_MIN = 32;
/** True on little-endian hosts: the slab's Int32Array words then store DataView's little-endian reads as the same bytes. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** This frame's events, by index (oldest first). */
export class FrameEvents<Detail = unknown> {
  /** Records this frame. */
  count = 0;
  /** Slab holding message bytes (`bytes[offsetOf(i), offsetOf(i) + lengthOf(i))`; replaced when it grows). */
  bytes = new Uint8Array(INITIAL_BYTES);
  /** {@link bytes} as 32-bit words (the same buffer). */
  private words = new Int32Array(this.bytes.buffer);
  /** A DataView of the last message's source buffer, kept while messages come from that buffer. */
  private sourceView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private kinds = new Uint8Array(INITIAL_RECORDS);
  private peers = new Int32Array(INITIAL_RECORDS);
  private offsets = new Int32Array(INITIAL_RECORDS);
  private lengths = new Int32Array(INITIAL_RECORDS);
  /** Per record: what the caller attached to a connect or disconnect (e.g. the reason), else undefined. */
  private details: (Detail | undefined)[] = [];
  private used = 0;

  /** Forgets last frame's records. */
  clear(): void {
    for (let i = 0; i < this.count; i++) this.details[i] = undefined;
    this.count = 0;
    this.used = 0;
  }

  /** Records a connect or disconnect of `peer`, with an optional detail. */
  pushEvent(kind: FrameEventKind, peer: number, detail?: Detail): void {
    const i = this.record(kind, peer, 0, 0);
    this.details[i] = detail;
  }

  /** Records a message from `peer`, copying `source[offset, offset + length)` into the slab (at a 4-byte boundary). */
  pushMessage(peer: number, source: Uint8Array, offset: number, length: number): void {
    const at = this.used;
    const end = (at + length + 3) & ~3;
    if (end > this.bytes.length) this.growBytes(end);
    const dst = this.bytes;
    let k = 0;
    if (length >= WORD_COPY_MIN && LITTLE_ENDIAN) {
      let view = this.sourceView;
      if (view.buffer !== source.buffer) view = this.sourceView = new DataView(source.buffer);
      const words = this.words;
      const base = source.byteOffset + offset;
      const first = at >>> 2;
      const n = length >>> 2;
      for (let w = 0; w < n; w++) words[first + w] = view.getInt32(base + 4 * w, true);
      k = n * 4;
    }
    for (; k < length; k++) dst[at + k] = source[offset + k] as number;
    this.used = end;
    this.record(FrameEventKind.message, peer, at, length);
  }

  /** Kind of record `i`. */
  kindOf(i: number): FrameEventKind {
    return this.kinds[i] as FrameEventKind;
  }

  /** Peer (server: client slot) of record `i`. */
  peerOf(i: number): number {
    return this.peers[i] as number;
  }

  /** Offset of record `i`'s message in {@link bytes}. */
  offsetOf(i: number): number {
    return this.offsets[i] as number;
  }

  /** Length of record `i`'s message. */
  lengthOf(i: number): number {
    return this.lengths[i] as number;
  }

  /** Detail attached to record `i`. */
  detailOf(i: number): Detail | undefined {
    return this.details[i];
  }

  private record(kind: FrameEventKind, peer: number, offset: number, length: number): number {
    if (this.count === this.kinds.length) this.growRecords();
    const i = this.count++;
    this.kinds[i] = kind;
    this.peers[i] = peer;
    this.offsets[i] = offset;
    this.lengths[i] = length;
    return i;
  }

  private growRecords(): void {
    const n = this.kinds.length * 2;
    const kinds = new Uint8Array(n);
    kinds.set(this.kinds);
    const peers = new Int32Array(n);
    peers.set(this.peers);
    const offsets = new Int32Array(n);
    offsets.set(this.offsets);
    const lengths = new Int32Array(n);
    lengths.set(this.lengths);
    this.kinds = kinds;
    this.peers = peers;
    this.offsets = offsets;
    this.lengths = lengths;
  }

  private growBytes(atLeast: number): void {
    let size = this.bytes.length * 2;
    while (size < atLeast) size *= 2;
    const bytes = new Uint8Array(size);
    bytes.set(this.bytes.subarray(0, this.used));
    this.bytes = bytes;
    this.words = new Int32Array(bytes.buffer);
  }
}
