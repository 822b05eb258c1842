/**
 * Spawn, update and despawn through the NetPlugin systems over a seeded 60 ms / 1 % loss link:
 * entities appear on the client with the server's state, follow its changes, and disappear when
 * despawned; a despawn and a spawn in the same tick are both applied.
 */
import { ClientReplication, markChanged, Replicated } from "@canopy/net-plugin";
import { query, removeEntity } from "bitecs";
import { describe, expect, it } from "vitest";
import {
  clientEntity,
  gameOf,
  maxError,
  POSITION_PRECISION,
  replicatedCount,
  simpleSetup,
  spawn,
  connectedStepper,
} from "./game";

describe("spawn / update / despawn", () => {
  it("replicates spawns, moves and despawns in order", async () => {
    const seed = 501;
    await using s = await connectedStepper(seed);
    const server = s.server;
    const client = s.clients[0]!;
    const g = gameOf(server);
    const a = spawn(g, 10, 20, 80);
    const b = spawn(g, -5, 7.5, 40);
    expect(await s.stepUntil(() => replicatedCount(client) === 2, 120), `seed ${seed}`).toBe(true);
    expect(maxError(server, client)).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(query(client.world, [Replicated]).length).toBe(2);

    for (let t = 0; t < 30; t++) {
      g.Position.x[a] = (g.Position.x[a] ?? 0) + 0.5;
      await s.stepTicks(1);
    }
    await s.stepTicks(20);
    expect(maxError(server, client)).toBeLessThanOrEqual(POSITION_PRECISION);
    const ca = clientEntity(server, client, a);
    expect(gameOf(client).Position.x[ca]).toBeCloseTo(25, 1);

    // Despawn one and spawn another in the same tick.
    const bNet = s.serverState.allocator.map.netIdOf(b);
    expect(client.getResource(ClientReplication).history.count(bNet)).toBeGreaterThan(0);
    removeEntity(server.world, b);
    const c = spawn(g, 3, 3, 10);
    await s.stepTicks(40);
    expect(replicatedCount(client)).toBe(2);
    expect(clientEntity(server, client, c)).toBeGreaterThanOrEqual(0);
    expect(maxError(server, client)).toBeLessThanOrEqual(POSITION_PRECISION);
    const st = client.getResource(ClientReplication);
    expect(st.counters.spawned).toBe(3);
    expect(st.counters.despawned).toBe(1);
    expect(st.history.count(bNet)).toBe(0); // its history went with it
    expect(st.decoder.counters.snapshotsInvalid).toBe(0);
  });

  it("a kicked client despawns everything it replicated and keeps the readable reason", async () => {
    const seed = 502;
    await using s = await connectedStepper(seed);
    const g = gameOf(s.server);
    for (let i = 0; i < 5; i++) spawn(g, i, i);
    const client = s.clients[0]!;
    expect(await s.stepUntil(() => replicatedCount(client) === 5, 120)).toBe(true);
    const st = client.getResource(ClientReplication);
    s.serverState.server.disconnect(st.client.clientIndex, "kicked");
    expect(await s.stepUntil(() => st.lastDisconnect !== undefined, 120)).toBe(true);
    expect(st.lastDisconnect?.reason).toBe("kicked");
    expect(st.lastDisconnect?.message.length).toBeGreaterThan(10);
    expect(query(client.world, [Replicated]).length).toBe(0);
    expect(replicatedCount(client)).toBe(0);
  });

  it('with changeDetection "marked", only new and marked entities are captured', async () => {
    const seed = 503;
    await using s = await connectedStepper(seed, {
      setup: simpleSetup({ server: { changeDetection: "marked" } }),
    });
    const g = gameOf(s.server);
    const client = s.clients[0]!;
    const a = spawn(g, 1, 1);
    const b = spawn(g, 2, 2);
    expect(await s.stepUntil(() => replicatedCount(client) === 2, 120)).toBe(true);
    expect(maxError(s.server, client)).toBeLessThanOrEqual(POSITION_PRECISION);
    g.Position.x[a] = 10; // not marked: the server does not even look
    g.Position.x[b] = 20;
    markChanged(s.server.world, b);
    await s.stepTicks(20);
    const gc = gameOf(client);
    expect(gc.Position.x[clientEntity(s.server, client, a)]).toBeCloseTo(1, 2);
    expect(gc.Position.x[clientEntity(s.server, client, b)]).toBeCloseTo(20, 2);
    markChanged(s.server.world, a);
    removeEntity(s.server.world, b);
    await s.stepTicks(20);
    expect(replicatedCount(client)).toBe(1);
    expect(maxError(s.server, client)).toBeLessThanOrEqual(POSITION_PRECISION);
  });
});
