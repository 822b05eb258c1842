/**
 * Connect tokens (after netcode.io's STANDARD.md): an issuer that shares a 32-byte private key with
 * the game servers hands a client an opaque token. Its private part is sealed with
 * XChaCha20-Poly1305 under that key and bound (as associated data) to the protocol id and expiry;
 * inside it carry the client id, the server addresses it is valid for, the per-connection
 * client→server and server→client keys, the timeout and up to 256 bytes of user data. The public
 * part repeats what the client needs (addresses, keys, timeout). Byte layout: docs/PROTOCOL.md,
 * "Connection packets".
 *
 * Pure bytes and @noble crypto, so both `connection/` and `services/` import it. Reading remote
 * bytes never throws: malformed or forged input yields `undefined`.
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/ciphers/utils.js";

/** Sizes and limits of connect tokens, each with its reason. */
export const ConnectTokenConstants = {
  /** Version tag at the start of every token and request: "CANOPY1" + NUL (changes with the layout). */
  VERSION_INFO: new Uint8Array([0x43, 0x41, 0x4e, 0x4f, 0x50, 0x59, 0x31, 0x00]),
  /** Public token size, as netcode.io: fixed so a token never leaks how many addresses it holds. */
  TOKEN_BYTES: 2048,
  /** Sealed private part (plaintext + 16-byte tag); fits a 1400-byte datagram with the request header. */
  PRIVATE_BYTES: 1024,
  /** Poly1305 tag length. */
  MAC_BYTES: 16,
  /** XChaCha20 nonce: 24 random bytes, safe to draw at random per token. */
  NONCE_BYTES: 24,
  /** Per-connection symmetric key size (ChaCha20-Poly1305). */
  KEY_BYTES: 32,
  /** Shared issuer/server key size. */
  PRIVATE_KEY_BYTES: 32,
  /** Most server addresses per token (netcode.io allows 32; 8 keeps the private part in 1024 B). */
  MAX_SERVER_ADDRESSES: 8,
  /** Longest address, UTF-8 bytes: `udp://[ffff:…:ffff]:65535` is 47, `ws://host:port/path` fits. */
  MAX_ADDRESS_BYTES: 64,
  /** Largest user data blob (netcode.io's 256 bytes): enough for an account id and a few claims. */
  MAX_USER_DATA_BYTES: 256,
} as const;

const C = ConnectTokenConstants;
/** Offsets in the public token. */
const PUB = {
  protocolId: 8,
  createTimestamp: 16,
  expireTimestamp: 24,
  nonce: 32,
  privateToken: 56,
  timeoutSeconds: 56 + C.PRIVATE_BYTES,
  addresses: 60 + C.PRIVATE_BYTES,
} as const;
/** Associated data bound into the private part: version, protocol id, expiry. */
const AAD_BYTES = 24;
const MAX_UINT64 = (1n << 64n) - 1n;

/** What the issuer asks for when minting a token. */
export interface ConnectTokenRequest {
  /** 64-bit id of the game; servers reject tokens for another protocol. */
  protocolId: bigint | number;
  /** 64-bit client id (unique per user session; a server has one connection per client id). */
  clientId: bigint | number;
  /** Servers this token is valid for, in the order the client should try them (1..8). */
  serverAddresses: string[];
  /** Lifetime of the token in seconds from `nowSeconds` (typ. 30–300). */
  expireSeconds: number;
  /** Seconds of silence after which either side drops the connection (≥ 1). */
  timeoutSeconds: number;
  /** Opaque data the server receives on connect (≤ 256 bytes). */
  userData?: Uint8Array;
  /** Issue time, Unix seconds; defaults to the wall clock. */
  nowSeconds?: number;
}

/** A freshly minted token plus the secrets the issuer hands the client alongside it. */
export interface IssuedConnectToken {
  /** The opaque public token (2048 bytes) the client presents. */
  bytes: Uint8Array;
  clientToServerKey: Uint8Array;
  serverToClientKey: Uint8Array;
  /** Expiry, Unix seconds (integer). */
  expiresAt: number;
  clientId: bigint;
  serverAddresses: string[];
}

/** The public part of a token as a client reads it. */
export interface ConnectToken {
  bytes: Uint8Array;
  protocolId: bigint;
  createdAt: number;
  expiresAt: number;
  timeoutSeconds: number;
  serverAddresses: string[];
  clientToServerKey: Uint8Array;
  serverToClientKey: Uint8Array;
  /** Nonce of the sealed private part. */
  nonce: Uint8Array;
  /** The sealed private part, forwarded unchanged in the connection request. */
  privateToken: Uint8Array;
}

/** The private part as a server reads it after unsealing. */
export interface PrivateConnectToken {
  clientId: bigint;
  timeoutSeconds: number;
  serverAddresses: string[];
  clientToServerKey: Uint8Array;
  serverToClientKey: Uint8Array;
  userData: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Mints a connect token sealed with `privateKey` (32 bytes, shared by issuer and game servers). */
export function generateConnectToken(req: ConnectTokenRequest, privateKey: Uint8Array): IssuedConnectToken {
  if (privateKey.length !== C.PRIVATE_KEY_BYTES) {
    throw new RangeError(
      `generateConnectToken: privateKey must be ${C.PRIVATE_KEY_BYTES} bytes, got ${privateKey.length}.`,
    );
  }
  const protocolId = toUint64(req.protocolId, "protocolId");
  const clientId = toUint64(req.clientId, "clientId");
  const addresses = checkAddresses(req.serverAddresses);
  const serverAddresses = [...req.serverAddresses];
  if (!(req.expireSeconds > 0)) throw new RangeError("generateConnectToken: expireSeconds must be > 0.");
  if (!(req.timeoutSeconds >= 1) || req.timeoutSeconds > 0x7fffffff) {
    throw new RangeError("generateConnectToken: timeoutSeconds must be between 1 and 2^31-1.");
  }
  const userData = req.userData ?? new Uint8Array(0);
  if (userData.length > C.MAX_USER_DATA_BYTES) {
    throw new RangeError(
      `generateConnectToken: userData is ${userData.length} bytes; the limit is ${C.MAX_USER_DATA_BYTES}.`,
    );
  }
  const now = Math.floor(req.nowSeconds ?? Date.now() / 1000);
  const expiresAt = now + Math.ceil(req.expireSeconds);
  const timeoutSeconds = Math.ceil(req.timeoutSeconds);
  const clientToServerKey = randomBytes(C.KEY_BYTES);
  const serverToClientKey = randomBytes(C.KEY_BYTES);
  const nonce = randomBytes(C.NONCE_BYTES);

  const plain = new Uint8Array(C.PRIVATE_BYTES - C.MAC_BYTES);
  const pv = view(plain);
  pv.setBigUint64(0, clientId, true);
  pv.setUint32(8, timeoutSeconds, true);
  let at = writeAddresses(plain, 12, addresses);
  plain.set(clientToServerKey, at);
  plain.set(serverToClientKey, at + C.KEY_BYTES);
  at += 2 * C.KEY_BYTES;
  pv.setUint16(at, userData.length, true);
  plain.set(userData, at + 2);
  const sealed = xchacha20poly1305(privateKey, nonce, tokenAad(protocolId, expiresAt)).encrypt(plain);

  const bytes = new Uint8Array(C.TOKEN_BYTES);
  const bv = view(bytes);
  bytes.set(C.VERSION_INFO, 0);
  bv.setBigUint64(PUB.protocolId, protocolId, true);
  bv.setBigUint64(PUB.createTimestamp, BigInt(now), true);
  bv.setBigUint64(PUB.expireTimestamp, BigInt(expiresAt), true);
  bytes.set(nonce, PUB.nonce);
  bytes.set(sealed, PUB.privateToken);
  bv.setUint32(PUB.timeoutSeconds, timeoutSeconds, true);
  at = writeAddresses(bytes, PUB.addresses, addresses);
  bytes.set(clientToServerKey, at);
  bytes.set(serverToClientKey, at + C.KEY_BYTES);
  return { bytes, clientToServerKey, serverToClientKey, expiresAt, clientId, serverAddresses };
}

/** Reads the public part of a token (client side); `undefined` if the bytes are not a token. */
export function readConnectToken(bytes: Uint8Array): ConnectToken | undefined {
  if (bytes.length !== C.TOKEN_BYTES || !hasVersionInfo(bytes, 0)) return undefined;
  const v = view(bytes);
  const created = v.getBigUint64(PUB.createTimestamp, true);
  const expires = v.getBigUint64(PUB.expireTimestamp, true);
  if (expires > BigInt(Number.MAX_SAFE_INTEGER) || created > expires) return undefined;
  const addresses = readAddresses(bytes, PUB.addresses);
  if (addresses === undefined) return undefined;
  const at = addresses.end;
  return {
    bytes,
    protocolId: v.getBigUint64(PUB.protocolId, true),
    createdAt: Number(created),
    expiresAt: Number(expires),
    timeoutSeconds: v.getUint32(PUB.timeoutSeconds, true),
    serverAddresses: addresses.list,
    clientToServerKey: bytes.slice(at, at + C.KEY_BYTES),
    serverToClientKey: bytes.slice(at + C.KEY_BYTES, at + 2 * C.KEY_BYTES),
    nonce: bytes.slice(PUB.nonce, PUB.nonce + C.NONCE_BYTES),
    privateToken: bytes.slice(PUB.privateToken, PUB.privateToken + C.PRIVATE_BYTES),
  };
}

/**
 * Unseals a private token (server side). `undefined` when the key is wrong, the protocol id or
 * expiry differ from what was sealed, or the bytes were tampered with.
 */
export function openPrivateConnectToken(
  sealed: Uint8Array,
  nonce: Uint8Array,
  protocolId: bigint,
  expiresAt: number,
  privateKey: Uint8Array,
): PrivateConnectToken | undefined {
  if (sealed.length !== C.PRIVATE_BYTES || nonce.length !== C.NONCE_BYTES) return undefined;
  if (privateKey.length !== C.PRIVATE_KEY_BYTES) return undefined;
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(privateKey, nonce, tokenAad(protocolId, expiresAt)).decrypt(sealed);
  } catch {
    return undefined;
  }
  const v = view(plain);
  const addresses = readAddresses(plain, 12);
  if (addresses === undefined) return undefined;
  let at = addresses.end;
  const clientToServerKey = plain.slice(at, at + C.KEY_BYTES);
  const serverToClientKey = plain.slice(at + C.KEY_BYTES, at + 2 * C.KEY_BYTES);
  at += 2 * C.KEY_BYTES;
  const userLength = v.getUint16(at, true);
  if (userLength > C.MAX_USER_DATA_BYTES) return undefined;
  return {
    clientId: v.getBigUint64(0, true),
    timeoutSeconds: v.getUint32(8, true),
    serverAddresses: addresses.list,
    clientToServerKey,
    serverToClientKey,
    userData: plain.slice(at + 2, at + 2 + userLength),
  };
}

/** Base64 text of a token, for JSON (the services server sends tokens this way). */
export function encodeConnectToken(token: Uint8Array | IssuedConnectToken): string {
  const bytes = token instanceof Uint8Array ? token : token.bytes;
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x2000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  }
  return btoa(text);
}

/** Parses base64 token text (from JSON); `undefined` if it is not a valid token. */
export function decodeConnectToken(text: string): ConnectToken | undefined {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  if (binary.length !== C.TOKEN_BYTES) return undefined;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return readConnectToken(bytes);
}

/** True if `bytes[at..at+8]` is the current version tag. */
export function hasVersionInfo(bytes: Uint8Array, at: number): boolean {
  if (bytes.length < at + C.VERSION_INFO.length) return false;
  for (let i = 0; i < C.VERSION_INFO.length; i++) if (bytes[at + i] !== C.VERSION_INFO[i]) return false;
  return true;
}

function tokenAad(protocolId: bigint, expiresAt: number): Uint8Array {
  const aad = new Uint8Array(AAD_BYTES);
  aad.set(C.VERSION_INFO, 0);
  const v = view(aad);
  v.setBigUint64(8, protocolId, true);
  v.setBigUint64(16, BigInt(expiresAt), true);
  return aad;
}

function writeAddresses(out: Uint8Array, at: number, addresses: readonly Uint8Array[]): number {
  out[at++] = addresses.length;
  for (const a of addresses) {
    out[at++] = a.length;
    out.set(a, at);
    at += a.length;
  }
  return at;
}

function readAddresses(bytes: Uint8Array, at: number): { list: string[]; end: number } | undefined {
  const count = bytes[at++] ?? 0;
  if (count < 1 || count > C.MAX_SERVER_ADDRESSES) return undefined;
  const list: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = bytes[at++] ?? 0;
    if (length < 1 || length > C.MAX_ADDRESS_BYTES || at + length > bytes.length) return undefined;
    try {
      list.push(decoder.decode(bytes.subarray(at, at + length)));
    } catch {
      return undefined;
    }
    at += length;
  }
  if (at + 2 * C.KEY_BYTES > bytes.length) return undefined;
  return { list, end: at };
}

function checkAddresses(addresses: readonly string[]): Uint8Array[] {
  if (addresses.length < 1 || addresses.length > C.MAX_SERVER_ADDRESSES) {
    throw new RangeError(
      `generateConnectToken: serverAddresses needs 1..${C.MAX_SERVER_ADDRESSES} entries, got ${addresses.length}.`,
    );
  }
  const encoded = addresses.map((a) => {
    const b = encoder.encode(a);
    if (b.length < 1 || b.length > C.MAX_ADDRESS_BYTES) {
      throw new RangeError(
        `generateConnectToken: server address "${a}" must be 1..${C.MAX_ADDRESS_BYTES} UTF-8 bytes.`,
      );
    }
    return b;
  });
  return encoded;
}

function toUint64(value: bigint | number, name: string): bigint {
  const big = typeof value === "bigint" ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (big < 0n || big > MAX_UINT64) {
    throw new RangeError(
      `generateConnectToken: ${name} must be an unsigned 64-bit integer, got ${String(value)}.`,
    );
  }
  return big;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
