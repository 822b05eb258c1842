/**
 * Bad input at a live server: hundreds of thousands of random packets, mutated copies of real
 * captured packets (bit flips, truncation, extension, new prefix bytes), verbatim replays, forged
 * requests and valid tokens from many spoofed addresses — while three real clients keep talking.
 * Nothing may throw, every server table stays within its bound, and the real clients lose nothing.
 */
import { createRng, type Rng } from "@canopy/core";
import { ConnectionDefaults, ConnectionWire, type Datagram, type Transport } from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";
import { Stepper } from "./stepper";

/** Wraps the server's transport: records real datagrams and feeds injected ones to `poll()`. */
class FuzzTap implements Transport {
  readonly captured: Datagram[] = [];
  readonly injected: Datagram[] = [];
  /** Bytes received from and sent to each spoofed address (the amplification check). */
  readonly bytesFrom = new Map<string, number>();
  readonly bytesTo = new Map<string, number>();
  private next = 0;
  constructor(private readonly inner: Transport) {}
  get localAddress() {
    return this.inner.localAddress;
  }
  get maxDatagramSize() {
    return this.inner.maxDatagramSize;
  }
  get counters() {
    return this.inner.counters;
  }
  get closed() {
    return this.inner.closed;
  }
  send(to: string, data: Uint8Array, length = data.length): void {
    if (to.startsWith("loopback://fuzz-")) this.bytesTo.set(to, (this.bytesTo.get(to) ?? 0) + length);
    this.inner.send(to, data, length);
  }
  poll(): Datagram | undefined {
    const d = this.inner.poll();
    if (d !== undefined) {
      if (this.captured.length < 512) this.captured.push({ from: d.from, data: d.data.slice() });
      return d;
    }
    const injected = this.injected[this.next++];
    if (injected !== undefined) {
      this.bytesFrom.set(injected.from, (this.bytesFrom.get(injected.from) ?? 0) + injected.data.length);
      return injected;
    }
    this.injected.length = 0;
    this.next = 0;
    return undefined;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Seeded random bytes, cut from a pool made once per run (cheap enough for 300 000 packets). */
let pool = new Uint8Array(0);
function randomBytes(rng: Rng, length: number): Uint8Array {
  if (pool.length === 0) {
    pool = new Uint8Array(1 << 18);
    for (let i = 0; i < pool.length; i++) pool[i] = rng.int(0, 255);
  }
  const at = rng.int(0, pool.length - length);
  return pool.slice(at, at + length);
}

function mutate(rng: Rng, source: Uint8Array): Uint8Array {
  const kind = rng.int(0, 4);
  if (kind === 0) return source.subarray(0, rng.int(0, source.length)).slice();
  if (kind === 1) {
    const grown = new Uint8Array(source.length + rng.int(1, 64));
    grown.set(source);
    grown.set(randomBytes(rng, grown.length - source.length), source.length);
    return grown;
  }
  const copy = source.slice();
  if (kind === 2) copy[0] = rng.int(0, 255);
  const flips = rng.int(1, 8);
  for (let i = 0; i < flips && copy.length > 0; i++) {
    const at = rng.int(0, copy.length - 1);
    copy[at] = (copy[at] ?? 0) ^ (1 << rng.int(0, 7));
  }
  return copy;
}

describe("fuzzing a live server", () => {
  it("survives 300 000 hostile packets while real clients keep exchanging messages", () => {
    const seed = Number(process.env.FUZZ_SEED ?? 20261125);
    const rng = createRng(seed);
    pool = new Uint8Array(0);
    try {
      run(seed, rng);
    } catch (error) {
      throw new Error(`fuzz failed with FUZZ_SEED=${seed}: ${String(error)}`, { cause: error });
    }
  });
});

function run(seed: number, rng: Rng): void {
  const tapHolder: { tap?: FuzzTap } = {};
  const s = new Stepper(
    { maxClients: 16, timeoutSeconds: 2 },
    undefined,
    seed,
    (t) => (tapHolder.tap = new FuzzTap(t)),
  );
  const tap = tapHolder.tap as FuzzTap;
  const clients = [s.addClient(), s.addClient(), s.addClient()];
  for (const c of clients) c.connect(s.token());
  expect(s.stepUntil(() => clients.every((c) => c.state === "connected"))).toBe(true);
  const realAddresses = s.serverEvents.flatMap((e) => (e.type === "connected" ? [e.address] : []));
  const tokens = Array.from({ length: 1500 }, () => s.token().bytes);
  const sent = clients.map(() => 0);
  const FRAMES = 300;
  const PER_FRAME = 1000;
  let injected = 0;
  const sizesAt: number[] = [];
  for (let frame = 0; frame < FRAMES; frame++) {
    const lost = s.serverEvents.find((e) => e.type === "disconnected");
    if (lost !== undefined)
      throw new Error(
        `a real client was disconnected at frame ${frame}: ${JSON.stringify(lost, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`,
      );
    clients.forEach((c, i) => {
      c.send(0, new Uint8Array([frame & 0xff, i]));
      c.send(3, new Uint8Array(20));
      sent[i] = (sent[i] ?? 0) + 1;
    });
    for (let k = 0; k < PER_FRAME; k++) {
      const roll = rng.next();
      const fuzzAddress = `loopback://fuzz-${rng.int(0, 20_000)}`;
      const capture = tap.captured[rng.int(0, Math.max(0, tap.captured.length - 1))];
      let d: Datagram;
      if (roll < 0.35 || capture === undefined) {
        d = { from: fuzzAddress, data: randomBytes(rng, rng.int(0, 1400)) };
      } else if (roll < 0.75) {
        d = { from: rng.chance(0.1) ? capture.from : fuzzAddress, data: mutate(rng, capture.data) };
      } else if (roll < 0.85) {
        d = { from: rng.chance(0.1) ? capture.from : fuzzAddress, data: capture.data };
      } else if (roll < 0.95) {
        const request = randomBytes(rng, ConnectionWire.requestBytes);
        request[0] = 0;
        request.set([0x43, 0x41, 0x4e, 0x4f, 0x50, 0x59, 0x31, 0x00], 1);
        d = { from: fuzzAddress, data: request };
      } else {
        const token = tokens[rng.int(0, tokens.length - 1)] ?? new Uint8Array(0);
        const address = rng.chance(0.02) ? (realAddresses[0] ?? fuzzAddress) : fuzzAddress;
        d = { from: address, data: forgeRequest(token) };
      }
      tap.injected.push(d);
      injected++;
    }
    s.step(1);
    if (frame === FRAMES / 3 || frame === FRAMES - 1) sizesAt.push(process.memoryUsage().heapUsed);
  }
  s.step(120);
  expect(injected).toBeGreaterThanOrEqual(300_000);
  // Real clients: still connected, every reliable-ordered message delivered once, in order.
  expect(clients.every((c) => c.state === "connected")).toBe(true);
  expect(s.serverEvents.filter((e) => e.type === "disconnected")).toEqual([]);
  clients.forEach((c, i) => {
    const got = s.serverEvents.flatMap((e) =>
      e.type === "message" && e.client === c.clientIndex && e.channel === 0 ? [e.data[0]] : [],
    );
    expect(got).toEqual(Array.from({ length: sent[i] ?? 0 }, (_, f) => f & 0xff));
  });
  // Bounded tables and counted drops.
  const sizes = s.server.tableSizes;
  expect(sizes.connections).toBe(3);
  expect(sizes.pending).toBeLessThanOrEqual(ConnectionDefaults.maxPendingHandshakes);
  expect(sizes.tokens).toBeLessThanOrEqual(ConnectionDefaults.maxTokenEntries);
  expect(sizes.limitedHosts).toBeLessThanOrEqual(4096);
  const stats = s.server.stats();
  expect(stats.packetsInvalid).toBeGreaterThan(100_000);
  expect(stats.packetsReplayed).toBeGreaterThan(100); // verbatim copies from the real clients' addresses
  expect(stats.handshakesDenied + stats.handshakesRateLimited).toBeGreaterThan(1000);
  // No amplification: no spoofed address ever got more bytes than it sent.
  let amplified = 0;
  for (const [address, out] of tap.bytesTo) if (out > (tap.bytesFrom.get(address) ?? 0)) amplified++;
  expect(tap.bytesTo.size).toBeGreaterThan(1000);
  expect(amplified).toBe(0);
  // Heap after the tables filled vs at the end: no growth with the number of packets.
  const [mid = 0, end = 0] = sizesAt;
  expect(end - mid).toBeLessThan(96 * 1024 * 1024);
}

/** A well-formed request around a real token (valid for the server; most are replays). */
function forgeRequest(tokenBytes: Uint8Array): Uint8Array {
  const packet = new Uint8Array(ConnectionWire.requestBytes);
  packet[0] = 0;
  packet.set(tokenBytes.subarray(0, 8), 1); // version info
  packet.set(tokenBytes.subarray(8, 16), 9); // protocol id
  packet.set(tokenBytes.subarray(24, 32), 17); // expiry
  packet.set(tokenBytes.subarray(32, 56 + 1024), 25); // nonce + sealed private token
  packet.set([1, 0], 25 + 24 + 1024); // protocol version 1
  return packet;
}
