/**
 * Bytes of event and reject messages (little-endian): `E0 type:u16 tick:u32 payload…` and
 * `E1 type:u16 tick:u32 reason:utf8…`. Decoding checks and never throws.
 */
import { EventWire } from "./constants";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Header of a decoded event or reject message. */
export interface EventHeader {
  kind: number;
  typeId: number;
  tick: number;
  /** Payload (event) or reason bytes (reject): a view into the message. */
  body: Uint8Array;
}

/** True if `data` starts with an event or reject kind. */
export function isEventMessage(data: Uint8Array): boolean {
  return data[0] === EventWire.eventKind || data[0] === EventWire.rejectKind;
}

/** Writes an event message with `payload`. */
export function encodeEventMessage(typeId: number, tick: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(EventWire.headerBytes + payload.length);
  writeHeader(out, EventWire.eventKind, typeId, tick);
  out.set(payload, EventWire.headerBytes);
  return out;
}

/** Writes a reject message; the reason is cut to `maxReasonBytes` at a character boundary. */
export function encodeRejectMessage(typeId: number, tick: number, reason: string): Uint8Array {
  let text = encoder.encode(reason);
  if (text.length > EventWire.maxReasonBytes) {
    let end = EventWire.maxReasonBytes;
    while (end > 0 && ((text[end] as number) & 0xc0) === 0x80) end--;
    text = text.subarray(0, end);
  }
  const out = new Uint8Array(EventWire.headerBytes + text.length);
  writeHeader(out, EventWire.rejectKind, typeId, tick);
  out.set(text, EventWire.headerBytes);
  return out;
}

/** Reads the header into `out`; false when too short or not an event kind. */
export function decodeEventHeader(data: Uint8Array, out: EventHeader): boolean {
  if (data.length < EventWire.headerBytes || !isEventMessage(data)) return false;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  out.kind = v.getUint8(0);
  out.typeId = v.getUint16(1, true);
  out.tick = v.getUint32(3, true);
  out.body = data.subarray(EventWire.headerBytes);
  return true;
}

/** The reason text of a reject body, or `undefined` when too long or not UTF-8. */
export function decodeReason(body: Uint8Array): string | undefined {
  if (body.length > EventWire.maxReasonBytes) return undefined;
  try {
    return decoder.decode(body);
  } catch {
    return undefined;
  }
}

function writeHeader(out: Uint8Array, kind: number, typeId: number, tick: number): void {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint8(0, kind);
  v.setUint16(1, typeId, true);
  v.setUint32(3, tick >>> 0, true);
}
