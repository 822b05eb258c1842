import { ManualClock } from "@canopy/core";
import { LinkConditioner, LinkPresets, type Datagram } from "@canopy/net-plugin";
import { openUdpTransport } from "@canopy/net-plugin/server";
import { afterEach, describe, expect, it } from "vitest";
import { Closer, receive, waitFor } from "./helpers";

const closer = new Closer();
afterEach(() => closer.closeAll());
const SEED = 20261125;

describe("LinkConditioner over a real UDP socket", () => {
  it("holds outbound datagrams until their time, then loses the seeded share", async () => {
    const clock = new ManualClock();
    const server = closer.add(await openUdpTransport({ address: "127.0.0.1", port: 0 }));
    const inner = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    const client = closer.add(
      new LinkConditioner(inner, {
        clock,
        seed: SEED,
        outbound: { simulatedLatency: 50, simulatedPacketLoss: 20 },
      }),
    );
    for (let i = 0; i < 500; i++) client.send(server.localAddress, Uint8Array.of(i & 0xff, i >> 8));
    expect(inner.counters.datagramsSent).toBe(0); // all held for 50 ms of clock time
    clock.advance(0.05);
    client.update();
    const { lost, delivered } = client.stats.outbound;
    expect(lost + delivered).toBe(500);
    expect(lost).toBeGreaterThan(70); // 20 % of 500 = 100, seeded
    expect(lost).toBeLessThan(130);
    const got = await receive(server, delivered);
    expect(new Set(got.map((d) => d.data[0]! | (d.data[1]! << 8))).size).toBe(delivered);
    expect(got[0]?.from).toBe(client.localAddress);
  });

  it("conditions inbound datagrams from the socket and can be healed at runtime", async () => {
    const clock = new ManualClock();
    const server = closer.add(await openUdpTransport({ address: "127.0.0.1", port: 0 }));
    const inner = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    const client = closer.add(
      new LinkConditioner(inner, { clock, seed: SEED, inbound: LinkPresets.BROADBAND_60MS_1PCT }),
    );
    for (let i = 0; i < 100; i++) server.send(client.localAddress, Uint8Array.of(i));
    await waitFor(() => inner.counters.datagramsReceived === 100, "the socket to receive 100");
    expect(client.poll()).toBeUndefined(); // taken in, but 30–35 ms away
    clock.advance(0.036);
    const got: Datagram[] = [];
    for (let d = client.poll(); d !== undefined; d = client.poll()) got.push(d);
    expect(got.length).toBe(client.stats.inbound.delivered);
    expect(got.length).toBeGreaterThan(95);
    expect(got.every((d) => d.from === server.localAddress)).toBe(true);

    client.setConditions({ inbound: LinkPresets.PERFECT });
    server.send(client.localAddress, Uint8Array.of(200));
    await waitFor(() => inner.counters.datagramsReceived === 101, "one more datagram");
    expect(client.poll()?.data[0]).toBe(200);
  });
});
