/**
 * Heap growth per tick of the replication path (a measuring tool, not a test): 1000 entities
 * (100 moving) replicated to 20 clients over the loopback Stepper at 60 Hz. Prints KiB allocated
 * per tick by the server App.update(), inside it NetServer.sendPackets (and the transport's own
 * datagram copy) and NetServer.receivePackets, and by the 20 client updates together.
 *
 *   npx tsx --conditions=source --expose-gc --max-semi-space-size=128 --no-concurrent-recompilation tests/replication-systems/heapPerTick.ts
 *
 * (`--no-concurrent-recompilation`, as the allocation test projects: with V8's background compile
 * jobs, a loaded machine leaves different hot functions in baseline code per run; vitest.config.ts.)
 * Env: CANOPY_HEAP_NOBLE=1 seals every packet (server and clients) with the portable @noble/ciphers
 * AEAD (~7 KiB per packet) instead of the Stepper's default libsodium (what the Node helpers use);
 * CANOPY_HEAP_PROFILE=1 also prints the top allocation sites (V8 sampling heap profiler);
 * CANOPY_HEAP_SYSTEMS=1 prints the growth per system (server and the first client), each wrapped;
 * CANOPY_HEAP_SPLIT=1 splits out NetServer.sendPackets / receivePackets / transport.send (the
 * wrappers themselves allocate a few hundred bytes per tick). Run with CANOPY_HEAP_PROFILE=1 for
 * client numbers too: the sampling profiler makes V8 account every allocation exactly, while
 * plain heapUsed deltas across 20 client updates drift with allocation-buffer bookkeeping.
 * CANOPY_HEAP_WARM / CANOPY_HEAP_TICKS / CANOPY_HEAP_CLIENTS change the warm ticks (200), the
 * measured ticks (300) and the clients (20): steady state is thousands of warm ticks (rarely run
 * code — time sync's pong filter, once per 16 ticks — stays unoptimized for long). Profile sites
 * are keyed by the system they run under (server and client systems have different names).
 */
import { Session } from "node:inspector/promises";
import type { App } from "@canopy/core";
import { nobleAead, ServerReplication } from "@canopy/net-plugin";
import { createStepper } from "@canopy/net-plugin/testing";
import { gameOf, simpleSetup, spawn } from "./game";

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const TICKS = Number(process.env.CANOPY_HEAP_TICKS ?? 300);
const WARM = Number(process.env.CANOPY_HEAP_WARM ?? 200);
const CLIENTS = Number(process.env.CANOPY_HEAP_CLIENTS ?? 20);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("heapPerTick: run node with --expose-gc.");
const heap = (): number => process.memoryUsage().heapUsed;

/** KiB per tick of `bytes` over TICKS ticks. */
const kib = (bytes: number): string => (bytes / TICKS / 1024).toFixed(1);

/** Wraps every system of `app` to record its heapUsed growth per call in `sums` (key: "label stage/name"). */
function wrapSystems(app: App, label: string, sums: Map<string, number[]>): void {
  type Node = { name: string; run: (world: unknown) => void };
  const schedules = (app as unknown as { schedules: Map<string, { systems: Node[] }> }).schedules;
  for (const [stage, schedule] of schedules) {
    for (const node of schedule.systems) {
      const run = node.run;
      const key = `${label} ${String(stage)}/${node.name}`;
      node.run = (world) => {
        const before = heap();
        run(world);
        const grew = heap() - before;
        let list = sums.get(key);
        if (list === undefined) sums.set(key, (list = []));
        list.push(grew);
      };
    }
  }
}

async function main(collect: () => void): Promise<void> {
  await using s = await createStepper({
    clients: CLIENTS,
    seed: 7,
    setup: simpleSetup({ server: { bandwidthBytesPerSecond: 1e6 } }),
    ...(process.env.CANOPY_HEAP_NOBLE ? { aead: nobleAead } : {}),
  });
  if (!(await s.stepUntil(() => s.connected(), 600)))
    throw new Error("heapPerTick: clients did not connect.");
  const g = gameOf(s.server);
  const eids = Array.from({ length: 1000 }, (_, i) =>
    spawn(g, (i % 40) * 20 - 400, Math.floor(i / 40) * 20 - 250),
  );
  const net = s.server.getResource(ServerReplication).server;
  const totals = { send: 0, transport: 0, receive: 0, server: 0, clients: 0 };
  const wrap = (object: object, name: string, key: keyof typeof totals): void => {
    const o = object as Record<string, (...args: unknown[]) => unknown>;
    const original = (o[name] as (...args: unknown[]) => unknown).bind(object);
    o[name] = (...args: unknown[]) => {
      const before = heap();
      const result = original(...args);
      totals[key] += heap() - before;
      return result;
    };
  };
  // The split wrappers allocate themselves (rest arguments, memoryUsage objects): opt in.
  const split = process.env.CANOPY_HEAP_SPLIT !== undefined;
  if (split) {
    wrap(net, "sendPackets", "send");
    wrap(net, "receivePackets", "receive");
    wrap(net.transport, "send", "transport");
  }
  const move = (): void => {
    for (let k = 0; k < eids.length; k += 10) {
      const eid = eids[k] as number;
      g.Position.x[eid] = ((g.Position.x[eid] ?? 0) + 0.3) % 900;
    }
  };
  for (let t = 0; t < WARM; t++) {
    move();
    await s.stepTicks(1);
  }
  Object.assign(totals, { send: 0, transport: 0, receive: 0, server: 0, clients: 0 });
  const perSystem = new Map<string, number[]>();
  if (process.env.CANOPY_HEAP_SYSTEMS !== undefined) {
    wrapSystems(s.server, "server", perSystem);
    wrapSystems(s.clients[0] as App, "client0", perSystem);
  }
  const session = new Session();
  session.connect();
  const profile = process.env.CANOPY_HEAP_PROFILE !== undefined;
  if (profile) {
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 128,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  // A marker for --trace-opt / --trace-deopt logs: what follows it happened while measuring.
  console.log(`heapPerTick: measuring ${TICKS} ticks after ${WARM} warm ticks`);
  const clock = (s as unknown as { clock: { advance(seconds: number): void } }).clock;
  const clients = s.clients;
  // What reading heapUsed twice costs (memoryUsage() returns a new object of numbers), to subtract:
  // measured in place before each reading, since it drops from ~160 B to 0 once V8 optimizes
  // `heap` (a cost measured once up front then hides real growth; heapWindows.ts).
  const readCost = (): number => {
    const h = heap();
    return Math.max(0, heap() - h);
  };
  let overhead = 0;
  const serverTicks: number[] = [];
  const clientTicks: number[] = [];
  for (let t = 0; t < TICKS; t++) {
    move();
    clock.advance(1 / 60);
    collect();
    overhead = readCost();
    let before = heap();
    s.server.update();
    let grew = heap() - before - overhead;
    totals.server += grew;
    serverTicks.push(grew);
    collect();
    overhead = readCost();
    before = heap();
    for (let i = 0; i < clients.length; i++) (clients[i] as App).update();
    grew = heap() - before - overhead;
    totals.clients += grew;
    clientTicks.push(grew);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
  if (profile) {
    const result = (await session.post("HeapProfiler.stopSampling")) as { profile: { head: ProfileNode } };
    const sites = new Map<string, number>();
    // Key: the system (the frame under App.runStage) and the innermost three frames.
    const walk = (n: ProfileNode, stack: string[], system: string): void => {
      const frame = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.columnNumber}`;
      const here = [...stack.slice(-2), frame];
      const under = system === "" && stack.at(-1)?.startsWith("runStage ") === true ? `[${frame}] ` : system;
      const key = under + here.join(" <- ");
      if (n.selfSize > 0) sites.set(key, (sites.get(key) ?? 0) + n.selfSize);
      for (const c of n.children) walk(c, here, under);
    };
    walk(result.profile.head, [], "");
    for (const [site, bytes] of [...sites]
      .sort((a, b) => b[1] - a[1])
      .slice(0, Number(process.env.CANOPY_HEAP_TOP ?? 20)))
      console.log(`${(bytes / TICKS).toFixed(1).padStart(8)} B/tick  ${site}`);
  }
  session.disconnect();
  const rows = [...perSystem].map(([key, list]) => {
    const grown = list.filter((d) => d >= 0).sort((a, b) => a - b);
    const mean = grown.reduce((a, b) => a + b, 0) / Math.max(1, grown.length);
    return { key, mean, median: grown[grown.length >> 1] ?? 0, calls: list.length };
  });
  for (const r of rows.sort((a, b) => b.mean - a.mean))
    console.log(
      `${(r.mean / 1024).toFixed(2).padStart(8)} KiB/call mean, median ${(r.median / 1024).toFixed(2)} (${r.calls} calls)  ${r.key}`,
    );
  console.log(
    `server App.update ${kib(totals.server)} KiB/tick mean, ${(median(serverTicks) / 1024).toFixed(2)} median` +
      ` (heapUsed growth less the cost of reading it, ${overhead} B on the last tick)` +
      (split
        ? ` (NetServer.sendPackets ${kib(totals.send)}, of it transport copy ${kib(totals.transport)}; NetServer.receivePackets ${kib(totals.receive)})`
        : "") +
      `; ${CLIENTS} client updates ${kib(totals.clients)} KiB/tick mean, ${(median(clientTicks) / 1024).toFixed(2)} median`,
  );
}

void main(gc);
