/**
 * The allocation tests' verdict on a series of heap bytes per update (NaN where a GC landed inside
 * the update): the median over all measured ticks and over every WINDOW_TICKS consecutive ones
 * must stay under a bound, and enough ticks must be GC-free for either median to mean something;
 * and the cost of reading the heap, measured in place before every reading and subtracted from it.
 */
import type { App } from "@canopy/core";
import type { Stepper } from "@canopy/net-plugin/testing";
import { expect } from "vitest";
import { median } from "../connection/heapRig";

/** The V8 heap's used bytes now (one shared reader, so every measurement runs the same code). */
const heapUsed = (): number => process.memoryUsage().heapUsed;

/**
 * What reading `heapUsed` twice costs in heap bytes right now, to subtract from a reading taken
 * next: `memoryUsage()` returns a new object of numbers, ~160–256 B while the reader runs
 * unoptimized and 0 once V8 has optimized it (the object never escapes). Measured in place, with
 * the same reader, just before each reading: a cost measured once up front by other code stayed
 * at the unoptimized 160 B after the reader was optimized mid-run (~90 ticks into a variant), and
 * the subtraction then hid up to 160 B of real growth per update (the clamp at 0). NaN when a GC
 * ran in between (heapUsed fell).
 */
function readCostNow(): number {
  const h = heapUsed();
  const cost = heapUsed() - h;
  return cost >= 0 ? cost : Number.NaN;
}

/**
 * Consecutive measured ticks whose median is checked on its own (every WINDOW_STEP ticks): code
 * that deoptimizes runs unoptimized until V8 optimizes it again (~100 ticks here), which a median
 * over all the measured ticks could hide.
 */
const WINDOW_TICKS = 100;
const WINDOW_STEP = 10;
/** Ticks of a window that must remain after dropping those with a GC inside (else the window proves nothing). */
const WINDOW_MIN_SAMPLES = 60;

/** Asserts the medians of `perTick` (bytes per update, NaN = GC inside) over all and every window are below `bound`. */
export function expectHeapMedians(perTick: readonly number[], bound: number, context: string): void {
  const label = `${context}, bytes per tick (NaN: GC inside): ${perTick.join(",")}`;
  const kept = perTick.filter((d) => !Number.isNaN(d));
  expect(kept.length, `${label}: too many ticks with a GC inside`).toBeGreaterThanOrEqual(
    perTick.length * 0.8,
  );
  expect(median(kept), `${label}: median`).toBeLessThan(bound);
  for (let start = 0; start + WINDOW_TICKS <= perTick.length; start += WINDOW_STEP) {
    const window = perTick.slice(start, start + WINDOW_TICKS).filter((d) => !Number.isNaN(d));
    expect(window.length, `${label}: ticks ${start}+ mostly had a GC`).toBeGreaterThanOrEqual(
      WINDOW_MIN_SAMPLES,
    );
    expect(median(window), `${label}: median of ticks ${start}..${start + WINDOW_TICKS - 1}`).toBeLessThan(
      bound,
    );
  }
}

/** Heap bytes per update over the measured ticks (NaN where a GC ran inside): the server's and the first client's. */
export interface HeapSeries {
  server: number[];
  client: number[];
}

/**
 * Runs `ticks` ticks of `s` at 60 Hz — `beforeTick()`, the server update, the first client's, then
 * the others' — forcing `gc()` every `gcEvery` ticks, and records the heap growth of the server's
 * and the first client's update, less the cost of reading the heap.
 */
export function measureUpdates(
  s: Stepper,
  ticks: number,
  gcEvery: number,
  gc: () => void,
  beforeTick: () => void,
): HeapSeries {
  const out: HeapSeries = { server: [], client: [] };
  const [first, ...others] = s.clients;
  // A fall of heapUsed across the update means a GC ran inside: NaN, dropped by expectHeapMedians.
  const grown = (bytes: number, cost: number): number =>
    bytes >= 0 && !Number.isNaN(cost) ? Math.max(0, bytes - cost) : Number.NaN;
  for (let i = 0; i < ticks; i++) {
    if (i % gcEvery === 0) gc();
    beforeTick();
    s.clock.advance(1 / 60);
    let cost = readCostNow();
    let before = heapUsed();
    s.server.update();
    out.server.push(grown(heapUsed() - before, cost));
    cost = readCostNow();
    before = heapUsed();
    first?.update();
    out.client.push(grown(heapUsed() - before, cost));
    for (const c of others) c.update();
  }
  return out;
}

/**
 * Diagnostics for a failed bound: runs `ticks` more ticks through `tick()` with every system of
 * `app` wrapped to record its own heap growth, and returns "stage/system: median B" lines, largest
 * first (the read cost subtracted). Wrapping changes what it measures a little; it is for naming
 * the site in a failure message, never asserted on.
 */
export function heapBySystem(app: App, ticks: number, tick: () => void): string[] {
  type Node = { name: string; run: (world: unknown) => void };
  const schedules = (app as unknown as { schedules: Map<string, { systems: Node[] }> }).schedules;
  const grown = new Map<string, number[]>();
  const restore: (() => void)[] = [];
  for (const [stage, schedule] of schedules) {
    for (const node of schedule.systems) {
      const run = node.run;
      const list: number[] = [];
      grown.set(`${String(stage)}/${node.name}`, list);
      node.run = (world) => {
        const cost = readCostNow();
        const before = heapUsed();
        run(world);
        const bytes = heapUsed() - before;
        list.push(bytes >= 0 && !Number.isNaN(cost) ? bytes - cost : Number.NaN);
      };
      restore.push(() => (node.run = run));
    }
  }
  try {
    for (let i = 0; i < ticks; i++) tick();
  } finally {
    for (const r of restore) r();
  }
  return [...grown]
    .filter(([, list]) => list.length > 0)
    .map(([name, list]) => [name, median(list.filter((d) => !Number.isNaN(d)))] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([name, m]) => `${name}: ${Math.max(0, m)} B`);
}
