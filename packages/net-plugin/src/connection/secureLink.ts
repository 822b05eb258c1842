/**
 * One encrypted conversation with one remote address, shared by the server's connections and the
 * client: seals outgoing packets with the send key and the next sequence; opens incoming ones
 * with the receive key after the replay check; counts, measures and logs both directions.
 */
import type { Transport } from "../transport/transport";
import { PacketType, PacketTypeName, type PacketTypeValue } from "./constants";
import { createNetStats, RateMeter, type NetStats } from "./netStats";
import { SCRATCH_PAYLOAD_BYTES, type PacketCipher, type OpenedPacket } from "./packetCrypto";
import type { PacketLogRecord, PacketLogWriter } from "./packetLog";
import { KeepAliveEcho } from "./keepAliveEcho";
import { describePayload } from "./payloadDescription";
import { ReplayCheck, ReplayProtection } from "./replayProtection";
import type { ChannelKind } from "../reliability/channels";

/** Where a link sends and logs, and how it names itself in the log. */
export interface SecureLinkContext {
  transport: Transport;
  cipher: PacketCipher;
  log: PacketLogWriter | undefined;
  side: "server" | "client";
  kinds: readonly ChannelKind[];
}

/** Why an inbound packet was dropped before it was opened. */
type DropReason = "invalid" | "stale" | "replayed" | "rateLimited";

/** The encrypted link to one address. */
export class SecureLink {
  /** Client index this link belongs to (−1 until known on the client). */
  index = -1;
  readonly stats: NetStats = createNetStats();
  /** Seconds (the caller's clock) of the last send; a double from the start, so stores stay unboxed. */
  lastSent = Number.NaN;
  /** Seconds of the last authenticated receive (unboxed like `lastSent`). */
  lastReceived = Number.NaN;
  private sequence = 0;
  private readonly replay = new ReplayProtection();
  /** RTT from keep-alive echoes (for when no acks flow). */
  private readonly keepAlives = new KeepAliveEcho();
  private readonly inMeter = new RateMeter();
  private readonly outMeter = new RateMeter();

  constructor(
    private readonly context: SecureLinkContext,
    public address: string,
    private readonly sendKey: Uint8Array,
    private readonly receiveKey: Uint8Array,
    now: number,
  ) {
    this.lastSent = now;
    this.lastReceived = now;
  }

  /** Seals and sends one packet of `type` now. */
  send(type: PacketTypeValue, payload: Uint8Array, now: number, reason?: string): void {
    this.sendRange(type, payload, 0, payload.length, now, reason);
  }

  /** Seals and sends `payload[offset, offset + length)` as one packet of `type` now (no view is created). */
  sendRange(
    type: PacketTypeValue,
    payload: Uint8Array,
    offset: number,
    length: number,
    now: number,
    reason?: string,
  ): void {
    const { transport, cipher, log } = this.context;
    let size: number;
    if (length <= SCRATCH_PAYLOAD_BYTES) {
      size = cipher.sealInto(type, this.sequence, payload, offset, length, this.sendKey);
      // An exact view, cached by length: transports copy a whole array natively.
      transport.send(this.address, cipher.sealedView(size));
    } else {
      const plain = payload.subarray(offset, offset + length);
      const packet = cipher.sealReused(type, this.sequence, plain, this.sendKey);
      size = packet.length;
      transport.send(this.address, packet);
    }
    this.stats.packetsSent++;
    this.stats.bytesSent += size;
    this.outMeter.add(size, now);
    this.lastSent = now;
    if (log !== undefined) {
      const record = this.record("out", type, size, now);
      record.sequence = this.sequence;
      if (type === PacketType.payload)
        describePayload(payload.subarray(offset, offset + length), this.context.kinds, record);
      if (reason !== undefined) record.reason = reason;
      log.write(record);
    }
    this.sequence++;
  }

  /** Sends a connected keep-alive (slot and max clients; zeros from a client) echoing the peer's last one. */
  sendKeepAlive(clientIndex: number, maxClients: number, now: number): void {
    this.send(PacketType.keepAlive, this.keepAlives.write(clientIndex, maxClients, this.sequence, now), now);
  }

  /**
   * Takes an opened keep-alive: it will be echoed by our next one, and the RTT sample (seconds)
   * its echo of ours gives is returned, if any.
   */
  receiveKeepAlive(opened: OpenedPacket, now: number): number | undefined {
    return this.keepAlives.receive(opened.payload, opened.sequence, now);
  }

  /**
   * Authenticates `packet[offset, offset + length)` (default: all of it): `undefined` (counted as
   * invalid, stale or replayed, and logged) if it is not a fresh packet sealed with the receive
   * key. The result is reused by the next call.
   */
  open(
    packet: Uint8Array,
    now: number,
    offset = 0,
    length: number = packet.length - offset,
  ): OpenedPacket | undefined {
    const { cipher } = this.context;
    const first = packet[offset] ?? 0;
    const header = cipher.peek(packet, offset, length);
    if (header === undefined) return this.dropped(first, length, now, "invalid");
    const check = this.replay.check(header.sequence);
    if (check === ReplayCheck.stale) return this.dropped(first, length, now, "stale");
    if (check === ReplayCheck.replayed) return this.dropped(first, length, now, "replayed");
    const opened = cipher.open(packet, this.receiveKey, offset, length);
    if (opened === undefined) return this.dropped(first, length, now, "invalid");
    this.replay.mark(opened.sequence);
    this.stats.packetsReceived++;
    this.stats.bytesReceived += length;
    this.inMeter.add(length, now);
    this.lastReceived = now;
    if (this.context.log !== undefined) {
      const record = this.record("in", opened.type, length, now);
      record.sequence = opened.sequence;
      if (opened.type === PacketType.payload) describePayload(opened.payload, this.context.kinds, record);
      this.context.log.write(record);
    }
    return opened;
  }

  /** Counts (and logs) an inbound packet dropped before it was opened. */
  drop(packet: Uint8Array, now: number, why: DropReason): undefined {
    return this.dropped(packet[0] ?? 0, packet.length, now, why);
  }

  /** Counts (and logs) a dropped inbound packet of `length` bytes whose first byte is `first`. */
  private dropped(first: number, length: number, now: number, why: DropReason): undefined {
    if (why === "invalid") this.stats.packetsInvalid++;
    else if (why === "stale") this.stats.packetsStale++;
    else if (why === "replayed") this.stats.packetsReplayed++;
    else this.stats.packetsRateLimited++;
    if (this.context.log !== undefined) {
      const record = this.record("in", first & 0x0f, length, now);
      record.dropped = why;
      this.context.log.write(record);
    }
    return undefined;
  }

  /**
   * Points the link at another server of the same token (client side): the send sequence keeps
   * counting, so no nonce is ever reused under the key; the new server's sequences start afresh.
   */
  retarget(address: string, now: number): void {
    this.address = address;
    this.replay.reset();
    this.lastReceived = now;
  }

  /** Refreshes the bytes-per-second figures in `stats`. */
  refreshRates(now: number): void {
    this.stats.bytesInPerSecond = this.inMeter.rate(now);
    this.stats.bytesOutPerSecond = this.outMeter.rate(now);
  }

  private record(direction: "in" | "out", type: number, size: number, now: number): PacketLogRecord {
    return {
      time: now,
      direction,
      side: this.context.side,
      connection: this.index,
      address: this.address,
      type: PacketTypeName[type] ?? `unknown(${type})`,
      size,
    };
  }
}
