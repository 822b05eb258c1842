/**
 * Ping and pong bytes (little-endian, fixed size; layout in docs/TIME-SYNC.md). `writePing` /
 * `writePong` / `readPing` / `readPong` work on a caller's DataView at an offset (the hot path:
 * preallocated buffers, nothing allocated per message); `encode*` / `decode*` are the allocating
 * conveniences over a whole Uint8Array. Decoding checks kind, length and that every time is
 * finite; it never throws.
 */
import { TimeSyncWire } from "./constants";

/** A decoded ping: the client's send time and its own latency report (seconds). */
export interface Ping {
  id: number;
  t0: number;
  /** Client's measured average one-way latency server → client (its reverse latency). */
  downAverage: number;
  downBest: number;
  downWorst: number;
  /** Client's measured average one-way latency client → server. */
  upAverage: number;
}

/** A decoded pong: the echoed ping, the server's receive and send times and its tick at t2. */
export interface Pong {
  id: number;
  t0: number;
  t1: number;
  t2: number;
  /** Continuous server tick at t2 (`FixedTime.tick + accumulator / dt`). */
  tick: number;
  /** Server fixed ticks per second. */
  tickRate: number;
}

/** True if `data` starts with a time-sync message kind (ping or pong). */
export function isTimeSyncMessage(data: Uint8Array): boolean {
  return isTimeSyncKind(data[0]);
}

/** True if `kind` (a message's first byte) is a time-sync kind (ping or pong). */
export function isTimeSyncKind(kind: number | undefined): boolean {
  return kind === TimeSyncWire.pingKind || kind === TimeSyncWire.pongKind;
}

/** Writes a ping at `view[at, at + pingBytes)`. */
export function writePing(p: Readonly<Ping>, v: DataView, at = 0): void {
  v.setUint8(at, TimeSyncWire.pingKind);
  v.setUint16(at + 1, p.id, true);
  v.setFloat64(at + 3, p.t0, true);
  v.setFloat32(at + 11, p.downAverage, true);
  v.setFloat32(at + 15, p.downBest, true);
  v.setFloat32(at + 19, p.downWorst, true);
  v.setFloat32(at + 23, p.upAverage, true);
}

/** Encodes a ping into a new array. */
export function encodePing(p: Readonly<Ping>): Uint8Array {
  const out = new Uint8Array(TimeSyncWire.pingBytes);
  writePing(p, new DataView(out.buffer));
  return out;
}

/** Decodes a ping into `out`; false (nothing trusted) when the bytes are not a valid ping. */
export function decodePing(data: Uint8Array, out: Ping): boolean {
  return readPing(new DataView(data.buffer, data.byteOffset, data.byteLength), 0, data.length, out);
}

/** {@link decodePing} of the `length` bytes at `view[at]`. */
export function readPing(v: DataView, at: number, length: number, out: Ping): boolean {
  if (length !== TimeSyncWire.pingBytes || v.getUint8(at) !== TimeSyncWire.pingKind) return false;
  out.id = v.getUint16(at + 1, true);
  out.t0 = v.getFloat64(at + 3, true);
  out.downAverage = v.getFloat32(at + 11, true);
  out.downBest = v.getFloat32(at + 15, true);
  out.downWorst = v.getFloat32(at + 19, true);
  out.upAverage = v.getFloat32(at + 23, true);
  return (
    Number.isFinite(out.t0) &&
    latencyOk(out.downAverage) &&
    latencyOk(out.downBest) &&
    latencyOk(out.downWorst) &&
    latencyOk(out.upAverage)
  );
}

/** Writes a pong at `view[at, at + pongBytes)`. */
export function writePong(p: Readonly<Pong>, v: DataView, at = 0): void {
  v.setUint8(at, TimeSyncWire.pongKind);
  v.setUint16(at + 1, p.id, true);
  v.setFloat64(at + 3, p.t0, true);
  v.setFloat64(at + 11, p.t1, true);
  v.setFloat64(at + 19, p.t2, true);
  v.setFloat64(at + 27, p.tick, true);
  v.setFloat64(at + 35, p.tickRate, true);
}

/** Encodes a pong into a new array. */
export function encodePong(p: Readonly<Pong>): Uint8Array {
  const out = new Uint8Array(TimeSyncWire.pongBytes);
  writePong(p, new DataView(out.buffer));
  return out;
}

/** Decodes a pong into `out`; false when the bytes are not a valid pong. */
export function decodePong(data: Uint8Array, out: Pong): boolean {
  return readPong(new DataView(data.buffer, data.byteOffset, data.byteLength), 0, data.length, out);
}

/** {@link decodePong} of the `length` bytes at `view[at]`. */
export function readPong(v: DataView, at: number, length: number, out: Pong): boolean {
  if (length !== TimeSyncWire.pongBytes || v.getUint8(at) !== TimeSyncWire.pongKind) return false;
  out.id = v.getUint16(at + 1, true);
  out.t0 = v.getFloat64(at + 3, true);
  out.t1 = v.getFloat64(at + 11, true);
  out.t2 = v.getFloat64(at + 19, true);
  out.tick = v.getFloat64(at + 27, true);
  out.tickRate = v.getFloat64(at + 35, true);
  return (
    Number.isFinite(out.t0) &&
    Number.isFinite(out.t1) &&
    Number.isFinite(out.t2) &&
    out.t2 >= out.t1 &&
    Number.isFinite(out.tick) &&
    out.tick >= 0 &&
    out.tickRate > 0 &&
    out.tickRate <= 10_000
  );
}

/** A reported latency: finite, 0..60 s (-1 marks "not measured yet"). */
function latencyOk(s: number): boolean {
  return s === -1 || (s >= 0 && s <= 60);
}
