/**
 * Heap bytes per packet of a NetServer and its NetClients over the in-memory loopback, in steady
 * state: every frame each client sends two unreliable messages and one reliable one, and the
 * server echoes every message back plus a 200-byte "snapshot" per client — both sides read
 * messages as `buffer`/`offset`/`length` and send from reused scratch arrays, the way a
 * zero-allocation game loop does. Packets are sealed with libsodium (what the Node helpers use).
 *
 * Heap growth is read with `process.memoryUsage().heapUsed` between a forced GC and the end of a
 * batch of frames; the median over batches is robust to a scavenge landing inside one batch.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { ManualClock } from "@canopy/core";
import {
  createLoopbackNetwork,
  LinkConditioner,
  generateConnectToken,
  loadSodiumAead,
  NetClient,
  NetServer,
  type Transport,
} from "@canopy/net-plugin";

const KEY = new Uint8Array(32).fill(3);
const PROTOCOL_ID = 0x4eadn;
/** Channels of the default layout. */
const RELIABLE = 0;
const UNRELIABLE = 3;

/** Options of {@link openHeapWorkload}. */
export interface HeapWorkloadOptions {
  clients: number;
  /** Wrap every client in a LinkConditioner (both directions: 20 ms latency, 8 ms jitter, in order). */
  conditioned?: boolean;
  /** With `conditioned`: percent of datagrams the conditioners also hold back (reordering). */
  reordering?: number;
}

/** Options of {@link measureHeapPerPacket}. */
export interface HeapRigOptions extends HeapWorkloadOptions {
  /** Frames per measured batch. */
  frames: number;
  batches: number;
  warmupFrames: number;
  /** Called after the warm-up, before the first measured batch (e.g. to start a heap profiler). */
  beforeBatches?: () => Promise<void>;
}

/** Result: heap growth per packet of each batch (bytes), and packets per batch. */
export interface HeapRigResult {
  bytesPerPacket: number[];
  packetsPerBatch: number;
}

/** The rig's traffic: `frame()` runs one 60 Hz frame of the server and every client. */
export interface HeapWorkload {
  frame(): void;
  /** Datagrams sent so far by every transport together. */
  datagramsSent(): number;
  connectedClients(): number;
  close(): Promise<void>;
}

/** A `gc()` function, enabled at runtime (vitest workers do not start with --expose-gc). */
export function exposeGc(): () => void {
  const own = (globalThis as { gc?: () => void }).gc;
  if (own !== undefined) return own;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

/** Opens the NetServer, its NetClients (connecting) and the frame that drives their traffic. */
export async function openHeapWorkload(o: HeapWorkloadOptions): Promise<HeapWorkload> {
  const aead = await loadSodiumAead();
  const network = createLoopbackNetwork();
  const serverTransport = network.bind("loopback://server");
  const server = new NetServer(serverTransport, {
    protocolId: PROTOCOL_ID,
    privateKey: KEY,
    maxClients: o.clients,
    aead,
  });
  const transports: Transport[] = [serverTransport];
  const clients: NetClient[] = [];
  const clock = new ManualClock(1000);
  const conditions = { simulatedLatency: 20, jitter: 8, reordering: o.reordering ?? 0 };
  for (let i = 0; i < o.clients; i++) {
    const bound = network.bind();
    const t = o.conditioned
      ? new LinkConditioner(bound, { clock, seed: 40 + i, outbound: conditions, inbound: conditions })
      : bound;
    transports.push(t);
    const c = new NetClient(t, { aead });
    c.connect(
      generateConnectToken(
        {
          protocolId: PROTOCOL_ID,
          clientId: BigInt(i + 1),
          serverAddresses: ["loopback://server"],
          expireSeconds: 600,
          timeoutSeconds: 600,
        },
        KEY,
      ),
    );
    clients.push(c);
  }
  const small = new Uint8Array(40);
  const reliable = new Uint8Array(24);
  const snapshot = new Uint8Array(200);
  let now = 1000;
  let checksum = 0;
  const frame = (): void => {
    now += 1 / 60;
    // Only the conditioners read the clock; advancing it boxes a time per frame (core's ManualClock).
    if (o.conditioned) clock.advance(1 / 60);
    server.update(now);
    server.receivePackets();
    for (let e = server.pollEvent(); e !== undefined; e = server.pollEvent()) {
      if (e.type !== "message") continue;
      checksum = (checksum + (e.buffer[e.offset] ?? 0)) | 0;
      server.send(e.client, e.channel, echo(e), e.length);
    }
    for (let i = 0; i < o.clients; i++) {
      if (!server.isConnected(i)) continue;
      snapshot[0] = i;
      server.send(i, UNRELIABLE, snapshot, snapshot.length);
    }
    server.sendPackets();
    for (let i = 0; i < clients.length; i++) {
      const c = clients[i] as NetClient;
      c.update(now);
      c.receivePackets();
      for (let e = c.pollEvent(); e !== undefined; e = c.pollEvent()) {
        if (e.type === "message") checksum = (checksum + e.length) | 0;
      }
      if (c.state === "connected") {
        small[0] = checksum & 0xff;
        c.send(UNRELIABLE, small, small.length);
        c.send(UNRELIABLE, small, 30);
        if (c.canSend(RELIABLE, reliable.length)) c.send(RELIABLE, reliable, reliable.length);
      }
      c.sendPackets();
    }
  };
  /** The echo's bytes: the event's own storage (copied by send before the next event). */
  const echoScratch = new Uint8Array(256);
  function echo(e: { buffer: Uint8Array; offset: number; length: number }): Uint8Array {
    for (let k = 0; k < e.length; k++) echoScratch[k] = e.buffer[e.offset + k] ?? 0;
    return echoScratch;
  }
  return {
    frame,
    datagramsSent: () => transports.reduce((n, t) => n + t.counters.datagramsSent, 0),
    connectedClients: () => server.connectedClients,
    async close() {
      for (const c of clients) c.close();
      server.close();
      await Promise.all(transports.map((t) => t.close()));
      if (checksum === 0.5) console.log(checksum); // keep the reads observable
    },
  };
}

/** Runs the workload and measures heap growth per packet (server and clients together). */
export async function measureHeapPerPacket(o: HeapRigOptions): Promise<HeapRigResult> {
  const gc = exposeGc();
  const w = await openHeapWorkload(o);
  for (let f = 0; f < o.warmupFrames; f++) w.frame();
  if (w.connectedClients() !== o.clients) throw new Error("heapRig: the clients did not connect.");
  const bytesPerPacket: number[] = [];
  let packetsPerBatch = 0;
  await o.beforeBatches?.();
  for (let b = 0; b < o.batches; b++) {
    gc();
    const packetsBefore = w.datagramsSent();
    const before = process.memoryUsage().heapUsed;
    for (let f = 0; f < o.frames; f++) w.frame();
    const grown = process.memoryUsage().heapUsed - before;
    packetsPerBatch = w.datagramsSent() - packetsBefore;
    bytesPerPacket.push(grown / packetsPerBatch);
  }
  await w.close();
  return { bytesPerPacket, packetsPerBatch };
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? Number.NaN;
}
