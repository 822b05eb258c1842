/**
 * Connection-layer constants in one place, each with the reason for its value. The packet layout
 * they shape is in docs/PROTOCOL.md, "Connection packets".
 */
import { ConnectTokenConstants } from "../protocol/connectToken";

/** Connection packet types (low 4 bits of the prefix byte). */
export const PacketType = {
  /** Client → server, plaintext, carries the sealed private token. */
  request: 0,
  /** Server → client, plaintext reason code (the server may not know the keys yet). */
  denied: 1,
  /** Server → client, encrypted: a challenge token the client must echo. */
  challenge: 2,
  /** Client → server, encrypted: the echoed challenge token. */
  response: 3,
  /** Either way, encrypted: "still here"; the server's first one tells the client its slot. */
  keepAlive: 4,
  /** Either way, encrypted: one reliability-layer packet. */
  payload: 5,
  /** Either way, encrypted: a clean disconnect with a reason code. */
  disconnect: 6,
} as const;

/** A connection packet type number. */
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

/** Packet type names by number, for logs. */
export const PacketTypeName = [
  "request",
  "denied",
  "challenge",
  "response",
  "keepAlive",
  "payload",
  "disconnect",
] as const;

/** Wire sizes of connection packets. */
export const ConnectionWire = {
  /** Poly1305 tag appended to every encrypted packet. */
  macBytes: 16,
  /** Associated data of an encrypted packet: version info (8), protocol id (8), prefix (1). */
  aadBytes: 17,
  /**
   * The request: prefix, version info, protocol id, expiry, nonce, sealed private token, protocol
   * version (u16) and protocol hash (u32). Every request has exactly this size, and it is larger than
   * every reply the server sends before a connection exists, so a spoofed source cannot make the
   * server send more bytes than it received (no amplification).
   */
  requestBytes:
    1 + 8 + 8 + 8 + ConnectTokenConstants.NONCE_BYTES + ConnectTokenConstants.PRIVATE_BYTES + 2 + 4,
  /** Denied: prefix, reason, then 8 bytes of detail (both versions or both hashes), zero otherwise. */
  deniedBytes: 10,
  /** Challenge token: sealed client id (8) + token tag (16) + padding (8), plus its 16-byte tag. */
  challengeTokenBytes: 48,
  /** Challenge / response payload: challenge sequence (u64) + challenge token. */
  challengePayloadBytes: 8 + 48,
  /** Keep-alive payload: client index (u16) + max clients (u16). The connect keep-alive has this size. */
  keepAlivePayloadBytes: 4,
  /**
   * Keep-alive sent while connected: the 4 bytes above + echo (u16: low 16 bits of the sequence of
   * the newest keep-alive received from the peer) + hold (u16: how long it was held before this
   * reply, in `keepAliveHoldUnitSeconds`; `keepAliveNoEcho` = nothing to echo), so an idle
   * connection still measures its RTT. Older peers ignore keep-alive contents once connected.
   */
  keepAliveEchoPayloadBytes: 8,
  /** Unit of the keep-alive hold field: 100 µs, so up to 6.55 s fits a u16 at far finer grain than a frame. */
  keepAliveHoldUnitSeconds: 1e-4,
  /** Hold value meaning "no echo". */
  keepAliveNoEcho: 0xffff,
  /** Disconnect payload: reason code. */
  disconnectPayloadBytes: 1,
  /** Largest payload packet body (the reliability layer's MTU-sized packet). */
  maxPayloadBytes: 1200,
} as const;

/** Defaults and bounds of the connection layer. */
export const ConnectionDefaults = {
  /** Seconds of silence before a connection is dropped (netcode.io's default is 5). */
  timeoutSeconds: 5,
  /** Send a keep-alive after this long without sending anything (10 Hz keeps NAT mappings warm). */
  keepAliveSeconds: 0.1,
  /** Client resends its request / response this often while waiting (netcode.io: 10 Hz). */
  handshakeResendSeconds: 0.1,
  /** Redundant disconnect packets sent on a clean disconnect, so one lost packet does not turn it into a timeout. */
  disconnectPackets: 3,
  /**
   * Replay window of the per-direction sequence: the last 256 sequences are remembered; older ones
   * are stale. At 60 packets/s that is 4 s of reordering, far more than any real path shows.
   */
  replayWindow: 256,
  /** Most half-open handshakes (challenged, not yet answered) kept at once; oldest evicted first. */
  maxPendingHandshakes: 1024,
  /** Seconds a challenged client has to answer before its pending entry is dropped. */
  pendingTimeoutSeconds: 5,
  /** Token tags remembered for replay detection; oldest evicted first (tokens also expire). */
  maxTokenEntries: 4096,
  /** Default maximum number of connected clients. */
  maxClients: 64,
} as const;
