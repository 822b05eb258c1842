/**
 * Reliable-ordered delivery latency at 100 ms RTT and 5 % loss: Canopy's ReliableEndpoint vs a
 * TCP stream (what a WebSocket gives you), both fed one 100-byte message per 60 Hz frame and read
 * by the app once per frame.
 *
 * - Canopy runs for real: two ReliableEndpoints over the loopback transport, each direction
 *   through a seeded LinkConditioner (50 ms one way, 5 % loss), on a manual clock.
 * - A TCP stream cannot be made to lose segments on loopback without root (`tc netem`), so it is
 *   modelled on the same conditions, faithfully to Linux TCP: one segment per message (ws sets
 *   TCP_NODELAY), in-order delivery (head-of-line blocking), loss detected by SACK/RACK when a
 *   later segment's ACK arrives plus a reordering window of RTT/4, otherwise by the retransmission
 *   timer (RTO = max(200 ms, SRTT + 4·RTTVAR), doubling per timeout); ACK loss is ignored
 *   (cumulative ACKs make it nearly free), which favours TCP.
 * - A real `ws` connection over 127.0.0.1 without conditioning shows what the socket path itself
 *   adds (well under a millisecond), so the model's numbers are the network's, not Node's.
 */
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { createRng, ManualClock } from "@canopy/core";
import {
  ChannelKind,
  createLoopbackNetwork,
  LinkConditioner,
  ReliableEndpoint,
  type ChannelConfig,
} from "@canopy/net-plugin";
import { summarize } from "../harness/measure";
import { defineScenario } from "../harness/registry";
import type { ScenarioContext } from "../harness/types";

const ONE_WAY = 0.05;
const RTT = 2 * ONE_WAY;
const LOSS = 5;
const FRAME = 1 / 60;
const SECONDS = 120;
const PAYLOAD = 100;
const SEEDS = [1, 2, 3];

interface RunResult {
  latencies: number[];
  bytesSent: number;
}

/** Canopy: reliable-ordered channel with the given resend factor, one message per frame. */
function runCanopy(seed: number, resendRttFactor?: number, loss = LOSS): RunResult {
  const clock = new ManualClock();
  const net = createLoopbackNetwork();
  const conditions = { simulatedLatency: ONE_WAY * 1000, simulatedPacketLoss: loss };
  const ta = new LinkConditioner(net.bind("a"), { clock, seed, outbound: conditions });
  const tb = new LinkConditioner(net.bind("b"), { clock, seed: seed + 1000, outbound: conditions });
  const channels: ChannelConfig[] = [{ kind: ChannelKind.ReliableOrdered, resendRttFactor }];
  let bytesSent = 0;
  const a = new ReliableEndpoint({
    channels,
    transmit: (p) => {
      bytesSent += p.length;
      ta.send(tb.localAddress, p);
    },
  });
  const b = new ReliableEndpoint({ channels, transmit: (p) => tb.send(ta.localAddress, p) });
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const frames = Math.round(SECONDS / FRAME);
  for (let frame = 0; frame < frames + 120; frame++) {
    clock.advance(FRAME);
    const now = clock.now();
    a.update(now);
    b.update(now);
    for (let d = ta.poll(); d; d = ta.poll()) a.receivePacket(d.data);
    for (let d = tb.poll(); d; d = tb.poll()) b.receivePacket(d.data);
    for (let m = b.receive(0); m; m = b.receive(0)) {
      const index = new DataView(m.buffer, m.byteOffset).getUint32(0, true);
      latencies[index] = now - (sentAt[index] as number);
    }
    if (frame < frames) {
      const m = new Uint8Array(PAYLOAD);
      new DataView(m.buffer).setUint32(0, sentAt.length, true);
      sentAt.push(now);
      a.send(0, m);
    }
    a.writePackets();
    b.writePackets();
  }
  if (latencies.length !== sentAt.length || latencies.includes(undefined as unknown as number)) {
    throw new Error(`Canopy run (seed ${seed}) did not deliver every message`);
  }
  return { latencies, bytesSent };
}

/** The TCP stream model described at the top of this file. */
function runTcpModel(seed: number): RunResult {
  const rng = createRng(seed);
  const frames = Math.round(SECONDS / FRAME);
  const p = LOSS / 100;
  const sendTime = Array.from({ length: frames }, (_, i) => (i + 1) * FRAME);
  const firstLost = sendTime.map(() => rng.chance(p));
  const minRto = 0.2;
  const srtt = RTT;
  const rttvar = 0; // a constant-delay link: the variance term vanishes and RTO = 200 ms
  const rto = Math.max(minRto, srtt + 4 * rttvar);
  const latencies: number[] = [];
  let segmentsSent = 0;
  let lastDelivery = 0;
  for (let i = 0; i < frames; i++) {
    let attempt = sendTime[i] as number;
    let lost = firstLost[i] as boolean;
    let backoff = 1;
    segmentsSent++;
    while (lost) {
      // SACK/RACK: the first later segment sent after this attempt that got through.
      let detect = attempt + rto * backoff;
      let viaTimer = true;
      for (let j = i + 1; j < frames && (sendTime[j] as number) < detect; j++) {
        if ((sendTime[j] as number) > attempt && !(firstLost[j] as boolean)) {
          const rack = (sendTime[j] as number) + RTT + RTT / 4;
          if (rack < detect) {
            detect = rack;
            viaTimer = false;
          }
          break;
        }
      }
      if (viaTimer) backoff *= 2;
      attempt = detect;
      lost = rng.chance(p);
      segmentsSent++;
    }
    const arrival = attempt + ONE_WAY;
    // In-order delivery, read by the app at its next frame.
    lastDelivery = Math.max(lastDelivery, arrival);
    const readAt = Math.ceil(lastDelivery / FRAME - 1e-9) * FRAME;
    latencies.push(readAt - (sendTime[i] as number));
  }
  // 20 B TCP + 20 B IPv4 headers are not counted; 2 B WebSocket frame header per message.
  return { latencies, bytesSent: segmentsSent * (PAYLOAD + 2) };
}

/** One-way latency of a real ws connection over 127.0.0.1 (no conditioning). */
async function runRealWs(messages: number): Promise<number[]> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const latencies: number[] = [];
  const done = new Promise<void>((resolve) => {
    server.on("connection", (socket) => {
      socket.on("message", (data: Buffer) => {
        latencies.push(performance.now() / 1000 - data.readDoubleLE(0));
        if (latencies.length === messages) resolve();
      });
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise<void>((resolve, reject) => {
    client.once("open", () => resolve());
    client.once("error", reject);
  });
  const out = Buffer.alloc(PAYLOAD);
  for (let i = 0; i < messages; i++) {
    out.writeDoubleLE(performance.now() / 1000, 0);
    client.send(out);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await done;
  client.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return latencies;
}

function report(context: ScenarioContext, system: string, runs: RunResult[]): void {
  const all = runs.flatMap((r) => r.latencies.map((s) => s * 1000));
  const stats = summarize(all);
  const sorted = [...all].sort((x, y) => x - y);
  const payload = all.length * PAYLOAD;
  const bytes = runs.reduce((sum, r) => sum + r.bytesSent, 0);
  context.record(system, "p50 delivery", stats.median, "ms");
  context.record(system, "p99 delivery", stats.p99, "ms");
  context.record(system, "max delivery", sorted[sorted.length - 1] as number, "ms");
  context.record(system, "p99 / RTT", stats.p99 / (RTT * 1000), "×");
  context.record(system, "bytes sent / payload", bytes / payload, "×");
}

defineScenario({
  name: "reliable",
  title: `reliable-ordered delivery at ${RTT * 1000} ms RTT, ${LOSS} % loss, one ${PAYLOAD}-byte message per 60 Hz frame`,
  targets: ["Canopy p99 delivery ≤ 1.5 × RTT"],
  async run(context) {
    const { progress } = context;
    progress(`Canopy ReliableEndpoint, default resend (0.5 × RTT): ${SEEDS.length} × ${SECONDS} s simulated`);
    report(
      context,
      "Canopy reliable-ordered (resend 0.5×RTT, default)",
      SEEDS.map((s) => runCanopy(s)),
    );
    progress("Canopy ReliableEndpoint, resend 1.25 × RTT");
    report(
      context,
      "Canopy reliable-ordered (resend 1.25×RTT)",
      SEEDS.map((s) => runCanopy(s, 1.25)),
    );
    progress("Canopy ReliableEndpoint at 25 % loss (every message must still arrive)");
    report(
      context,
      "Canopy reliable-ordered at 25 % loss (all delivered)",
      SEEDS.map((s) => runCanopy(s, undefined, 25)),
    );
    progress("TCP stream model (WebSocket semantics)");
    report(
      context,
      "WebSocket/TCP stream model (in-order, SACK/RACK, RTO ≥ 200 ms)",
      SEEDS.map((s) => runTcpModel(s)),
    );
    progress("real ws over 127.0.0.1, no conditioning (socket path only)");
    const ws = await runRealWs(2000);
    const stats = summarize(ws.map((s) => s * 1000));
    context.record("ws over real loopback, no loss (socket path only)", "p50 delivery", stats.median, "ms");
    context.record("ws over real loopback, no loss (socket path only)", "p99 delivery", stats.p99, "ms");
  },
});
