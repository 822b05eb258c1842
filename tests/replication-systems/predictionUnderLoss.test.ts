/**
 * Session 11 review (REV): the server's velocity prediction (sendSnapshots' reference, new in
 * session 11) with everything that changes what a snapshot holds at once — heavy loss, relevance
 * flipping as the viewpoint sweeps, a tight bandwidth budget — while entities move at constant
 * velocities (prediction in use) and some wander: no snapshot the clients receive is refused as
 * invalid, and once the link heals and the world rests every client holds the server's state.
 */
import { ClientReplication, ServerReplication } from "@canopy/net-plugin";
import type { StepperSetup } from "@canopy/net-plugin/testing";
import { createRng } from "@canopy/core";
import type { App } from "@canopy/core";
import { describe, expect, it } from "vitest";
import {
  connectedStepper,
  gameOf,
  makeGame,
  maxError,
  POSITION_PRECISION,
  replicatedCount,
  spawn,
} from "./game";

describe("server prediction under loss, relevance flips and a budget", () => {
  it.each([801, 802])(
    "seed %i: no invalid snapshot, converges",
    async (seed) => {
      let sweep = 0;
      let all = false;
      const setup = (app: App, role: "server" | "client"): StepperSetup => {
        const game = makeGame(app);
        if (role === "client") return { registry: game.registry };
        return {
          registry: game.registry,
          server: {
            bandwidthBytesPerSecond: 9000,
            interest: {
              cellSize: 100,
              radius: 500,
              position(eid: number, out: { x: number; y: number }) {
                out.x = game.Position.x[eid] ?? 0;
                out.y = game.Position.y[eid] ?? 0;
                return true;
              },
              viewpoint(_world: unknown, _client: number, index: number, out: { x: number; y: number }) {
                // One viewpoint sweeping across the world (entities leave and enter relevance);
                // at the end three that cover everything.
                if (all) {
                  out.x = (index - 1) * 600;
                  out.y = 0;
                  return index <= 2;
                }
                out.x = ((sweep * 37) % 1800) - 900;
                out.y = 0;
                return index === 0;
              },
            },
          },
        };
      };
      await using s = await connectedStepper(seed, { clients: 2, setup });
      const g = gameOf(s.server);
      const rng = createRng(seed);
      const eids = Array.from({ length: 80 }, (_, i) => spawn(g, i * 22 - 880, (i % 9) * 10 - 40));
      await s.stepTicks(30);
      s.setConditions({ simulatedPacketLoss: 35 });
      for (let t = 0; t < 240; t++) {
        sweep = t;
        eids.forEach((eid, i) => {
          const x = g.Position.x[eid] ?? 0;
          if (i % 3 === 0) g.Position.x[eid] = Math.max(-900, Math.min(900, x + (rng.next() - 0.5) * 6));
          else g.Position.x[eid] = x + (i % 2 === 0 ? 0.3 : -0.3) + i * 0.001;
          g.Position.y[eid] = (g.Position.y[eid] ?? 0) + 0.05 * ((i % 5) - 2);
          if (rng.chance(0.01)) g.Health[eid] = rng.int(0, 100);
        });
        await s.stepTicks(1);
      }
      s.setConditions({ simulatedPacketLoss: 0 });
      all = true;
      await s.stepTicks(10);
      expect(s.server.getResource(ServerReplication).prediction).toBe(true);
      for (const client of s.clients) {
        // Everything relevant now: all arrive within the budget eventually.
        expect(
          await s.stepUntil(() => maxError(s.server, client) <= POSITION_PRECISION, 900),
          `seed ${seed}: max error ${maxError(s.server, client)}`,
        ).toBe(true);
        expect(replicatedCount(client)).toBe(80);
        const counters = client.getResource(ClientReplication).decoder.counters;
        expect(counters.snapshotsInvalid, JSON.stringify(counters)).toBe(0);
        expect(counters.snapshotsDecoded).toBeGreaterThan(50);
      }
    },
    120_000,
  );
});
