/**
 * The per-client bandwidth budget: with 300 wandering low-priority entities and a budget far
 * below what they need, the bytes sent stay within the budget (plus one burst allowance), while
 * the one high-priority entity still reaches the client every tick; the rest stream in by
 * accumulated priority and everything converges once the world rests.
 */
import { ClientReplication, setClientBandwidth } from "@canopy/net-plugin";
import { createStepper, type StepperSetup } from "@canopy/net-plugin/testing";
import { createRng, type App } from "@canopy/core";
import { addComponent } from "bitecs";
import { describe, expect, it } from "vitest";
import {
  clientEntity,
  gameOf,
  makeGame,
  maxError,
  POSITION_PRECISION,
  replicatedCount,
  simpleSetup,
  spawn,
  connectedStepper,
} from "./game";

const BUDGET = 3000; // bytes per second ≈ 50 bytes per tick at 60 Hz

describe("bandwidth budget", () => {
  it("holds the budget while the high-priority entity updates every tick", async () => {
    const seed = 701;
    await using s = await connectedStepper(seed, {
      conditions: "PERFECT",
      setup: simpleSetup({ server: { bandwidthBytesPerSecond: BUDGET } }),
    });
    const g = gameOf(s.server);
    const client = s.clients[0]!;
    const gc = gameOf(client);
    const player = spawn(g, 0, 0);
    addComponent(s.server.world, player, g.Speed);
    const crowd = Array.from({ length: 300 }, (_, i) => spawn(g, (i % 20) * 5, Math.floor(i / 20) * 5));
    const rng = createRng(seed);
    await s.stepTicks(5);
    const view = s.serverState.clients[client.getResource(ClientReplication).client.clientIndex]!;
    const bytesBefore = view.bytesSent;
    const ticks = 180;
    let playerMisses = 0;
    for (let t = 0; t < ticks; t++) {
      g.Speed[player] = t * 0.25;
      g.Position.x[player] = t * 0.1;
      for (const eid of crowd) g.Position.x[eid] = (g.Position.x[eid] ?? 0) + (rng.next() - 0.5);
      await s.stepTicks(1);
      const c = clientEntity(s.server, client, player);
      if (c < 0 || Math.abs((gc.Speed[c] ?? NaN) - t * 0.25) > 0.01) playerMisses++;
    }
    const sent = view.bytesSent - bytesBefore;
    const burst = s.serverState.burstBytes;
    expect(sent).toBeLessThanOrEqual((BUDGET * ticks) / 60 + burst);
    expect(sent).toBeGreaterThan((BUDGET * ticks) / 60 / 2); // the budget is used, not wasted
    expect(playerMisses, `seed ${seed}`).toBe(0);
    expect(s.serverState.counters.entitiesDeferred).toBeGreaterThan(0);
    // At rest, the rest streams in and everything converges.
    expect(await s.stepUntil(() => maxError(s.server, client) <= POSITION_PRECISION, 600)).toBe(true);
    expect(replicatedCount(client)).toBe(301);
  });

  it("under spatial interest, near entities are refreshed more often than far ones", async () => {
    const seed = 702;
    const setup = (app: App, role: "server" | "client"): StepperSetup => {
      const game = makeGame(app);
      if (role === "client") return { registry: game.registry };
      return {
        registry: game.registry,
        server: {
          bandwidthBytesPerSecond: BUDGET,
          interest: {
            cellSize: 100,
            radius: 1000,
            position(eid, out) {
              out.x = game.Position.x[eid] ?? 0;
              out.y = game.Position.y[eid] ?? 0;
              return true;
            },
            viewpoint(_world, _client, index, out) {
              out.x = 0;
              out.y = 0;
              return index === 0;
            },
          },
        },
      };
    };
    await using s = await createStepper({ clients: 1, seed, conditions: "PERFECT", setup });
    expect(await s.stepUntil(() => s.connected(), 300)).toBe(true);
    const g = gameOf(s.server);
    const client = s.clients[0]!;
    const gc = gameOf(client);
    const near = Array.from({ length: 100 }, (_, i) => spawn(g, i % 10, Math.floor(i / 10)));
    const far = Array.from({ length: 100 }, (_, i) => spawn(g, 950 + (i % 10), Math.floor(i / 10)));
    expect(await s.stepUntil(() => replicatedCount(client) === 200, 600)).toBe(true);
    const seen = new Map<number, number>();
    const updates = new Map<number, number>();
    for (let t = 0; t < 240; t++) {
      for (const eid of [...near, ...far]) g.Position.y[eid] = (g.Position.y[eid] ?? 0) + 0.05;
      await s.stepTicks(1);
      for (const eid of [...near, ...far]) {
        const c = clientEntity(s.server, client, eid);
        const y = gc.Position.y[c] ?? 0;
        if (seen.get(eid) !== y) updates.set(eid, (updates.get(eid) ?? 0) + 1);
        seen.set(eid, y);
      }
    }
    const mean = (list: number[]) => list.reduce((a, e) => a + (updates.get(e) ?? 0), 0) / list.length;
    const ratio = mean(near) / Math.max(1, mean(far));
    expect(ratio, `seed ${seed}: near ${mean(near)} far ${mean(far)}`).toBeGreaterThan(1.8);
    expect(mean(far)).toBeGreaterThan(0); // far ones still get their turn
  });

  it("a per-client budget (setClientBandwidth) holds for that client only", async () => {
    const seed = 703;
    await using s = await connectedStepper(seed, { clients: 2, conditions: "PERFECT" });
    const slow = s.clientState(0).client.clientIndex;
    const fast = s.clientState(1).client.clientIndex;
    setClientBandwidth(s.server.world, slow, 1200);
    const g = gameOf(s.server);
    const crowd = Array.from({ length: 200 }, (_, i) => spawn(g, i, 0));
    const rng = createRng(seed);
    const views = s.serverState.clients;
    await s.stepTicks(30);
    const before = [views[slow]!.bytesSent, views[fast]!.bytesSent];
    for (let t = 0; t < 120; t++) {
      for (const eid of crowd) g.Position.y[eid] = (g.Position.y[eid] ?? 0) + (rng.next() - 0.5);
      await s.stepTicks(1);
    }
    const slowBytes = views[slow]!.bytesSent - before[0]!;
    const fastBytes = views[fast]!.bytesSent - before[1]!;
    expect(slowBytes).toBeLessThanOrEqual(1200 * 2 + s.serverState.burstBytes);
    expect(fastBytes).toBeGreaterThan(slowBytes * 3);
    expect(() => setClientBandwidth(s.server.world, slow, 0)).toThrow(/bytesPerSecond/);
  });
});
