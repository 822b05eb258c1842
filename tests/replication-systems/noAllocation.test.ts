/**
 * Issue 5 "no per-tick heap allocation in steady state": a server replicating 400 entities (10 %
 * moving every tick, time sync on) to two clients over the loopback Stepper allocates nothing per
 * `App.update()` once warm, and neither does a client's `App.update()` (receive, decode, apply,
 * history, acks) — also when movers start jumping across the bounds only after the code is
 * optimized (the largest deltas; their first appearance once deoptimized the client's decode
 * kernel, ~2.2 KiB per client update for ~80 ticks). Measured as the growth of `heapUsed` across one update, with a
 * forced GC every GC_EVERY ticks so each window starts clean; ticks in which a GC ran (heapUsed
 * fell) are dropped and the median of the rest is compared with a bound far below what any
 * per-entity, per-client or per-message allocation costs (one view per snapshot is ~100 B per
 * client; the code before this test allocated ~3–18 KiB per server update). Not timing-based.
 */
import { describe, expect, it } from "vitest";
import { defineEvent, EventRegistry, markChanged } from "@canopy/net-plugin";
import { Type } from "@sinclair/typebox";
import { createStepper } from "@canopy/net-plugin/testing";
import type { App } from "@canopy/core";
import type { StepperSetup } from "@canopy/net-plugin/testing";
import { gameOf, makeGame, spawn } from "./game";
import { exposeGc, median } from "../connection/heapRig";

const ENTITIES = 400;
const MOVING_EVERY = 10;
/** Untimed ticks before measuring: joins done, baselines acked, hot code optimized. */
const WARM_TICKS = 1000;
const MEASURED_TICKS = 150;
const GC_EVERY = 10;
/**
 * Median heap growth allowed per server update, bytes. What remains once warm is 128 B (marked) /
 * 256 B (scan), flat with longer warm-ups, mostly in the net layer's per-frame send/receive (see
 * docs/BENCHMARKS.md "scale"); a structural allocation is far above it: one view per snapshot and
 * client ~200 B, a closure context per stage run ~750 B, anything per entity ≥ 6 KiB.
 */
const BOUND_BYTES = 640;
/**
 * Median heap growth allowed per client update, bytes. What remains once warm is ~20–260 B (time
 * sync's filter and the net layer's receive path); the deoptimized decode kernel was ~2.2 KiB, a
 * view or staging copy per snapshot ≥ 100 B, anything per entity ≥ 6 KiB.
 */
const CLIENT_BOUND_BYTES = 640;
/**
 * Client ticks (from the first measured one) whose median is checked on its own too: a deoptimized
 * kernel runs until V8 optimizes it again (~80 ticks here), which could hide in a 150-tick median.
 */
const CLIENT_EARLY_TICKS = 60;
/** In the "wrap" variant: every tick, one mover in this many jumps across the bounds. */
const WRAP_EVERY = 20;

type Variant = "scan" | "marked" | "scan + spatial interest" | "scan, movers jumping across the bounds";

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
  it.each(["scan", "marked", "scan + spatial interest", "scan, movers jumping across the bounds"] as const)(
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
      for (let t = 0; t < WARM_TICKS; t++) tick();
      jumping = wrap;

      const gc = exposeGc();
      const heap = (): number => process.memoryUsage().heapUsed;
      // What reading heapUsed twice costs, to subtract.
      const calibration: number[] = [];
      for (let i = 0; i < 50; i++) {
        const h = heap();
        calibration.push(heap() - h);
      }
      const overhead = median(calibration);
      const deltas: number[] = [];
      const clientDeltas: number[] = [];
      const [first, ...others] = s.clients;
      for (let i = 0; i < MEASURED_TICKS; i++) {
        if (i % GC_EVERY === 0) gc();
        move();
        s.clock.advance(1 / 60);
        let before = heap();
        s.server.update();
        const grew = heap() - before - overhead;
        before = heap();
        first?.update();
        const clientGrew = heap() - before - overhead;
        for (const c of others) c.update();
        if (grew >= -overhead) deltas.push(Math.max(0, grew));
        if (clientGrew >= -overhead) clientDeltas.push(Math.max(0, clientGrew));
      }
      expect(deltas.length, `seed ${seed}: too many ticks with a GC inside`).toBeGreaterThanOrEqual(100);
      expect(clientDeltas.length, `seed ${seed}: too many client ticks with a GC`).toBeGreaterThanOrEqual(
        100,
      );
      const m = median(deltas);
      expect(
        m,
        `seed ${seed}: median heap growth per server update, bytes (all: ${deltas.join(",")})`,
      ).toBeLessThan(BOUND_BYTES);
      expect(
        median(clientDeltas),
        `seed ${seed}: median heap growth per client update, bytes (all: ${clientDeltas.join(",")})`,
      ).toBeLessThan(CLIENT_BOUND_BYTES);
      expect(
        median(clientDeltas.slice(0, CLIENT_EARLY_TICKS)),
        `seed ${seed}: median heap growth per client update, first ${CLIENT_EARLY_TICKS} ticks`,
      ).toBeLessThan(CLIENT_BOUND_BYTES);
    },
    60_000,
  );
});
