/**
 * Spatial interest's `viewpoint` callback: up to `maxViewpoints` viewpoints a client per tick
 * work; a callback that keeps returning true past that (one that never returns false would hang
 * the server's tick) makes the send system throw a readable error instead; a bad
 * `maxViewpoints` is refused at configuration.
 */
import { createStepper, type StepperSetup } from "@canopy/net-plugin/testing";
import type { App } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { gameOf, makeGame, replicatedCount, spawn } from "./game";

/** A setup whose viewpoints are the first `count()` points of a row 10 units apart. */
function setupWith(count: () => number, maxViewpoints?: number) {
  return (app: App, role: "server" | "client"): StepperSetup => {
    const game = makeGame(app);
    if (role === "client") return { registry: game.registry };
    return {
      registry: game.registry,
      server: {
        interest: {
          cellSize: 10,
          radius: 5,
          maxViewpoints,
          position(eid, out) {
            out.x = game.Position.x[eid] ?? 0;
            out.y = game.Position.y[eid] ?? 0;
            return true;
          },
          viewpoint(_world, _client, index, out) {
            out.x = index * 10;
            out.y = 0;
            return index < count();
          },
        },
      },
    };
  };
}

describe("interest viewpoints", () => {
  it("marks around every viewpoint up to maxViewpoints, and throws past it instead of hanging", async () => {
    let count = 3;
    await using s = await createStepper({
      clients: 1,
      seed: 9101,
      conditions: "PERFECT",
      setup: setupWith(() => count, 3),
    });
    expect(await s.stepUntil(() => s.connected(), 300)).toBe(true);
    const g = gameOf(s.server);
    // One entity at each of the three viewpoints, one far from all of them.
    for (let i = 0; i < 3; i++) spawn(g, i * 10, 0);
    spawn(g, 500, 0);
    const client = s.clients[0] as App;
    expect(await s.stepUntil(() => replicatedCount(client) === 3, 300)).toBe(true);
    await s.stepTicks(30);
    expect(replicatedCount(client)).toBe(3);

    count = Number.POSITIVE_INFINITY; // a callback that never returns false
    await expect(s.stepTicks(1)).rejects.toThrow(
      /interest\.viewpoint returned true for index 3 of client 0: at most 3 viewpoints/,
    );
  });

  it("defaults to 64 viewpoints per client", async () => {
    let count = 64;
    await using s = await createStepper({
      clients: 1,
      seed: 9102,
      conditions: "PERFECT",
      setup: setupWith(() => count),
    });
    expect(await s.stepUntil(() => s.connected(), 300)).toBe(true);
    await s.stepTicks(5);
    count = 65;
    await expect(s.stepTicks(1)).rejects.toThrow(/index 64 of client 0: at most 64 viewpoints/);
  });

  it("refuses a maxViewpoints that is not an integer ≥ 1", async () => {
    for (const bad of [0, 2.5, Number.NaN]) {
      await expect(
        createStepper({ clients: 1, seed: 9103, conditions: "PERFECT", setup: setupWith(() => 1, bad) }),
      ).rejects.toThrow(/interest\.maxViewpoints must be an integer ≥ 1/);
    }
  });
});
