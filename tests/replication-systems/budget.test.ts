/**
 * The per-client bandwidth budget: with 300 wandering low-priority entities and a budget far
 * below what they need, the bytes sent stay within the budget (plus one burst allowance), while
 * the one high-priority entity still reaches the client every tick; the rest stream in by
 * accumulated priority and everything converges once the world rests.
 */
import { ClientReplication } from "@canopy/net-plugin";
import { createStepper } from "@canopy/net-plugin/testing";
import { createRng } from "@canopy/core";
import { addComponent } from "bitecs";
import { describe, expect, it } from "vitest";
import {
  clientEntity,
  gameOf,
  maxError,
  POSITION_PRECISION,
  replicatedCount,
  simpleSetup,
  spawn,
} from "./game";

const BUDGET = 3000; // bytes per second ≈ 50 bytes per tick at 60 Hz

describe("bandwidth budget", () => {
  it("holds the budget while the high-priority entity updates every tick", async () => {
    const seed = 701;
    await using s = await createStepper({
      clients: 1,
      seed,
      conditions: "PERFECT",
      setup: simpleSetup({ server: { bandwidthBytesPerSecond: BUDGET } }),
    });
    expect(await s.stepUntil(() => s.connected(), 300)).toBe(true);
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
});
