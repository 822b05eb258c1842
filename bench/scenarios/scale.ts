/**
 * Scenario "scale": server cost of replication at 1k / 10k / 50k entities (position Vec3 +
 * rotation Quat replicated), 10 % of them moving every tick, a 20 Hz server with one connected
 * client over loopback (the Stepper's server + client Apps with the NetPlugin). Times the server
 * App's whole `update()` (receive, prepare snapshots, send) per tick, in both change-detection
 * modes ("scan": every entity compared each tick; "marked": the game calls `markChanged` for the
 * movers), and measures heap bytes allocated by that update in steady state.
 *
 * Heap metric (Node 20 has no `total_allocated_bytes` in `v8.getHeapStatistics()`): the growth of
 * `process.memoryUsage().heapUsed` across one server `update()`, after a forced GC every
 * `GC_EVERY` ticks (`--expose-gc` turned on at run time through `v8.setFlagsFromString`); ticks
 * where a GC ran inside (heapUsed fell) are dropped, and the cost of the measuring call itself
 * (measured just before each reading, with the same reader) is subtracted. V8 bumps heapUsed per allocation buffer,
 * so it is exact to within a few hundred bytes per tick. Steady state means warm code too: until
 * V8 optimizes a once-per-frame function every double it touches is a 16-byte heap number, and
 * each row's new Stepper, registry and connection deoptimize functions the previous row optimized
 * (they re-optimize only after ~1000–1200 ticks at 1k/10k), so both the timed ticks and the heap
 * pass come after HEAP_WARM_TICKS warm ticks (with forced GCs in their first half). The heap pass
 * reports the mean (periodic work such as a ping every 5th tick included) and the median (the
 * typical tick) per server update.
 */
import v8 from "node:v8";
import vm from "node:vm";
import type { App } from "@canopy/core";
import {
  markChanged,
  Networked,
  QuatTemplate,
  ReplicationRegistry,
  Vec3Template,
  ClientReplication,
} from "@canopy/net-plugin";
import { createStepper, type StepperSetup } from "@canopy/net-plugin/testing";
import { addComponent, addEntity } from "bitecs";
// Internal switch (not part of the package API): the rows with the WebAssembly kernels.
import { wasmKernels } from "../../packages/net-plugin/src/replication/codec/wasm/wasmKernels";
import { summarize } from "../harness/measure";
import { defineScenario } from "../harness/registry";

/** The switch as the package sets it (restored after each call that changes it). */
const WASM_DEFAULT = wasmKernels.enabled;

const SIZES = [1_000, 10_000, 50_000];
/** Change detection modes, each on the WebAssembly kernels (the default) and the JS kernels. */
const MODES = [
  ["scan", true],
  ["marked", true],
  ["scan", false],
  ["marked", false],
] as const;
const HZ = 20;
/** Half of one core's 50 ms tick at 20 Hz. */
const TARGET_MS = 25;
const MOVING_EVERY = 10; // every 10th entity moves: 10 %
/** Forced GC period of the heap pass (the window each delta is read in starts clean). */
const GC_EVERY = 10;
const BOUND = 1000;
/** Upper bound on the untimed join phase (50k entities take ~15 s of budget at 32 KiB/s). */
const MAX_JOIN_TICKS = 1200;
/** Untimed ticks before the timed ticks and the heap pass (≈ 2 ms each at 1k entities, server and client; half as many at 50k). */
const HEAP_WARM_TICKS = 1500;
/**
 * Forced GCs in the first half of those warm ticks, one every this many: the first full GC
 * deoptimizes optimized code that embedded objects which died since (V8's "weak objects": the
 * codec's encoder after the join), ~160 B per update until V8 optimizes it again (~100 ticks).
 * Without them that happened at the heap pass's own first GC, inside the measured ticks.
 */
const HEAP_WARM_GC_EVERY = 100;

interface Game {
  Position: { x: Float32Array; y: Float32Array; z: Float32Array };
  Rotation: { x: Float32Array; y: Float32Array; z: Float32Array; w: Float32Array };
}

function makeGame(app: App, size: number, games: Map<App, Game>): ReplicationRegistry {
  const n = size + 64;
  const Position = { x: new Float32Array(n), y: new Float32Array(n), z: new Float32Array(n) };
  const Rotation = {
    x: new Float32Array(n),
    y: new Float32Array(n),
    z: new Float32Array(n),
    w: new Float32Array(n),
  };
  const registry = new ReplicationRegistry();
  registry.replicate(Position, Vec3Template({ min: -BOUND, max: BOUND, precision: 0.01 }), {
    name: "position",
  });
  registry.replicate(Rotation, QuatTemplate(), { name: "rotation" });
  games.set(app, { Position, Rotation });
  return registry;
}

function getGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) return g;
  try {
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

interface SizeResult {
  median: number;
  p99: number;
  heapPerTick: number;
  heapMedian: number;
  gcTicks: number;
  replicated: number;
}

/** Runs {@link runSize} with the WebAssembly kernels switched on or off for the whole run. */
async function runSizeWith(
  wasm: boolean,
  size: number,
  mode: "scan" | "marked",
  progress: (m: string) => void,
): Promise<SizeResult> {
  wasmKernels.enabled = wasm;
  try {
    return await runSize(size, mode, (m) => progress(wasm ? m : `JS kernels: ${m}`));
  } finally {
    wasmKernels.enabled = WASM_DEFAULT;
  }
}

async function runSize(
  size: number,
  mode: "scan" | "marked",
  progress: (m: string) => void,
): Promise<SizeResult> {
  const games = new Map<App, Game>();
  const capacity = size + 16;
  const setup = (app: App): StepperSetup => ({
    registry: makeGame(app, size, games),
    // 16 kept states per client: 50k entities × 64 states would be ~130 MB per client.
    server: { capacity, changeDetection: mode, baselineRingSize: 16 },
    client: { capacity },
  });
  // The Stepper seals packets with libsodium, as the Node helpers (createNodeNetServer) do.
  await using s = await createStepper({ clients: 1, seed: 20_000 + size, fixedHz: HZ, setup });
  if (!(await s.stepUntil(() => s.connected(), 200))) throw new Error("scale: the client did not connect");
  const server = s.server;
  const client = s.clients[0] as App;
  const g = games.get(server) as Game;
  const eids = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const eid = addEntity(server.world);
    addComponent(server.world, eid, g.Position);
    addComponent(server.world, eid, g.Rotation);
    g.Position.x[eid] = ((i * 7919) % 1999) - 999;
    g.Position.y[eid] = ((i * 104_729) % 1999) - 999;
    g.Position.z[eid] = ((i * 31) % 200) - 100;
    g.Rotation.w[eid] = 1;
    addComponent(server.world, eid, Networked);
    eids[i] = eid;
  }
  let t = 0;
  const move = (): void => {
    t += 1 / HZ;
    for (let i = 0; i < size; i += MOVING_EVERY) {
      const eid = eids[i] as number;
      g.Position.x[eid] = (g.Position.x[eid] as number) * 0.999 + Math.sin(t + i);
      g.Position.z[eid] = 50 * Math.sin(t * 0.5 + i);
      const a = t + i * 0.01;
      g.Rotation.y[eid] = Math.sin(a / 2);
      g.Rotation.w[eid] = Math.cos(a / 2);
      if (mode === "marked") markChanged(server.world, eid);
    }
  };
  const tick = (timed: boolean): number => {
    move();
    s.clock.advance(1 / HZ);
    const start = timed ? performance.now() : 0;
    server.update();
    const ms = timed ? performance.now() - start : 0;
    client.update();
    return ms;
  };
  // Steady state: the join stream (every entity in full, within the 32 KiB/s budget) is done.
  const replicatedNow = (): number => client.getResource(ClientReplication).map.size;
  let joinTicks = 0;
  while (replicatedNow() < size && joinTicks < MAX_JOIN_TICKS) {
    tick(false);
    joinTicks++;
  }
  progress(
    `${size.toLocaleString("en-US")} entities, ${mode}: joined in ${joinTicks} ticks (${replicatedNow()} on the client)`,
  );
  // Warm code before anything is measured: this row's new objects deoptimized what earlier rows
  // optimized, and once-per-tick functions re-optimize only after ~1000 ticks.
  const gc = getGc();
  const heapWarm = size >= 50_000 ? HEAP_WARM_TICKS / 2 : HEAP_WARM_TICKS;
  progress(`${size.toLocaleString("en-US")} entities, ${mode}: warm-up ${heapWarm} ticks`);
  for (let i = 0; i < heapWarm; i++) {
    if (gc !== undefined && i % HEAP_WARM_GC_EVERY === 0 && i <= heapWarm / 2) gc();
    tick(false);
  }
  const samples = size >= 50_000 ? 120 : 300;
  progress(`${size.toLocaleString("en-US")} entities, ${mode}: timing ${samples} ticks`);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(tick(true));
  const stats = summarize(times);

  // Heap pass: heapUsed growth across one server update, GC forced every GC_EVERY ticks.
  const heap = (): number => process.memoryUsage().heapUsed;
  progress(`${size.toLocaleString("en-US")} entities, ${mode}: heap pass`);
  const deltas: number[] = [];
  let gcTicks = 0;
  for (let i = 0; i < 100; i++) {
    if (gc !== undefined && i % GC_EVERY === 0) gc();
    move();
    s.clock.advance(1 / HZ);
    // The cost of reading heapUsed, measured in place with the same reader before every reading
    // (as tests/replication-systems/heapWindows.ts does): `memoryUsage()` returns a new object,
    // ~160–256 B while this loop runs unoptimized and 0 once V8 optimizes it (on-stack), so a cost
    // calibrated once could stay subtracted after it fell to 0 and hide real growth under the clamp.
    const c0 = heap();
    const cost = heap() - c0;
    const h0 = heap();
    server.update();
    const d = heap() - h0;
    client.update();
    if (d < 0 || cost < 0) gcTicks++;
    else deltas.push(Math.max(0, d - cost));
  }
  const heapPerTick = deltas.length === 0 ? Number.NaN : deltas.reduce((a, b) => a + b, 0) / deltas.length;
  const heapMedian = deltas.length === 0 ? Number.NaN : summarize(deltas).median;
  const replicated = client.getResource(ClientReplication).map.size;
  progress(
    `${size.toLocaleString("en-US")} ${mode}: median ${stats.median.toFixed(2)} ms, p99 ${stats.p99.toFixed(2)} ms, heap ${heapPerTick.toFixed(0)} B/tick mean, ${heapMedian.toFixed(0)} median (${gcTicks} GC ticks dropped), client has ${replicated}`,
  );
  return { median: stats.median, p99: stats.p99, heapPerTick, heapMedian, gcTicks, replicated };
}

defineScenario({
  name: "scale",
  title:
    "server ms/tick at 1k/10k/50k replicated entities (Vec3 + Quat), 10 % moving, 20 Hz, one client over loopback",
  targets: [
    `50,000 entities: server update ≤ ${TARGET_MS} ms/tick (half of one core at 20 Hz)`,
    "no heap allocation per tick in steady state (heapUsed growth per server update ≈ 0 B)",
  ],
  async run({ record, progress }) {
    for (const size of SIZES) {
      for (const [mode, wasm] of MODES) {
        const r = await runSizeWith(wasm, size, mode, progress);
        const system = `Canopy (${mode}${wasm ? "" : ", JS kernels"}), ${size / 1000}k entities`;
        record(system, "server tick p50", r.median, "ms");
        record(system, "server tick p99", r.p99, "ms");
        record(system, "share of 20 Hz budget (p50)", (r.median / (1000 / HZ)) * 100, "%");
        record(system, "heap growth per server update (mean)", r.heapPerTick, "B/tick");
        record(system, "heap growth per server update (median)", r.heapMedian, "B/tick");
        record(system, "entities on the client after the run", r.replicated, "entities");
      }
    }
  },
});
