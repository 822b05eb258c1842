/**
 * One connected client on the server: its encrypted link, its reliability endpoint (channels,
 * acks, RTT), its rate limiter and what its token said about it.
 */
import { ReliableEndpoint } from "../reliability/reliableEndpoint";
import type { ChannelConfig } from "../reliability/channels";
import { PacketType } from "./constants";
import { writeKeepAlivePayload } from "./handshakePackets";
import { reportConnectionStats } from "./connectionStats";
import { createNetStats, type NetStats } from "./netStats";
import { ConnectionRateLimiter, type RateLimits } from "./rateLimits";
import type { OpenedPacket } from "./packetCrypto";
import type { SecureLink } from "./secureLink";

/** What the server learnt from a client's connect token. */
export interface ClientIdentity {
  clientId: bigint;
  address: string;
  clientToServerKey: Uint8Array;
  serverToClientKey: Uint8Array;
  userData: Uint8Array;
  timeoutSeconds: number;
}

/** A connected client's slot. */
export class ServerConnection {
  readonly endpoint: ReliableEndpoint;
  readonly limiter: ConnectionRateLimiter;
  private readonly reported = createNetStats();

  /** Takes over the handshake's `link`, so its sequence (the nonce) continues and is never reused. */
  constructor(
    readonly link: SecureLink,
    readonly index: number,
    readonly identity: ClientIdentity,
    channels: readonly ChannelConfig[],
    limits: RateLimits,
    private readonly maxClients: number,
    now: number,
    onMessageAcked?: (client: number, channel: number, ticket: number) => void,
  ) {
    link.index = index;
    this.endpoint = new ReliableEndpoint({
      channels,
      transmitRange: (buffer, offset, length) =>
        this.link.sendRange(PacketType.payload, buffer, offset, length, this.endpoint.time),
      onMessageAcked:
        onMessageAcked === undefined
          ? undefined
          : (channel, ticket) => onMessageAcked(index, channel, ticket),
    });
    this.endpoint.update(now);
    this.limiter = new ConnectionRateLimiter(limits, now);
  }

  /** Sends the connect keep-alive telling the client its slot (the 4-byte form every client reads). */
  sendConnectKeepAlive(now: number): void {
    this.link.send(PacketType.keepAlive, writeKeepAlivePayload(this.index, this.maxClients), now);
  }

  /** Sends an idle keep-alive: the slot again, plus the echo that keeps the RTT estimate alive. */
  sendKeepAlive(now: number): void {
    this.link.sendKeepAlive(this.index, this.maxClients, now);
  }

  /** Takes a keep-alive from the client: its echo of ours is an RTT sample for the endpoint. */
  receiveKeepAlive(opened: OpenedPacket, now: number): void {
    const rtt = this.link.receiveKeepAlive(opened, now);
    if (rtt !== undefined) this.endpoint.addRttSample(rtt);
  }

  /** Statistics: link counters plus the reliability layer's latency, loss and duplicates. */
  stats(now: number): NetStats {
    return reportConnectionStats(this.reported, this.link, this.endpoint, now);
  }
}
