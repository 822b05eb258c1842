/**
 * NetServer: accepts clients holding connect tokens over any Transport (loopback, conditioned,
 * UDP, WebSocket), encrypts every packet after the handshake, runs one ReliableEndpoint per client
 * for channels, enforces rate limits, keeps clients alive and times them out. Driven explicitly
 * once per frame — `update(now)`, `receivePackets()`, then `sendPackets()` — with no timers or
 * awaits inside; events are drained with `pollEvent()`. States: docs/CONNECTION-STATES.md.
 */
import { Protocol } from "../protocol/constants";
import { EMPTY_BYTES } from "../protocol/scratch";
import { DEFAULT_CHANNELS, type ChannelConfig } from "../reliability/channels";
import { warmUpReliability } from "../reliability/endpointWarmUp";
import type { ReceivedMessage } from "../reliability/receiveBudget";
import { datagramBuffer, datagramLength, datagramOffset, type Transport } from "../transport/transport";
import { ConnectionDefaults, PacketType } from "./constants";
import { describeDisconnect, type DisconnectReasonName } from "./disconnectReasons";
import { readDisconnectPayload, writeDisconnectPayload } from "./handshakePackets";
import { EventQueue, MessageEventPool, prepareMessageEvents, type NetServerEvent } from "./netEvents";
import { addCounters, createNetStats, type NetStats, type ServerNetStats } from "./netStats";
import type { NetServerConfig } from "./serverConfig";
import { sumServerStats } from "./serverStats";
import { PacketCipher } from "./packetCrypto";
import { resolvePacketLog } from "./packetLog";
import { resolveRateLimits, type RateLimits } from "./rateLimits";
import type { SecureLink, SecureLinkContext } from "./secureLink";
import { sendCounted } from "./sendCounted";
import { ServerConnection, type ClientIdentity } from "./serverConnection";
import { ServerHandshake } from "./serverHandshake";

export type { NetServerConfig } from "./serverConfig";

/** The server side of Canopy connections. */
export class NetServer {
  readonly maxClients: number;
  private readonly slots: (ServerConnection | undefined)[];
  private readonly byAddress = new Map<string, ServerConnection>();
  private readonly events = new EventQueue<NetServerEvent>();
  private readonly messages = new MessageEventPool();
  private readonly taken: ReceivedMessage = { buffer: EMPTY_BYTES, offset: 0, length: 0 };
  private readonly handshake: ServerHandshake;
  private readonly context: SecureLinkContext;
  private readonly channels: readonly ChannelConfig[];
  private readonly limits: RateLimits;
  private readonly keepAliveSeconds: number;
  private readonly onMessageAcked: NetServerConfig["onMessageAcked"];
  private readonly totals = { handshakesDenied: 0, handshakesRateLimited: 0, packetsInvalid: 0 };
  private readonly departed = createNetStats();
  /**
   * Seconds of the last `update`. Declared without an initialiser (it starts `undefined`; the
   * constructor sets 0) so V8 keeps the field tagged: it holds the caller's boxed number, and
   * handing it to a call per packet allocates nothing (a double field is re-boxed for every call).
   */
  private now: number;
  private connected = 0;
  private closed = false;

  constructor(
    readonly transport: Transport,
    config: NetServerConfig,
  ) {
    this.now = 0;
    warmUpReliability(); // once per process: see endpointWarmUp.ts
    this.maxClients = config.maxClients ?? ConnectionDefaults.maxClients;
    if (!Number.isInteger(this.maxClients) || this.maxClients < 1 || this.maxClients > 65535) {
      throw new RangeError(`NetServer: maxClients must be an integer in 1..65535, got ${this.maxClients}.`);
    }
    if (config.privateKey.length !== 32) {
      throw new RangeError(
        `NetServer: privateKey must be 32 bytes (the token issuer's key), got ${config.privateKey.length}.`,
      );
    }
    const timeoutSeconds = config.timeoutSeconds ?? ConnectionDefaults.timeoutSeconds;
    this.keepAliveSeconds = config.keepAliveSeconds ?? ConnectionDefaults.keepAliveSeconds;
    if (!(timeoutSeconds > 0) || !(this.keepAliveSeconds > 0) || this.keepAliveSeconds >= timeoutSeconds) {
      throw new RangeError(
        `NetServer: need 0 < keepAliveSeconds < timeoutSeconds (got ${this.keepAliveSeconds}, ${timeoutSeconds}).`,
      );
    }
    this.onMessageAcked = config.onMessageAcked;
    const protocolId = BigInt(config.protocolId);
    this.channels = config.channels ?? DEFAULT_CHANNELS;
    this.limits = resolveRateLimits(config.rateLimits);
    this.slots = new Array<ServerConnection | undefined>(this.maxClients).fill(undefined);
    this.context = {
      transport,
      cipher: new PacketCipher(protocolId, config.aead),
      log: resolvePacketLog(config.logPackets, "server", config.openPacketLog),
      side: "server",
      kinds: this.channels.map((c) => c.kind),
    };
    const unixTime = config.unixTime ?? (() => Date.now() / 1000);
    this.handshake = new ServerHandshake(
      this.context,
      {
        protocolId,
        protocolVersion: config.protocolVersion ?? Protocol.version,
        protocolHash: config.protocolHash ?? 0,
        privateKey: config.privateKey,
        publicAddresses: config.publicAddresses ?? [transport.localAddress],
        rateLimits: this.limits,
        timeoutSeconds,
      },
      this.totals,
      {
        unixTime,
        isFull: () => this.connected >= this.maxClients,
        addressOfClient: (clientId) => this.findClient(clientId)?.identity.address,
        accept: (identity, link) => this.accept(identity, link),
      },
    );
  }

  /** Number of connected clients. */
  get connectedClients(): number {
    return this.connected;
  }

  /** Sizes of the server's bounded tables (pending handshakes, token tags, rate-limited hosts). */
  get tableSizes(): { pending: number; tokens: number; limitedHosts: number; connections: number } {
    return { ...this.handshake.sizes, connections: this.byAddress.size };
  }

  /** True if slot `client` holds a connected client. */
  isConnected(client: number): boolean {
    return this.slots[client] !== undefined;
  }

  /** Client id, address and user data of slot `client`, or `undefined`. */
  clientInfo(client: number): Readonly<ClientIdentity> | undefined {
    return this.slots[client]?.identity;
  }

  /** Advances time (seconds, never backwards): timeouts, abuse checks, reliability timers. */
  update(nowSeconds: number): void {
    if (!(nowSeconds >= this.now))
      throw new RangeError(`NetServer.update: time went backwards (${nowSeconds} < ${this.now}).`);
    this.now = nowSeconds;
    this.handshake.update(nowSeconds);
    for (let i = 0; i < this.slots.length; i++) {
      const c = this.slots[i];
      if (c === undefined) continue;
      c.endpoint.update(nowSeconds);
      if (nowSeconds - c.link.lastReceived >= c.identity.timeoutSeconds) this.drop(c, "timeout", false);
      else if (c.limiter.abusive(nowSeconds)) this.drop(c, "rateLimited", true);
    }
  }

  /**
   * Drains the transport: handshakes, then each client's packets into messages and events.
   * Message events of the previous call are reused from here on (see netEvents.ts).
   */
  receivePackets(): void {
    const now = this.now;
    prepareMessageEvents(this.events, this.messages);
    for (let d = this.transport.poll(); d !== undefined; d = this.transport.poll()) {
      const c = this.byAddress.get(d.from);
      if (c === undefined) {
        this.handshake.receive(d.from, d.data, now);
        continue;
      }
      const length = datagramLength(d);
      const opened = c.link.open(datagramBuffer(d), now, datagramOffset(d), length);
      if (opened === undefined) continue;
      // Limits count authenticated packets only, so a spoofer forging a client's address cannot
      // get that client disconnected for abuse; forged packets are dropped as invalid above.
      if (!c.limiter.allowPacket(length, now)) {
        c.link.stats.packetsRateLimited++;
        continue;
      }
      if (opened.type === PacketType.payload)
        c.endpoint.receivePacket(opened.buffer, opened.offset, opened.length);
      else if (opened.type === PacketType.disconnect)
        this.drop(c, readDisconnectPayload(opened.payload) ?? "disconnected", false);
      else if (opened.type === PacketType.keepAlive) c.receiveKeepAlive(opened, now);
      else if (opened.type === PacketType.response)
        c.sendConnectKeepAlive(now); // it missed our first keep-alive
      else c.link.stats.packetsInvalid++;
    }
    const m = this.taken;
    for (let i = 0; i < this.slots.length; i++) {
      const c = this.slots[i];
      if (c === undefined) continue;
      for (let ch = 0; ch < this.channels.length; ch++) {
        while (c.endpoint.receiveMessage(ch, m)) {
          if (c.limiter.allowMessage(ch, now))
            this.events.push(this.messages.take().set(c.index, ch, m.buffer, m.offset, m.length));
          else c.link.stats.messagesRateLimited++;
        }
      }
    }
    m.buffer = EMPTY_BYTES;
  }

  /**
   * Queues `data[0, length)` (default: all of `data`) on `channel` to slot `client` (throws for an
   * empty slot or a bad channel) and returns its ticket for `onMessageAcked`, or `undefined` when
   * a full unreliable queue dropped it. The bytes are copied before `send` returns (no view is
   * created): reuse `data` at once, e.g. `send(c, ch, writer.bytes, writer.bytesWritten)`.
   */
  send(client: number, channel: number, data: Uint8Array, length: number = data.length): number | undefined {
    const c = this.slots[client];
    if (c === undefined)
      throw new RangeError(`NetServer.send: slot ${client} has no client; check isConnected() first.`);
    return sendCounted(c.endpoint, channel, data, length);
  }

  /**
   * Messages of `channel` to slot `client` not yet done with (unreliable: queued, not yet
   * written; reliable: unacked); 0 for an empty slot.
   */
  queued(client: number, channel: number): number {
    return this.slots[client]?.endpoint.queued(channel) ?? 0;
  }

  /** True if `send(client, channel, bytes)` would be accepted now. */
  canSend(client: number, channel: number, bytes: number): boolean {
    return this.slots[client]?.endpoint.canSend(channel, bytes) ?? false;
  }

  /** Queues `data[0, length)` (default: all of it) on `channel` to every connected client (copied). */
  broadcast(channel: number, data: Uint8Array, length: number = data.length): void {
    for (let i = 0; i < this.slots.length; i++) this.slots[i]?.endpoint.send(channel, data, length);
  }

  /** Writes every client's due packets and keep-alives, and flushes the packet log. */
  sendPackets(): void {
    const now = this.now;
    for (let i = 0; i < this.slots.length; i++) {
      const c = this.slots[i];
      if (c === undefined) continue;
      c.endpoint.writePackets();
      if (now - c.link.lastSent >= this.keepAliveSeconds) c.sendKeepAlive(now);
    }
    this.context.log?.flush();
  }

  /** The next event, or `undefined`. */
  pollEvent(): NetServerEvent | undefined {
    return this.events.poll();
  }

  /** Disconnects slot `client`, telling it `reason` (default `kicked`). */
  disconnect(client: number, reason: DisconnectReasonName = "kicked"): void {
    const c = this.slots[client];
    if (c !== undefined) this.drop(c, reason, true);
  }

  /** Statistics of slot `client`, or `undefined`. */
  clientStats(client: number): Readonly<NetStats> | undefined {
    return this.slots[client]?.stats(this.now);
  }

  /** Totals over all connections (live and departed) plus per-connection statistics. */
  stats(): ServerNetStats {
    const live: ServerConnection[] = [];
    for (const c of this.slots) if (c !== undefined) live.push(c);
    return sumServerStats(live, this.departed, this.totals, this.now);
  }

  /** Disconnects everyone (`serverShutdown`) and closes the packet log; the transport stays the caller's. */
  close(): void {
    if (this.closed) return;
    for (const c of this.slots) if (c !== undefined) this.drop(c, "serverShutdown", true);
    this.context.log?.close();
    this.closed = true;
  }

  private accept(identity: ClientIdentity, link: SecureLink): void {
    const index = this.slots.indexOf(undefined);
    if (index < 0) return;
    const c = new ServerConnection(
      link,
      index,
      identity,
      this.channels,
      this.limits,
      this.maxClients,
      this.now,
      this.onMessageAcked,
    );
    this.slots[index] = c;
    this.byAddress.set(identity.address, c);
    this.connected++;
    c.sendConnectKeepAlive(this.now);
    this.events.push({
      type: "connected",
      client: index,
      clientId: identity.clientId,
      address: identity.address,
      userData: identity.userData,
    });
  }

  private drop(c: ServerConnection, reason: DisconnectReasonName, tell: boolean): void {
    if (tell) {
      const payload = writeDisconnectPayload(reason);
      for (let i = 0; i < ConnectionDefaults.disconnectPackets; i++)
        c.link.send(PacketType.disconnect, payload, this.now, reason);
    }
    addCounters(this.departed, c.stats(this.now));
    this.slots[c.index] = undefined;
    this.byAddress.delete(c.identity.address);
    this.handshake.forget(c.identity.address);
    this.connected--;
    this.events.push({
      type: "disconnected",
      client: c.index,
      clientId: c.identity.clientId,
      reason,
      message: describeDisconnect(reason),
    });
  }

  private findClient(clientId: bigint): ServerConnection | undefined {
    for (const c of this.slots) if (c !== undefined && c.identity.clientId === clientId) return c;
    return undefined;
  }
}
