/**
 * Velocity prediction in the server's snapshots (ServerReplicationOptions.prediction, default on):
 * entities moving at a constant velocity cost fewer snapshot bytes than with prediction off, the
 * client converges either way, and nothing the client receives is refused.
 */
import { ClientReplication, ServerReplication } from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";
import { connectedStepper, gameOf, maxError, POSITION_PRECISION, simpleSetup, spawn } from "./game";

/** 40 entities moving at constant, different velocities for `ticks` ticks; returns the bytes sent. */
async function run(prediction: boolean | undefined, seed: number) {
  await using s = await connectedStepper(seed, {
    conditions: "LAN",
    setup: simpleSetup({ server: prediction === undefined ? {} : { prediction } }),
  });
  const g = gameOf(s.server);
  const eids = Array.from({ length: 40 }, (_, i) => spawn(g, i * 10 - 200, -i * 5));
  await s.stepTicks(30);
  const before = s.server.getResource(ServerReplication).counters.snapshotBytesSent;
  for (let t = 0; t < 120; t++) {
    eids.forEach((eid, i) => {
      g.Position.x[eid] = (g.Position.x[eid] ?? 0) + 0.05 + i * 0.013;
      g.Position.y[eid] = (g.Position.y[eid] ?? 0) - 0.02 * (i % 7);
    });
    await s.stepTicks(1);
  }
  const bytes = s.server.getResource(ServerReplication).counters.snapshotBytesSent - before;
  await s.stepTicks(30); // at rest: the last changes arrive
  const client = s.clients[0]!;
  expect(maxError(s.server, client), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
  const counters = client.getResource(ClientReplication).decoder.counters;
  expect(counters.snapshotsInvalid + counters.snapshotsMissingBaseline).toBe(0);
  return { bytes, prediction: s.server.getResource(ServerReplication).prediction };
}

describe("server velocity prediction", () => {
  it("is on by default and codes steadily moving entities in fewer bytes than without it", async () => {
    const on = await run(undefined, 701);
    const off = await run(false, 701);
    expect(on.prediction).toBe(true);
    expect(off.prediction).toBe(false);
    expect(on.bytes).toBeLessThan(off.bytes * 0.9);
  });
});
