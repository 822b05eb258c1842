/**
 * Binary payloads of the services API travel as standard base64 inside JSON: save attachments
 * (msgpackr bytes of any serializable value) and connect tokens. Platform-neutral: `btoa`/`atob`
 * are global in browsers and Node 20.
 */
import { Packr } from "msgpackr";
import type { IssuedConnectToken } from "../../protocol/connectToken";
import type { ConnectTokenWire } from "../api";

/** msgpackr with records off, so any plain value round-trips without shared structure state. */
const packr = new Packr({ useRecords: false, moreTypes: true });

/** Bytes per `String.fromCharCode` call: well under every engine's argument-count limit. */
const CHUNK = 0x8000;

/** Standard base64 of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Bytes of a standard base64 string, or `undefined` when it is not valid base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Serializes a save attachment (any msgpackr-serializable value) to base64; throws on a value it cannot pack. */
export function encodeAttachment(value: unknown): string {
  return toBase64(packr.pack(value));
}

/** The value inside a base64 attachment; `{ ok: false }` when the bytes do not decode. */
export function decodeAttachment(text: string): { ok: true; value: unknown } | { ok: false } {
  const bytes = fromBase64(text);
  if (bytes === undefined) return { ok: false };
  try {
    return { ok: true, value: bytes.length === 0 ? undefined : (packr.unpack(bytes) as unknown) };
  } catch {
    return { ok: false };
  }
}

/**
 * The connect token a lobby start hands out, in the Net layer's `IssuedConnectToken` shape (keys
 * and public bytes decoded, `expiresAt` in Unix seconds); `undefined` when a field is not valid
 * base64 or the client id is not a uint64.
 */
export function decodeLobbyConnectToken(wire: ConnectTokenWire): IssuedConnectToken | undefined {
  const bytes = fromBase64(wire.token);
  const clientToServerKey = fromBase64(wire.clientToServerKey);
  const serverToClientKey = fromBase64(wire.serverToClientKey);
  if (!bytes || !clientToServerKey || !serverToClientKey || !/^\d{1,20}$/.test(wire.clientId))
    return undefined;
  const clientId = BigInt(wire.clientId);
  if (clientId > 0xffff_ffff_ffff_ffffn) return undefined;
  return {
    bytes,
    clientToServerKey,
    serverToClientKey,
    clientId,
    serverAddresses: [...wire.serverAddresses],
    expiresAt: Math.floor(wire.expiresAt / 1000),
  };
}
