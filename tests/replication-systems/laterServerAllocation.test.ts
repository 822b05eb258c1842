/**
 * Several servers one after another in one process (a game server hosting match after match, a
 * test process): a server created after others reaches the steady state — no heap allocation per
 * server or client `App.update()` — within a few hundred ticks, instead of paying again for code
 * V8 had optimized already. Each new server used to deoptimize the snapshot encoder at its start:
 * SnapshotEncoder.encode, writeSnapshot, finish and fillExpected ("wrong map" at entry: the codec
 * warm-up's inputs had other shapes, codec/encodeInput.ts), re-optimized only ~1,000–1,300 ticks
 * later; and writeSnapshot again at the warm-up's despawn list ("insufficient type feedback": the
 * process's first warm-up ran before V8 gave it a feedback vector, codecWarmUp.ts FIRST_ROUNDS),
 * ~900 ticks. 32–64 B per server update meanwhile.
 *
 * Three servers of the test game in turn (400 entities, a tenth moving, 2 clients each): the
 * first warms the process; the second, with spatial interest (other code paths, so the third
 * follows a differently configured server), and the third are each measured after their own
 * warm-up as noAllocation.test.ts measures (heapWindows.ts: medians over all measured ticks and
 * every 100 consecutive ones). Measured (session 8, both kernel paths, with the fixes): the second
 * 0 B at the median from tick ~400 on (its first ticks also run code that a server's start and a
 * Stepper's disposal run once per process, in the networking layers), the third from its first
 * 200 ticks on. Not timing-based: the project compiles optimized code synchronously
 * (vitest.config.ts ALLOCATION_EXEC_ARGV).
 */
import { describe, expect, it } from "vitest";
import { markChanged } from "@canopy/net-plugin";
import { createStepper, type StepperSetup } from "@canopy/net-plugin/testing";
import type { App } from "@canopy/core";
import { gameOf, makeGame, spawn } from "./game";
import { exposeGc } from "../connection/heapRig";
import { expectHeapMedians, measureUpdates } from "./heapWindows";

const ENTITIES = 400;
const MOVING_EVERY = 10;
/**
 * The servers in the order they run: untimed ticks, then whose updates are measured. The second
 * server's clients are not: the process's first Stepper disposal and second connect take paths in
 * NetClient's receive and send code (inlined in client.receivePackets/sendPackets) for the first
 * time, which deoptimizes them once per process (~300 B per client update for ~1,000 ticks; not
 * the codec). The third server's clients are measured.
 */
const SERVERS = [
  { name: "first", spatial: false, warm: 1500, measure: "none" },
  { name: "second (spatial interest)", spatial: true, warm: 500, measure: "server" },
  { name: "third", spatial: false, warm: 300, measure: "both" },
] as const;
/** Forced GCs in the warm-ups: one every this many ticks (see noAllocation.test.ts). */
const WARM_GC_EVERY = 100;
const MEASURED_TICKS = 400;
const GC_EVERY = 25;
/** Median heap growth allowed per server and per client update, bytes: one boxed double (16 B) fails it. */
const BOUND_BYTES = 16;

/** The test game, scan change detection, optionally with spatial interest (a viewpoint per client). */
function setupFor(spatial: boolean) {
  return (app: App): StepperSetup => {
    const g = makeGame(app);
    const interest = spatial
      ? {
          cellSize: 100,
          radius: 250,
          position: (eid: number, out: { x: number; y: number }): boolean => {
            out.x = g.Position.x[eid] ?? 0;
            out.y = g.Position.y[eid] ?? 0;
            return true;
          },
          viewpoint: (_w: unknown, client: number, index: number, out: { x: number; y: number }): boolean => {
            out.x = client * 200 - 100;
            out.y = 0;
            return index === 0;
          },
        }
      : undefined;
    return {
      registry: g.registry,
      server: { bandwidthBytesPerSecond: 1e6, ...(interest ? { interest } : {}) },
    };
  };
}

describe("a server created after others in the same process", () => {
  it("allocates nothing per update within a few hundred ticks (the second after 500, the third after 300)", async () => {
    const gc = exposeGc();
    for (let n = 0; n < SERVERS.length; n++) {
      const server = SERVERS[n] as (typeof SERVERS)[number];
      const seed = 7150 + n;
      await using s = await createStepper({ clients: 2, seed, setup: setupFor(server.spatial) });
      expect(await s.stepUntil(() => s.connected(), 300), `${server.name} server: clients connect`).toBe(
        true,
      );
      const g = gameOf(s.server);
      const eids = Array.from({ length: ENTITIES }, (_, i) =>
        spawn(g, (i % 20) * 40 - 400, Math.floor(i / 20) * 40 - 400),
      );
      const move = (): void => {
        for (let k = 0; k < eids.length; k += MOVING_EVERY) {
          const eid = eids[k] as number;
          g.Position.x[eid] = (((g.Position.x[eid] ?? 0) + 0.37 + 400) % 800) - 400;
          markChanged(s.server.world, eid); // ignored in "scan" mode
        }
      };
      for (let t = 0; t < server.warm; t++) {
        if (t % WARM_GC_EVERY === 0) gc();
        move();
        s.clock.advance(1 / 60);
        s.server.update();
        for (const c of s.clients) c.update();
      }
      if (server.measure === "none") continue;
      const measured = measureUpdates(s, MEASURED_TICKS, GC_EVERY, gc, move);
      expectHeapMedians(measured.server, BOUND_BYTES, `seed ${seed}, ${server.name} server's update`);
      if (server.measure === "both") {
        const label = `seed ${seed}, ${server.name} server's first client's update`;
        expectHeapMedians(measured.client, BOUND_BYTES, label);
      }
    }
  }, 60_000);
});
