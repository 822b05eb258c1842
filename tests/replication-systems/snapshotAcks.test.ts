/**
 * Snapshot acks through the NetPlugin: baselines come from the reliability layer's packet acks
 * (the client sends no ack messages), and a client that cannot decode a snapshot (its baselines
 * are gone) sends a resync request, after which the server sends full state and it converges.
 */
import { ClientReplication } from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";
import { gameOf, maxError, POSITION_PRECISION, replicatedCount, spawn, connectedStepper } from "./game";

describe("snapshot acks", () => {
  it("come from packet acks; a client that lost its baselines resyncs once and converges", async () => {
    const seed = 1301;
    await using s = await connectedStepper(seed);
    const g = gameOf(s.server);
    const client = s.clients[0]!;
    const eids = Array.from({ length: 20 }, (_, i) => spawn(g, i * 2, -i));
    await s.stepTicks(40);
    const server = s.serverState;
    const st = client.getResource(ClientReplication);
    expect(replicatedCount(client)).toBe(20);
    expect(server.counters.snapshotsAcked).toBeGreaterThan(20);
    expect(st.counters.resyncsSent).toBe(0);
    expect(server.counters.resyncs).toBe(0);
    // Every snapshot now names a baseline the client does not hold.
    st.ring.reset();
    for (let t = 0; t < 40; t++) {
      for (const eid of eids) g.Position.x[eid] = (g.Position.x[eid] ?? 0) + 0.5;
      await s.stepTicks(1);
    }
    await s.stepTicks(30);
    expect(st.decoder.counters.snapshotsMissingBaseline).toBeGreaterThan(0);
    expect(st.counters.resyncsSent).toBeGreaterThan(0);
    // Snapshots already in flight fail too; their requests are older than the reset and ignored.
    expect(server.counters.resyncs, `seed ${seed}`).toBe(1);
    expect(maxError(s.server, client), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(replicatedCount(client)).toBe(20);
  });
});
