/**
 * Reads a reliability-layer packet for the packet log: header fields and each message's channel
 * and size. Only runs when logging is on; never throws (a malformed packet logs what was readable).
 */
import { BitReader } from "../protocol/bitReader";
import type { ChannelKind } from "../reliability/channels";
import { createMessageHeader, readMessageHeader } from "../reliability/messageHeader";
import { createPacketHeader, readPacketHeader } from "../reliability/packetHeader";
import type { PacketLogRecord } from "./packetLog";

const reader = new BitReader();
const header = createPacketHeader();
const message = createMessageHeader();
/** Most messages described per packet (the reliability layer allows 64). */
const MAX_DESCRIBED = 64;

/** Fills `record.header` and `record.messages` from the payload packet `bytes`. */
export function describePayload(
  bytes: Uint8Array,
  kinds: readonly ChannelKind[],
  record: PacketLogRecord,
): void {
  reader.reset(bytes);
  if (!readPacketHeader(reader, header)) return;
  record.header = {
    sequence: header.sequence,
    ack: header.hasAcks ? header.ack : -1,
    ackBits: header.ackBits,
  };
  const messages: { channel: number; size: number }[] = [];
  while (reader.bitsRemaining > 0 && messages.length < MAX_DESCRIBED) {
    if (!readMessageHeader(reader, kinds, message)) break;
    reader.readBytes(message.length);
    if (reader.overflowed) break;
    messages.push({ channel: message.channel, size: message.length });
  }
  record.messages = messages;
}
