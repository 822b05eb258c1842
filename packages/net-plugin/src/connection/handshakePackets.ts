/**
 * Bytes of the plaintext handshake packets (request, denied) and of the small payloads inside the
 * encrypted ones (challenge/response, keep-alive, disconnect). Layouts: docs/PROTOCOL.md,
 * "Connection packets". Readers never throw: malformed input returns `undefined`.
 */
import { ConnectTokenConstants, hasVersionInfo, type ConnectToken } from "../protocol/connectToken";
import { ConnectionWire, PacketType } from "./constants";
import {
  disconnectReasonFromCode,
  DisconnectReason,
  type DisconnectDetail,
  type DisconnectReasonName,
} from "./disconnectReasons";

/** A parsed connection request. */
export interface ConnectionRequest {
  protocolId: bigint;
  expiresAt: number;
  nonce: Uint8Array;
  privateToken: Uint8Array;
  protocolVersion: number;
  protocolHash: number;
}

const R = {
  versionInfo: 1,
  protocolId: 9,
  expiresAt: 17,
  nonce: 25,
  privateToken: 25 + ConnectTokenConstants.NONCE_BYTES,
  protocolVersion: 25 + ConnectTokenConstants.NONCE_BYTES + ConnectTokenConstants.PRIVATE_BYTES,
  protocolHash: 27 + ConnectTokenConstants.NONCE_BYTES + ConnectTokenConstants.PRIVATE_BYTES,
} as const;

/** Builds the request a client sends for `token`. */
export function writeRequest(token: ConnectToken, protocolVersion: number, protocolHash: number): Uint8Array {
  const packet = new Uint8Array(ConnectionWire.requestBytes);
  const v = view(packet);
  packet[0] = PacketType.request;
  packet.set(ConnectTokenConstants.VERSION_INFO, R.versionInfo);
  v.setBigUint64(R.protocolId, token.protocolId, true);
  v.setBigUint64(R.expiresAt, BigInt(token.expiresAt), true);
  packet.set(token.nonce, R.nonce);
  packet.set(token.privateToken, R.privateToken);
  v.setUint16(R.protocolVersion, protocolVersion, true);
  v.setUint32(R.protocolHash, protocolHash >>> 0, true);
  return packet;
}

/** Parses a request; `undefined` if its size, type or version info is wrong. */
export function readRequest(packet: Uint8Array): ConnectionRequest | undefined {
  if (packet.length !== ConnectionWire.requestBytes || packet[0] !== PacketType.request) return undefined;
  if (!hasVersionInfo(packet, R.versionInfo)) return undefined;
  const v = view(packet);
  const expires = v.getBigUint64(R.expiresAt, true);
  if (expires > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return {
    protocolId: v.getBigUint64(R.protocolId, true),
    expiresAt: Number(expires),
    nonce: packet.subarray(R.nonce, R.nonce + ConnectTokenConstants.NONCE_BYTES),
    privateToken: packet.subarray(R.privateToken, R.privateToken + ConnectTokenConstants.PRIVATE_BYTES),
    protocolVersion: v.getUint16(R.protocolVersion, true),
    protocolHash: v.getUint32(R.protocolHash, true),
  };
}

/** The tag of the sealed private token in a request (identifies the token for replay checks). */
export function tokenTagOf(request: ConnectionRequest): Uint8Array {
  return request.privateToken.subarray(ConnectTokenConstants.PRIVATE_BYTES - ConnectTokenConstants.MAC_BYTES);
}

/** Builds a denied packet; `detail` carries the server's and client's versions or hashes. */
export function writeDenied(reason: DisconnectReasonName, detail: DisconnectDetail = {}): Uint8Array {
  const packet = new Uint8Array(ConnectionWire.deniedBytes);
  const v = view(packet);
  packet[0] = PacketType.denied;
  packet[1] = DisconnectReason[reason].code;
  if (reason === "protocolHashMismatch") {
    v.setUint32(2, (detail.localHash ?? 0) >>> 0, true);
    v.setUint32(6, (detail.remoteHash ?? 0) >>> 0, true);
  } else if (reason === "versionMismatch") {
    v.setUint32(2, detail.localVersion ?? 0, true);
    v.setUint32(6, detail.remoteVersion ?? 0, true);
  }
  return packet;
}

/**
 * Parses a denied packet as the client sees it (detail from the client's point of view: `local`
 * is the client, `remote` the server); `undefined` if malformed.
 */
export function readDenied(
  packet: Uint8Array,
): { reason: DisconnectReasonName; detail: DisconnectDetail } | undefined {
  if (packet.length !== ConnectionWire.deniedBytes || packet[0] !== PacketType.denied) return undefined;
  const reason = disconnectReasonFromCode(packet[1] ?? 0);
  if (reason === undefined) return undefined;
  const v = view(packet);
  const server = v.getUint32(2, true);
  const client = v.getUint32(6, true);
  if (reason === "protocolHashMismatch") return { reason, detail: { localHash: client, remoteHash: server } };
  if (reason === "versionMismatch")
    return { reason, detail: { localVersion: client, remoteVersion: server } };
  return { reason, detail: {} };
}

/** Challenge or response payload: challenge sequence + sealed challenge token. */
export function writeChallengePayload(sequence: number, token: Uint8Array): Uint8Array {
  const payload = new Uint8Array(ConnectionWire.challengePayloadBytes);
  view(payload).setBigUint64(0, BigInt(sequence), true);
  payload.set(token, 8);
  return payload;
}

/** Parses a challenge or response payload; `undefined` if malformed. */
export function readChallengePayload(
  payload: Uint8Array,
): { sequence: number; token: Uint8Array } | undefined {
  if (payload.length !== ConnectionWire.challengePayloadBytes) return undefined;
  const sequence = view(payload).getBigUint64(0, true);
  if (sequence > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { sequence: Number(sequence), token: payload.subarray(8) };
}

/** Keep-alive payload: the client's slot index and the server's max clients. */
export function writeKeepAlivePayload(clientIndex: number, maxClients: number): Uint8Array {
  const payload = new Uint8Array(ConnectionWire.keepAlivePayloadBytes);
  const v = view(payload);
  v.setUint16(0, clientIndex, true);
  v.setUint16(2, maxClients, true);
  return payload;
}

/** Parses a keep-alive payload (either size); `undefined` if malformed. */
export function readKeepAlivePayload(
  payload: Uint8Array,
): { clientIndex: number; maxClients: number } | undefined {
  if (
    payload.length !== ConnectionWire.keepAlivePayloadBytes &&
    payload.length !== ConnectionWire.keepAliveEchoPayloadBytes
  )
    return undefined;
  const v = view(payload);
  const clientIndex = v.getUint16(0, true);
  const maxClients = v.getUint16(2, true);
  return clientIndex < maxClients ? { clientIndex, maxClients } : undefined;
}

/** Disconnect payload: one reason code. */
export function writeDisconnectPayload(reason: DisconnectReasonName): Uint8Array {
  return new Uint8Array([DisconnectReason[reason].code]);
}

/** Parses a disconnect payload (unknown codes read as `disconnected`); `undefined` if malformed. */
export function readDisconnectPayload(payload: Uint8Array): DisconnectReasonName | undefined {
  if (payload.length !== ConnectionWire.disconnectPayloadBytes) return undefined;
  return disconnectReasonFromCode(payload[0] ?? 0) ?? "disconnected";
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
