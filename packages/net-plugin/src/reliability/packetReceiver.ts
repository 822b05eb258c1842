/**
 * The receive side of a ReliableEndpoint: parses one packet (header, then every message header
 * before any message is applied), processes its acks (RTT samples, released messages,
 * `onMessageAcked`) and hands each message to its channel. Never throws on remote bytes.
 */
import { BitReader } from "../protocol/bitReader";
import { Buffers, Wire } from "../protocol/constants";
import { asSeq16, seqDiff, type Seq16 } from "../protocol/seq16";
import type { ChannelState } from "./channelState";
import { ChannelKind } from "./channels";
import type { ReliableCounters } from "./endpointCounters";
import type { LinkEstimator } from "./linkEstimator";
import type { PacketComposer } from "./packetComposer";
import { createPacketHeader, readPacketHeader } from "./packetHeader";
import type { ReceiveBudget } from "./receiveBudget";
import type { ReceivedPackets } from "./receivedPackets";
import { Accept } from "./reliableReceiver";
import { ScannedMessages } from "./scannedMessages";
import type { SentPackets } from "./sentPackets";

/** The endpoint state the receive side reads and updates. */
export interface ReceiverContext {
  readonly channels: readonly ChannelState[];
  readonly kinds: readonly ChannelKind[];
  readonly budget: ReceiveBudget;
  readonly counters: ReliableCounters;
  readonly sent: SentPackets;
  readonly received: ReceivedPackets;
  readonly estimator: LinkEstimator;
  /** Sends the ack-only packet owed after `Buffers.ackEveryPackets` packets. */
  readonly composer: PacketComposer;
  readonly onPacketAcked: ((sequence: Seq16) => void) | undefined;
  readonly onMessageAcked: ((channel: number, ticket: number) => void) | undefined;
}

/** Parses and applies received packets for one endpoint (scratch reused for every packet). */
export class PacketReceiver {
  private readonly reader = new BitReader();
  private readonly header = createPacketHeader();
  private readonly scanned = new ScannedMessages();
  /** Time of the packet being processed; tagged on purpose (see ReliableEndpoint's `now`). */
  private now: number;

  constructor(private readonly e: ReceiverContext) {
    this.now = 0;
  }

  /** Processes `bytes[offset, offset + length)` received at `now` (see ReliableEndpoint.receivePacket). */
  receive(bytes: Uint8Array, offset: number, length: number, now: number): void {
    this.now = now;
    const r = this.reader;
    r.resetRange(bytes, offset, length);
    const h = this.header;
    if (length > Wire.mtuPayloadBytes || !readPacketHeader(r, h)) {
      this.e.counters.packetsInvalid++;
      return;
    }
    if (this.e.received.isStale(h.sequence)) {
      this.e.counters.packetsStale++;
      return;
    }
    if (this.e.received.exists(h.sequence)) {
      this.e.counters.packetsDuplicate++;
      return;
    }
    const count = this.scanned.scan(r, this.e.kinds);
    if (count < 0 || length === 0) {
      this.e.counters.packetsInvalid++;
      return;
    }
    this.e.estimator.countReceived(length);
    if (h.hasAcks) {
      this.e.sent.noteAck(h.ack);
      this.ackPacket(h.ack);
      // Bits below our oldest unacked packet were handled by earlier packets: stop there.
      const oldest = this.e.sent.oldestUnacked as Seq16;
      for (let i = 0; i < Buffers.ackBits; i++) {
        const seq = asSeq16(h.ack - 1 - i);
        if (seqDiff(seq, oldest) < 0) break;
        if ((h.ackBits >>> i) & 1) this.ackPacket(seq);
      }
      this.e.sent.advanceOldest();
    }
    let refused = false;
    let invalid = false;
    for (let i = 0; i < count; i++) {
      const result = this.applyMessage(bytes, offset, i);
      if (result === Accept.Refused) refused = true;
      if (result === Accept.Invalid) invalid = true;
    }
    if (invalid) this.e.counters.packetsInvalid++;
    else if (refused) this.e.counters.packetsRefused++;
    else this.e.counters.packetsReceived++;
    this.e.received.record(h.sequence, !invalid && !refused, count > 0);
    if (this.e.received.owed >= Buffers.ackEveryPackets) {
      this.e.composer.start(this.now);
      this.e.composer.writeAckOnly();
    }
  }

  /** Hands message `i` of the scanned packet (which starts at `bytes[offset]`) to its channel. */
  private applyMessage(bytes: Uint8Array, offset: number, i: number): Accept {
    const s = this.scanned;
    const c = this.e.channels[s.channel[i] as number] as ChannelState;
    const start = offset + (s.start[i] as number);
    const length = s.length[i] as number;
    const id = s.id[i] as number;
    this.e.counters.messagesReceived++;
    if (c.receiver) {
      const result = c.receiver.accept(
        id as Seq16,
        s.fragmentIndex[i] as number,
        s.fragmentCount[i] as number,
        bytes,
        start,
        length,
      );
      if (result === Accept.Duplicate) this.e.counters.messagesDuplicate++;
      if (result === Accept.Refused) this.e.counters.messagesRefused++;
      return result;
    }
    const stale =
      c.kind === ChannelKind.UnreliableSequenced &&
      c.lastReceived >= 0 &&
      seqDiff(id as Seq16, c.lastReceived as Seq16) <= 0;
    if (stale || !this.e.budget.fits(length)) {
      this.e.counters.messagesDropped++;
      return Accept.Stored;
    }
    if (c.kind === ChannelKind.UnreliableSequenced) c.lastReceived = id;
    this.e.budget.held += length;
    const arena = this.e.budget.arena;
    const at = arena.copy(bytes, start, length);
    c.inbox.push(arena.bytes, at, length, true);
    return Accept.Stored;
  }

  /** Our packet `seq` was received by the peer: RTT sample, release its messages, notify. */
  private ackPacket(seq: Seq16): void {
    const p = this.e.sent.find(seq);
    if (p === undefined || p.acked) return;
    p.acked = true;
    this.e.counters.packetsAcked++;
    this.e.estimator.addAckedPacket(p, this.now);
    for (let i = 0; i < p.messageCount; i++) {
      const channel = p.channel[i] as number;
      const sender = (this.e.channels[channel] as ChannelState).sender;
      const ticket = sender ? sender.ack(p.id[i] as Seq16) : (p.ticket[i] as number);
      if (ticket >= 0) this.e.onMessageAcked?.(channel, ticket);
    }
    this.e.onPacketAcked?.(seq);
  }
}
