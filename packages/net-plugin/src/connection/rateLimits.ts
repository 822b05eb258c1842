/**
 * Rate limiting with token buckets: per connection on packets/s, bytes/s and messages/s per channel
 * (the message kind); traffic over a limit is dropped and counted, and a connection that keeps
 * going over for `abuseSeconds` is disconnected with reason `rateLimited`. Handshake requests are
 * limited per source host (address without port) in a bounded table.
 */
import { TokenBucket } from "./tokenBucket";

/** Rate limits of a server; every field is optional in the config. */
export interface RateLimits {
  /** Packets per second one connection may send (default 300: 5 per tick at 60 Hz). */
  packetsPerSecond: number;
  /** Bytes per second one connection may send (default 524 288 = 512 KiB/s, room for uploads). */
  bytesPerSecond: number;
  /** Messages per second per channel index (the message kind); unlisted channels are unlimited. */
  messagesPerSecond: Readonly<Record<number, number>>;
  /** A bucket holds this many seconds of its rate, so short bursts pass (default 1). */
  burstSeconds: number;
  /** Drops in every second for this long → disconnect with `rateLimited` (default 3). */
  abuseSeconds: number;
  /**
   * Connection requests per second per source host (default 10, burst 2 s' worth): a client sends
   * ~10 per second until challenged, and players behind one NAT share a host.
   */
  handshakesPerSecond: number;
  /** Source hosts tracked by the handshake limiter; the oldest is forgotten first (default 4096). */
  maxTrackedAddresses: number;
}

/** Default {@link RateLimits}, generous for a game and tight for a flood. */
export const DefaultRateLimits: Readonly<RateLimits> = Object.freeze({
  packetsPerSecond: 300,
  bytesPerSecond: 512 * 1024,
  messagesPerSecond: Object.freeze({}),
  burstSeconds: 1,
  abuseSeconds: 3,
  handshakesPerSecond: 10,
  maxTrackedAddresses: 4096,
});

/** Fills omitted fields with defaults and checks the rest. */
export function resolveRateLimits(partial: Partial<RateLimits> = {}): RateLimits {
  const limits = { ...DefaultRateLimits, ...partial };
  for (const key of [
    "packetsPerSecond",
    "bytesPerSecond",
    "burstSeconds",
    "abuseSeconds",
    "handshakesPerSecond",
  ] as const) {
    if (!(limits[key] > 0)) throw new RangeError(`rateLimits.${key} must be > 0, got ${limits[key]}.`);
  }
  if (!Number.isInteger(limits.maxTrackedAddresses) || limits.maxTrackedAddresses < 1) {
    throw new RangeError(
      `rateLimits.maxTrackedAddresses must be a positive integer, got ${limits.maxTrackedAddresses}.`,
    );
  }
  return limits;
}

/** The limits of one connection. */
export class ConnectionRateLimiter {
  private readonly packets: TokenBucket;
  private readonly bytes: TokenBucket;
  private readonly messages = new Map<number, TokenBucket>();
  private abuseStart = -1;
  private lastDrop = -Infinity;

  constructor(
    private readonly limits: RateLimits,
    now: number,
  ) {
    const burst = limits.burstSeconds;
    this.packets = new TokenBucket(limits.packetsPerSecond, limits.packetsPerSecond * burst, now);
    this.bytes = new TokenBucket(limits.bytesPerSecond, limits.bytesPerSecond * burst, now);
    for (const [channel, rate] of Object.entries(limits.messagesPerSecond)) {
      this.messages.set(Number(channel), new TokenBucket(rate, rate * burst, now));
    }
  }

  /** Whether a packet of `size` bytes may be processed; false means drop (and it is recorded). */
  allowPacket(size: number, now: number): boolean {
    if (this.packets.take(1, now) && this.bytes.take(size, now)) return true;
    this.recordDrop(now);
    return false;
  }

  /** Whether one message on `channel` may be delivered; false means drop. */
  allowMessage(channel: number, now: number): boolean {
    const bucket = this.messages.get(channel);
    if (bucket === undefined || bucket.take(1, now)) return true;
    this.recordDrop(now);
    return false;
  }

  /** True once drops happened in every second for `abuseSeconds`. */
  abusive(now: number): boolean {
    if (this.abuseStart < 0 || now - this.lastDrop > 1) return false;
    return now - this.abuseStart >= this.limits.abuseSeconds;
  }

  private recordDrop(now: number): void {
    if (now - this.lastDrop > 1) this.abuseStart = now;
    this.lastDrop = now;
  }
}

/** Limits connection requests per source host in a table that never grows past its bound. */
export class HandshakeLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limits: RateLimits) {}

  /** Whether a request from `address` at `now` may be processed. */
  allow(address: string, now: number): boolean {
    const host = sourceHost(address);
    let bucket = this.buckets.get(host);
    if (bucket === undefined) {
      if (this.buckets.size >= this.limits.maxTrackedAddresses) {
        const oldest = this.buckets.keys().next();
        if (oldest.done !== true) this.buckets.delete(oldest.value);
      }
      const rate = this.limits.handshakesPerSecond;
      bucket = new TokenBucket(rate, Math.max(1, rate * 2), now);
      this.buckets.set(host, bucket);
    }
    return bucket.take(1, now);
  }

  /** Hosts currently tracked (bounded by `maxTrackedAddresses`). */
  get size(): number {
    return this.buckets.size;
  }
}

const HOST_PATTERN = /^([a-z]+:\/\/)(\[[^\]]*\]|[^:/#]*)/;

/** The address without its port (`udp://127.0.0.1:4000` → `udp://127.0.0.1`); loopback names stay whole. */
export function sourceHost(address: string): string {
  if (address.startsWith("loopback://")) return address;
  const match = HOST_PATTERN.exec(address);
  return match === null ? address : (match[1] ?? "") + (match[2] ?? "");
}
