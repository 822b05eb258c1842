/**
 * One frame's connection events for the Receive systems, copied out of the NetServer/NetClient
 * (whose event objects and message bytes are only valid until the next `pollEvent()`): connects,
 * disconnects and snapshot-channel messages as records in preallocated arrays, message bytes in
 * one slab that grows (doubling) only when a frame brings more bytes than ever before. Filled by
 * `receivePackets`, read by index by any later system of the frame, cleared next frame.
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

/** This frame's events, by index (oldest first). */
export class FrameEvents<Detail = unknown> {
  /** Records this frame. */
  count = 0;
  /** Slab holding message bytes (`bytes[offsetOf(i), offsetOf(i) + lengthOf(i))`; replaced when it grows). */
  bytes = new Uint8Array(INITIAL_BYTES);
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

  /** Records a message from `peer`, copying `source[offset, offset + length)` into the slab. */
  pushMessage(peer: number, source: Uint8Array, offset: number, length: number): void {
    const at = this.used;
    const end = at + length;
    if (end > this.bytes.length) this.growBytes(end);
    const dst = this.bytes;
    // Byte by byte (no view) up to a few KiB; longer ones through one subarray.
    if (length <= 4096) for (let k = 0; k < length; k++) dst[at + k] = source[offset + k] as number;
    else dst.set(source.subarray(offset, offset + length), at);
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
  }
}
