/**
 * The Replicator facade mirrors the corrections of client authority: a server Replicator whose
 * `validateUpstream` refuses a client's state sends that client corrections (`correctionsSent`),
 * and the client Replicator counts those it applied (`correctionsApplied`) and those it dropped
 * (`correctionsDropped`: invalid, not its entity, stale, inbox full) — the same numbers as the
 * ServerReplication / ClientReplication counters underneath. Over a seeded lossy loopback link.
 */
import { getResource, ManualClock } from "@canopy/core";
import {
  ClientReplication,
  createLoopbackNetwork,
  FloatTemplate,
  generateConnectToken,
  LinkConditioner,
  Replicator,
  ServerReplication,
  State,
  StateTemplate,
  Vec3Template,
  type Transport,
} from "@canopy/net-plugin";
import { afterEach, describe, expect, it } from "vitest";

const KEY = new Uint8Array(32).fill(0x3d);
const PROTOCOL_ID = 0x7a_0e_12n;
const DT = 1 / 60;

const open: Replicator[] = [];
const transports: Transport[] = [];
afterEach(async () => {
  for (const r of open.splice(0)) r.dispose();
  for (const t of transports.splice(0).reverse()) await t.close();
});

function template(): StateTemplate {
  return new StateTemplate()
    .declare("position", Vec3Template({ min: -100, max: 100, precision: 0.01 }))
    .declare("health", FloatTemplate({ min: 0, max: 100, precision: 0.5 }));
}

/** A server (refusing every client state while `refuse.on`) and one client behind a 1 % loss link. */
function build(seed: number, refuse: { on: boolean }) {
  const network = createLoopbackNetwork();
  const serverTransport = network.bind("loopback://server");
  transports.push(serverTransport);
  const server = Replicator.create({
    role: "server",
    transport: serverTransport,
    connection: { protocolId: PROTOCOL_ID, privateKey: KEY, publicAddresses: ["loopback://server"] },
    replication: { validateUpstream: () => !refuse.on },
  });
  const inner = network.bind();
  transports.push(inner);
  const clock = new ManualClock(0);
  const link = new LinkConditioner(inner, {
    clock,
    seed,
    outbound: { simulatedLatency: 30, jitter: 5, simulatedPacketLoss: 1 },
    inbound: { simulatedLatency: 30, jitter: 5, simulatedPacketLoss: 1 },
  });
  const token = generateConnectToken(
    {
      protocolId: PROTOCOL_ID,
      clientId: 1n,
      serverAddresses: ["loopback://server"],
      expireSeconds: 300,
      timeoutSeconds: 5,
    },
    KEY,
  );
  const client = Replicator.create({ role: "client", transport: link, token });
  open.push(server, client);
  for (const r of [server, client]) r.setStateTemplate(template());
  const step = (n = 1): void => {
    for (let i = 0; i < n; i++) {
      server.update(DT);
      clock.advance(DT);
      client.update(DT);
    }
  };
  return { server, client, step };
}

const stateOf = (x: number, health: number): State =>
  new State().packBegin().pack({ x, y: 1, z: 2 }).pack(health);

describe("Replicator corrections", () => {
  it("mirrors the server's corrections sent and the client's corrections applied and dropped", () => {
    const seed = 5521;
    const refuse = { on: false };
    const { server, client, step } = build(seed, refuse);
    let frames = 0;
    while (server.counters.statesReceived === 0 && frames < 600) {
      client.setSendState(stateOf(5, 40));
      step();
      frames++;
    }
    expect(server.counters.statesReceived, `seed ${seed}: accepted after ${frames} frames`).toBeGreaterThan(
      0,
    );
    step(30);
    expect(server.counters.correctionsSent).toBe(0);
    expect(client.counters.correctionsApplied).toBe(0);

    // Refused from now on: every changed state is answered by a correction (≤ 1 per 100 ms).
    refuse.on = true;
    for (let t = 0; t < 120; t++) {
      client.setSendState(stateOf(6 + t * 0.1, 40));
      step();
    }
    step(30);
    const serverCounters = getResource(server.app!.world, ServerReplication).counters;
    const clientCounters = getResource(client.app!.world, ClientReplication).counters;
    expect(serverCounters.upstreamCorrections, `seed ${seed}`).toBeGreaterThan(5);
    expect(server.counters.correctionsSent).toBe(serverCounters.upstreamCorrections);
    expect(clientCounters.correctionsApplied, `seed ${seed}`).toBeGreaterThan(5);
    expect(client.counters.correctionsApplied).toBe(clientCounters.correctionsApplied);
    expect(client.counters.correctionsDropped).toBe(
      clientCounters.correctionsInvalid +
        clientCounters.correctionsIgnored +
        clientCounters.correctionsStale +
        clientCounters.correctionsDropped,
    );
    // Each side's other counters stay zero.
    expect(server.counters.correctionsApplied).toBe(0);
    expect(client.counters.correctionsSent).toBe(0);
  });
});
