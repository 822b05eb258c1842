import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { connectWebSocket } from "@canopy/net-plugin/client";
import { listenWebSocket } from "@canopy/net-plugin/server";
import { receive } from "./helpers";

/**
 * The browser entry's client uses `globalThis.WebSocket`. Node 20 has none, so this test installs the
 * `ws` client in its place (same `binaryType`, `addEventListener` and `send` surface) to run the
 * browser code path — `arraybuffer` frames — against a real server.
 */
const original = (globalThis as { WebSocket?: unknown }).WebSocket;
beforeAll(() => {
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
});
afterAll(() => {
  (globalThis as { WebSocket?: unknown }).WebSocket = original;
});

describe("browser connectWebSocket (@canopy/net-plugin/client)", () => {
  it("exchanges ArrayBuffer-backed datagrams with the Node server transport", async () => {
    await using server = await listenWebSocket({ host: "127.0.0.1", port: 0 });
    await using client = await connectWebSocket(server.url);
    client.send(server.url, Uint8Array.of(1, 2));
    const [d] = await receive(server, 1);
    expect(d?.data).toEqual(Uint8Array.of(1, 2));
    server.send(d!.from, Uint8Array.of(3, 4, 5));
    const [reply] = await receive(client, 1);
    expect(reply).toEqual({ from: server.url, data: Uint8Array.of(3, 4, 5) });
    expect(reply?.data.buffer).toBeInstanceOf(ArrayBuffer);
    expect(client.counters).toMatchObject({ datagramsSent: 1, datagramsReceived: 1 });
  });

  it("rejects with a readable error when nothing listens", async () => {
    const server = await listenWebSocket({ host: "127.0.0.1", port: 0 });
    const url = server.url;
    await server.close();
    await expect(connectWebSocket(url, { timeoutMs: 2000 })).rejects.toThrow(/could not connect to ws:\/\//);
  });
});
