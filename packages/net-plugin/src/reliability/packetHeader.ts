/**
 * The reliability header at the front of every packet (docs/PROTOCOL.md, "Packet header"): this
 * packet's 16-bit sequence, the newest sequence received from the peer (`ack`) and a 32-bit
 * bitfield for the 32 packets before it. Compact like reliable.io: a prefix byte says which
 * ack-bitfield bytes are all ones (omitted) and whether `ack` fits as a one-byte distance from
 * `sequence`, so a healthy link pays 4 bytes and the worst case is 9.
 */
import type { BitReader } from "../protocol/bitReader";
import type { BitWriter } from "../protocol/bitWriter";
import { asSeq16, type Seq16 } from "../protocol/seq16";

/** Prefix-byte flags. Bits 0..3: ack-bitfield byte i is present (it is not 0xff). */
export const PacketPrefix = {
  /** Ack-bitfield byte 0 (packets ack-1..ack-8) follows; absent means 0xff. */
  ackByte0: 0x01,
  /** `ack` is written as one byte `(sequence - ack) & 0xffff` in 0..255 instead of 16 bits. */
  ackIsDelta: 0x10,
  /** The packet carries acks (clear only before anything was received from the peer). */
  hasAcks: 0x20,
  /** Bits that must be zero; a packet with any of them set is invalid. */
  reserved: 0xc0,
} as const;

/** A decoded packet header (reuse one object; decoding fills it in place). */
export interface PacketHeader {
  sequence: Seq16;
  /** False when the sender had not received anything yet: `ack` and `ackBits` mean nothing. */
  hasAcks: boolean;
  /** Newest packet sequence the sender has received from us. */
  ack: Seq16;
  /** Bit i set ⇒ packet `ack - 1 - i` was received too (i = 0..31). */
  ackBits: number;
}

/** A zeroed header to fill with {@link readPacketHeader}. */
export function createPacketHeader(): PacketHeader {
  return { sequence: asSeq16(0), hasAcks: false, ack: asSeq16(0), ackBits: 0 };
}

/** Writes `h` byte-aligned at the writer's position (4..9 bytes). */
export function writePacketHeader(w: BitWriter, h: PacketHeader): void {
  let prefix = 0;
  const delta = (h.sequence - h.ack) & 0xffff;
  const bits = h.ackBits >>> 0;
  if (h.hasAcks) {
    prefix |= PacketPrefix.hasAcks;
    for (let i = 0; i < 4; i++) {
      if (((bits >>> (i * 8)) & 0xff) !== 0xff) prefix |= PacketPrefix.ackByte0 << i;
    }
    if (delta <= 0xff) prefix |= PacketPrefix.ackIsDelta;
  }
  w.writeUint8(prefix);
  w.writeUint16(h.sequence);
  if (!h.hasAcks) return;
  if (delta <= 0xff) w.writeUint8(delta);
  else w.writeUint16(h.ack);
  for (let i = 0; i < 4; i++) {
    if (prefix & (PacketPrefix.ackByte0 << i)) w.writeUint8((bits >>> (i * 8)) & 0xff);
  }
}

/**
 * Reads a header into `out`. Returns false (never throws) for a truncated header, reserved bits,
 * or ack flags on a packet that says it carries no acks.
 */
export function readPacketHeader(r: BitReader, out: PacketHeader): boolean {
  const prefix = r.readUint8();
  out.sequence = asSeq16(r.readUint16());
  if (r.overflowed || (prefix & PacketPrefix.reserved) !== 0) return false;
  out.hasAcks = (prefix & PacketPrefix.hasAcks) !== 0;
  if (!out.hasAcks) {
    out.ack = asSeq16(0);
    out.ackBits = 0;
    return (prefix & 0x1f) === 0;
  }
  out.ack =
    prefix & PacketPrefix.ackIsDelta ? asSeq16(out.sequence - r.readUint8()) : asSeq16(r.readUint16());
  let bits = 0;
  for (let i = 0; i < 4; i++) {
    const byte = prefix & (PacketPrefix.ackByte0 << i) ? r.readUint8() : 0xff;
    bits |= byte << (i * 8);
  }
  out.ackBits = bits >>> 0;
  return !r.overflowed;
}
