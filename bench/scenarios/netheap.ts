/**
 * Heap bytes allocated per packet by the connection stack in steady state, measured with V8's
 * sampling heap profiler (it counts objects a GC already collected, so a scavenge inside the
 * window does not hide them): a NetServer and 4 NetClients over the in-memory loopback (unreliable
 * and reliable messages every frame, read as buffer/offset/length), and one echo round trip after
 * another over UDP — Canopy next to a raw `node:dgram` echo, whose own per-datagram allocations
 * (Buffer, sender info, send request) Canopy's UDP rows include too.
 */
import { Session } from "node:inspector/promises";
import { defineScenario } from "../harness/registry";
import { canopyLink, openUdp, UNRELIABLE } from "../fixtures/canopyEcho";
import { rawUdp, runEchoLink, type LinkFactory } from "../fixtures/echoLinks";
import { openHeapWorkload } from "../../tests/connection/heapRig";

const CLIENTS = 4;
const WARMUP_FRAMES = 3000;
const MEASURED_FRAMES = 2000;
const ROUND_TRIPS = 5000;
/** Bytes between samples of the heap profiler: small enough for a precise per-packet figure. */
const SAMPLING_BYTES = 128;

interface ProfileNode {
  selfSize: number;
  children: ProfileNode[];
}

/** Bytes allocated (estimated by the sampling profiler) while `work` runs. */
async function allocatedDuring(session: Session, work: () => Promise<void> | void): Promise<number> {
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: SAMPLING_BYTES,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await work();
  const { profile } = (await session.post("HeapProfiler.stopSampling")) as { profile: { head: ProfileNode } };
  let total = 0;
  const walk = (n: ProfileNode): void => {
    total += n.selfSize;
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  return total;
}

/** Allocation per datagram of ROUND_TRIPS ping-pongs (2 datagrams each) over `factory`. */
async function echoBytesPerPacket(session: Session, factory: LinkFactory): Promise<number> {
  await runEchoLink(factory, 2000, 1); // warm-up
  const bytes = await allocatedDuring(session, async () => {
    await runEchoLink(factory, ROUND_TRIPS, 1);
  });
  return bytes / (2 * ROUND_TRIPS);
}

defineScenario({
  name: "netheap",
  title: "heap bytes allocated per packet in steady state: Canopy NetServer/NetClient vs a raw dgram echo",
  targets: [
    "NetServer/NetClient over loopback: no boxed number per packet: < 8 B (tests/connection/heapPerPacket.test.ts; ≈ 55 B before the boxed-time fixes, ≈ 1.9 KiB at first)",
  ],
  async run({ record, progress }) {
    const session = new Session();
    session.connect();
    try {
      progress(`loopback: ${CLIENTS} clients, ${WARMUP_FRAMES} warm-up frames, ${MEASURED_FRAMES} measured`);
      // The traffic of tests/connection/heapPerPacket.test.ts (one rig for the test and the bench).
      const pair = await openHeapWorkload({ clients: CLIENTS });
      for (let f = 0; f < WARMUP_FRAMES; f++) pair.frame();
      const before = pair.datagramsSent();
      const bytes = await allocatedDuring(session, () => {
        for (let f = 0; f < MEASURED_FRAMES; f++) pair.frame();
      });
      const packets = pair.datagramsSent() - before;
      await pair.close();
      record("Canopy NetServer + 4 NetClients, loopback", "heap bytes / packet", bytes / packets, "B");
      progress(`UDP echo: ${ROUND_TRIPS} round trips each`);
      record("raw dgram echo", "heap bytes / packet", await echoBytesPerPacket(session, rawUdp), "B");
      record(
        "Canopy UDP echo, unreliable, encrypted",
        "heap bytes / packet",
        await echoBytesPerPacket(session, canopyLink(openUdp, UNRELIABLE)),
        "B",
      );
    } finally {
      session.disconnect();
    }
  },
});
