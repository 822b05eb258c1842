/**
 * Bytes of event messages (little-endian): event `E0 type:u16 tick:u32 payload…`, reject
 * `E1 type:u16 tick:u32 reason:utf8…`, a client's broadcast `E2 type:u16 tick:u32 payload…`
 * (the server relays it) and the relayed copy `E3 type:u16 tick:u32 from:u16 payload…`
 * (server → the other clients; `from` is the sender's client slot). Decoding checks and never throws.
 */
import { EventWire } from "./constants";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Header of a decoded event, broadcast, relayed or reject message. */
export interface EventHeader {
  kind: number;
  typeId: number;
  tick: number;
  /** The original sender's client slot of a relayed event (else −1). */
  from: number;
  /** Offset of the payload (event) or reason (reject) bytes, in the decoded bytes. */
  bodyOffset: number;
  /** Length of the payload or reason. */
  bodyLength: number;
}

/** True if `kind` (a message's first byte) is an event-message kind (0xE0–0xE3). */
export function isEventKind(kind: number | undefined): boolean {
  return kind !== undefined && kind >= EventWire.eventKind && kind <= EventWire.relayedKind;
}

/** True if `data` starts with an event-message kind. */
export function isEventMessage(data: Uint8Array): boolean {
  return isEventKind(data[0]);
}

/** Writes an event message with `payload` (`kind`: event or a client's broadcast). */
export function encodeEventMessage(
  typeId: number,
  tick: number,
  payload: Uint8Array,
  kind: number = EventWire.eventKind,
): Uint8Array {
  const out = new Uint8Array(EventWire.headerBytes + payload.length);
  writeHeader(out, kind, typeId, tick);
  out.set(payload, EventWire.headerBytes);
  return out;
}

/** Writes the relayed copy of a client's broadcast: its type, tick and payload, and its sender's slot. */
export function encodeRelayedMessage(
  typeId: number,
  tick: number,
  from: number,
  payload: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(EventWire.relayedHeaderBytes + payload.length);
  writeHeader(out, EventWire.relayedKind, typeId, tick);
  out[7] = from & 0xff;
  out[8] = (from >>> 8) & 0xff;
  out.set(payload, EventWire.relayedHeaderBytes);
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

/**
 * Reads the header of the `length`-byte message at `bytes[offset]` into `out`; false when it is
 * too short or not an event kind. The body is `bytes[out.bodyOffset, out.bodyOffset + out.bodyLength)`.
 */
export function decodeEventHeader(
  bytes: Uint8Array,
  out: EventHeader,
  offset = 0,
  length = bytes.length - offset,
): boolean {
  const kind = bytes[offset];
  if (length < EventWire.headerBytes || !isEventKind(kind)) return false;
  const header = kind === EventWire.relayedKind ? EventWire.relayedHeaderBytes : EventWire.headerBytes;
  if (length < header) return false;
  out.kind = kind as number;
  out.typeId = u16(bytes, offset + 1);
  out.tick = (u16(bytes, offset + 3) + u16(bytes, offset + 5) * 0x10000) >>> 0;
  out.from = kind === EventWire.relayedKind ? u16(bytes, offset + 7) : -1;
  out.bodyOffset = offset + header;
  out.bodyLength = length - header;
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

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
}

function writeHeader(out: Uint8Array, kind: number, typeId: number, tick: number): void {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint8(0, kind);
  v.setUint16(1, typeId, true);
  v.setUint32(3, tick >>> 0, true);
}
