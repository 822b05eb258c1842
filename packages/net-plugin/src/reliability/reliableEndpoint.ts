/**
 * One end of a reliable-UDP conversation (reliable.io's endpoint plus yojimbo's channels), with
 * no idea of sockets: the owner feeds it received packet bytes, calls `update(now)` and
 * `writePackets()` once per frame, and gets packets back through `transmit`. See
 * docs/PROTOCOL.md for the bytes and the resend rules.
 */
import { BitReader } from "../protocol/bitReader";
import { BitWriter } from "../protocol/bitWriter";
import { Buffers, Timing, Wire } from "../protocol/constants";
import { asSeq16, seqDiff, seqGreaterThan, type Seq16 } from "../protocol/seq16";
import {
  ChannelKind,
  DEFAULT_CHANNELS,
  isReliable,
  MAX_UNRELIABLE_MESSAGE_BYTES,
  validateChannels,
  type ChannelConfig,
} from "./channels";
import { createReliableCounters, type ReliableCounters } from "./endpointCounters";
import { LinkEstimator, type LinkEstimates } from "./linkEstimator";
import {
  createMessageHeader,
  messageHeaderBytes,
  readMessageHeader,
  writeMessageHeader,
} from "./messageHeader";
import { createPacketHeader, readPacketHeader, writePacketHeader } from "./packetHeader";
import { ReceivedPacket, SentPacket } from "./packetRecords";
import { DeliveryQueue, ReceiveBudget } from "./receiveBudget";
import { Accept, ReliableReceiver } from "./reliableReceiver";
import { ReliableSender } from "./reliableSender";
import { SequenceBuffer } from "./sequenceBuffer";
import { UnreliableQueue } from "./unreliableQueue";

/** Options of a {@link ReliableEndpoint}. */
export interface ReliableEndpointOptions {
  /**
   * Sends one packet (≤ `Wire.mtuPayloadBytes` bytes). The bytes are a view of the endpoint's
   * scratch buffer, valid only during the call: copy them (or encrypt into a new buffer) to keep them.
   */
  transmit: (packet: Uint8Array) => void;
  /** Channel layout; both peers must use the same one. Default {@link DEFAULT_CHANNELS}. */
  channels?: readonly ChannelConfig[];
  /** Called once for each of our packets the peer acknowledged (e.g. snapshot baselines). */
  onPacketAcked?: (sequence: Seq16) => void;
  /** Called once when a message `send` returned `ticket` for is acked (all its fragments). */
  onMessageAcked?: (channel: number, ticket: number) => void;
  /** Most packets one `writePackets` call sends (bounds bursts). Default `Buffers.maxPacketsPerWrite`. */
  maxPacketsPerWrite?: number;
  /** Receive-buffer limit in bytes. Default `Buffers.maxReceiveBufferBytes`. */
  maxReceiveBufferBytes?: number;
}

interface ChannelState {
  readonly kind: ChannelKind;
  readonly resendRttFactor: number;
  readonly sender: ReliableSender | undefined;
  readonly receiver: ReliableReceiver | undefined;
  readonly outbox: UnreliableQueue | undefined;
  /** Unreliable channels' received messages (reliable ones use `receiver.queue`). */
  readonly inbox: DeliveryQueue;
  /** Unreliable-sequenced: newest sequence received (−1 before any). */
  lastReceived: number;
}

/** The reliability layer of one connection: acks, RTT, channels, fragments, resends. */
export class ReliableEndpoint {
  /** Event counters (packets and messages sent, received, dropped — by reason). */
  readonly counters: ReliableCounters = createReliableCounters();
  private readonly estimator = new LinkEstimator();
  private readonly channels: ChannelState[];
  private readonly kinds: ChannelKind[];
  private readonly budget: ReceiveBudget;
  private readonly transmit: (packet: Uint8Array) => void;
  private readonly onPacketAcked: ((sequence: Seq16) => void) | undefined;
  private readonly onMessageAcked: ((channel: number, ticket: number) => void) | undefined;
  private readonly maxPacketsPerWrite: number;
  private readonly sent = new SequenceBuffer(Buffers.sentPackets, () => new SentPacket());
  private readonly received = new SequenceBuffer(Buffers.receivedPackets, () => new ReceivedPacket());
  private readonly payload = new BitWriter(Wire.mtuPayloadBytes - Wire.maxPacketHeaderBytes);
  private readonly packet = new BitWriter(Wire.mtuPayloadBytes);
  private readonly reader = new BitReader();
  private readonly header = createPacketHeader();
  private readonly message = createMessageHeader();
  // Messages of the packet being received, validated before any is applied.
  private readonly rxChannel = new Uint8Array(Buffers.maxMessagesPerPacket);
  private readonly rxId = new Uint16Array(Buffers.maxMessagesPerPacket);
  private readonly rxIndex = new Uint16Array(Buffers.maxMessagesPerPacket);
  private readonly rxCount = new Uint16Array(Buffers.maxMessagesPerPacket);
  private readonly rxStart = new Uint32Array(Buffers.maxMessagesPerPacket);
  private readonly rxLength = new Uint32Array(Buffers.maxMessagesPerPacket);
  private now = 0;
  private sequence = 0;
  private nextTicket = 0;
  private latestAckable = -1;
  private payloadPacketsSinceSend = 0;
  private lossCursor = 0;
  private lost = 0;
  private judged = 0;
  private open: SentPacket | undefined;
  private packetsThisWrite = 0;
  private packetLimitThisWrite = 0;
  /** Newest of our sequences the peer acknowledged (−1 before any). */
  private highestAcked = -1;

  /** Creates an endpoint; throws on an invalid channel layout or option. */
  constructor(options: ReliableEndpointOptions) {
    const configs = options.channels ?? DEFAULT_CHANNELS;
    validateChannels(configs);
    this.transmit = options.transmit;
    this.onPacketAcked = options.onPacketAcked;
    this.onMessageAcked = options.onMessageAcked;
    this.maxPacketsPerWrite = options.maxPacketsPerWrite ?? Buffers.maxPacketsPerWrite;
    if (!(Number.isInteger(this.maxPacketsPerWrite) && this.maxPacketsPerWrite >= 1)) {
      throw new RangeError(`ReliableEndpoint: maxPacketsPerWrite must be an integer ≥ 1.`);
    }
    const limit = options.maxReceiveBufferBytes ?? Buffers.maxReceiveBufferBytes;
    if (!(limit >= Wire.maxMessageBytes)) {
      throw new RangeError(
        `ReliableEndpoint: maxReceiveBufferBytes must be ≥ ${Wire.maxMessageBytes} (one max message), got ${limit}.`,
      );
    }
    this.budget = new ReceiveBudget(limit);
    this.kinds = configs.map((c) => c.kind);
    this.channels = configs.map((c) => {
      const reliable = isReliable(c.kind);
      return {
        kind: c.kind,
        resendRttFactor: c.resendRttFactor ?? Timing.resendRttFactor,
        sender: reliable ? new ReliableSender() : undefined,
        receiver: reliable
          ? new ReliableReceiver(c.kind === ChannelKind.ReliableOrdered, this.budget)
          : undefined,
        outbox: reliable ? undefined : new UnreliableQueue(),
        inbox: new DeliveryQueue(this.budget),
        lastReceived: -1,
      };
    });
  }

  /** RTT (smoothed, best, worst; seconds), packet loss (%) and bandwidth (bytes/s). */
  get stats(): LinkEstimates {
    return this.estimator;
  }

  /** Sequence the next packet written will carry. */
  get nextPacketSequence(): Seq16 {
    return asSeq16(this.sequence);
  }

  /** Seconds of the last `update`. */
  get time(): number {
    return this.now;
  }

  private channel(index: number, what: string): ChannelState {
    const c = this.channels[index];
    if (c === undefined || !Number.isInteger(index)) {
      throw new RangeError(
        `ReliableEndpoint.${what}: no channel ${index} (configured: 0..${this.channels.length - 1}).`,
      );
    }
    return c;
  }

  /** True if `send(channel, message of bytes)` would be accepted now. */
  canSend(channel: number, bytes: number): boolean {
    const c = this.channel(channel, "canSend");
    if (c.sender) return bytes <= Wire.maxMessageBytes && c.sender.canSend(bytes);
    return bytes <= MAX_UNRELIABLE_MESSAGE_BYTES;
  }

  /**
   * Queues `message` on `channel` and returns a ticket for `onMessageAcked`. The endpoint keeps a
   * reference (no copy): do not modify the array afterwards. Throws if the message is too large
   * for the channel or a reliable channel's window is full (check `canSend` first); an
   * unreliable channel whose queue is full drops the message and counts it.
   */
  send(channel: number, message: Uint8Array): number {
    const c = this.channel(channel, "send");
    const ticket = this.nextTicket;
    this.nextTicket = (this.nextTicket + 1) >>> 0;
    if (c.sender) {
      if (message.length > Wire.maxMessageBytes) {
        throw new RangeError(
          `ReliableEndpoint.send: message of ${message.length} bytes on channel ${channel} is over the ${Wire.maxMessageBytes}-byte limit.`,
        );
      }
      if (!c.sender.canSend(message.length)) {
        throw new RangeError(
          `ReliableEndpoint.send: channel ${channel} send window is full (${c.sender.inFlight} ids in flight); check canSend() or send less until acks arrive.`,
        );
      }
      c.sender.send(message, ticket);
      return ticket;
    }
    if (message.length > MAX_UNRELIABLE_MESSAGE_BYTES) {
      throw new RangeError(
        `ReliableEndpoint.send: unreliable message of ${message.length} bytes on channel ${channel} is over ${MAX_UNRELIABLE_MESSAGE_BYTES} bytes; use a reliable channel (they fragment).`,
      );
    }
    if (!(c.outbox as UnreliableQueue).push(message, ticket)) this.counters.messagesDropped++;
    return ticket;
  }

  /** The next message received on `channel`, or undefined. The array is the app's to keep. */
  receive(channel: number): Uint8Array | undefined {
    const c = this.channel(channel, "receive");
    return c.receiver ? c.receiver.queue.pop() : c.inbox.pop();
  }

  /** Advances time (seconds, never backwards) and refreshes loss and bandwidth estimates. */
  update(nowSeconds: number): void {
    if (!(nowSeconds >= this.now)) {
      throw new RangeError(`ReliableEndpoint.update: time went backwards (${nowSeconds} < ${this.now}).`);
    }
    this.now = nowSeconds;
    this.judgeLoss();
    this.estimator.updateBandwidth(nowSeconds);
  }

  /**
   * Processes one packet from the peer. Never throws: malformed, stale and duplicate packets are
   * dropped and counted (`packetsInvalid`, `packetsStale`, `packetsDuplicate`). `receivePacket`
   * does not keep `bytes`.
   */
  receivePacket(bytes: Uint8Array): void {
    const r = this.reader;
    r.reset(bytes);
    const h = this.header;
    if (bytes.length > Wire.mtuPayloadBytes || !readPacketHeader(r, h)) {
      this.counters.packetsInvalid++;
      return;
    }
    if (this.received.isStale(h.sequence)) {
      this.counters.packetsStale++;
      return;
    }
    if (this.received.exists(h.sequence)) {
      this.counters.packetsDuplicate++;
      return;
    }
    const count = this.scanMessages(bytes);
    if (count < 0) {
      this.counters.packetsInvalid++;
      return;
    }
    const record = this.received.insert(h.sequence) as ReceivedPacket;
    this.estimator.countReceived(bytes.length);
    if (h.hasAcks) {
      if (
        this.sent.exists(h.ack) &&
        (this.highestAcked < 0 || seqGreaterThan(h.ack, this.highestAcked as Seq16))
      ) {
        this.highestAcked = h.ack;
      }
      this.ackPacket(h.ack);
      for (let i = 0; i < Buffers.ackBits; i++) {
        if ((h.ackBits >>> i) & 1) this.ackPacket(asSeq16(h.ack - 1 - i));
      }
    }
    let ackable = true;
    let invalid = false;
    for (let i = 0; i < count; i++) {
      const result = this.applyMessage(bytes, i);
      if (result === Accept.Refused) ackable = false;
      if (result === Accept.Invalid) invalid = true;
    }
    if (invalid) ackable = false;
    if (invalid) this.counters.packetsInvalid++;
    else this.counters.packetsReceived++;
    if (!invalid && !ackable) this.counters.packetsRefused++;
    record.ackable = ackable;
    if (ackable && (this.latestAckable < 0 || seqGreaterThan(h.sequence, this.latestAckable as Seq16))) {
      this.latestAckable = h.sequence;
    }
    if (count > 0 && ++this.payloadPacketsSinceSend >= Buffers.ackEveryPackets) this.writeAckOnly();
  }

  /** Validates every message header of the packet; returns the message count or −1. */
  private scanMessages(bytes: Uint8Array): number {
    const r = this.reader;
    const m = this.message;
    let count = 0;
    while (r.bitsRemaining > 0) {
      if (count === Buffers.maxMessagesPerPacket || !readMessageHeader(r, this.kinds, m)) return -1;
      this.rxChannel[count] = m.channel;
      this.rxId[count] = m.id;
      this.rxIndex[count] = m.fragmentIndex;
      this.rxCount[count] = m.fragmentCount;
      this.rxStart[count] = r.bitsRead >>> 3;
      this.rxLength[count] = m.length;
      r.readBytes(m.length);
      count++;
    }
    return r.overflowed || bytes.length === 0 ? -1 : count;
  }

  /** Hands message `i` of the scanned packet to its channel. */
  private applyMessage(bytes: Uint8Array, i: number): Accept {
    const c = this.channels[this.rxChannel[i] as number] as ChannelState;
    const start = this.rxStart[i] as number;
    const length = this.rxLength[i] as number;
    const id = this.rxId[i] as number;
    this.counters.messagesReceived++;
    if (c.receiver) {
      const result = c.receiver.accept(
        id as Seq16,
        this.rxIndex[i] as number,
        this.rxCount[i] as number,
        bytes,
        start,
        length,
      );
      if (result === Accept.Duplicate) this.counters.messagesDuplicate++;
      if (result === Accept.Refused) this.counters.messagesRefused++;
      return result;
    }
    const stale =
      c.kind === ChannelKind.UnreliableSequenced &&
      c.lastReceived >= 0 &&
      seqDiff(id as Seq16, c.lastReceived as Seq16) <= 0;
    if (stale || !this.budget.fits(length)) {
      this.counters.messagesDropped++;
      return Accept.Stored;
    }
    if (c.kind === ChannelKind.UnreliableSequenced) c.lastReceived = id;
    this.budget.held += length;
    c.inbox.push(bytes.slice(start, start + length));
    return Accept.Stored;
  }

  /** Our packet `seq` was received by the peer: RTT sample, release its messages, notify. */
  private ackPacket(seq: Seq16): void {
    const p = this.sent.find(seq);
    if (p === undefined || p.acked) return;
    p.acked = true;
    this.counters.packetsAcked++;
    this.estimator.addRttSample(this.now - p.time);
    this.estimator.countAcked(p.bytes);
    for (let i = 0; i < p.messageCount; i++) {
      const channel = p.channel[i] as number;
      const sender = (this.channels[channel] as ChannelState).sender;
      const ticket = sender ? sender.ack(p.id[i] as Seq16) : (p.ticket[i] as number);
      if (ticket >= 0) this.onMessageAcked?.(channel, ticket);
    }
    this.onPacketAcked?.(seq);
  }

  /** Judges sent packets older than `Timing.lossAfterRtts` RTTs: acked or lost. */
  private judgeLoss(): void {
    const horizon =
      this.now - Math.max(Timing.lossAfterRtts * this.estimator.planningRtt, Timing.minResendSeconds);
    if (seqDiff(this.sequence as Seq16, this.lossCursor as Seq16) > Buffers.sentPackets) {
      this.lossCursor = (this.sequence - Buffers.sentPackets) & 0xffff;
    }
    while (this.lossCursor !== this.sequence) {
      const p = this.sent.find(this.lossCursor as Seq16);
      if (p !== undefined) {
        if (p.time > horizon) break;
        if (p.hasPayload) {
          this.judged++;
          if (!p.acked) this.lost++;
        }
      }
      this.lossCursor = (this.lossCursor + 1) & 0xffff;
    }
    if (this.judged >= Buffers.lossSamplePackets) {
      this.estimator.addLossSample(this.lost, this.judged);
      this.lost = this.judged = 0;
    }
  }

  /**
   * Sends what is due through `transmit`: queued unreliable messages first, then reliable
   * messages never sent or unacked for longer than their resend delay, channel by channel;
   * an ack-only packet if nothing else went out and the peer sent us messages. Returns the
   * number of packets sent (at most `maxPacketsPerWrite`).
   */
  writePackets(): number {
    this.packetsThisWrite = 0;
    // Packets the peer has not acked yet stay below Buffers.maxPacketsInFlight so their records
    // are still in the sent-packet buffer when the acks arrive; past it, one probe per write.
    const inFlight = (this.sequence - this.highestAcked - 1) & 0xffff;
    const limit = Math.min(this.maxPacketsPerWrite, Math.max(1, Buffers.maxPacketsInFlight - inFlight));
    // Reliable messages may take half the packets first so a flood of unreliable ones cannot
    // starve them; then unreliable messages; then reliable ones again with what is left.
    this.packetLimitThisWrite = Math.max(1, limit >> 1);
    this.writeReliable();
    this.packetLimitThisWrite = limit;
    if (this.writeUnreliable()) this.writeReliable();
    if (this.open) this.flush();
    if (this.packetsThisWrite === 0 && this.payloadPacketsSinceSend > 0) this.writeAckOnly();
    return this.packetsThisWrite;
  }

  /** Packs queued unreliable messages; false when out of packets for this write. */
  private writeUnreliable(): boolean {
    const m = this.message;
    for (let ci = 0; ci < this.channels.length; ci++) {
      const c = this.channels[ci] as ChannelState;
      const q = c.outbox;
      if (!q) continue;
      while (q.length > 0) {
        m.channel = ci;
        m.id = q.peekSequence();
        m.fragmentIndex = m.fragmentCount = 0;
        const data = q.peekData();
        m.length = data.length;
        if (!this.append(c.kind, data, 0, q.peekTicket())) return false;
        q.shift();
        this.counters.messagesSent++;
      }
    }
    return true;
  }

  /** Packs reliable messages never sent or due for a resend; false when out of packets. */
  private writeReliable(): boolean {
    const m = this.message;
    const rtt = this.estimator.planningRtt;
    for (let ci = 0; ci < this.channels.length; ci++) {
      const c = this.channels[ci] as ChannelState;
      const s = c.sender;
      if (!s) continue;
      const delay = resendDelay(rtt, c.resendRttFactor);
      const fragmentDelay = resendDelay(rtt, Math.max(c.resendRttFactor, Timing.fragmentResendRttFactor));
      const inFlight = s.inFlight;
      for (let k = 0; k < inFlight; k++) {
        const id = (s.base + k) & 0xffff;
        const slot = id & (Buffers.messageWindow - 1);
        const data = s.data[slot];
        if (data === undefined) continue;
        const last = s.lastSent[slot] as number;
        if (last >= 0 && this.now - last < (s.fragmentCount[slot] === 0 ? delay : fragmentDelay)) continue;
        m.channel = ci;
        m.id = id;
        m.fragmentIndex = s.fragmentIndex[slot] as number;
        m.fragmentCount = s.fragmentCount[slot] as number;
        m.length = data.length;
        if (!this.append(c.kind, data, id, 0)) return false;
        s.lastSent[slot] = this.now;
        if (last < 0) this.counters.messagesSent++;
        else this.counters.messagesResent++;
      }
    }
    return true;
  }

  /** Adds one message (header in `this.message`) to the open packet; false if out of packets. */
  private append(kind: ChannelKind, data: Uint8Array, id: number, ticket: number): boolean {
    const need = messageHeaderBytes(kind, this.message) + data.length;
    if (
      this.open &&
      (this.payload.bytesWritten + need > this.payload.capacityBytes ||
        this.open.messageCount === Buffers.maxMessagesPerPacket)
    ) {
      this.flush();
    }
    if (!this.open) {
      if (this.packetsThisWrite >= this.packetLimitThisWrite) return false;
      this.begin(true);
    }
    const p = this.open as SentPacket;
    writeMessageHeader(this.payload, kind, this.message);
    this.payload.writeBytes(data);
    p.channel[p.messageCount] = this.message.channel;
    p.id[p.messageCount] = id;
    p.ticket[p.messageCount] = ticket;
    p.messageCount++;
    return true;
  }

  private begin(hasPayload: boolean): void {
    const p = this.sent.insert(this.sequence as Seq16) as SentPacket;
    p.time = this.now;
    p.acked = false;
    p.hasPayload = hasPayload;
    p.messageCount = 0;
    this.payload.reset();
    this.open = p;
  }

  /** Writes the header and the open packet's messages, and transmits them. */
  private flush(): void {
    const p = this.open as SentPacket;
    const h = this.header;
    h.sequence = this.sequence as Seq16;
    h.hasAcks = this.latestAckable >= 0;
    h.ack = asSeq16(this.latestAckable);
    h.ackBits = 0;
    if (h.hasAcks) {
      for (let i = 0; i < Buffers.ackBits; i++) {
        const r = this.received.find(asSeq16(h.ack - 1 - i));
        if (r !== undefined && r.ackable) h.ackBits |= 1 << i;
      }
      h.ackBits >>>= 0;
    }
    const w = this.packet;
    w.reset();
    writePacketHeader(w, h);
    w.writeBytes(this.payload.finish());
    const bytes = w.finish();
    p.bytes = bytes.length;
    this.open = undefined;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.packetsThisWrite++;
    this.payloadPacketsSinceSend = 0;
    this.counters.packetsSent++;
    if (!p.hasPayload) this.counters.ackPacketsSent++;
    this.estimator.countSent(bytes.length);
    this.transmit(bytes);
  }

  /** Sends a packet with only the header, to acknowledge what we received. */
  private writeAckOnly(): void {
    this.begin(false);
    this.flush();
  }

  /** Back to a fresh connection: sequences, windows, queues, estimates and counters. */
  reset(): void {
    this.sent.reset();
    this.received.reset();
    this.estimator.reset();
    Object.assign(this.counters, createReliableCounters());
    for (const c of this.channels) {
      c.sender?.reset();
      c.receiver?.reset();
      c.outbox?.clear();
      c.inbox.clear();
      c.lastReceived = -1;
    }
    this.budget.held = 0;
    this.sequence = 0;
    this.nextTicket = 0;
    this.latestAckable = -1;
    this.payloadPacketsSinceSend = 0;
    this.lossCursor = 0;
    this.highestAcked = -1;
    this.lost = this.judged = 0;
    this.open = undefined;
  }
}

/** Seconds before an unacked reliable message is sent again. */
function resendDelay(rtt: number, factor: number): number {
  return Math.min(Timing.maxResendSeconds, Math.max(Timing.minResendSeconds, rtt * factor));
}
