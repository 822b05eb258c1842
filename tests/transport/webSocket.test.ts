import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { connectWebSocket, listenWebSocket } from "@canopy/net-plugin/server";
import { canBindIpv6Loopback, Closer, receive, waitFor } from "./helpers";

const closer = new Closer();
afterEach(() => closer.closeAll());
const ipv6 = await canBindIpv6Loopback();

/** A raw `ws` client for sending what the transport never would. */
async function rawClient(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  closer.add({ close: () => socket.terminate() });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  return socket;
}

describe("WebSocket transports", () => {
  it("multiplexes several Node clients over one server Transport, both ways", async () => {
    const server = closer.add(await listenWebSocket({ host: "127.0.0.1", port: 0, path: "/game" }));
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}/game`);
    const a = closer.add(await connectWebSocket(server.url));
    const b = closer.add(await connectWebSocket(server.url));
    expect(a.remoteAddress).toBe(server.url);
    a.send(server.url, Uint8Array.of(1));
    b.send(server.url, Uint8Array.of(2));
    const got = await receive(server, 2);
    const from = new Map(got.map((d) => [d.data[0], d.from]));
    expect(from.get(1)).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/#\d+$/);
    expect(from.get(1)).not.toBe(from.get(2));
    expect([...server.peers].sort()).toEqual([from.get(1), from.get(2)].sort());
    server.send(from.get(2)!, Uint8Array.of(20));
    server.send(from.get(1)!, Uint8Array.of(10));
    expect((await receive(b, 1))[0]).toEqual({ from: server.url, data: Uint8Array.of(20) });
    expect((await receive(a, 1))[0]?.data).toEqual(Uint8Array.of(10));
    expect(server.counters).toMatchObject({ connectionsAccepted: 2, datagramsReceived: 2, datagramsSent: 2 });
  });

  it("keeps datagram boundaries and order for a burst of maximum-size frames", async () => {
    const server = closer.add(await listenWebSocket({ host: "127.0.0.1", port: 0 }));
    const client = closer.add(await connectWebSocket(server.url));
    for (let i = 0; i < 200; i++)
      client.send(server.url, new Uint8Array(server.maxDatagramSize).fill(i & 0xff));
    const got = await receive(server, 200);
    expect(
      got.every((d, i) => d.data.byteLength === server.maxDatagramSize && d.data[7] === (i & 0xff)),
    ).toBe(true);
  });

  it("disconnects a client sending text or oversized frames, and others are unaffected", async () => {
    const server = closer.add(await listenWebSocket({ host: "127.0.0.1", port: 0, maxDatagramSize: 256 }));
    const good = closer.add(await connectWebSocket(server.url, { maxDatagramSize: 256 }));
    const texter = await rawClient(server.url);
    const bigSender = await rawClient(server.url);
    const texterClosed = new Promise<number>((resolve) => texter.once("close", resolve));
    const bigClosed = new Promise<number>((resolve) => bigSender.once("close", resolve));
    texter.send("hello");
    bigSender.send(new Uint8Array(1000));
    expect(await texterClosed).toBe(1003);
    expect(await bigClosed).toBe(1009);
    expect(server.counters.peersMisbehaving).toBe(2);
    good.send(server.url, Uint8Array.of(5));
    const [d] = await receive(server, 1);
    expect(d?.data).toEqual(Uint8Array.of(5));
    server.send(d!.from, Uint8Array.of(6));
    expect((await receive(good, 1))[0]?.data).toEqual(Uint8Array.of(6));
    await waitFor(() => server.peers.length === 1, "the two bad peers to be gone");
    expect(good.closed).toBe(false);
  });

  it("counts sends to unknown peers and oversized sends as dropped", async () => {
    const server = closer.add(await listenWebSocket({ host: "127.0.0.1", port: 0 }));
    const client = closer.add(await connectWebSocket(server.url));
    server.send("ws://127.0.0.1:1/#99", Uint8Array.of(1));
    client.send("ws://elsewhere:1/", Uint8Array.of(1));
    client.send(server.url, new Uint8Array(client.maxDatagramSize + 1));
    expect(server.counters.datagramsDropped).toBe(1);
    expect(client.counters.datagramsDropped).toBe(2);
  });

  it("refuses connections beyond maxConnections with 1013", async () => {
    const server = closer.add(await listenWebSocket({ host: "127.0.0.1", port: 0, maxConnections: 1 }));
    closer.add(await connectWebSocket(server.url));
    const extra = await rawClient(server.url);
    expect(await new Promise<number>((resolve) => extra.once("close", resolve))).toBe(1013);
    expect(server.counters.connectionsRefused).toBe(1);
  });

  it("reports the close to the client when the server disconnects it or shuts down", async () => {
    const server = closer.add(await listenWebSocket({ host: "127.0.0.1", port: 0 }));
    const client = closer.add(await connectWebSocket(server.url));
    client.send(server.url, Uint8Array.of(1));
    const [d] = await receive(server, 1);
    server.disconnect(d!.from, 4000, "kicked");
    await waitFor(() => client.closed, "the client to see the close");
    expect(client.closeInfo).toEqual({ code: 4000, reason: "kicked" });
    const other = closer.add(await connectWebSocket(server.url));
    await server.close();
    await waitFor(() => other.closed, "the client to see the server go away");
  });

  it("rejects a failed connection with a readable error", async () => {
    const server = await listenWebSocket({ host: "127.0.0.1", port: 0 });
    const url = server.url;
    await server.close();
    await expect(connectWebSocket(url)).rejects.toThrow(/could not connect to ws:\/\/127\.0\.0\.1:\d+\//);
    await expect(connectWebSocket("http://127.0.0.1:1/")).rejects.toThrow(/ws:\/\/ or wss:\/\//);
    await expect(listenWebSocket({ host: "127.0.0.1", port: -1 })).rejects.toThrow(/0\.\.65535/);
  });
});

describe("WebSocket transports over IPv6", () => {
  it.skipIf(!ipv6)("serves ws://[::1]:port/ with bracketed peer addresses", async () => {
    const server = closer.add(await listenWebSocket({ host: "::1", port: 0 }));
    expect(server.url).toBe(`ws://[::1]:${server.port}/`);
    const client = closer.add(await connectWebSocket(server.url));
    client.send(server.url, Uint8Array.of(6));
    const [d] = await receive(server, 1);
    expect(d?.from).toMatch(/^ws:\/\/\[::1\]:\d+\/#\d+$/);
    server.send(d!.from, Uint8Array.of(7));
    expect((await receive(client, 1))[0]?.data).toEqual(Uint8Array.of(7));
  });
});

describe("WebSocket client transport against a misbehaving server", () => {
  it("drops text frames and oversized frames, counted, and keeps the connection", async () => {
    const { WebSocketServer } = await import("ws");
    const raw = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    closer.add({ close: () => new Promise<void>((resolve) => raw.close(() => resolve())) });
    await new Promise((resolve) => raw.once("listening", resolve));
    raw.on("connection", (socket) => {
      socket.send("text is not a datagram");
      socket.send(new Uint8Array(64)); // over the client's 32-byte limit
      socket.send(Uint8Array.of(1, 2, 3));
    });
    const port = (raw.address() as { port: number }).port;
    const client = closer.add(await connectWebSocket(`ws://127.0.0.1:${port}`, { maxDatagramSize: 32 }));
    const [d] = await receive(client, 1);
    expect(d).toEqual({ from: `ws://127.0.0.1:${port}/`, data: Uint8Array.of(1, 2, 3) });
    expect(client.counters.datagramsDropped).toBe(2);
    expect(client.closed).toBe(false);
    for (const socket of raw.clients) socket.terminate();
  });
});
