/**
 * Heap bytes allocated per packet by the connection stack in steady state, measured with V8's
 * sampling heap profiler (it counts objects a GC already collected, so a scavenge inside the
 * window does not hide them): a NetServer and 4 NetClients over the in-memory loopback (unreliable
 * and reliable messages every frame, read as buffer/offset/length), and one echo round trip after
 * another over UDP — Canopy next to a raw `node:dgram` echo, whose own per-datagram allocations
 * (Buffer, sender info, send request) Canopy's UDP rows include too.
 */
import { Session } from "node:inspector/promises";
import {
  createLoopbackNetwork,
  generateConnectToken,
  loadSodiumAead,
  NetClient,
  NetServer,
  type Transport,
} from "@canopy/net-plugin";
import { defineScenario } from "../harness/registry";
import { canopyLink, openUdp, UNRELIABLE } from "../fixtures/canopyEcho";
import { rawUdp, runEchoLink, type LinkFactory } from "../fixtures/echoLinks";

const KEY = new Uint8Array(32).fill(5);
const PROTOCOL_ID = 0x4e48n;
const RELIABLE = 0;
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

/** A NetServer and CLIENTS NetClients on a loopback network; `frame()` runs one 60 Hz frame. */
async function loopbackPair(): Promise<{ frame: () => void; datagrams: () => number; close: () => void }> {
  const aead = await loadSodiumAead();
  const network = createLoopbackNetwork();
  const st = network.bind("loopback://server");
  const server = new NetServer(st, { protocolId: PROTOCOL_ID, privateKey: KEY, maxClients: CLIENTS, aead });
  const transports: Transport[] = [st];
  const clients: NetClient[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const t = network.bind();
    transports.push(t);
    const c = new NetClient(t, { aead });
    const token = {
      protocolId: PROTOCOL_ID,
      clientId: BigInt(i + 1),
      serverAddresses: ["loopback://server"],
    };
    c.connect(generateConnectToken({ ...token, expireSeconds: 600, timeoutSeconds: 600 }, KEY));
    clients.push(c);
  }
  const small = new Uint8Array(40);
  const reliable = new Uint8Array(24);
  const snapshot = new Uint8Array(200);
  const echo = new Uint8Array(256);
  let now = 1000;
  const frame = (): void => {
    now += 1 / 60;
    server.update(now);
    server.receivePackets();
    for (let e = server.pollEvent(); e !== undefined; e = server.pollEvent()) {
      if (e.type !== "message") continue;
      for (let k = 0; k < e.length; k++) echo[k] = e.buffer[e.offset + k] ?? 0;
      server.send(e.client, e.channel, echo, e.length);
    }
    for (let i = 0; i < CLIENTS; i++) if (server.isConnected(i)) server.send(i, UNRELIABLE, snapshot);
    server.sendPackets();
    for (let i = 0; i < clients.length; i++) {
      const c = clients[i] as NetClient;
      c.update(now);
      c.receivePackets();
      for (let e = c.pollEvent(); e !== undefined; e = c.pollEvent())
        if (e.type === "message") small[0] = e.length;
      if (c.state === "connected") {
        c.send(UNRELIABLE, small, small.length);
        c.send(UNRELIABLE, small, 30);
        if (c.canSend(RELIABLE, reliable.length)) c.send(RELIABLE, reliable, reliable.length);
      }
      c.sendPackets();
    }
  };
  return {
    frame,
    datagrams: () => transports.reduce((n, t) => n + t.counters.datagramsSent, 0),
    close() {
      for (const c of clients) c.close();
      server.close();
      for (const t of transports) void t.close();
    },
  };
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
      const pair = await loopbackPair();
      for (let f = 0; f < WARMUP_FRAMES; f++) pair.frame();
      const before = pair.datagrams();
      const bytes = await allocatedDuring(session, () => {
        for (let f = 0; f < MEASURED_FRAMES; f++) pair.frame();
      });
      const packets = pair.datagrams() - before;
      pair.close();
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
