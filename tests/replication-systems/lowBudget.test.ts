/**
 * Budgets below a snapshot's floor: at 60 B/s (1 B per tick at 60 Hz) with 300 wandering entities,
 * each snapshot used to go out as soon as the client's budget held 16 B — room for the header
 * (6 B) but not for the columns of a single update — so only headers went out and an entity spawned
 * then never reached the client. Snapshots now wait for `minSnapshotBytes` (20 B): they go out
 * every few ticks, the new entity arrives, and the bytes sent still hold the budget. A rate that
 * cannot give every tick's snapshot that floor is reported once when it is configured.
 */
import { ClientReplication, ReplicationDefaults, setClientBandwidth } from "@canopy/net-plugin";
import { addComponent } from "bitecs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { clientEntity, connectedStepper, gameOf, simpleSetup, spawn } from "./game";

const RATE = 60; // bytes per second: 1 B per tick at 60 Hz
const HZ = 60;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("low snapshot budgets", () => {
  it("a busy world at 60 B/s still delivers a new entity, within the budget", async () => {
    const seed = 5351;
    vi.spyOn(console, "warn").mockImplementation(() => {});
    await using s = await connectedStepper(seed, {
      conditions: "PERFECT",
      setup: simpleSetup({ server: { bandwidthBytesPerSecond: RATE } }),
    });
    const g = gameOf(s.server);
    const client = s.clients[0]!;
    const movers = Array.from({ length: 300 }, (_, i) => spawn(g, (i % 20) * 5, Math.floor(i / 20) * 5));
    let k = 0;
    const move = (): void => {
      k++;
      for (const e of movers) g.Position.x[e] = (g.Position.x[e] ?? 0) + (((k * 7 + e) % 5) - 2) * 0.1;
    };
    for (let t = 0; t < 300; t++) {
      move();
      await s.stepTicks(1);
    }
    const view = s.serverState.clients[client.getResource(ClientReplication).client.clientIndex]!;
    const bytesBefore = view.bytesSent;
    const eid = spawn(g, 123.45, -678.9);
    addComponent(s.server.world, eid, g.Speed);
    g.Speed[eid] = 3.3;
    let ticks = 0;
    while (clientEntity(s.server, client, eid) < 0 && ticks < 600) {
      move();
      await s.stepTicks(1);
      ticks++;
    }
    expect(
      clientEntity(s.server, client, eid),
      `seed ${seed}: arrived after ${ticks} ticks`,
    ).toBeGreaterThanOrEqual(0);
    const sent = view.bytesSent - bytesBefore;
    expect(sent, `seed ${seed}`).toBeLessThanOrEqual(
      (RATE * ticks) / HZ + ReplicationDefaults.minSnapshotBytes,
    );
  });

  it("reports a rate below the per-tick floor once, at configuration", async () => {
    const seed = 5352;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await using s = await connectedStepper(seed, {
      conditions: "PERFECT",
      setup: simpleSetup({ server: { bandwidthBytesPerSecond: RATE } }),
    });
    await s.stepTicks(30);
    expect(warn).toHaveBeenCalledTimes(1);
    const text = String(warn.mock.calls[0]?.[0]);
    expect(text).toContain("bandwidthBytesPerSecond");
    expect(text).toContain(`${ReplicationDefaults.minSnapshotBytes * HZ} B/s`);
    const slot = s.clients[0]!.getResource(ClientReplication).client.clientIndex;
    setClientBandwidth(s.server.world, slot, 100);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[1]?.[0])).toContain("setClientBandwidth");
    setClientBandwidth(s.server.world, slot, 5000);
    await s.stepTicks(30);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it("the default rate reports nothing", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await using s = await connectedStepper(5353, { conditions: "PERFECT" });
    await s.stepTicks(10);
    expect(warn).not.toHaveBeenCalled();
  });
});
