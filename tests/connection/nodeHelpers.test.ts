/**
 * The Node helpers over real UDP on loopback: a libsodium server (createNodeNetServer), a
 * libsodium client (createNodeNetClient) and a portable-AEAD client (plain NetClient) interoperate,
 * and before any message (so before any ack) keep-alive echoes give both ends a latency figure.
 */
import { RealClock } from "@canopy/core";
import { generateConnectToken, NetClient, type NetServer } from "@canopy/net-plugin";
import { createNodeNetClient, createNodeNetServer, openUdpTransport } from "@canopy/net-plugin/server";
import { describe, expect, it } from "vitest";

const KEY = new Uint8Array(32).fill(0x44);
const PROTOCOL_ID = 43n;
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 2));

async function run(
  server: NetServer,
  clients: NetClient[],
  done: () => boolean,
  seconds = 5,
): Promise<boolean> {
  const clock = new RealClock();
  const start = clock.now();
  while (!done() && clock.now() - start < seconds) {
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

describe("createNodeNetServer / createNodeNetClient over UDP", () => {
  it("interoperate with the portable AEAD and keep idle latency measured", async () => {
    const st = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    const at = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    const bt = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    try {
      const server = await createNodeNetServer(st, { protocolId: PROTOCOL_ID, privateKey: KEY });
      const clients = [await createNodeNetClient(at), new NetClient(bt)];
      clients.forEach((c, i) =>
        c.connect(
          generateConnectToken(
            {
              protocolId: PROTOCOL_ID,
              clientId: i + 1,
              serverAddresses: [st.localAddress],
              expireSeconds: 30,
              timeoutSeconds: 5,
            },
            KEY,
          ),
        ),
      );
      expect(await run(server, clients, () => clients.every((c) => c.state === "connected"))).toBe(true);
      // No message sent yet, so no acks: only keep-alive echoes can give latency samples.
      await run(server, clients, () => false, 0.5);
      for (const c of clients) {
        expect(c.stats().averageLatency).toBeGreaterThan(0);
        expect(server.clientStats(c.clientIndex)?.averageLatency).toBeGreaterThan(0);
      }
      for (const c of clients) c.send(0, new Uint8Array([7, 7, 7]));
      let got = 0;
      const drained = () => {
        for (let e = server.pollEvent(); e; e = server.pollEvent()) if (e.type === "message") got++;
        return got === 2;
      };
      expect(await run(server, clients, drained)).toBe(true);
      server.close();
      for (const c of clients) c.close();
    } finally {
      await Promise.all([st.close(), at.close(), bt.close()]);
    }
  });
});
