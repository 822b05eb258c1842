import { describe, expect, it } from "vitest";
import { ClientState } from "../../src/connection/clientState";
import { makeWorld } from "./harness";

describe("NetServer + NetClient over loopback", () => {
  it("connects, exchanges messages on every channel and disconnects cleanly", () => {
    const w = makeWorld({ maxClients: 4 });
    const client = w.addClient();
    client.connect(w.token());
    w.step(1 / 60, 30);
    expect(client.state).toBe(ClientState.connected);
    expect(w.serverEvents[0]).toMatchObject({ type: "connected", client: 0, clientId: 1n });
    for (let ch = 0; ch < 4; ch++) client.send(ch, new Uint8Array([ch, 1, 2]));
    w.server.send(0, 0, new Uint8Array([42]));
    w.step(1 / 60, 10);
    const got = w.serverEvents.filter((e) => e.type === "message");
    expect(got.map((e) => (e.type === "message" ? e.channel : -1)).sort()).toEqual([0, 1, 2, 3]);
    expect(w.eventsOf(client).some((e) => e.type === "message" && e.data[0] === 42)).toBe(true);
    const stats = w.server.stats();
    expect(stats.connections).toBe(1);
    expect(stats.packetsReceived).toBeGreaterThan(0);
    client.disconnect();
    w.step(1 / 60, 2);
    expect(w.serverEvents.at(-1)).toMatchObject({ type: "disconnected", reason: "disconnected" });
    expect(w.server.connectedClients).toBe(0);
  });

  it("times out a silent client on both sides", () => {
    const w = makeWorld({ timeoutSeconds: 1 });
    const client = w.addClient();
    client.connect(w.token());
    w.step(1 / 60, 30);
    expect(client.state).toBe(ClientState.connected);
    w.clients.length = 0; // the client stops running
    w.step(0.1, 12);
    expect(w.serverEvents.at(-1)).toMatchObject({ type: "disconnected", reason: "timeout" });
  });
});

describe("local misuse throws with the fix in the message", () => {
  it("names the problem for send, connect and time going backwards", () => {
    const w = makeWorld();
    const client = w.addClient();
    expect(() => client.send(0, new Uint8Array(1))).toThrow(/not connected/);
    expect(() => client.connect(new Uint8Array(10))).toThrow(/not a Canopy connect token/);
    client.connect(w.token());
    expect(() => client.connect(w.token())).toThrow(/disconnect\(\) first/);
    expect(() => w.server.send(5, 0, new Uint8Array(1))).toThrow(/isConnected/);
    w.server.update(500);
    expect(() => w.server.update(499)).toThrow(/backwards/);
  });
});
