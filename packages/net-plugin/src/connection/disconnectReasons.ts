/**
 * Why a connection ended or a handshake failed: one `as const` table, each reason with a wire code
 * (sent in denied and disconnect packets) and a readable message. Codes are part of the protocol
 * (docs/PROTOCOL.md, "Connection packets"); append new reasons, never renumber.
 */
export const DisconnectReason = {
  /** No packet from the peer within the timeout. */
  timeout: { code: 1, message: "Connection timed out: nothing received from the peer within the timeout." },
  /** The peer called disconnect(). */
  disconnected: { code: 2, message: "The peer disconnected cleanly." },
  /** Every client slot is taken. */
  serverFull: {
    code: 3,
    message: "The server is full (maxClients reached); try again later or another server.",
  },
  /** The connect token's expiry has passed. */
  tokenExpired: { code: 4, message: "The connect token has expired; ask the matchmaker for a fresh one." },
  /** The token could not be opened: forged, corrupted, another protocol id, or sealed with another key. */
  tokenInvalid: {
    code: 5,
    message:
      "The connect token is invalid: it was not sealed with this server's private key (or was altered).",
  },
  /** The token is in use by another address. */
  tokenReplayed: {
    code: 6,
    message: "The connect token was already used from another address (replayed token).",
  },
  /** The protocol versions differ. */
  versionMismatch: {
    code: 7,
    message: "Protocol version mismatch: client and server run different Canopy versions.",
  },
  /** The registered templates, events or channels differ. */
  protocolHashMismatch: {
    code: 8,
    message: "Protocol hash mismatch: client and server registered different templates, events or channels.",
  },
  /** Sustained traffic above the rate limits. */
  rateLimited: {
    code: 9,
    message: "Disconnected for sending too much: rate limits were exceeded for too long.",
  },
  /** The server removed the client on purpose. */
  kicked: { code: 10, message: "Kicked by the server." },
  /** The server address is not in the token. */
  wrongServer: { code: 11, message: "The connect token is not valid for this server's address." },
  /** No challenge or reply arrived in time from any server in the token. */
  handshakeTimeout: { code: 12, message: "No server answered the connection request in time." },
  /** The same client id is connected from another address. */
  alreadyConnected: { code: 13, message: "This client id is already connected from another address." },
  /** The server is shutting down. */
  serverShutdown: { code: 14, message: "The server shut down." },
  /** A packet decoder met a message the reliability layer refused (protocol error). */
  protocolError: { code: 15, message: "Protocol error: the peer sent packets this side cannot decode." },
} as const;

/** Name of a disconnect reason (`"timeout"`, `"serverFull"`, ...). */
export type DisconnectReasonName = keyof typeof DisconnectReason;

const byCode = new Map<number, DisconnectReasonName>(
  (Object.keys(DisconnectReason) as DisconnectReasonName[]).map((name) => [
    DisconnectReason[name].code,
    name,
  ]),
);

/** The reason with wire code `code`, or `undefined` for an unknown code (remote input). */
export function disconnectReasonFromCode(code: number): DisconnectReasonName | undefined {
  return byCode.get(code);
}

/** Extra facts that make a reason's message precise (both versions or hashes on a mismatch). */
export interface DisconnectDetail {
  localVersion?: number;
  remoteVersion?: number;
  localHash?: number;
  remoteHash?: number;
}

/** A readable message for `reason`, naming both versions or hashes when they are known. */
export function describeDisconnect(reason: DisconnectReasonName, detail: DisconnectDetail = {}): string {
  const base = DisconnectReason[reason].message;
  if (
    reason === "protocolHashMismatch" &&
    detail.localHash !== undefined &&
    detail.remoteHash !== undefined
  ) {
    return `${base} This side's hash is ${hex32(detail.localHash)}, the peer's is ${hex32(detail.remoteHash)}.`;
  }
  if (
    reason === "versionMismatch" &&
    detail.localVersion !== undefined &&
    detail.remoteVersion !== undefined
  ) {
    return `${base} This side runs protocol version ${detail.localVersion}, the peer ${detail.remoteVersion}.`;
  }
  return base;
}

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}
