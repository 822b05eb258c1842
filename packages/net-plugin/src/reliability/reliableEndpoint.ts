/**
 * One end of a reliable-UDP conversation (reliable.io's endpoint plus yojimbo's channels), with
 * no idea of sockets: the owner feeds it received packet bytes, calls `update(now)` and
 * `writePackets()` once per frame, and gets packets back through `transmit`. See
 * docs/PROTOCOL.md for the bytes and the resend rules.
 */
import { EMPTY_BYTES } from "../protocol/scratch";
import { Buffers, Wire } from "../protocol/constants";
import { asSeq16, type Seq16 } from "../protocol/seq16";
import { createChannelState, resetChannelState, type ChannelState } from "./channelState";
import {
  DEFAULT_CHANNELS,
  MAX_UNRELIABLE_MESSAGE_BYTES,
  validateChannels,
  type ChannelConfig,
} from "./channels";
import { createReliableCounters, type ReliableCounters } from "./endpointCounters";
import { LinkEstimator, type LinkEstimates } from "./linkEstimator";
import { writeReliable, writeUnreliable } from "./channelWriters";
import { PacketComposer } from "./packetComposer";
import { PacketReceiver } from "./packetReceiver";
import { ReceiveBudget, type ReceivedMessage } from "./receiveBudget";
import { ReceivedPackets } from "./receivedPackets";
import { SentPackets } from "./sentPackets";
import type { UnreliableQueue } from "./unreliableQueue";

/** Options of a {@link ReliableEndpoint}. */
export interface ReliableEndpointOptions {
  /**
   * Sends one packet (≤ `Wire.mtuPayloadBytes` bytes). The bytes are a view of the endpoint's
   * scratch buffer, valid only during the call: copy them (or encrypt into a new buffer) to keep them.
   * Ignored when `transmitRange` is given.
   */
  transmit?: (packet: Uint8Array) => void;
  /**
   * Allocation-free form of `transmit`: the packet is `buffer[offset, offset + length)` of the
   * endpoint's scratch buffer, valid only during the call. One of the two must be given.
   */
  transmitRange?: (buffer: Uint8Array, offset: number, length: number) => void;
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

/** The reliability layer of one connection: acks, RTT, channels, fragments, resends. */
export class ReliableEndpoint {
  /** Event counters (packets and messages sent, received, dropped — by reason). */
  readonly counters: ReliableCounters = createReliableCounters();
  private readonly estimator = new LinkEstimator();
  private readonly channels: ChannelState[];
  private readonly budget: ReceiveBudget;
  private readonly maxPacketsPerWrite: number;
  private readonly sent = new SentPackets();
  private readonly received = new ReceivedPackets();
  private readonly composer: PacketComposer;
  private readonly receiver: PacketReceiver;
  private readonly taken: ReceivedMessage = { buffer: EMPTY_BYTES, offset: 0, length: 0 };
  /**
   * Seconds of the last `update`. Declared without an initialiser (it starts `undefined`; the
   * constructor sets 0) so V8 keeps the field tagged: it holds the caller's boxed number, and
   * handing it to a call per packet allocates nothing (a double field is re-boxed for every call).
   */
  private now: number;
  private nextTicket = 0;

  /** Creates an endpoint; throws on an invalid channel layout or option. */
  constructor(options: ReliableEndpointOptions) {
    this.now = 0;
    const configs = options.channels ?? DEFAULT_CHANNELS;
    validateChannels(configs);
    const transmit = options.transmit;
    const transmitRange =
      options.transmitRange ??
      (transmit === undefined
        ? undefined
        : (buffer: Uint8Array, offset: number, length: number) =>
            transmit(buffer.subarray(offset, offset + length)));
    if (transmitRange === undefined)
      throw new TypeError(
        "ReliableEndpoint: give options.transmit (or transmitRange) to send packets through.",
      );
    this.composer = new PacketComposer(
      this.sent,
      this.received,
      this.estimator,
      this.counters,
      transmitRange,
    );
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
    this.channels = configs.map((c) => createChannelState(c, this.budget));
    this.receiver = new PacketReceiver({
      channels: this.channels,
      kinds: configs.map((c) => c.kind),
      budget: this.budget,
      counters: this.counters,
      sent: this.sent,
      received: this.received,
      estimator: this.estimator,
      composer: this.composer,
      onPacketAcked: options.onPacketAcked,
      onMessageAcked: options.onMessageAcked,
    });
  }

  /** RTT (smoothed, best, worst; seconds), packet loss (%) and bandwidth (bytes/s). */
  get stats(): LinkEstimates {
    return this.estimator;
  }

  /**
   * Adds an RTT sample (seconds) measured outside the acks — e.g. by the connection layer's
   * keep-alives, so the estimate stays current while no messages flow. Throws on a negative or
   * non-finite value (local misuse).
   */
  addRttSample(seconds: number): void {
    if (!(seconds >= 0 && seconds < Infinity)) {
      throw new RangeError(`ReliableEndpoint.addRttSample: need a finite RTT ≥ 0 seconds, got ${seconds}.`);
    }
    this.estimator.addRttSample(seconds);
  }

  /** Sequence the next packet written will carry. */
  get nextPacketSequence(): Seq16 {
    return asSeq16(this.sent.sequence);
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
   * Queues `message[0, length)` (default: all of it) on `channel` and returns a ticket for
   * `onMessageAcked`. The bytes are copied before `send` returns (no view is created), so the
   * caller may reuse its buffer at once. Throws if the message is too large for the channel or a
   * reliable channel's window is full (check `canSend` first); an unreliable channel whose queue
   * is full drops the message and counts it.
   */
  send(channel: number, message: Uint8Array, length: number = message.length): number {
    const c = this.channel(channel, "send");
    if (!(Number.isInteger(length) && length >= 0 && length <= message.length)) {
      throw new RangeError(
        `ReliableEndpoint.send: length ${length} is not an integer in 0..${message.length} (the array's length).`,
      );
    }
    const ticket = this.nextTicket;
    this.nextTicket = (this.nextTicket + 1) >>> 0;
    if (c.sender) {
      if (length > Wire.maxMessageBytes) {
        throw new RangeError(
          `ReliableEndpoint.send: message of ${length} bytes on channel ${channel} is over the ${Wire.maxMessageBytes}-byte limit.`,
        );
      }
      if (!c.sender.canSend(length)) {
        throw new RangeError(
          `ReliableEndpoint.send: channel ${channel} send window is full (${c.sender.inFlight} ids in flight); check canSend() or send less until acks arrive.`,
        );
      }
      c.sender.send(message, 0, length, ticket);
      return ticket;
    }
    if (length > MAX_UNRELIABLE_MESSAGE_BYTES) {
      throw new RangeError(
        `ReliableEndpoint.send: unreliable message of ${length} bytes on channel ${channel} is over ${MAX_UNRELIABLE_MESSAGE_BYTES} bytes; use a reliable channel (they fragment).`,
      );
    }
    if (!(c.outbox as UnreliableQueue).push(message, 0, length, ticket)) this.counters.messagesDropped++;
    return ticket;
  }

  /**
   * Unreliable `channel`: messages queued and not yet written. Reliable: message ids in flight
   * (unacked). 0 means the endpoint holds no message of `channel`.
   */
  queued(channel: number): number {
    const c = this.channel(channel, "queued");
    return c.sender ? c.sender.inFlight : (c.outbox as UnreliableQueue).length;
  }

  /**
   * The next message received on `channel` as a fresh copy the caller keeps, or undefined.
   * Allocates per message: hot paths use {@link ReliableEndpoint.receiveMessage}.
   */
  receive(channel: number): Uint8Array | undefined {
    const m = this.taken;
    if (!this.receiveMessage(channel, m)) return undefined;
    const copy = m.buffer.slice(m.offset, m.offset + m.length);
    m.buffer = EMPTY_BYTES;
    return copy;
  }

  /**
   * Takes the next message received on `channel` into `out` (`out.buffer[out.offset,
   * out.offset + out.length)`) without allocating; false when there is none. The bytes stay
   * valid until this endpoint's next `receivePacket` (or `reset`): copy what you keep.
   */
  receiveMessage(channel: number, out: ReceivedMessage): boolean {
    const c = this.channel(channel, "receiveMessage");
    return c.receiver ? c.receiver.queue.pop(out) : c.inbox.pop(out);
  }

  /** Advances time (seconds, never backwards) and refreshes loss and bandwidth estimates. */
  update(nowSeconds: number): void {
    if (!(nowSeconds >= this.now)) {
      throw new RangeError(`ReliableEndpoint.update: time went backwards (${nowSeconds} < ${this.now}).`);
    }
    this.now = nowSeconds;
    this.sent.judgeLoss(nowSeconds, this.estimator);
    this.estimator.updateBandwidth(nowSeconds);
  }

  /**
   * Processes one packet from the peer. Never throws: malformed, stale and duplicate packets are
   * dropped and counted (`packetsInvalid`, `packetsStale`, `packetsDuplicate`). The packet is
   * `bytes[offset, offset + length)` (default: all of `bytes`); it is not kept.
   */
  receivePacket(bytes: Uint8Array, offset = 0, length: number = bytes.length - offset): void {
    this.receiver.receive(bytes, offset, length, this.now);
  }

  /**
   * Sends what is due through `transmit`: queued unreliable messages first, then reliable
   * messages never sent or unacked for longer than their resend delay, channel by channel;
   * an ack-only packet if nothing else went out and the peer sent us messages. Returns the
   * number of packets sent (at most `maxPacketsPerWrite`).
   */
  writePackets(): number {
    const composer = this.composer;
    composer.start(this.now);
    // Our unacked packets stay below Buffers.maxPacketsInFlight so their records are still kept
    // when the acks arrive; past it, one packet per write probes the link.
    const limit = Math.min(
      this.maxPacketsPerWrite,
      Math.max(1, Buffers.maxPacketsInFlight - this.sent.unacked),
    );
    // Reliable messages may take half the packets first so a flood of unreliable ones cannot
    // starve them; then unreliable messages; then reliable ones again with what is left.
    composer.limit = Math.max(1, limit >> 1);
    writeReliable(this.channels, composer, this.counters, this.estimator);
    composer.limit = limit;
    if (writeUnreliable(this.channels, composer, this.counters)) {
      writeReliable(this.channels, composer, this.counters, this.estimator);
    }
    composer.finish();
    if (composer.written === 0 && this.received.owed > 0) composer.writeAckOnly();
    return composer.written;
  }

  /** Back to a fresh connection: sequences, windows, queues, estimates and counters. */
  reset(): void {
    this.sent.reset();
    this.received.reset();
    this.estimator.reset();
    Object.assign(this.counters, createReliableCounters());
    for (const c of this.channels) resetChannelState(c);
    this.budget.held = 0;
    this.budget.arena.clear();
    this.nextTicket = 0;
    this.composer.reset();
  }
}
