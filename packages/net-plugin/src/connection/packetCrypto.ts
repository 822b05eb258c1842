/**
 * Encrypted connection packets (netcode.io style): `prefix | sequence (1–8 bytes, LE) |
 * ChaCha20-Poly1305(payload) | 16-byte tag`. The prefix holds the packet type (low 4 bits) and the
 * number of sequence bytes (high 4 bits). The nonce is 4 zero bytes + the 64-bit sequence, so each
 * direction's key never reuses a nonce; the associated data binds version info, protocol id and
 * the prefix. Opening never throws: forged, truncated or corrupted packets return `undefined`.
 */
import { ConnectTokenConstants } from "../protocol/connectToken";
import { nobleAead, type PacketAead } from "./aead";
import { ConnectionWire, PacketType, type PacketTypeValue } from "./constants";

/** An opened packet. The object is reused by the next `open` call: copy what you keep. */
export interface OpenedPacket {
  type: PacketTypeValue;
  sequence: number;
  payload: Uint8Array;
}

const TWO_32 = 4294967296;

/** Seals and opens encrypted packets for one protocol id; holds its own scratch buffers. */
export class PacketCipher {
  private readonly aad = new Uint8Array(ConnectionWire.aadBytes);
  private readonly nonce = new Uint8Array(12);
  private readonly nonceView = new DataView(this.nonce.buffer);
  private readonly opened: OpenedPacket = {
    type: PacketType.payload,
    sequence: 0,
    payload: new Uint8Array(0),
  };

  constructor(
    protocolId: bigint,
    private readonly aead: PacketAead = nobleAead,
  ) {
    this.aad.set(ConnectTokenConstants.VERSION_INFO, 0);
    new DataView(this.aad.buffer).setBigUint64(8, protocolId, true);
  }

  /** Builds an encrypted packet of `type` with `sequence` (0..2^53-1) under `key`. */
  seal(type: PacketTypeValue, sequence: number, payload: Uint8Array, key: Uint8Array): Uint8Array {
    if (!Number.isSafeInteger(sequence) || sequence < 0) {
      throw new RangeError(
        `PacketCipher.seal: sequence must be a non-negative safe integer, got ${sequence}.`,
      );
    }
    const seqBytes = sequenceByteCount(sequence);
    const prefix = type | (seqBytes << 4);
    const headerBytes = 1 + seqBytes;
    const packet = new Uint8Array(headerBytes + payload.length + ConnectionWire.macBytes);
    packet[0] = prefix;
    let s = sequence;
    for (let i = 0; i < seqBytes; i++) {
      packet[1 + i] = s % 256;
      s = Math.floor(s / 256);
    }
    this.setNonce(sequence);
    this.aad[16] = prefix;
    const sealed = this.aead.seal(key, this.nonce, this.aad, payload);
    packet.set(sealed, headerBytes);
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
    if (seqBytes < 1 || seqBytes > 7) return undefined; // 7 bytes cover every safe integer sequence
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
    const payload = this.aead.open(key, this.nonce, this.aad, packet.subarray(1 + seqBytes));
    if (payload === undefined) return undefined;
    header.payload = payload;
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
