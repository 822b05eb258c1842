/**
 * The server's side of the handshake (netcode.io): a request carrying a sealed connect token is
 * checked (size, version info, per-host rate limit, protocol id, expiry, seal, server address,
 * protocol version and hash, token replay, client id, capacity) and either denied with a reason or
 * answered with an encrypted challenge; an echoed challenge from the same address gets a slot.
 * Every table here is bounded: pending handshakes and remembered token tags evict their oldest.
 */
import { openPrivateConnectToken } from "../protocol/connectToken";
import { ConnectionDefaults, PacketType } from "./constants";
import { type DisconnectDetail, type DisconnectReasonName } from "./disconnectReasons";
import {
  readChallengePayload,
  readRequest,
  tokenTagOf,
  writeChallengePayload,
  writeDenied,
} from "./handshakePackets";
import { ChallengeTokens } from "./challengeToken";
import { HandshakeLimiter, type RateLimits } from "./rateLimits";
import { SecureLink, type SecureLinkContext } from "./secureLink";
import type { ClientIdentity } from "./serverConnection";

/** What the handshake needs from the server that owns it. */
export interface HandshakeHost {
  /** Wall-clock Unix seconds (token expiry). */
  unixTime(): number;
  isFull(): boolean;
  /** The address `clientId` is connected from, if it is connected. */
  addressOfClient(clientId: bigint): string | undefined;
  /** Gives the client a slot, taking over its link. */
  accept(identity: ClientIdentity, link: SecureLink): void;
}

/** Settings the handshake checks against. */
export interface HandshakeSettings {
  protocolId: bigint;
  protocolVersion: number;
  protocolHash: number;
  privateKey: Uint8Array;
  publicAddresses: readonly string[];
  rateLimits: RateLimits;
  timeoutSeconds: number;
}

/** Counters the handshake bumps (part of the server's stats). */
export interface HandshakeCounters {
  handshakesDenied: number;
  handshakesRateLimited: number;
  packetsInvalid: number;
}

interface Pending {
  identity: ClientIdentity;
  link: SecureLink;
  tag: string;
  challenge: { sequence: number; token: Uint8Array };
  expiresAt: number;
}

interface TokenUse {
  address: string;
  /** The handshake completed with this token (a second use would reuse its nonces). */
  used: boolean;
}

/** Handles requests and responses from addresses without a slot. */
export class ServerHandshake {
  private readonly pending = new Map<string, Pending>();
  private readonly tokens = new Map<string, TokenUse>();
  private readonly challenges = new ChallengeTokens();
  private readonly limiter: HandshakeLimiter;

  constructor(
    private readonly context: SecureLinkContext,
    private readonly settings: HandshakeSettings,
    private readonly counters: HandshakeCounters,
    private readonly host: HandshakeHost,
  ) {
    this.limiter = new HandshakeLimiter(settings.rateLimits);
  }

  /** Sizes of the bounded tables (for tests and diagnostics). */
  get sizes(): { pending: number; tokens: number; limitedHosts: number } {
    return { pending: this.pending.size, tokens: this.tokens.size, limitedHosts: this.limiter.size };
  }

  /** Processes a datagram from an address that has no slot. */
  receive(from: string, data: Uint8Array, now: number): void {
    const type = (data[0] ?? 0xff) & 0x0f;
    if (type === PacketType.request && data.length > 0 && data[0] === PacketType.request) {
      this.onRequest(from, data, now);
      return;
    }
    const pending = this.pending.get(from);
    if (pending === undefined || type !== PacketType.response) {
      this.counters.packetsInvalid++;
      return;
    }
    this.onResponse(pending, from, data, now);
  }

  /** Drops pending handshakes that were not answered in time (no iterator when there are none). */
  update(now: number): void {
    if (this.pending.size === 0) return;
    for (const [address, p] of this.pending) {
      if (p.expiresAt <= now) this.pending.delete(address);
    }
  }

  /** Forgets the pending entry of `address` (it got a slot, or the server is closing). */
  forget(address: string): void {
    this.pending.delete(address);
  }

  private onRequest(from: string, data: Uint8Array, now: number): void {
    const request = readRequest(data);
    this.context.log?.write({
      time: now,
      direction: "in",
      side: "server",
      connection: -1,
      address: from,
      type: "request",
      size: data.length,
      ...(request === undefined ? { dropped: "invalid" } : {}),
    });
    if (request === undefined) {
      this.counters.packetsInvalid++;
      return;
    }
    if (!this.limiter.allow(from, now)) {
      this.counters.handshakesRateLimited++;
      return;
    }
    const s = this.settings;
    if (request.protocolId !== s.protocolId) return this.deny(now, from, "tokenInvalid");
    if (request.expiresAt <= this.host.unixTime()) return this.deny(now, from, "tokenExpired");
    const token = openPrivateConnectToken(
      request.privateToken,
      request.nonce,
      request.protocolId,
      request.expiresAt,
      s.privateKey,
    );
    if (token === undefined) return this.deny(now, from, "tokenInvalid");
    if (!token.serverAddresses.some((a) => s.publicAddresses.includes(a)))
      return this.deny(now, from, "wrongServer");
    if (request.protocolVersion !== s.protocolVersion) {
      return this.deny(now, from, "versionMismatch", {
        localVersion: s.protocolVersion,
        remoteVersion: request.protocolVersion,
      });
    }
    if (request.protocolHash >>> 0 !== s.protocolHash >>> 0) {
      return this.deny(now, from, "protocolHashMismatch", {
        localHash: s.protocolHash,
        remoteHash: request.protocolHash,
      });
    }
    const connectedFrom = this.host.addressOfClient(token.clientId);
    if (connectedFrom === from) return; // already connected from here: a late retransmit
    const tag = hex(tokenTagOf(request));
    const use = this.tokens.get(tag);
    if (use !== undefined && (use.address !== from || use.used)) return this.deny(now, from, "tokenReplayed");
    if (connectedFrom !== undefined) return this.deny(now, from, "alreadyConnected");
    if (this.host.isFull()) return this.deny(now, from, "serverFull");

    const existing = this.pending.get(from);
    if (existing !== undefined && existing.tag === tag) {
      existing.link.send(
        PacketType.challenge,
        writeChallengePayload(existing.challenge.sequence, existing.challenge.token),
        now,
      );
      return;
    }
    if (use === undefined) this.remember(tag, { address: from, used: false });
    if (this.pending.size >= ConnectionDefaults.maxPendingHandshakes && existing === undefined) {
      const oldest = this.pending.keys().next();
      if (oldest.done !== true) this.pending.delete(oldest.value);
    }
    const identity: ClientIdentity = {
      clientId: token.clientId,
      address: from,
      clientToServerKey: token.clientToServerKey,
      serverToClientKey: token.serverToClientKey,
      userData: token.userData,
      timeoutSeconds: Math.min(token.timeoutSeconds, s.timeoutSeconds),
    };
    const link = new SecureLink(this.context, from, token.serverToClientKey, token.clientToServerKey, now);
    const challenge = this.challenges.issue({ clientId: token.clientId, tokenTag: tokenTagOf(request) });
    this.pending.set(from, {
      identity,
      link,
      tag,
      challenge,
      expiresAt: now + ConnectionDefaults.pendingTimeoutSeconds,
    });
    link.send(PacketType.challenge, writeChallengePayload(challenge.sequence, challenge.token), now);
  }

  private onResponse(pending: Pending, from: string, data: Uint8Array, now: number): void {
    const opened = pending.link.open(data, now);
    if (opened === undefined) return;
    const body = opened.type === PacketType.response ? readChallengePayload(opened.payload) : undefined;
    const contents = body === undefined ? undefined : this.challenges.open(body.sequence, body.token);
    if (
      contents === undefined ||
      contents.clientId !== pending.identity.clientId ||
      hex(contents.tokenTag) !== pending.tag
    ) {
      pending.link.stats.packetsInvalid++;
      this.counters.packetsInvalid++;
      return;
    }
    this.pending.delete(from);
    if (this.host.isFull()) return this.deny(now, from, "serverFull");
    if (this.host.addressOfClient(pending.identity.clientId) !== undefined)
      return this.deny(now, from, "alreadyConnected");
    this.remember(pending.tag, { address: from, used: true });
    this.host.accept(pending.identity, pending.link);
  }

  private deny(now: number, to: string, reason: DisconnectReasonName, detail?: DisconnectDetail): void {
    this.counters.handshakesDenied++;
    const packet = writeDenied(reason, detail);
    this.context.transport.send(to, packet);
    this.context.log?.write({
      time: now,
      direction: "out",
      side: "server",
      connection: -1,
      address: to,
      type: "denied",
      size: packet.length,
      reason,
    });
  }

  private remember(tag: string, use: TokenUse): void {
    this.tokens.delete(tag);
    if (this.tokens.size >= ConnectionDefaults.maxTokenEntries) {
      const oldest = this.tokens.keys().next();
      if (oldest.done !== true) this.tokens.delete(oldest.value);
    }
    this.tokens.set(tag, use);
  }
}

function hex(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += (b < 16 ? "0" : "") + b.toString(16);
  return text;
}
