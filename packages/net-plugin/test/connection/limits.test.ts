import { describe, expect, it } from "vitest";
import { createNetStats, addCounters, RateMeter } from "../../src/connection/netStats";
import { resolvePacketLog, type PacketLogRecord } from "../../src/connection/packetLog";
import {
  ConnectionRateLimiter,
  HandshakeLimiter,
  resolveRateLimits,
  sourceHost,
} from "../../src/connection/rateLimits";
import { TokenBucket } from "../../src/connection/tokenBucket";

describe("TokenBucket", () => {
  it("allows the burst, then the refill rate", () => {
    const bucket = new TokenBucket(10, 5, 0);
    for (let i = 0; i < 5; i++) expect(bucket.take(1, 0)).toBe(true);
    expect(bucket.take(1, 0)).toBe(false);
    expect(bucket.take(1, 0.1)).toBe(true);
    expect(bucket.take(1, 0.1)).toBe(false);
    expect(bucket.available(100)).toBe(5);
  });
});

describe("ConnectionRateLimiter", () => {
  it("drops over packets/s, bytes/s and per-channel messages/s, and flags sustained abuse", () => {
    const limits = resolveRateLimits({
      packetsPerSecond: 10,
      bytesPerSecond: 1000,
      messagesPerSecond: { 2: 5 },
    });
    const limiter = new ConnectionRateLimiter(limits, 0);
    let passed = 0;
    for (let i = 0; i < 20; i++) if (limiter.allowPacket(10, 0)) passed++;
    expect(passed).toBe(10);
    expect(limiter.allowPacket(2000, 10)).toBe(false);
    expect(limiter.allowMessage(0, 10)).toBe(true);
    let messages = 0;
    for (let i = 0; i < 9; i++) if (limiter.allowMessage(2, 10)) messages++;
    expect(messages).toBe(5);
    expect(limiter.abusive(10)).toBe(false);
    for (let t = 10; t <= 13.5; t += 0.25) for (let i = 0; i < 20; i++) limiter.allowPacket(10, t);
    expect(limiter.abusive(13.5)).toBe(true);
    expect(limiter.abusive(20)).toBe(false);
  });

  it("rejects bad limits with the field name", () => {
    expect(() => resolveRateLimits({ packetsPerSecond: 0 })).toThrow(/packetsPerSecond/);
  });
});

describe("HandshakeLimiter", () => {
  it("limits per host (ports do not help) and stays bounded", () => {
    const limiter = new HandshakeLimiter(
      resolveRateLimits({ handshakesPerSecond: 2, maxTrackedAddresses: 100 }),
    );
    let allowed = 0;
    for (let port = 1000; port < 1100; port++) if (limiter.allow(`udp://127.0.0.1:${port}`, 0)) allowed++;
    expect(allowed).toBe(4);
    for (let i = 0; i < 10_000; i++) limiter.allow(`loopback://fuzz-${i}`, 0);
    expect(limiter.size).toBe(100);
  });

  it("strips ports from every address form", () => {
    expect(sourceHost("udp://127.0.0.1:4000")).toBe("udp://127.0.0.1");
    expect(sourceHost("udp://[::1]:4000")).toBe("udp://[::1]");
    expect(sourceHost("ws://127.0.0.1:8080/#7")).toBe("ws://127.0.0.1");
    expect(sourceHost("loopback://peer-3")).toBe("loopback://peer-3");
  });
});

describe("NetStats", () => {
  it("sums counters and measures bytes per second", () => {
    const total = createNetStats();
    const one = createNetStats();
    one.packetsInvalid = 3;
    one.bytesSent = 10;
    addCounters(total, one);
    addCounters(total, one);
    expect(total.packetsInvalid).toBe(6);
    expect(total.bytesSent).toBe(20);
    const meter = new RateMeter();
    for (let t = 0; t < 5; t += 0.01) meter.add(10, t);
    expect(meter.rate(5)).toBeGreaterThan(800);
    expect(meter.rate(5)).toBeLessThan(1200);
    expect(meter.rate(10)).toBe(0);
  });
});

describe("packet log option", () => {
  it("accepts a callback, refuses a path without a file writer, and is off by default", () => {
    const seen: PacketLogRecord[] = [];
    const writer = resolvePacketLog((r) => seen.push(r), "server", undefined);
    writer?.write({
      time: 0,
      direction: "in",
      side: "server",
      connection: 0,
      address: "x",
      type: "payload",
      size: 1,
    });
    expect(seen.length).toBe(1);
    expect(resolvePacketLog(undefined, "server", undefined)).toBeUndefined();
    expect(() => resolvePacketLog("x.jsonl", "client", undefined)).toThrow(/openPacketLogFile/);
  });
});
