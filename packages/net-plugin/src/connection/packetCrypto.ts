/**
 * Encrypted connection packets (netcode.io style): `prefix | sequence (1–8 bytes, LE) |
 * ChaCha20-Poly1305(payload) | 16-byte tag`. The prefix holds the packet type (low 4 bits) and the
 * number of sequence bytes (high 4 bits). The nonce is 4 zero bytes + the 64-bit sequence, so each
 * direction's key never reuses a nonce; the associated data binds version info, protocol id and
 * the prefix. Opening never throws: forged, truncated or corrupted packets return `undefined`.
 */
import { ConnectTokenConstants } from "../protocol/connectToken";
import { ViewCache } from "../protocol/viewCache";
import { nobleAead, type PacketAead } from "./aead";
import { ConnectionWire, PacketType, type PacketTypeValue } from "./constants";

/**
 * An opened packet. The object and its `payload` bytes (a scratch buffer of the cipher) are reused
 * by the next `open` call: copy what you keep.
 */
export interface OpenedPacket {
  type: PacketTypeValue;
  sequence: number;
  /** The decrypted payload (a view, cached by length, of `buffer[offset, offset + length)`). */
  payload: Uint8Array;
  /** Storage holding the payload, for readers that take a range instead of a view. */
  buffer: Uint8Array;
  offset: number;
  length: number;
}

const TWO_32 = 4294967296;
/** Largest sequence field (7 bytes cover every safe-integer sequence). */
const MAX_SEQUENCE_BYTES = 7;
/**
 * Scratch capacity for payloads sealed or opened without allocating: a whole reliability packet
 * (`ConnectionWire.maxPayloadBytes`, the largest a correct peer sends after the handshake) with
 * room to spare; anything larger falls back to a fresh allocation.
 */
export const SCRATCH_PAYLOAD_BYTES = 2048;

/** Seals and opens encrypted packets for one protocol id; holds its own scratch buffers. */
export class PacketCipher {
  private readonly aad = new Uint8Array(ConnectionWire.aadBytes);
  private readonly nonce = new Uint8Array(12);
  private readonly nonceView = new DataView(this.nonce.buffer);
  /**
   * Outgoing packet under construction (prefix, sequence, ciphertext, tag): after
   * {@link PacketCipher.sealInto} the packet is `sealed[0, length)`.
   */
  readonly sealed = new Uint8Array(1 + MAX_SEQUENCE_BYTES + SCRATCH_PAYLOAD_BYTES + ConnectionWire.macBytes);
  /** Reused views of `sealed`: whole packets, and the ciphertext part after the header. */
  private readonly packetViews = new ViewCache(this.sealed);
  private readonly sealedViews = new ViewCache(this.sealed);
  /** Decrypted payloads; `sealed` and this never overlap, so a payload may be answered at once. */
  private readonly openScratch = new Uint8Array(SCRATCH_PAYLOAD_BYTES);
  private readonly openViews = new ViewCache(this.openScratch);
  private readonly opened: OpenedPacket = {
    type: PacketType.payload,
    sequence: 0,
    payload: new Uint8Array(0),
    buffer: new Uint8Array(0),
    offset: 0,
    length: 0,
  };

  constructor(
    protocolId: bigint,
    private readonly aead: PacketAead = nobleAead,
  ) {
    this.aad.set(ConnectTokenConstants.VERSION_INFO, 0);
    new DataView(this.aad.buffer).setBigUint64(8, protocolId, true);
  }

  /** Builds an encrypted packet of `type` with `sequence` (0..2^53-1) under `key`; a fresh array. */
  seal(type: PacketTypeValue, sequence: number, payload: Uint8Array, key: Uint8Array): Uint8Array {
    return this.sealReused(type, sequence, payload, key).slice();
  }

  /**
   * Like {@link seal}, but the packet is a view of this cipher's scratch buffer, valid until the
   * next `seal`/`sealReused`/`sealInto` call (send it at once: transports copy the bytes they are given).
   */
  sealReused(type: PacketTypeValue, sequence: number, payload: Uint8Array, key: Uint8Array): Uint8Array {
    if (payload.length > SCRATCH_PAYLOAD_BYTES) return this.sealFresh(type, sequence, payload, key);
    const total = this.sealInto(type, sequence, payload, 0, payload.length, key);
    return this.packetViews.get(0, total);
  }

  /** `sealed[0, length)` as a view cached by length (no allocation once a length was seen). */
  sealedView(length: number): Uint8Array {
    return this.packetViews.get(0, length);
  }

  /**
   * Seals `payload[offset, offset + length)` (at most `SCRATCH_PAYLOAD_BYTES`, else throws) into
   * {@link PacketCipher.sealed} and returns the packet's length: no allocation with an AEAD that
   * has the range methods (libsodium's, the no-op test AEAD).
   */
  sealInto(
    type: PacketTypeValue,
    sequence: number,
    payload: Uint8Array,
    offset: number,
    length: number,
    key: Uint8Array,
  ): number {
    if (length > SCRATCH_PAYLOAD_BYTES) {
      throw new RangeError(
        `PacketCipher.sealInto: payload of ${length} bytes is over ${SCRATCH_PAYLOAD_BYTES}; use seal().`,
      );
    }
    const headerBytes = this.writeHeader(this.sealed, type, sequence);
    const total = headerBytes + length + ConnectionWire.macBytes;
    const aead = this.aead;
    if (aead.sealRange !== undefined) {
      aead.sealRange(key, this.nonce, this.aad, payload, offset, length, this.sealed, headerBytes);
    } else {
      const plain =
        offset === 0 && length === payload.length ? payload : payload.subarray(offset, offset + length);
      aead.seal(key, this.nonce, this.aad, plain, this.sealedViews.get(headerBytes, total - headerBytes));
    }
    return total;
  }

  /**
   * Reads the type and sequence of `packet[offset, offset + length)` (default: all of it) without
   * decrypting (for the replay check before the cost of decryption); `undefined` if the header is
   * malformed. Reuses the returned object.
   */
  peek(packet: Uint8Array, offset = 0, length: number = packet.length - offset): OpenedPacket | undefined {
    if (length < 2) return undefined;
    const prefix = packet[offset] ?? 0;
    const type = prefix & 0x0f;
    const seqBytes = prefix >> 4;
    if (type < PacketType.challenge || type > PacketType.disconnect) return undefined;
    if (seqBytes < 1 || seqBytes > MAX_SEQUENCE_BYTES) return undefined;
    if (length < 1 + seqBytes + ConnectionWire.macBytes) return undefined;
    let sequence = 0;
    for (let i = seqBytes - 1; i >= 0; i--) sequence = sequence * 256 + (packet[offset + 1 + i] ?? 0);
    if (!Number.isSafeInteger(sequence)) return undefined;
    this.opened.type = type as PacketTypeValue;
    this.opened.sequence = sequence;
    return this.opened;
  }

  /**
   * Authenticates and decrypts `packet[offset, offset + length)` (default: all of it) under `key`;
   * `undefined` if anything is wrong. The result and its payload are reused by the next call.
   */
  open(
    packet: Uint8Array,
    key: Uint8Array,
    offset = 0,
    length: number = packet.length - offset,
  ): OpenedPacket | undefined {
    const header = this.peek(packet, offset, length);
    if (header === undefined) return undefined;
    const prefix = packet[offset] ?? 0;
    const headerBytes = 1 + (prefix >> 4);
    this.setNonce(header.sequence);
    this.aad[16] = prefix;
    const sealedLength = length - headerBytes;
    const plainLength = sealedLength - ConnectionWire.macBytes;
    const aead = this.aead;
    if (plainLength <= SCRATCH_PAYLOAD_BYTES && aead.openRange !== undefined) {
      const n = aead.openRange(
        key,
        this.nonce,
        this.aad,
        packet,
        offset + headerBytes,
        sealedLength,
        this.openScratch,
        0,
      );
      if (n < 0) return undefined;
      header.buffer = this.openScratch;
      header.payload = this.openViews.get(0, n);
    } else {
      const sealed = packet.subarray(offset + headerBytes, offset + length);
      const output = plainLength <= SCRATCH_PAYLOAD_BYTES ? this.openViews.get(0, plainLength) : undefined;
      const payload = aead.open(key, this.nonce, this.aad, sealed, output);
      if (payload === undefined) return undefined;
      header.payload = payload;
      header.buffer = payload === output ? this.openScratch : payload;
    }
    header.offset = 0;
    header.length = header.payload.length;
    return header;
  }

  /** A large packet (over the scratch size): fresh arrays. */
  private sealFresh(
    type: PacketTypeValue,
    sequence: number,
    payload: Uint8Array,
    key: Uint8Array,
  ): Uint8Array {
    const packet = new Uint8Array(1 + MAX_SEQUENCE_BYTES + payload.length + ConnectionWire.macBytes);
    const headerBytes = this.writeHeader(packet, type, sequence);
    const total = headerBytes + payload.length + ConnectionWire.macBytes;
    this.aead.seal(key, this.nonce, this.aad, payload, packet.subarray(headerBytes, total));
    return packet.subarray(0, total);
  }

  /** Writes prefix and sequence into `packet`, sets nonce and aad; returns the header's bytes. */
  private writeHeader(packet: Uint8Array, type: PacketTypeValue, sequence: number): number {
    if (!Number.isSafeInteger(sequence) || sequence < 0) {
      throw new RangeError(
        `PacketCipher.seal: sequence must be a non-negative safe integer, got ${sequence}.`,
      );
    }
    const seqBytes = sequenceByteCount(sequence);
    const prefix = type | (seqBytes << 4);
    packet[0] = prefix;
    if (sequence <= 0xffffffff) {
      for (let i = 0; i < seqBytes; i++) packet[1 + i] = (sequence >>> (8 * i)) & 0xff;
    } else {
      let s = sequence;
      for (let i = 0; i < seqBytes; i++) {
        packet[1 + i] = s % 256;
        s = Math.floor(s / 256);
      }
    }
    this.setNonce(sequence);
    this.aad[16] = prefix;
    return 1 + seqBytes;
  }

  private setNonce(sequence: number): void {
    this.nonceView.setUint32(0, 0, true);
    this.nonceView.setUint32(4, sequence % TWO_32, true);
    this.nonceView.setUint32(8, Math.floor(sequence / TWO_32), true);
  }
}

/** Bytes needed for `sequence` on the wire (1..7). */
export function sequenceByteCount(sequence: number): number {
  // The common case without division: sequences below 2^24 (a 60 Hz link runs ~3 days on them).
  if (sequence < 0x100) return 1;
  if (sequence < 0x10000) return 2;
  if (sequence < 0x1000000) return 3;
  let bytes = 1;
  let s = Math.floor(sequence / 256);
  while (s > 0) {
    bytes++;
    s = Math.floor(s / 256);
  }
  return bytes;
}

/** Wire overhead of an encrypted packet with `sequence`: prefix + sequence bytes + tag. */
export function encryptionOverhead(sequence: number): number {
  return 1 + sequenceByteCount(sequence) + ConnectionWire.macBytes;
}
