/**
 * The Traktor-shaped Replicator facade over the ECS path: a server Replicator and two client
 * Replicators over the loopback network, each client link behind a seeded LinkConditioner. Every
 * peer publishes its state with `setSendState`; every other peer sees it through `proxies` within
 * the templates' quantization; events go through the facade; time-sync stats become valid.
 */
import { ManualClock } from "@canopy/core";
import {
  createLoopbackNetwork,
  defineEvent,
  FloatTemplate,
  generateConnectToken,
  LinkConditioner,
  Replicator,
  State,
  StateTemplate,
  Vec3Template,
  type Transport,
} from "@canopy/net-plugin";
import { Type } from "@sinclair/typebox";
import { afterEach, describe, expect, it } from "vitest";

const KEY = new Uint8Array(32).fill(0x3c);
const PROTOCOL_ID = 0x7a_0e_11n;
const PRECISION = 0.01;
const DT = 1 / 60;
const Chat = defineEvent("Chat", Type.Object({ text: Type.String(), n: Type.Integer() }));

interface Vec3 {
  x: number;
  y: number;
  z: number;
}

function template(): StateTemplate {
  return new StateTemplate()
    .declare("position", Vec3Template({ min: -100, max: 100, precision: PRECISION }), {
      priority: 2,
      latencyTolerance: 0.05,
    })
    .declare("health", FloatTemplate({ min: 0, max: 100, precision: 0.5 }));
}

const open: Replicator[] = [];
const transports: Transport[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) r.dispose();
  for (const t of transports.splice(0).reverse()) await t.close();
});

function build(seed: number) {
  const network = createLoopbackNetwork();
  const serverTransport = network.bind("loopback://server");
  transports.push(serverTransport);
  const server = Replicator.create({
    role: "server",
    transport: serverTransport,
    connection: {
      protocolId: PROTOCOL_ID,
      privateKey: KEY,
      publicAddresses: ["loopback://server"],
      maxClients: 8,
    },
  });
  const clients: Replicator[] = [];
  for (let i = 0; i < 2; i++) {
    const inner = network.bind();
    transports.push(inner);
    const clock = new ManualClock(0);
    const link = new LinkConditioner(inner, {
      clock,
      seed: seed + i,
      outbound: { simulatedLatency: 30, jitter: 5, simulatedPacketLoss: 2 },
      inbound: { simulatedLatency: 30, jitter: 5, simulatedPacketLoss: 2 },
    });
    const token = generateConnectToken(
      {
        protocolId: PROTOCOL_ID,
        clientId: BigInt(i + 1),
        serverAddresses: ["loopback://server"],
        expireSeconds: 300,
        timeoutSeconds: 5,
      },
      KEY,
    );
    const c = Replicator.create({ role: "client", transport: link, token });
    clients.push(c);
    // The conditioner's clock follows the client's.
    conditionerClocks.set(c, clock);
  }
  const all = [server, ...clients];
  open.push(...all);
  for (const r of all) {
    r.setStateTemplate(template());
    r.addEventType(Chat);
  }
  return { server, clients, all };
}

const conditionerClocks = new Map<Replicator, ManualClock>();

function step(all: Replicator[], n = 1): void {
  for (let i = 0; i < n; i++)
    for (const r of all) {
      conditionerClocks.get(r)?.advance(DT);
      r.update(DT);
    }
}

function stateOf(position: Vec3, health: number): State {
  return new State().packBegin().pack(position).pack(health);
}

describe("Replicator facade", () => {
  it("every peer sees every other peer's state through its proxies, within quantization", () => {
    const seed = 5501;
    const { server, clients, all } = build(seed);
    const want = new Map<Replicator, { p: Vec3; h: number }>([
      [server, { p: { x: 1.234, y: -5.5, z: 42.001 }, h: 99.6 }],
      [clients[0]!, { p: { x: -17.777, y: 0.005, z: 3.14159 }, h: 12.2 }],
      [clients[1]!, { p: { x: 88.88, y: -99.99, z: 0 }, h: 50 }],
    ]);
    let frames = 0;
    const seenAll = () =>
      all.every(
        (r) => r.proxies.length === 2 && r.proxies.every((p) => p.connected && p.getState() !== undefined),
      );
    while (!seenAll() && frames < 600) {
      for (const [r, w] of want) if (r.isServer || r.proxies.length > 0) r.setSendState(stateOf(w.p, w.h));
      step(all);
      frames++;
    }
    expect(seenAll(), `seed ${seed}: all proxies have a state after ${frames} frames`).toBe(true);
    step(all, 30); // let the newest states land
    // Each receiver sees the two other peers' states (server proxies: client slots; clients: server + other client).
    const values = [...want.values()];
    for (const r of all) {
      const seen = r.proxies.map((p) => {
        const s = p.getState();
        s?.unpackBegin();
        return { p: s?.unpack<Vec3>(), h: s?.unpack<number>() };
      });
      const others = values.filter((v) => v !== want.get(r));
      for (const o of others) {
        const match = seen.find(
          (s) =>
            s.p !== undefined &&
            Math.abs(s.p.x - o.p.x) <= PRECISION &&
            Math.abs(s.p.y - o.p.y) <= PRECISION &&
            Math.abs(s.p.z - o.p.z) <= PRECISION &&
            Math.abs((s.h ?? -1) - o.h) <= 0.5,
        );
        expect(
          match,
          `seed ${seed}: ${r.isServer ? "server" : "client"} sees ${JSON.stringify(o)}`,
        ).toBeDefined();
      }
    }
    expect(clients[0]!.proxyCount).toBe(2);
    expect(clients[0]!.getProxy(1)).toBe(clients[0]!.proxies[1]);
    expect(() => clients[0]!.getProxy(2)).toThrow(/there are 2 proxies/);
    expect(server.counters.statesReceived).toBeGreaterThan(0);
    expect(server.counters.statesInvalid).toBe(0);
    expect(clients[0]!.counters.statesSent).toBeGreaterThan(0);
    // Moving: a new client state reaches the others.
    const moved = { x: 10, y: 20, z: 30 };
    for (let i = 0; i < 60; i++) {
      clients[0]!.setSendState(stateOf(moved, 1));
      step(all);
    }
    const onOther = clients[1]!.proxies
      .map((p) => p.getState()?.unpackBegin().unpack<Vec3>())
      .find((v) => v !== undefined && Math.abs(v.x - 10) <= PRECISION && Math.abs(v.z - 30) <= PRECISION);
    expect(onOther, `seed ${seed}`).toBeDefined();
    // A departing client's state entity goes away: its proxy leaves the server and the other client.
    clients[1]!.dispose();
    const rest = [server, clients[0]!];
    let left = 0;
    while (!(server.proxies.length === 1 && clients[0]!.proxies.length === 1) && left < 600) {
      step(rest);
      left++;
    }
    expect(server.proxies.length, `seed ${seed}: server proxies after a client left`).toBe(1);
    expect(clients[0]!.proxies.map((p) => p.peer)).toEqual([-1]);
    expect(() => clients[1]!.update(DT)).toThrow(/disposed/);
  });

  it("a client state set once, before connecting, reaches the server and then goes up only when it changes", () => {
    const seed = 5509;
    const { server, clients, all } = build(seed);
    const early = { x: -3.5, y: 7.25, z: 64 };
    clients[0]!.setSendState(stateOf(early, 33));
    const seenOnServer = () =>
      server.proxies.some((p) => {
        const v = p.getState()?.unpackBegin().unpack<Vec3>();
        return (
          v !== undefined && Math.abs(v.x - early.x) <= PRECISION && Math.abs(v.z - early.z) <= PRECISION
        );
      });
    let frames = 0;
    while (!seenOnServer() && frames < 600) {
      step(all);
      frames++;
    }
    expect(seenOnServer(), `seed ${seed}: the held state reached the server after ${frames} frames`).toBe(
      true,
    );
    // At rest nothing more goes up once the server acknowledged the state.
    step(all, 60);
    const sent = clients[0]!.counters.statesSent;
    step(all, 60);
    expect(clients[0]!.counters.statesSent, `seed ${seed}: upstream snapshots at rest`).toBe(sent);
  });

  it("events go through the facade and the time-sync stats become valid", () => {
    const seed = 5502;
    const { server, clients, all } = build(seed);
    const got = new Map<Replicator, { text: string; n: number; from: number }[]>();
    for (const r of all) {
      const log: { text: string; n: number; from: number }[] = [];
      got.set(r, log);
      r.addEventListener(Chat, (_tick, from, e) => log.push({ ...e, from }));
    }
    for (const r of all) r.setSendState(stateOf({ x: 0, y: 0, z: 0 }, 100));
    let frames = 0;
    while (!all.every((r) => r.timeSynchronized) && frames < 900) {
      step(all);
      frames++;
    }
    expect(
      all.every((r) => r.timeSynchronized),
      `seed ${seed}: synchronized after ${frames} frames`,
    ).toBe(true);
    for (const r of all) {
      expect(r.averageLatency).toBeGreaterThan(0.01);
      expect(r.averageLatency).toBeLessThan(0.2);
      expect(r.bestLatency).toBeLessThanOrEqual(r.worstLatency);
      expect(r.averageReverseLatency).toBeGreaterThan(0.01);
      expect(Number.isFinite(r.timeVariance)).toBe(true);
    }
    const serverProxy = clients[0]!.proxies.find((p) => p.peer === -1);
    expect(serverProxy?.averageLatency).toBeGreaterThan(0.01);
    for (let n = 0; n < 10; n++) {
      server.broadcastEvent(Chat, { text: "hello", n }, true);
      clients[0]!.sendEventToPrimary(Chat, { text: "up", n }, true);
      step(all);
    }
    server.sendEventTo(server.proxies[1]!, Chat, { text: "direct", n: 99 }, true);
    const toServer = clients[1]!.proxies.find((p) => p.peer === -1)!;
    clients[1]!.sendEventTo(toServer, Chat, { text: "via proxy", n: 7 }, true);
    const toOther = clients[1]!.proxies.find((p) => p.peer !== -1);
    if (toOther === undefined) throw new Error(`seed ${seed}: client 1 does not see client 0's state`);
    expect(() => clients[1]!.sendEventTo(toOther, Chat, { text: "p2p", n: 0 }, true)).toThrow(
      /through the server/,
    );
    step(all, 60);
    for (const c of clients) {
      const hellos = (got.get(c) ?? []).filter((e) => e.text === "hello").map((e) => e.n);
      expect(hellos, `seed ${seed}`).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    const ups = (got.get(server) ?? []).filter((e) => e.text === "up");
    expect(ups.map((e) => e.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ups.every((e) => e.from === server.proxies[0]!.peer)).toBe(true);
    expect((got.get(clients[1]!) ?? []).some((e) => e.text === "direct")).toBe(true);
    expect((got.get(clients[0]!) ?? []).some((e) => e.text === "direct")).toBe(false);
    expect((got.get(server) ?? []).some((e) => e.text === "via proxy" && e.n === 7)).toBe(true);
  });

  it("refuses misuse with a message naming the fix", () => {
    const { server } = build(5503);
    expect(() => server.setSendState(new State().packBegin().pack(1))).toThrow(
      /pack one value per declaration/,
    );
    server.update(DT);
    expect(() => server.addEventType(defineEvent("Late", Type.Object({})))).toThrow(
      /before the first update/,
    );
    const bare = Replicator.create({ role: "client", transport: transports[0]! });
    expect(() => bare.update(DT)).toThrow(/setStateTemplate/);
  });
});
