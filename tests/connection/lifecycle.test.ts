import { LinkPresets, type PacketLogRecord } from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";
import { Stepper } from "./stepper";

const link = LinkPresets.BROADBAND_60MS_1PCT;

function connected(s: Stepper, count = 1) {
  const clients = Array.from({ length: count }, () => s.addClient());
  for (const c of clients) c.connect(s.token());
  if (!s.stepUntil(() => clients.every((c) => c.state === "connected")))
    throw new Error("clients did not connect");
  return clients;
}

describe("connection lifecycle", () => {
  it("keep-alives hold an idle connection open far past the timeout", () => {
    const s = new Stepper({ timeoutSeconds: 1 }, link, 31);
    const [client] = connected(s);
    s.step(600); // 10 s without a single message
    expect(client?.state).toBe("connected");
    expect(s.server.connectedClients).toBe(1);
  });

  it("times out on both sides when the peer goes silent", () => {
    const s = new Stepper({ timeoutSeconds: 1 }, link, 32);
    const [client] = connected(s);
    if (!client) return;
    s.step(90, 1 / 60, new Set([client]));
    expect(s.serverEvents.at(-1)).toMatchObject({ type: "disconnected", reason: "timeout" });
    s.step(1); // the client runs again: the server stopped talking long ago
    s.stepUntil(() => client.state === "disconnected", 300);
    expect(client.disconnectReason).toBe("timeout");
  });

  it("a clean disconnect reaches the server with its reason; a kick reaches the client", () => {
    const s = new Stepper({}, link, 33);
    const [a, b] = connected(s, 2);
    if (!a || !b) return;
    for (let i = 0; i < 30; i++) {
      a.send(0, new Uint8Array([i]));
      b.send(0, new Uint8Array([i]));
      s.server.broadcast(0, new Uint8Array([i]));
      s.step(1);
    }
    a.disconnect();
    s.step(1);
    expect(s.events(a).at(-1)).toMatchObject({ type: "disconnected", reason: "disconnected" });
    s.step(30);
    expect(s.serverEvents.filter((e) => e.type === "disconnected")).toMatchObject([
      { reason: "disconnected" },
    ]);
    // Totals keep what departed connections did; per-connection stats list only live ones.
    const stats = s.server.stats();
    expect(stats.connections).toBe(1);
    expect([...stats.perConnection.keys()]).toEqual([b.clientIndex]);
    expect(stats.packetsReceived).toBeGreaterThan(
      stats.perConnection.get(b.clientIndex)?.packetsReceived ?? 0,
    );
    expect(stats.averageLatency).toBeGreaterThan(0.02);
    s.server.disconnect(b.clientIndex);
    s.stepUntil(() => b.state === "disconnected");
    expect(b.disconnectReason).toBe("kicked");
  });

  it("reconnects with a fresh token, and refuses to reuse the old one", () => {
    const s = new Stepper({}, link, 34);
    const client = s.addClient();
    const first = s.token({ clientId: 77 });
    client.connect(first);
    s.stepUntil(() => client.state === "connected");
    client.disconnect();
    s.step(30);
    expect(() => client.connect(first)).toThrow(/fresh one/);
    client.connect(s.token({ clientId: 77 }));
    expect(s.stepUntil(() => client.state === "connected")).toBe(true);
    client.send(0, new Uint8Array([1, 2, 3]));
    s.step(30);
    const messages = s.serverEvents.filter((e) => e.type === "message");
    expect(messages).toHaveLength(1);
    expect(s.serverEvents.filter((e) => e.type === "connected")).toHaveLength(2);
  });

  it("delivers reliable-ordered messages in order both ways under loss", () => {
    const s = new Stepper({}, LinkPresets.MOBILE_150MS_5PCT_BURSTY, 35);
    const [client] = connected(s);
    if (!client) return;
    for (let i = 0; i < 200; i++) {
      client.send(0, new Uint8Array([i]));
      s.server.send(client.clientIndex, 0, new Uint8Array([i]));
      s.step(1);
    }
    s.step(600);
    const up = s.serverEvents.flatMap((e) => (e.type === "message" && e.channel === 0 ? [e.data[0]] : []));
    const down = s
      .events(client)
      .flatMap((e) => (e.type === "message" && e.channel === 0 ? [e.data[0]] : []));
    const expected = Array.from({ length: 200 }, (_, i) => i);
    expect(up).toEqual(expected);
    expect(down).toEqual(expected);
    const stats = s.server.clientStats(client.clientIndex);
    expect(stats?.averageLatency).toBeGreaterThan(0.05);
    expect(stats?.averageLatency).toBeLessThan(0.2);
    expect(stats?.bytesInPerSecond).toBeGreaterThan(0);
  });

  it("drops and counts traffic over the rate limits, then disconnects sustained abuse", () => {
    const s = new Stepper({
      rateLimits: { packetsPerSecond: 60, messagesPerSecond: { 3: 10 }, abuseSeconds: 2 },
    });
    const [client] = connected(s);
    if (!client) return;
    for (let i = 0; i < 60; i++) {
      client.send(3, new Uint8Array(8)); // 60 messages/s on a channel allowed 10/s
      s.step(1);
    }
    let stats = s.server.stats();
    expect(stats.messagesRateLimited).toBeGreaterThan(30);
    expect(s.serverEvents.filter((e) => e.type === "message").length).toBeLessThan(30);
    // Now flood packets: every frame sends 20 unreliable packets' worth of messages.
    for (let i = 0; i < 240 && client.state === "connected"; i++) {
      for (let k = 0; k < 20; k++) client.send(3, new Uint8Array(1000));
      s.step(1);
    }
    stats = s.server.stats();
    expect(stats.packetsRateLimited).toBeGreaterThan(100);
    expect(s.serverEvents.at(-1)).toMatchObject({ type: "disconnected", reason: "rateLimited" });
    s.stepUntil(() => client.state === "disconnected", 120);
    expect(client.disconnectReason).toBe("rateLimited");
  });

  it("writes a packet log with header fields and each message's channel and size", () => {
    const records: PacketLogRecord[] = [];
    const s = new Stepper({ logPackets: (r) => records.push(r) });
    const [client] = connected(s);
    if (!client) return;
    client.send(1, new Uint8Array(33));
    client.send(3, new Uint8Array(5));
    s.step(5);
    const payload = records.find(
      (r) => r.type === "payload" && r.direction === "in" && (r.messages?.length ?? 0) > 0,
    );
    expect(payload).toMatchObject({ side: "server", connection: 0 });
    expect(payload?.messages).toEqual(
      expect.arrayContaining([
        { channel: 3, size: 5 },
        { channel: 1, size: 33 },
      ]),
    );
    expect(payload?.header?.sequence).toBeTypeOf("number");
    expect(records.some((r) => r.type === "request" && r.direction === "in")).toBe(true);
    expect(records.some((r) => r.type === "challenge" && r.direction === "out")).toBe(true);
  });
});
