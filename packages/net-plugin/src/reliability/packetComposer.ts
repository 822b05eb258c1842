/**
 * Builds outgoing packets: messages are appended to an open packet until it is full (MTU bytes
 * or `Buffers.maxMessagesPerPacket` messages), then the header with the current acks is written
 * in front and the packet goes to `transmit`. Each write has a packet budget; every buffer is
 * preallocated and reused. Messages are written after `Wire.maxPacketHeaderBytes` of room, and
 * the header (4–9 bytes, known only at the end) is copied right in front of them, so the payload
 * is never copied a second time.
 */
import { BitWriter } from "../protocol/bitWriter";
import { ViewCache } from "../protocol/viewCache";
import { Buffers, Wire } from "../protocol/constants";
import type { Seq16 } from "../protocol/seq16";
import type { ChannelKind } from "./channels";
import type { ReliableCounters } from "./endpointCounters";
import type { LinkEstimator } from "./linkEstimator";
import { messageHeaderBytes, writeMessageHeader, type MessageHeader } from "./messageHeader";
import { createPacketHeader, writePacketHeader } from "./packetHeader";
import type { SentPacket } from "./packetRecords";
import type { ReceivedPackets } from "./receivedPackets";
import type { SentPackets } from "./sentPackets";

/** Packs messages into packets and transmits them. */
export class PacketComposer {
  /** The packet: header room, then the messages (capacity: the MTU payload). */
  private readonly payload = new BitWriter(Wire.mtuPayloadBytes);
  /** The header, written when the packet is flushed. */
  private readonly headerBytes = new BitWriter(Wire.maxPacketHeaderBytes);
  /** Exact views of finished packets (by start and length), so the next layer copies natively. */
  private readonly packetViews = new ViewCache(this.payload.bytes);
  private readonly header = createPacketHeader();
  private open: SentPacket | undefined;
  /** Packets transmitted since `start`. */
  written = 0;
  /** Packets this write may transmit in total. */
  limit = 0;
  /**
   * Time stamped on packets (seconds). Tagged on purpose, like ReliableEndpoint's `now`: declared
   * without an initialiser, it keeps the caller's boxed number, so handing it on allocates nothing.
   */
  now: number;

  constructor(
    private readonly sent: SentPackets,
    private readonly received: ReceivedPackets,
    private readonly estimator: LinkEstimator,
    private readonly counters: ReliableCounters,
    private readonly transmit: (buffer: Uint8Array, offset: number, length: number) => void,
  ) {
    this.now = 0;
  }

  /** Starts a write at `now` (seconds). */
  start(now: number): void {
    this.now = now;
    this.written = 0;
  }

  /**
   * Adds message `m` with payload `src[offset, offset + m.length)` to the open packet (opening one
   * if needed); `id` and `ticket` are recorded for the ack. False, and nothing added, when the
   * budget is spent.
   */
  append(
    kind: ChannelKind,
    m: MessageHeader,
    src: Uint8Array,
    offset: number,
    id: number,
    ticket: number,
  ): boolean {
    const need = messageHeaderBytes(kind, m) + m.length;
    if (
      this.open &&
      (this.payload.bytesWritten + need > this.payload.capacityBytes ||
        this.open.messageCount === Buffers.maxMessagesPerPacket)
    ) {
      this.flush();
    }
    if (!this.open) {
      if (this.written >= this.limit) return false;
      this.begin(true);
    }
    const p = this.open as SentPacket;
    writeMessageHeader(this.payload, kind, m);
    this.payload.writeByteRange(src, offset, m.length);
    p.channel[p.messageCount] = m.channel;
    p.id[p.messageCount] = id;
    p.ticket[p.messageCount] = ticket;
    p.messageCount++;
    return true;
  }

  /** Transmits the open packet, if any. */
  finish(): void {
    if (this.open) this.flush();
  }

  /** Transmits a packet with only the header, to acknowledge what we received. */
  writeAckOnly(): void {
    this.begin(false);
    this.flush();
  }

  /** Drops an open packet (on endpoint reset). */
  reset(): void {
    this.open = undefined;
    this.written = 0;
  }

  private begin(hasPayload: boolean): void {
    this.open = this.sent.begin(this.now, hasPayload);
    this.payload.resetAt(Wire.maxPacketHeaderBytes);
  }

  private flush(): void {
    const p = this.open as SentPacket;
    const h = this.header;
    h.sequence = this.sent.sequence as Seq16;
    this.received.writeAcks(h);
    const hw = this.headerBytes;
    hw.reset();
    writePacketHeader(hw, h);
    const headerLength = hw.bytesWritten;
    const start = Wire.maxPacketHeaderBytes - headerLength;
    const packet = this.payload.bytes;
    const header = hw.bytes;
    for (let i = 0; i < headerLength; i++) packet[start + i] = header[i] as number;
    const length = this.payload.bytesWritten - start;
    p.bytes = length;
    this.open = undefined;
    this.sent.commit();
    this.written++;
    this.received.owed = 0;
    this.counters.packetsSent++;
    if (!p.hasPayload) this.counters.ackPacketsSent++;
    this.estimator.countSent(length);
    this.transmit(this.packetViews.get(start, length), 0, length);
  }
}
