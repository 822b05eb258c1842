/**
 * The message headers of one received packet, validated all together before any message is
 * applied: a packet with one bad header is dropped whole (check on read). Preallocated arrays,
 * reused for every packet.
 */
import type { BitReader } from "../protocol/bitReader";
import { Buffers } from "../protocol/constants";
import type { ChannelKind } from "./channels";
import { createMessageHeader, readMessageHeader } from "./messageHeader";

/** Where each message of the current packet sits, and its header fields. */
export class ScannedMessages {
  readonly channel = new Uint8Array(Buffers.maxMessagesPerPacket);
  readonly id = new Uint16Array(Buffers.maxMessagesPerPacket);
  readonly fragmentIndex = new Uint16Array(Buffers.maxMessagesPerPacket);
  readonly fragmentCount = new Uint16Array(Buffers.maxMessagesPerPacket);
  /** Byte offset of each payload in the packet. */
  readonly start = new Uint32Array(Buffers.maxMessagesPerPacket);
  readonly length = new Uint32Array(Buffers.maxMessagesPerPacket);
  private readonly header = createMessageHeader();

  /** Reads every message header up to the end of the packet; the count, or −1 if any is invalid. */
  scan(r: BitReader, kinds: readonly ChannelKind[]): number {
    const m = this.header;
    let count = 0;
    while (r.bitsRemaining > 0) {
      if (count === Buffers.maxMessagesPerPacket || !readMessageHeader(r, kinds, m)) return -1;
      this.channel[count] = m.channel;
      this.id[count] = m.id;
      this.fragmentIndex[count] = m.fragmentIndex;
      this.fragmentCount[count] = m.fragmentCount;
      this.start[count] = r.bitsRead >>> 3;
      this.length[count] = m.length;
      r.skipBytes(m.length);
      count++;
    }
    return r.overflowed ? -1 : count;
  }
}
