/**
 * Issue 5 "no per-tick heap allocation in steady state": a server replicating 400 entities (10 %
 * moving every tick, time sync on) to two clients over the loopback Stepper allocates nothing per
 * `App.update()` once warm, and neither does a client's `App.update()` (receive, decode, apply,
 * history, acks) — also when movers start jumping across the bounds only after the code is
 * optimized (the largest deltas; their first appearance once deoptimized the client's decode
 * kernel, ~2.2 KiB per client update for ~80 ticks). Measured as the growth of `heapUsed`
 * across one update, with a forced GC every GC_EVERY ticks so each stretch starts clean; ticks in
 * which a GC ran (heapUsed fell) are dropped, and the median of the rest — over all measured ticks
 * and over every 100 consecutive ones (heapWindows.ts), so a stretch of deoptimized code cannot hide — is
 * compared with a bound far below what any per-entity, per-client or per-message allocation costs
 * (the code before this work allocated ~3–18 KiB per server update). Not timing-based: a loaded
 * machine changes when V8 optimizes, not what an optimized update allocates.
 */
import { describe, expect, it } from "vitest";
import { defineEvent, EventRegistry, markChanged } from "@canopy/net-plugin";
import { Type } from "@sinclair/typebox";
import { createStepper } from "@canopy/net-plugin/testing";
import type { App } from "@canopy/core";
import type { StepperSetup } from "@canopy/net-plugin/testing";
import { gameOf, makeGame, spawn } from "./game";
import { exposeGc } from "../connection/heapRig";
import { expectHeapMedians, measureUpdates } from "./heapWindows";

const ENTITIES = 400;
const MOVING_EVERY = 10;
/**
 * Untimed ticks before measuring: joins done, baselines acked, hot code optimized — with the same
 * forced GCs as the measured ticks. The first full GC deoptimizes optimized code that embedded
 * objects which died since (V8: "weak objects"; the codec's `encode`/`write`/`fillOut` after the
 * join): ~160 B per server update for ~100 ticks until V8 optimizes them again, once per process.
 * A variant's new Stepper also sends once-per-tick functions back to baseline code, which V8
 * optimizes again only after ~1000 ticks: at 1000 warm ticks the "marked" variant measured 32 B per
 * server update for its first ~45 ticks (`poll` optimized at measured tick ~48; --trace-opt, session
 * 8) in every run at one tree and none at another, as code sizes moved that point; 1500 leaves room.
 */
const WARM_TICKS = 1500;
/**
 * Warm ticks of the first variant in the process: V8's optimized code is per process, so the
 * later variants start from the code the first one warmed. Client code runs once per tick per
 * client and is the last to be optimized; on a loaded machine its optimized code is installed
 * later too, so the first variant warms longer rather than measuring the tail of that.
 */
const FIRST_WARM_TICKS = 2000;
/** Whether a variant already ran (and warmed the process's code). */
let processWarm = false;
/** Forced GCs in the first half of the warm-up: one every this many ticks. */
const WARM_GC_EVERY = 100;
/** Measured ticks: four windows' worth, so a deoptimized stretch (~100+ ticks) shows in one. */
const MEASURED_TICKS = 400;
const GC_EVERY = 25;
/**
 * Median heap growth allowed per server update, bytes — over all measured ticks and over every 100
 * consecutive ones (heapWindows.ts). Measured once warm (3 runs each of system-alloc and
 * system-js-alloc, session 8): 0 B at the median over all ticks and in every window, all four
 * variants, all 6 runs (27–66 of 400 ticks above 0, the 90th percentile 0–32 B). It was 32 B in
 * "scan" until prepareSnapshots stopped passing the tick's dt to PriorityAccumulator as an argument
 * (there the call is not inlined, so dt was boxed: a 16 B heap number per client and tick), and
 * 32 B for the first ~300 measured ticks of spatial interest with the JS kernels (hidden until
 * heapWindows.ts measured the heap read cost in place; see SPATIAL_WARM_TICKS). 16 B: one boxed
 * double per update fails it.
 */
const BOUND_BYTES = 16;
/**
 * The same per client update, bytes: 0 B at the median over all ticks and in every window, in all
 * four variants of those 6 runs (49–55 of 400 ticks above 0, the 90th percentile 96 B) since
 * LinkEstimator.updateBandwidth stopped boxing its clock reads (1c93c0b). 16 B: one boxed double
 * per update fails it.
 */
const CLIENT_BOUND_BYTES = 16;
/** In the "wrap" variant: every tick, one mover in this many jumps across the bounds. */
const WRAP_EVERY = 20;

/**
 * The variants, in the order they run. "scan" first: the boxed `dt` that PriorityAccumulator
 * calls used to cost there (32 B per server update) shows only when "scan" is the variant
 * prepareSnapshots is optimized for; with spatial interest first this test passed with it.
 */
const VARIANTS = [
  "scan",
  "marked",
  "scan + spatial interest",
  "scan, movers jumping across the bounds",
] as const;
/**
 * Warm ticks of the spatial-interest variant (not the first): every new variant's server
 * deoptimizes the JS kernels' encoder (SnapshotEncoder.encode and writeSnapshot, "wrong map" on
 * entry), and V8 optimizes it again once it has run enough bytecode. Under spatial interest each
 * client's encode covers a fraction of the entities, so that took ~1300 ticks — past WARM_TICKS:
 * 32 B per server update, unoptimized, for the first ~300 measured ticks. The other variants
 * re-optimize it within WARM_TICKS.
 */
const SPATIAL_WARM_TICKS = 2000;
type Variant = (typeof VARIANTS)[number];

/** An event type, so the event systems (dispatch, flush) run every tick too. */
const Chat = defineEvent("Chat", Type.Object({ text: Type.String() }));

/** The test game with one of the change-detection modes, or spatial interest (viewpoint per client). */
function setupFor(variant: Variant) {
  return (app: App): StepperSetup => {
    const g = makeGame(app);
    const changeDetection = variant === "marked" ? "marked" : "scan";
    const interest =
      variant === "scan + spatial interest"
        ? {
            cellSize: 100,
            radius: 250,
            position: (eid: number, out: { x: number; y: number }): boolean => {
              out.x = g.Position.x[eid] ?? 0;
              out.y = g.Position.y[eid] ?? 0;
              return true;
            },
            viewpoint: (
              _w: unknown,
              client: number,
              index: number,
              out: { x: number; y: number },
            ): boolean => {
              out.x = client * 200 - 100;
              out.y = 0;
              return index === 0;
            },
          }
        : undefined;
    const events = new EventRegistry();
    events.addEventType(Chat);
    return {
      registry: g.registry,
      events,
      server: { bandwidthBytesPerSecond: 1e6, changeDetection, ...(interest ? { interest } : {}) },
    };
  };
}

describe("steady-state allocation", () => {
  it.each(VARIANTS)(
    "warm server and client updates allocate nothing: 400 entities, a tenth moving, 2 clients (%s)",
    async (variant) => {
      const seeds = { scan: 5150, marked: 5151, "scan + spatial interest": 5152 } as const;
      const seed = variant in seeds ? seeds[variant as keyof typeof seeds] : 5153;
      const wrap = variant === "scan, movers jumping across the bounds";
      await using s = await createStepper({ clients: 2, seed, setup: setupFor(variant) });
      expect(await s.stepUntil(() => s.connected(), 300)).toBe(true);
      const g = gameOf(s.server);
      const eids = Array.from({ length: ENTITIES }, (_, i) =>
        spawn(g, (i % 20) * 40 - 400, Math.floor(i / 20) * 40 - 400),
      );
      let jumping = false;
      let ticks = 0;
      const move = (): void => {
        ticks++;
        for (let k = 0; k < eids.length; k += MOVING_EVERY) {
          const eid = eids[k] as number;
          let x = (((g.Position.x[eid] ?? 0) + 0.37 + 400) % 800) - 400;
          // ~800 units (80,000 quanta: Exp-Golomb codes past 32 bits), only once the code is hot.
          if (jumping && (k / MOVING_EVERY + ticks) % WRAP_EVERY === 0) x += x >= 0 ? -799 : 799;
          g.Position.x[eid] = x;
          markChanged(s.server.world, eid); // ignored in "scan" mode
        }
      };
      const tick = (): void => {
        move();
        s.clock.advance(1 / 60);
        s.server.update();
        for (const c of s.clients) c.update();
      };
      const gc = exposeGc();
      const warmTicks = !processWarm
        ? FIRST_WARM_TICKS
        : variant === "scan + spatial interest"
          ? SPATIAL_WARM_TICKS
          : WARM_TICKS;
      processWarm = true;
      for (let t = 0; t < warmTicks; t++) {
        if (t % WARM_GC_EVERY === 0 && t <= warmTicks / 2) gc();
        tick();
      }
      jumping = wrap;

      const { server, client } = measureUpdates(s, MEASURED_TICKS, GC_EVERY, gc, move);
      expectHeapMedians(server, BOUND_BYTES, `seed ${seed}, server update`);
      expectHeapMedians(client, CLIENT_BOUND_BYTES, `seed ${seed}, client update`);
    },
    60_000,
  );
});
