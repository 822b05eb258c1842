import { RealClock } from "@canopy/core";
import {
  ConnectionDefaults,
  generateConnectToken,
  NetClient,
  NetServer,
  type Transport,
} from "@canopy/net-plugin";
import { connectWebSocket, listenWebSocket, nodeAead, openUdpTransport } from "@canopy/net-plugin/server";
import { describe, expect, it } from "vitest";

const KEY = new Uint8Array(32).fill(0x33);
const PROTOCOL_ID = 42n;
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 2));

/** Runs server + clients on real sockets until `done()` (or 5 s), pumping the event loop between frames. */
async function run(server: NetServer, clients: NetClient[], done: () => boolean): Promise<boolean> {
  const clock = new RealClock();
  const start = clock.now();
  while (!done() && clock.now() - start < 5) {
    const now = clock.now();
    server.update(now);
    server.receivePackets();
    for (const c of clients) {
      c.update(now);
      c.receivePackets();
      c.sendPackets();
    }
    server.sendPackets();
    await tick();
  }
  return done();
}

/**
 * Connects two clients, exchanges 50 messages each way on two channels, disconnects one cleanly.
 * The server and the second client use Node's native AEAD, the first client the portable one.
 */
async function exercise(serverTransport: Transport, serverAddress: string, clientTransports: Transport[]) {
  const server = new NetServer(serverTransport, {
    protocolId: PROTOCOL_ID,
    privateKey: KEY,
    publicAddresses: [serverAddress],
    aead: nodeAead,
  });
  const clients = clientTransports.map((t, i) => new NetClient(t, i === 0 ? {} : { aead: nodeAead }));
  clients.forEach((c, i) =>
    c.connect(
      generateConnectToken(
        {
          protocolId: PROTOCOL_ID,
          clientId: i + 1,
          serverAddresses: [serverAddress],
          expireSeconds: 30,
          timeoutSeconds: 5,
        },
        KEY,
      ),
    ),
  );
  expect(await run(server, clients, () => clients.every((c) => c.state === "connected"))).toBe(true);
  const received = new Map<string, number>();
  const count = (key: string) => received.set(key, (received.get(key) ?? 0) + 1);
  for (let i = 0; i < 50; i++) {
    for (const c of clients) for (let ch = 0; ch < 2; ch++) c.send(ch, new Uint8Array(100).fill(i));
    server.broadcast(0, new Uint8Array(100).fill(i));
  }
  const drain = () => {
    for (let e = server.pollEvent(); e; e = server.pollEvent())
      if (e.type === "message") count(`s${e.client}:${e.channel}`);
    clients.forEach((c, i) => {
      for (let e = c.pollEvent(); e; e = c.pollEvent()) if (e.type === "message") count(`c${i}:${e.channel}`);
    });
    return [...received.values()].reduce((a, b) => a + b, 0) >= 50 * 6;
  };
  expect(await run(server, clients, drain)).toBe(true);
  expect(received.get("s0:0")).toBe(50);
  expect(received.get("s1:1")).toBe(50);
  expect(received.get("c1:0")).toBe(50);
  clients[0]?.disconnect();
  expect(await run(server, clients, () => server.connectedClients === 1)).toBe(true);
  // The redundant copies of the clean disconnect arrive after the slot is freed: dropped as invalid.
  expect(server.stats().packetsInvalid).toBeLessThanOrEqual(ConnectionDefaults.disconnectPackets - 1);
  server.close();
  for (const c of clients) c.close();
}

describe("connections over real sockets on loopback", () => {
  it("works over UDP on IPv4", async () => {
    const server = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    const a = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    const b = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    try {
      await exercise(server, server.localAddress, [a, b]);
    } finally {
      await Promise.all([server.close(), a.close(), b.close()]);
    }
  });

  it("works over UDP on IPv6 (::1)", async () => {
    const server = await openUdpTransport({ address: "::1", port: 0 });
    const a = await openUdpTransport({ address: "::1", port: 0 });
    const b = await openUdpTransport({ address: "::1", port: 0 });
    try {
      await exercise(server, server.localAddress, [a, b]);
    } finally {
      await Promise.all([server.close(), a.close(), b.close()]);
    }
  });

  it("works over WebSocket", async () => {
    const server = await listenWebSocket({ host: "127.0.0.1", port: 0 });
    const a = await connectWebSocket(server.url);
    const b = await connectWebSocket(server.url);
    try {
      await exercise(server, a.remoteAddress, [a, b]);
    } finally {
      await Promise.all([a.close(), b.close(), server.close()]);
    }
  });
});

describe("handshake failures over real sockets", () => {
  it("a denial reaches the client over UDP with its own reason", async () => {
    const st = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    const ct = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    try {
      const server = new NetServer(st, {
        protocolId: PROTOCOL_ID,
        privateKey: KEY,
        protocolHash: 0xaaaa5555,
      });
      const client = new NetClient(ct, { protocolHash: 0x12345678 });
      client.connect(
        generateConnectToken(
          {
            protocolId: PROTOCOL_ID,
            clientId: 9,
            serverAddresses: [st.localAddress],
            expireSeconds: 30,
            timeoutSeconds: 5,
          },
          KEY,
        ),
      );
      expect(await run(server, [client], () => client.state === "disconnected")).toBe(true);
      expect(client.disconnectReason).toBe("protocolHashMismatch");
      const event = [client.pollEvent(), client.pollEvent()].find((e) => e?.type === "disconnected");
      expect(event?.type === "disconnected" ? event.message : "").toContain("0xaaaa5555");
    } finally {
      await Promise.all([st.close(), ct.close()]);
    }
  });

  it("a full server denies over WebSocket with serverFull", async () => {
    const st = await listenWebSocket({ host: "127.0.0.1", port: 0 });
    const a = await connectWebSocket(st.url);
    const b = await connectWebSocket(st.url);
    try {
      const server = new NetServer(st, {
        protocolId: PROTOCOL_ID,
        privateKey: KEY,
        maxClients: 1,
        publicAddresses: [a.remoteAddress],
      });
      const clients = [new NetClient(a), new NetClient(b)];
      const token = (clientId: number) =>
        generateConnectToken(
          {
            protocolId: PROTOCOL_ID,
            clientId,
            serverAddresses: [a.remoteAddress],
            expireSeconds: 30,
            timeoutSeconds: 5,
          },
          KEY,
        );
      clients[0]?.connect(token(1));
      expect(await run(server, clients, () => clients[0]?.state === "connected")).toBe(true);
      clients[1]?.connect(token(2));
      expect(await run(server, clients, () => clients[1]?.state === "disconnected")).toBe(true);
      expect(clients[1]?.disconnectReason).toBe("serverFull");
      expect(clients[0]?.state).toBe("connected");
    } finally {
      await Promise.all([a.close(), b.close(), st.close()]);
    }
  });
});
