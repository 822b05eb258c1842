/**
 * Ping and pong bytes (little-endian, fixed size; layout in docs/TIME-SYNC.md). Encoding makes a
 * fresh array per message because the reliability layer keeps a reference until it is sent.
 * Decoding checks kind, length and that every time is finite; it never throws.
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
  const k = data[0];
  return k === TimeSyncWire.pingKind || k === TimeSyncWire.pongKind;
}

/** Encodes a ping. */
export function encodePing(p: Readonly<Ping>): Uint8Array {
  const out = new Uint8Array(TimeSyncWire.pingBytes);
  const v = new DataView(out.buffer);
  v.setUint8(0, TimeSyncWire.pingKind);
  v.setUint16(1, p.id, true);
  v.setFloat64(3, p.t0, true);
  v.setFloat32(11, p.downAverage, true);
  v.setFloat32(15, p.downBest, true);
  v.setFloat32(19, p.downWorst, true);
  v.setFloat32(23, p.upAverage, true);
  return out;
}

/** Decodes a ping into `out`; false (nothing trusted) when the bytes are not a valid ping. */
export function decodePing(data: Uint8Array, out: Ping): boolean {
  if (data.length !== TimeSyncWire.pingBytes || data[0] !== TimeSyncWire.pingKind) return false;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  out.id = v.getUint16(1, true);
  out.t0 = v.getFloat64(3, true);
  out.downAverage = v.getFloat32(11, true);
  out.downBest = v.getFloat32(15, true);
  out.downWorst = v.getFloat32(19, true);
  out.upAverage = v.getFloat32(23, true);
  return (
    Number.isFinite(out.t0) &&
    latencyOk(out.downAverage) &&
    latencyOk(out.downBest) &&
    latencyOk(out.downWorst) &&
    latencyOk(out.upAverage)
  );
}

/** Encodes a pong. */
export function encodePong(p: Readonly<Pong>): Uint8Array {
  const out = new Uint8Array(TimeSyncWire.pongBytes);
  const v = new DataView(out.buffer);
  v.setUint8(0, TimeSyncWire.pongKind);
  v.setUint16(1, p.id, true);
  v.setFloat64(3, p.t0, true);
  v.setFloat64(11, p.t1, true);
  v.setFloat64(19, p.t2, true);
  v.setFloat64(27, p.tick, true);
  v.setFloat64(35, p.tickRate, true);
  return out;
}

/** Decodes a pong into `out`; false when the bytes are not a valid pong. */
export function decodePong(data: Uint8Array, out: Pong): boolean {
  if (data.length !== TimeSyncWire.pongBytes || data[0] !== TimeSyncWire.pongKind) return false;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  out.id = v.getUint16(1, true);
  out.t0 = v.getFloat64(3, true);
  out.t1 = v.getFloat64(11, true);
  out.t2 = v.getFloat64(19, true);
  out.tick = v.getFloat64(27, true);
  out.tickRate = v.getFloat64(35, true);
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
