import { ManualClock } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { LinkConditioner } from "../../src/transport/linkConditioner";
import type { LinkConditions } from "../../src/transport/linkConditions";
import { LinkPresets } from "../../src/transport/linkPresets";
import { createLoopbackNetwork } from "../../src/transport/loopback";
import type { Transport } from "../../src/transport/transport";

/** A client whose outbound traffic to a plain server endpoint is conditioned. */
function setup(outbound: Partial<LinkConditions>, seed = 1) {
  const clock = new ManualClock();
  const net = createLoopbackNetwork();
  const server = net.bind("server");
  const client = new LinkConditioner(net.bind("client"), { clock, seed, outbound });
  return { clock, server, client };
}

/** Sends `n` datagrams carrying their index (uint16), one per `interval` seconds, polling as it goes. */
function pump(
  clock: ManualClock,
  from: LinkConditioner,
  to: Transport,
  n: number,
  interval: number,
): number[] {
  const got: number[] = [];
  const drain = (): void => {
    from.update();
    for (let d = to.poll(); d !== undefined; d = to.poll()) got.push(d.data[0]! | (d.data[1]! << 8));
  };
  for (let i = 0; i < n; i++) {
    from.send(to.localAddress, Uint8Array.of(i & 0xff, i >> 8));
    drain();
    clock.advance(interval);
  }
  for (let i = 0; i < 100 && from.held > 0; i++) {
    clock.advance(0.1);
    drain();
  }
  drain();
  return got;
}

describe("LinkConditioner", () => {
  it("passes everything through unchanged on a perfect link", () => {
    const { clock, server, client } = setup({});
    expect(pump(clock, client, server, 50, 0.01)).toEqual([...Array(50).keys()]);
  });

  it("delays by exactly simulatedLatency without jitter", () => {
    const { clock, server, client } = setup({ simulatedLatency: 50 });
    client.send("loopback://server", Uint8Array.of(1));
    clock.advance(0.049);
    client.update();
    expect(server.poll()).toBeUndefined();
    clock.advance(0.001);
    client.update();
    expect(server.poll()?.data[0]).toBe(1);
    expect(client.nextReleaseAt).toBeUndefined();
  });

  it("conditions the inbound direction on poll", () => {
    const clock = new ManualClock();
    const net = createLoopbackNetwork();
    const server = net.bind("server");
    const client = new LinkConditioner(net.bind("client"), {
      clock,
      seed: 3,
      inbound: { simulatedLatency: 20 },
    });
    server.send(client.localAddress, Uint8Array.of(9));
    expect(client.poll()).toBeUndefined();
    expect(client.nextReleaseAt).toBeCloseTo(0.02, 9);
    clock.advance(0.02);
    const d = client.poll();
    expect(d?.from).toBe("loopback://server");
    expect(d?.data[0]).toBe(9);
    expect(client.counters.datagramsReceived).toBe(1);
  });

  it("keeps the two directions independent", () => {
    const clock = new ManualClock();
    const net = createLoopbackNetwork();
    const server = net.bind("server");
    const client = new LinkConditioner(net.bind("client"), {
      clock,
      seed: 8,
      outbound: { simulatedLatency: 10 },
      inbound: { simulatedLatency: 40, simulatedPacketLoss: 100 },
    });
    client.send("loopback://server", Uint8Array.of(1));
    server.send(client.localAddress, Uint8Array.of(2));
    clock.advance(0.01);
    expect(client.poll()).toBeUndefined(); // inbound: lost
    expect(server.poll()?.data[0]).toBe(1); // outbound: 10 ms, not 40
    expect(client.stats.outbound).toMatchObject({ datagrams: 1, delivered: 1, lost: 0 });
    expect(client.stats.inbound).toMatchObject({ datagrams: 1, delivered: 0, lost: 1 });
    expect(client.counters).toMatchObject({ datagramsSent: 1, datagramsReceived: 0, datagramsDropped: 1 });
  });

  it("loses about simulatedPacketLoss percent, and counts it", () => {
    const { clock, server, client } = setup({ simulatedPacketLoss: 10 }, 42);
    const got = pump(clock, client, server, 10_000, 0.001);
    const lost = 10_000 - got.length;
    expect(lost / 10_000).toBeGreaterThan(0.09);
    expect(lost / 10_000).toBeLessThan(0.11);
    expect(client.stats.outbound.lost).toBe(lost);
    expect(client.counters.datagramsDropped).toBe(lost);
    expect(got).toEqual([...got].sort((a, b) => a - b)); // loss alone never reorders
  });

  it("keeps order under jitter and stays within latency..latency+jitter", () => {
    const { clock, server, client } = setup({ simulatedLatency: 30, jitter: 20 }, 7);
    const sentAt: number[] = [];
    const delays: number[] = [];
    for (let i = 0; i < 500; i++) {
      sentAt.push(clock.now());
      client.send("loopback://server", Uint8Array.of(i & 0xff, i >> 8));
      clock.advance(0.001);
      client.update();
      for (let d = server.poll(); d !== undefined; d = server.poll()) {
        delays.push(clock.now() - sentAt[d.data[0]! | (d.data[1]! << 8)]!);
      }
    }
    const got = pump(clock, client, server, 0, 0);
    expect(delays.length + got.length).toBe(500);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0.03 - 1e-9);
    expect(Math.max(...delays)).toBeLessThanOrEqual(0.051 + 1e-9);
    expect(client.stats.outbound.reordered).toBe(0);
  });

  it("reorders about `reordering` percent by holding them back", () => {
    const { clock, server, client } = setup({ simulatedLatency: 10, reordering: 20, reorderDelay: 25 }, 5);
    const got = pump(clock, client, server, 2000, 0.005);
    expect(got.length).toBe(2000);
    expect(new Set(got).size).toBe(2000);
    let outOfOrder = 0;
    for (let i = 1; i < got.length; i++) if (got[i]! < got[i - 1]!) outOfOrder++;
    expect(outOfOrder).toBeGreaterThan(0);
    const reordered = client.stats.outbound.reordered;
    expect(reordered / 2000).toBeGreaterThan(0.17);
    expect(reordered / 2000).toBeLessThan(0.23);
  });

  it("duplicates about `duplication` percent", () => {
    const { clock, server, client } = setup({ duplication: 5 }, 9);
    const got = pump(clock, client, server, 4000, 0.001);
    const dup = got.length - 4000;
    expect(dup).toBe(client.stats.outbound.duplicated);
    expect(dup / 4000).toBeGreaterThan(0.04);
    expect(dup / 4000).toBeLessThan(0.06);
    expect(new Set(got).size).toBe(4000);
  });

  it("caps bandwidth: serialises datagrams and drops beyond the queue limit", () => {
    const { clock, server, client } = setup({ bandwidth: 10_000, queueLimit: 1000 });
    for (let i = 0; i < 20; i++) client.send("loopback://server", new Uint8Array(100)); // 2000 B at once
    // Ten fit under the 1000 B backlog limit; the other ten drop.
    expect(client.stats.outbound.bandwidthDropped).toBe(10);
    clock.advance(0.01); // 100 B at 10 kB/s = 10 ms each
    client.update();
    let n = 0;
    while (server.poll() !== undefined) n++;
    expect(n).toBe(1);
    clock.advance(0.1);
    client.update();
    while (server.poll() !== undefined) n++;
    expect(n).toBe(10);
  });

  it("loses in bursts with the Gilbert–Elliott model and matches its long-run rate", () => {
    const { clock, server, client } = setup(
      { burst: { enterBad: 1, exitBad: 20, lossInBad: 85 }, simulatedPacketLoss: 1 },
      11,
    );
    const got = pump(clock, client, server, 20_000, 0.0005);
    const lostFlags = new Uint8Array(20_000).fill(1);
    for (const i of got) lostFlags[i] = 0;
    let runs = 0;
    let lost = 0;
    for (let i = 0; i < lostFlags.length; i++) {
      if (lostFlags[i] === 1) {
        lost++;
        if (i === 0 || lostFlags[i - 1] === 0) runs++;
      }
    }
    expect(lost / 20_000).toBeGreaterThan(0.04);
    expect(lost / 20_000).toBeLessThan(0.06);
    expect(lost / runs).toBeGreaterThan(2); // independent 5 % loss would give ~1.05 per run
    expect(client.stats.outbound.lostInBurst).toBeGreaterThan(lost / 2);
  });

  it("gives the same outcome for the same seed, and a different one for another seed", () => {
    const run = (seed: number): number[] => {
      const { clock, server, client } = setup(LinkPresets.MOBILE_150MS_5PCT_BURSTY, seed);
      return pump(clock, client, server, 1000, 0.016);
    };
    expect(run(123)).toEqual(run(123));
    expect(run(123)).not.toEqual(run(124));
  });

  it("heals at runtime: new conditions apply to new datagrams", () => {
    const { clock, server, client } = setup({ simulatedPacketLoss: 100 });
    expect(pump(clock, client, server, 10, 0.01)).toEqual([]);
    client.setConditions({ outbound: LinkPresets.PERFECT });
    expect(pump(clock, client, server, 10, 0.01)).toHaveLength(10);
    expect(client.conditions.outbound.simulatedPacketLoss).toBe(0);
  });

  it("copies sent data, drops oversize datagrams and discards held ones on close", async () => {
    const { clock, server, client } = setup({ simulatedLatency: 10 });
    const buf = Uint8Array.of(5);
    client.send("loopback://server", buf);
    buf[0] = 0;
    client.send("loopback://server", new Uint8Array(client.maxDatagramSize + 1));
    expect(client.counters.datagramsDropped).toBe(1);
    clock.advance(0.01);
    client.update();
    expect(server.poll()?.data[0]).toBe(5);
    client.send("loopback://server", buf);
    await client.close();
    expect(client.closed).toBe(true);
    expect(client.held).toBe(0);
    client.send("loopback://server", buf);
    expect(client.counters.datagramsDropped).toBe(2);
  });

  it("rejects bad conditions and seeds with a message naming the field", () => {
    const net = createLoopbackNetwork();
    const clock = new ManualClock();
    expect(
      () => new LinkConditioner(net.bind(), { clock, seed: 1, outbound: { simulatedPacketLoss: 150 } }),
    ).toThrow(/simulatedPacketLoss is a percentage/);
    expect(
      () => new LinkConditioner(net.bind(), { clock, seed: 1, inbound: { simulatedLatency: -1 } }),
    ).toThrow(/simulatedLatency/);
    expect(() => new LinkConditioner(net.bind(), { clock, seed: 0.5 })).toThrow(/integer seed/);
  });
});
