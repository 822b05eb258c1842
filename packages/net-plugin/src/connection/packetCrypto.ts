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
const SCRATCH_PAYLOAD_BYTES = 2048;

/** Seals and opens encrypted packets for one protocol id; holds its own scratch buffers. */
export class PacketCipher {
  private readonly aad = new Uint8Array(ConnectionWire.aadBytes);
  private readonly nonce = new Uint8Array(12);
  private readonly nonceView = new DataView(this.nonce.buffer);
  /** Outgoing packet under construction (prefix, sequence, ciphertext, tag). */
  private readonly sealScratch = new Uint8Array(
    1 + MAX_SEQUENCE_BYTES + SCRATCH_PAYLOAD_BYTES + ConnectionWire.macBytes,
  );
  /** Reused views of `sealScratch`: whole packets, and the ciphertext part after the header. */
  private readonly packetViews = new ViewCache(this.sealScratch);
  private readonly sealedViews = new ViewCache(this.sealScratch);
  /** Decrypted payloads; `sealScratch` and this never overlap, so a payload may be answered at once. */
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
   * next `seal`/`sealReused` call (send it at once: transports copy the bytes they are given).
   */
  sealReused(type: PacketTypeValue, sequence: number, payload: Uint8Array, key: Uint8Array): Uint8Array {
    if (!Number.isSafeInteger(sequence) || sequence < 0) {
      throw new RangeError(
        `PacketCipher.seal: sequence must be a non-negative safe integer, got ${sequence}.`,
      );
    }
    const seqBytes = sequenceByteCount(sequence);
    const prefix = type | (seqBytes << 4);
    const headerBytes = 1 + seqBytes;
    const total = headerBytes + payload.length + ConnectionWire.macBytes;
    const scratch = payload.length <= SCRATCH_PAYLOAD_BYTES;
    const packet = scratch ? this.packetViews.get(0, total) : new Uint8Array(total);
    packet[0] = prefix;
    let s = sequence;
    for (let i = 0; i < seqBytes; i++) {
      packet[1 + i] = s % 256;
      s = Math.floor(s / 256);
    }
    this.setNonce(sequence);
    this.aad[16] = prefix;
    const sealed = scratch
      ? this.sealedViews.get(headerBytes, total - headerBytes)
      : packet.subarray(headerBytes);
    this.aead.seal(key, this.nonce, this.aad, payload, sealed);
    return packet;
  }

  /**
   * Reads the type and sequence without decrypting (for the replay check before the cost of
   * decryption); `undefined` if the header is malformed. Reuses the returned object.
   */
  peek(packet: Uint8Array): OpenedPacket | undefined {
    if (packet.length < 2) return undefined;
    const prefix = packet[0] ?? 0;
    const type = prefix & 0x0f;
    const seqBytes = prefix >> 4;
    if (type < PacketType.challenge || type > PacketType.disconnect) return undefined;
    if (seqBytes < 1 || seqBytes > MAX_SEQUENCE_BYTES) return undefined;
    if (packet.length < 1 + seqBytes + ConnectionWire.macBytes) return undefined;
    let sequence = 0;
    for (let i = seqBytes - 1; i >= 0; i--) sequence = sequence * 256 + (packet[1 + i] ?? 0);
    if (!Number.isSafeInteger(sequence)) return undefined;
    this.opened.type = type as PacketTypeValue;
    this.opened.sequence = sequence;
    return this.opened;
  }

  /** Authenticates and decrypts `packet` under `key`; `undefined` if anything is wrong. */
  open(packet: Uint8Array, key: Uint8Array): OpenedPacket | undefined {
    const header = this.peek(packet);
    if (header === undefined) return undefined;
    const seqBytes = (packet[0] ?? 0) >> 4;
    this.setNonce(header.sequence);
    this.aad[16] = packet[0] ?? 0;
    const sealed = packet.subarray(1 + seqBytes);
    const length = sealed.length - ConnectionWire.macBytes;
    const output = length <= SCRATCH_PAYLOAD_BYTES ? this.openViews.get(0, length) : undefined;
    const payload = this.aead.open(key, this.nonce, this.aad, sealed, output);
    if (payload === undefined) return undefined;
    header.payload = payload;
    header.buffer = payload === output ? this.openScratch : payload;
    header.offset = 0;
    header.length = payload.length;
    return header;
  }

  private setNonce(sequence: number): void {
    this.nonceView.setUint32(0, 0, true);
    this.nonceView.setUint32(4, sequence % TWO_32, true);
    this.nonceView.setUint32(8, Math.floor(sequence / TWO_32), true);
  }
}

/** Bytes needed for `sequence` on the wire (1..7). */
export function sequenceByteCount(sequence: number): number {
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
