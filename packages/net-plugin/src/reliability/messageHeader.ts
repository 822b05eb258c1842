/**
 * The header in front of each message inside a packet (docs/PROTOCOL.md, "Message header"):
 * a prefix byte with the channel index and a fragment flag, the 16-bit message id (reliable) or
 * sequence (unreliable-sequenced), fragment index and count (fragments only), and the length as a
 * varuint. An unreliable message under 128 bytes costs 2 bytes; under 16 KiB, 3.
 */
import type { BitReader } from "../protocol/bitReader";
import type { BitWriter } from "../protocol/bitWriter";
import { Wire } from "../protocol/constants";
import { ChannelKind, isReliable, MAX_UNRELIABLE_MESSAGE_BYTES } from "./channels";

/** Prefix-byte layout of a message header. */
export const MessagePrefix = {
  /** Bits 0..3: the channel index. */
  channelMask: 0x0f,
  /** Bit 4: this message is one fragment of a larger reliable message. */
  fragment: 0x10,
  /** Bits 5..7 must be zero. */
  reserved: 0xe0,
} as const;

/** A decoded message header (reused; decoding fills it in place). */
export interface MessageHeader {
  channel: number;
  /** Message id (reliable), sequence (unreliable-sequenced), or 0 (unreliable). */
  id: number;
  /** Fragment index, or 0 when not a fragment. */
  fragmentIndex: number;
  /** Fragment count (2..Wire.maxFragments), or 0 when not a fragment. */
  fragmentCount: number;
  /** Payload bytes that follow the header. */
  length: number;
}

/** A zeroed header to fill with {@link readMessageHeader}. */
export function createMessageHeader(): MessageHeader {
  return { channel: 0, id: 0, fragmentIndex: 0, fragmentCount: 0, length: 0 };
}

/** Bytes a varuint of `n` takes. */
export function varUintBytes(n: number): number {
  let bytes = 1;
  for (let rest = n; rest >= 0x80; rest = Math.floor(rest / 128)) bytes++;
  return bytes;
}

/** True for kinds whose header carries a 16-bit id. */
function hasId(kind: ChannelKind): boolean {
  return kind !== ChannelKind.Unreliable;
}

/** Bytes the header of a message takes. */
export function messageHeaderBytes(kind: ChannelKind, h: MessageHeader): number {
  let bytes = 1 + (hasId(kind) ? 2 : 0) + varUintBytes(h.length);
  if (h.fragmentCount > 0) bytes += varUintBytes(h.fragmentIndex) + varUintBytes(h.fragmentCount);
  return bytes;
}

/** Writes a message header (byte-aligned). */
export function writeMessageHeader(w: BitWriter, kind: ChannelKind, h: MessageHeader): void {
  w.writeUint8(h.channel | (h.fragmentCount > 0 ? MessagePrefix.fragment : 0));
  if (hasId(kind)) w.writeUint16(h.id);
  if (h.fragmentCount > 0) {
    w.writeVarUint(h.fragmentIndex);
    w.writeVarUint(h.fragmentCount);
  }
  w.writeVarUint(h.length);
}

/**
 * Reads a message header for a connection whose channels have `kinds`. Returns false (never
 * throws) on an unknown channel, reserved bits, a fragment on an unreliable channel, a fragment
 * index/count/size out of range, or a length past the end of the packet or over the kind's limit.
 */
export function readMessageHeader(r: BitReader, kinds: readonly ChannelKind[], out: MessageHeader): boolean {
  const prefix = r.readUint8();
  const channel = prefix & MessagePrefix.channelMask;
  const kind = kinds[channel];
  if (r.overflowed || kind === undefined || (prefix & MessagePrefix.reserved) !== 0) return false;
  const fragment = (prefix & MessagePrefix.fragment) !== 0;
  if (fragment && !isReliable(kind)) return false;
  out.channel = channel;
  out.id = hasId(kind) ? r.readUint16() : 0;
  out.fragmentIndex = fragment ? r.readVarUint() : 0;
  out.fragmentCount = fragment ? r.readVarUint() : 0;
  out.length = r.readVarUint();
  if (r.overflowed || out.length * 8 > r.bitsRemaining) return false;
  if (!fragment) return out.length <= (isReliable(kind) ? Wire.fragmentBytes : MAX_UNRELIABLE_MESSAGE_BYTES);
  if (out.fragmentCount < 2 || out.fragmentCount > Wire.maxFragments) return false;
  if (out.fragmentIndex >= out.fragmentCount) return false;
  // Every fragment but the last is exactly fragmentBytes; the last is 1..fragmentBytes.
  return out.fragmentIndex === out.fragmentCount - 1
    ? out.length > 0 && out.length <= Wire.fragmentBytes
    : out.length === Wire.fragmentBytes;
}
