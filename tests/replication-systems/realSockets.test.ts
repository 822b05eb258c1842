/**
 * Replication over real UDP and WebSocket sockets on 127.0.0.1 (behind the seeded link conditioner, 1 % loss):
 * the same NetPlugin systems spawn, move and converge 50 entities.
 */
import { createStepper } from "@canopy/net-plugin/testing";
import { describe, expect, it } from "vitest";
import { gameOf, maxError, POSITION_PRECISION, replicatedCount, simpleSetup, spawn } from "./game";

describe.each(["udp", "websocket"] as const)("replication over %s", (transport) => {
  it("spawns, moves and converges over real sockets", async () => {
    const seed = 1001;
    await using s = await createStepper({
      clients: 1,
      seed,
      transport,
      conditions: "BROADBAND_60MS_1PCT",
      setup: simpleSetup(),
    });
    expect(await s.stepUntil(() => s.connected(), 600)).toBe(true);
    const g = gameOf(s.server);
    const client = s.clients[0]!;
    const eids = Array.from({ length: 50 }, (_, i) => spawn(g, i * 2, -i));
    for (let t = 0; t < 60; t++) {
      for (const eid of eids) g.Position.y[eid] = (g.Position.y[eid] ?? 0) + 0.25;
      await s.stepTicks(1);
    }
    expect(
      await s.stepUntil(
        () => replicatedCount(client) === 50 && maxError(s.server, client) <= POSITION_PRECISION,
        300,
      ),
      `seed ${seed}`,
    ).toBe(true);
  });
});
