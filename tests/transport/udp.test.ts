import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { openUdpTransport, type UdpTransport } from "@canopy/net-plugin/server";
import { canBindIpv6Loopback, Closer, receive, waitFor } from "./helpers";

const closer = new Closer();
afterEach(() => closer.closeAll());
const ipv6 = await canBindIpv6Loopback();
let leaked: UdpTransport | undefined;

describe("UDP transport", () => {
  it("exchanges datagrams over IPv4 loopback with an ephemeral port", async () => {
    await using server = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    await using client = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    expect(server.port).toBeGreaterThan(0);
    expect(server.localAddress).toBe(`udp://127.0.0.1:${server.port}`);
    for (let i = 0; i < 10; i++) client.send(server.localAddress, Uint8Array.of(i, 1, 2, 3));
    const got = await receive(server, 10);
    expect(got.every((d) => d.from === client.localAddress)).toBe(true);
    expect(got.map((d) => d.data[0]).sort((a, b) => a! - b!)).toEqual([...Array(10).keys()]);
    server.send(got[0]!.from, Uint8Array.of(42));
    const [reply] = await receive(client, 1);
    expect(reply?.from).toBe(server.localAddress);
    expect(reply?.data[0]).toBe(42);
    expect(client.counters).toMatchObject({ datagramsSent: 10, bytesSent: 40, datagramsReceived: 1 });
    expect(server.counters).toMatchObject({ datagramsReceived: 10, bytesReceived: 40, datagramsSent: 1 });
    leaked = server;
  });

  it("closed the sockets of the previous test through `await using`", () => {
    expect(leaked?.closed).toBe(true);
  });

  it("calls onReadable when a datagram lands in an empty inbox, not again until it was drained", async () => {
    const server = closer.add(await openUdpTransport({ address: "127.0.0.1", port: 0 }));
    const client = closer.add(await openUdpTransport({ address: "127.0.0.1", port: 0 }));
    let wakes = 0;
    server.onReadable = () => wakes++;
    client.send(server.localAddress, Uint8Array.of(1));
    client.send(server.localAddress, Uint8Array.of(2));
    await waitFor(() => server.counters.datagramsReceived === 2, "two datagrams");
    expect(wakes).toBe(1); // the second landed in a non-empty inbox
    expect(server.poll()?.data[0]).toBe(1);
    expect(server.poll()?.data[0]).toBe(2);
    expect(server.poll()).toBeUndefined();
    client.send(server.localAddress, Uint8Array.of(3, 3));
    await waitFor(() => wakes === 2, "a wake-up for the datagram after the drain");
    const d = server.poll();
    expect([d?.length, ...(d?.data ?? [])]).toEqual([2, 3, 3]);
  });

  it.skipIf(!ipv6)("exchanges datagrams over IPv6 loopback (udp://[::1]:port)", async () => {
    const server = closer.add(await openUdpTransport({ address: "::1", port: 0 }));
    const client = closer.add(await openUdpTransport({ address: "::1", port: 0 }));
    expect(server.localAddress).toBe(`udp://[::1]:${server.port}`);
    client.send(server.localAddress, Uint8Array.of(6));
    const [d] = await receive(server, 1);
    expect(d?.from).toBe(client.localAddress);
    server.send(d!.from, Uint8Array.of(7));
    expect((await receive(client, 1))[0]?.data[0]).toBe(7);
  });

  it.skipIf(!ipv6)("serves IPv4 peers on a dual-stack [::] socket when asked", async () => {
    await using server = await openUdpTransport({ address: "::", port: 0, dualStack: true });
    await using client = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    client.send(`udp://127.0.0.1:${server.port}`, Uint8Array.of(4));
    const [d] = await receive(server, 1);
    expect(d?.from).toBe(`udp://[::ffff:127.0.0.1]:${client.port}`);
    server.send(d!.from, Uint8Array.of(5));
    expect((await receive(client, 1))[0]?.from).toBe(`udp://127.0.0.1:${server.port}`);
  });

  it("carries a maximum-size datagram and drops larger ones both ways, counted", async () => {
    const server = closer.add(
      await openUdpTransport({ address: "127.0.0.1", port: 0, maxDatagramSize: 1200 }),
    );
    const client = closer.add(
      await openUdpTransport({ address: "127.0.0.1", port: 0, maxDatagramSize: 4000 }),
    );
    const big = new Uint8Array(1200).map((_, i) => i & 0xff);
    client.send(server.localAddress, big);
    client.send(server.localAddress, new Uint8Array(3000)); // the server accepts at most 1200
    server.send(client.localAddress, new Uint8Array(1201)); // over the server's own limit
    client.send(server.localAddress, Uint8Array.of(1));
    const got = await receive(server, 2);
    expect(got[0]?.data).toEqual(big);
    expect(got[1]?.data).toEqual(Uint8Array.of(1));
    await waitFor(() => server.counters.datagramsDropped === 2, "two drops on the server");
    expect(server.counters.datagramsSent).toBe(0);
  });

  it("bounds the inbox: a flood beyond capacity is dropped and counted, later traffic still arrives", async () => {
    const server = closer.add(await openUdpTransport({ address: "127.0.0.1", port: 0, inboxCapacity: 8 }));
    const flood = dgram.createSocket("udp4");
    closer.add({ close: () => new Promise<void>((resolve) => flood.close(() => resolve())) });
    for (let i = 0; i < 50; i++) flood.send(Uint8Array.of(i), server.port, "127.0.0.1");
    await waitFor(
      () => server.counters.datagramsReceived + server.counters.datagramsDropped === 50,
      "the flood",
    );
    expect(server.counters.datagramsReceived).toBe(8);
    expect(server.counters.datagramsDropped).toBe(42);
    expect((await receive(server, 8)).length).toBe(8);
    flood.send(Uint8Array.of(99), server.port, "127.0.0.1");
    expect((await receive(server, 1))[0]?.data[0]).toBe(99);
  });

  it("accepts garbage from a raw socket without throwing and closes cleanly", async () => {
    const server = closer.add(await openUdpTransport({ address: "127.0.0.1", port: 0 }));
    const raw = dgram.createSocket("udp4");
    closer.add({ close: () => new Promise<void>((resolve) => raw.close(() => resolve())) });
    raw.send(new Uint8Array(0), server.port, "127.0.0.1");
    raw.send(Uint8Array.of(0xff, 0x00, 0xfe), server.port, "127.0.0.1");
    const got = await receive(server, 2);
    expect(got.map((d) => d.data.byteLength).sort()).toEqual([0, 3]);
    await server.close();
    expect(server.closed).toBe(true);
    server.send("udp://127.0.0.1:9", Uint8Array.of(1));
    expect(server.counters.datagramsDropped).toBe(1);
    expect(server.poll()).toBeUndefined();
  });

  it("throws on local misuse, naming the fix", async () => {
    await expect(openUdpTransport({ address: "localhost", port: 0 })).rejects.toThrow(/not an IP address/);
    await expect(openUdpTransport({ address: "127.0.0.1", port: 70000 })).rejects.toThrow(/0\.\.65535/);
    const a = closer.add(await openUdpTransport({ address: "127.0.0.1", port: 0 }));
    await expect(openUdpTransport({ address: "127.0.0.1", port: a.port })).rejects.toThrow(/cannot bind/);
    expect(() => a.send("loopback://server", Uint8Array.of(1))).toThrow(/udp:\/\/host:port/);
  });
});
