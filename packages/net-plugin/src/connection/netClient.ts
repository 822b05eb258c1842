/**
 * NetClient: connects to a server with a connect token over any Transport, tries the token's
 * servers in order, answers the challenge, then exchanges encrypted packets carrying one
 * ReliableEndpoint's channels. Driven explicitly once per frame — `update(now)`,
 * `receivePackets()`, `sendPackets()` — with no timers or awaits; events via `pollEvent()`.
 */
import {
  decodeConnectToken,
  readConnectToken,
  type ConnectToken,
  type IssuedConnectToken,
} from "../protocol/connectToken";
import { Protocol } from "../protocol/constants";
import { EMPTY_BYTES } from "../protocol/scratch";
import { DEFAULT_CHANNELS, type ChannelConfig } from "../reliability/channels";
import { warmUpReliability } from "../reliability/endpointWarmUp";
import type { ReceivedMessage } from "../reliability/receiveBudget";
import { ReliableEndpoint } from "../reliability/reliableEndpoint";
import { datagramBuffer, datagramLength, datagramOffset, type Transport } from "../transport/transport";
import { ClientState, type ClientStateValue } from "./clientState";
import { reportConnectionStats } from "./connectionStats";
import { ConnectionDefaults, PacketType } from "./constants";
import { describeDisconnect, type DisconnectDetail, type DisconnectReasonName } from "./disconnectReasons";
import {
  readChallengePayload,
  readDenied,
  readDisconnectPayload,
  readKeepAlivePayload,
  writeDisconnectPayload,
  writeRequest,
} from "./handshakePackets";
import { EventQueue, MessageEventPool, prepareMessageEvents, type NetClientEvent } from "./netEvents";
import { createNetStats, type NetStats } from "./netStats";
import { PacketCipher } from "./packetCrypto";
import { resolvePacketLog, type PacketLogWriter } from "./packetLog";
import { SecureLink } from "./secureLink";
import { sendCounted } from "./sendCounted";
import type { NetClientConfig } from "./clientConfig";

export type { NetClientConfig } from "./clientConfig";

/** Tags of tokens this client already used, remembered to refuse reuse (nonces would repeat). */
const USED_TOKENS_KEPT = 64;

/** The client side of a Canopy connection. */
export class NetClient {
  private stateValue: ClientStateValue = ClientState.disconnected;
  private reason: DisconnectReasonName | undefined;
  private readonly events = new EventQueue<NetClientEvent>();
  private readonly messages = new MessageEventPool();
  private readonly taken: ReceivedMessage = { buffer: EMPTY_BYTES, offset: 0, length: 0 };
  private readonly channels: readonly ChannelConfig[];
  private readonly log: PacketLogWriter | undefined;
  private readonly keepAliveSeconds: number;
  private readonly unixTime: () => number;
  private readonly usedTokens: string[] = [];
  private readonly reported = createNetStats();
  private token: ConnectToken | undefined;
  private link: SecureLink | undefined;
  private endpoint: ReliableEndpoint | undefined;
  private request: Uint8Array | undefined;
  private challenge: Uint8Array | undefined;
  private serverIndex = 0;
  /** When the current server attempt began (set by the first `update` after it started). */
  private attemptStart: number | undefined;
  private lastHandshakeSend = -Infinity;
  /**
   * Seconds of the last `update`. Declared without an initialiser (it starts `undefined`; the
   * constructor sets 0) so V8 keeps the field tagged: it holds the caller's boxed number, and
   * handing it to a call per packet allocates nothing (a double field is re-boxed for every call).
   */
  private now: number;
  /** Datagrams from unexpected addresses or in the wrong state (not attributable to a link). */
  private strayPackets = 0;
  /** Slot index on the server once connected, else −1. */
  clientIndex = -1;
  /** The server's max clients once connected, else 0. */
  maxClients = 0;

  constructor(
    readonly transport: Transport,
    private readonly config: NetClientConfig = {},
  ) {
    this.now = 0;
    warmUpReliability(); // once per process: see endpointWarmUp.ts
    this.channels = config.channels ?? DEFAULT_CHANNELS;
    this.keepAliveSeconds = config.keepAliveSeconds ?? ConnectionDefaults.keepAliveSeconds;
    if (!(this.keepAliveSeconds > 0))
      throw new RangeError(`NetClient: keepAliveSeconds must be > 0, got ${this.keepAliveSeconds}.`);
    this.unixTime = config.unixTime ?? (() => Date.now() / 1000);
    this.log = resolvePacketLog(config.logPackets, "client", config.openPacketLog);
  }

  /** The connection state. */
  get state(): ClientStateValue {
    return this.stateValue;
  }

  /** Why the last connection or handshake ended, if it did. */
  get disconnectReason(): DisconnectReasonName | undefined {
    return this.reason;
  }

  /** The address of the server being contacted or connected to. */
  get serverAddress(): string | undefined {
    return this.token?.serverAddresses[this.serverIndex];
  }

  /** Starts connecting with a fresh token (bytes, base64 text, or as issued); tokens are single-use. */
  connect(token: Uint8Array | string | ConnectToken | IssuedConnectToken): void {
    if (this.stateValue !== ClientState.disconnected) {
      throw new Error(`NetClient.connect: already ${this.stateValue}; call disconnect() first.`);
    }
    const parsed =
      typeof token === "string"
        ? decodeConnectToken(token)
        : readConnectToken(token instanceof Uint8Array ? token : token.bytes);
    if (parsed === undefined)
      throw new TypeError("NetClient.connect: not a Canopy connect token (wrong size or version).");
    const tag = Array.from(parsed.privateToken.subarray(parsed.privateToken.length - 16)).join(",");
    if (this.usedTokens.includes(tag)) {
      throw new Error(
        "NetClient.connect: this connect token was already used; ask the issuer for a fresh one to reconnect.",
      );
    }
    this.usedTokens.push(tag);
    if (this.usedTokens.length > USED_TOKENS_KEPT) this.usedTokens.shift();
    const context = {
      transport: this.transport,
      cipher: new PacketCipher(parsed.protocolId, this.config.aead),
      log: this.log,
      side: "client" as const,
      kinds: this.channels.map((c) => c.kind),
    };
    this.token = parsed;
    this.endpoint = undefined;
    this.reason = undefined;
    this.request = writeRequest(
      parsed,
      this.config.protocolVersion ?? Protocol.version,
      this.config.protocolHash ?? 0,
    );
    this.serverIndex = 0;
    this.link = new SecureLink(
      context,
      parsed.serverAddresses[0] ?? "",
      parsed.clientToServerKey,
      parsed.serverToClientKey,
      this.now,
    );
    this.beginAttempt();
  }

  /**
   * Queues `data[0, length)` (default: all of `data`) on `channel` (throws unless connected, or
   * for a bad channel or size) and returns its ticket for `onMessageAcked`, or `undefined` when a
   * full unreliable queue dropped it. The bytes are copied before `send` returns (no view is
   * created): reuse `data` at once, e.g. `send(ch, writer.bytes, writer.bytesWritten)`.
   */
  send(channel: number, data: Uint8Array, length: number = data.length): number | undefined {
    if (this.endpoint === undefined || this.stateValue !== ClientState.connected) {
      throw new Error(
        `NetClient.send: not connected (state ${this.stateValue}); wait for the "connected" event.`,
      );
    }
    return sendCounted(this.endpoint, channel, data, length);
  }

  /** True if `send(channel, bytes)` would be accepted now. */
  canSend(channel: number, bytes: number): boolean {
    return this.stateValue === ClientState.connected && (this.endpoint?.canSend(channel, bytes) ?? false);
  }

  /** Advances time (seconds, never backwards): handshake and connection timeouts, reliability timers. */
  update(nowSeconds: number): void {
    if (!(nowSeconds >= this.now))
      throw new RangeError(`NetClient.update: time went backwards (${nowSeconds} < ${this.now}).`);
    this.now = nowSeconds;
    const token = this.token;
    const link = this.link;
    if (token === undefined || link === undefined || this.stateValue === ClientState.disconnected) return;
    if (this.stateValue === ClientState.connected) {
      this.endpoint?.update(nowSeconds);
      if (nowSeconds - link.lastReceived >= token.timeoutSeconds) this.finish("timeout", {}, false);
      return;
    }
    if (this.unixTime() >= token.expiresAt) this.finish("tokenExpired", {}, false);
    else if (this.attemptStart === undefined) this.attemptStart = nowSeconds;
    else if (nowSeconds - this.attemptStart >= token.timeoutSeconds) this.nextServer("handshakeTimeout");
  }

  /**
   * Drains the transport: handshake replies, then payloads into messages and events. Message
   * events of the previous call are reused from here on (see netEvents.ts).
   */
  receivePackets(): void {
    prepareMessageEvents(this.events, this.messages);
    for (let d = this.transport.poll(); d !== undefined; d = this.transport.poll()) {
      const link = this.link;
      if (link === undefined || this.stateValue === ClientState.disconnected || d.from !== link.address) {
        this.strayPackets++;
        continue;
      }
      const buffer = datagramBuffer(d);
      const offset = datagramOffset(d);
      if (buffer[offset] === PacketType.denied) {
        this.onDenied(d.data);
        continue;
      }
      const opened = link.open(buffer, this.now, offset, datagramLength(d));
      if (opened === undefined) continue;
      if (opened.type === PacketType.challenge && this.stateValue === ClientState.sendingRequest) {
        const body = readChallengePayload(opened.payload);
        if (body === undefined) link.stats.packetsInvalid++;
        else {
          this.challenge = opened.payload.slice();
          this.stateValue = ClientState.sendingResponse;
          this.lastHandshakeSend = -Infinity;
        }
      } else if (opened.type === PacketType.keepAlive) {
        if (this.stateValue === ClientState.sendingResponse) this.onConnected(opened.payload);
        const rtt = link.receiveKeepAlive(opened, this.now);
        if (rtt !== undefined && this.stateValue === ClientState.connected) this.endpoint?.addRttSample(rtt);
      } else if (opened.type === PacketType.payload && this.stateValue === ClientState.connected) {
        this.endpoint?.receivePacket(opened.buffer, opened.offset, opened.length);
      } else if (opened.type === PacketType.disconnect) {
        this.finish(readDisconnectPayload(opened.payload) ?? "disconnected", {}, false);
      } else {
        link.stats.packetsInvalid++;
      }
    }
    const e = this.endpoint;
    if (e === undefined || this.stateValue !== ClientState.connected) return;
    const m = this.taken;
    for (let ch = 0; ch < this.channels.length; ch++) {
      while (e.receiveMessage(ch, m))
        this.events.push(this.messages.take().set(-1, ch, m.buffer, m.offset, m.length));
    }
    m.buffer = EMPTY_BYTES;
  }

  /** Sends what is due: handshake packets at 10 Hz, or payloads and keep-alives; flushes the log. */
  sendPackets(): void {
    const link = this.link;
    const now = this.now;
    if (link !== undefined && this.stateValue !== ClientState.disconnected) {
      if (this.stateValue === ClientState.connected) {
        // A frame that wrote packets needs no keep-alive (lastSent is now): skipping the check
        // keeps its double arithmetic out of the usual frame, where this once-per-frame method
        // may still run unoptimized (a heap number per operation).
        const written = this.endpoint?.writePackets() ?? 0;
        if (written === 0 && now - link.lastSent >= this.keepAliveSeconds) link.sendKeepAlive(0, 0, now);
      } else if (now - this.lastHandshakeSend >= ConnectionDefaults.handshakeResendSeconds) {
        this.lastHandshakeSend = now;
        if (this.stateValue === ClientState.sendingRequest && this.request !== undefined) {
          this.transport.send(link.address, this.request);
          this.log?.write({
            time: now,
            direction: "out",
            side: "client",
            connection: -1,
            address: link.address,
            type: "request",
            size: this.request.length,
          });
        } else if (this.challenge !== undefined) {
          link.send(PacketType.response, this.challenge, now);
        }
      }
    }
    this.log?.flush();
  }

  /** The next event, or `undefined`. */
  pollEvent(): NetClientEvent | undefined {
    return this.events.poll();
  }

  /** Disconnects cleanly (the server is told), or abandons a handshake. */
  disconnect(): void {
    if (this.stateValue === ClientState.disconnected) return;
    this.finish("disconnected", {}, this.stateValue === ClientState.connected);
  }

  /** Statistics of the current (or last) connection; stray packets count as invalid. */
  stats(): Readonly<NetStats> {
    const r = this.reported;
    if (this.link !== undefined && this.endpoint !== undefined) {
      reportConnectionStats(r, this.link, this.endpoint, this.now);
    } else {
      Object.assign(r, createNetStats());
      if (this.link !== undefined) {
        this.link.refreshRates(this.now);
        Object.assign(r, this.link.stats);
      }
    }
    r.packetsInvalid += this.strayPackets;
    return r;
  }

  /** Closes the packet log (the transport stays the caller's). */
  close(): void {
    this.disconnect();
    this.log?.close();
  }

  private beginAttempt(): void {
    this.stateValue = ClientState.sendingRequest;
    this.attemptStart = undefined;
    this.lastHandshakeSend = -Infinity;
    this.challenge = undefined;
  }

  private nextServer(reason: DisconnectReasonName, detail: DisconnectDetail = {}): void {
    const token = this.token;
    const link = this.link;
    if (token === undefined || link === undefined || this.serverIndex + 1 >= token.serverAddresses.length) {
      this.finish(reason, detail, false);
      return;
    }
    this.serverIndex++;
    link.retarget(token.serverAddresses[this.serverIndex] ?? "", this.now);
    this.beginAttempt();
  }

  private onDenied(packet: Uint8Array): void {
    const denied = readDenied(packet);
    if (denied === undefined || this.stateValue === ClientState.connected) {
      this.strayPackets++;
      return;
    }
    this.log?.write({
      time: this.now,
      direction: "in",
      side: "client",
      connection: -1,
      address: this.link?.address ?? "",
      type: "denied",
      size: packet.length,
      reason: denied.reason,
    });
    // Reasons about this server, not the token or the build: the token's next server may do.
    if (denied.reason === "serverFull" || denied.reason === "wrongServer") this.nextServer(denied.reason);
    else this.finish(denied.reason, denied.detail, false);
  }

  private onConnected(payload: Uint8Array): void {
    const info = readKeepAlivePayload(payload);
    const link = this.link;
    if (info === undefined || link === undefined) {
      if (link !== undefined) link.stats.packetsInvalid++;
      return;
    }
    this.clientIndex = info.clientIndex;
    this.maxClients = info.maxClients;
    link.index = info.clientIndex;
    this.endpoint = new ReliableEndpoint({
      channels: this.channels,
      transmitRange: (buffer, offset, length) =>
        link.sendRange(PacketType.payload, buffer, offset, length, this.now),
      onMessageAcked: this.config.onMessageAcked,
    });
    this.endpoint.update(this.now);
    this.stateValue = ClientState.connected;
    this.events.push({ type: "connected", clientIndex: info.clientIndex, maxClients: info.maxClients });
  }

  private finish(reason: DisconnectReasonName, detail: DisconnectDetail, tell: boolean): void {
    const link = this.link;
    if (tell && link !== undefined) {
      const payload = writeDisconnectPayload(reason);
      for (let i = 0; i < ConnectionDefaults.disconnectPackets; i++)
        link.send(PacketType.disconnect, payload, this.now, reason);
    }
    this.stateValue = ClientState.disconnected;
    this.reason = reason;
    this.clientIndex = -1;
    this.events.push({ type: "disconnected", reason, message: describeDisconnect(reason, detail), detail });
  }
}
