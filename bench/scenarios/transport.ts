import dgram from "node:dgram";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import type { Transport } from "@canopy/net-plugin";
import { connectWebSocket, listenWebSocket, openUdpTransport } from "@canopy/net-plugin/server";
import { summarize } from "../harness/measure";
import { defineScenario } from "../harness/registry";

const PAYLOAD_BYTES = 100;
const PING_PONGS = 5000;
const THROUGHPUT_MESSAGES = 50_000;
const WINDOW = 32;

/** A client/echo-server pair; `onReply` gets the sequence number carried in each echoed message. */
interface EchoLink {
  send(seq: number): void;
  close(): Promise<void>;
}
type LinkFactory = (onReply: (seq: number) => void) => Promise<EchoLink>;

/** Canopy transports: both ends drained by a poll loop, as a game loop would (here every event-loop turn). */
function canopyLink(open: () => Promise<{ server: Transport; client: Transport; to: string }>): LinkFactory {
  return async (onReply) => {
    const { server, client, to } = await open();
    const out = new Uint8Array(PAYLOAD_BYTES);
    const view = new DataView(out.buffer);
    let running = true;
    const loop = (): void => {
      if (!running) return;
      for (let d = server.poll(); d !== undefined; d = server.poll()) server.send(d.from, d.data);
      for (let d = client.poll(); d !== undefined; d = client.poll()) {
        onReply(new DataView(d.data.buffer, d.data.byteOffset).getUint32(0, true));
      }
      setImmediate(loop);
    };
    setImmediate(loop);
    return {
      send(seq) {
        view.setUint32(0, seq, true);
        client.send(to, out);
      },
      async close() {
        running = false;
        await client.close();
        await server.close();
      },
    };
  };
}

const canopyUdp = canopyLink(async () => {
  const server = await openUdpTransport({ address: "127.0.0.1", port: 0 });
  const client = await openUdpTransport({ address: "127.0.0.1", port: 0 });
  return { server, client, to: server.localAddress };
});

const canopyWs = canopyLink(async () => {
  const server = await listenWebSocket({ host: "127.0.0.1", port: 0 });
  const client = await connectWebSocket(server.url);
  return { server, client, to: server.url };
});

/** Raw node:dgram, event-driven echo. */
const rawUdp: LinkFactory = async (onReply) => {
  const server = dgram.createSocket("udp4");
  const client = dgram.createSocket("udp4");
  await Promise.all([server, client].map((s) => new Promise<void>((r) => s.bind(0, "127.0.0.1", r))));
  server.on("message", (m, r) => server.send(m, r.port, r.address));
  client.on("message", (m) => onReply(m.readUInt32LE(0)));
  const port = server.address().port;
  return {
    send(seq) {
      const buf = Buffer.allocUnsafe(PAYLOAD_BYTES).fill(0);
      buf.writeUInt32LE(seq, 0);
      client.send(buf, port, "127.0.0.1");
    },
    close: () =>
      Promise.all([server, client].map((s) => new Promise<void>((r) => s.close(r)))).then(() => {}),
  };
};

/** Raw `ws`, event-driven echo. */
const rawWs: LinkFactory = async (onReply) => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once("listening", r));
  wss.on("connection", (socket) => socket.on("message", (data) => socket.send(data as Buffer)));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, {
    perMessageDeflate: false,
  });
  await new Promise<void>((r) => client.once("open", () => r()));
  client.on("message", (data: Buffer) => onReply(data.readUInt32LE(0)));
  return {
    send(seq) {
      const buf = Buffer.allocUnsafe(PAYLOAD_BYTES).fill(0);
      buf.writeUInt32LE(seq, 0);
      client.send(buf);
    },
    async close() {
      client.terminate();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
};

/** Sends `count` messages with at most `window` in flight; returns RTTs (µs) and messages per second. */
async function run(
  factory: LinkFactory,
  count: number,
  window: number,
): Promise<{ rtts: number[]; rate: number }> {
  const sentAt = new Float64Array(count);
  const rtts: number[] = [];
  let sent = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const sendNext = (): void => {
    sentAt[sent] = performance.now();
    link.send(sent++);
  };
  const link: EchoLink = await factory((seq) => {
    rtts.push((performance.now() - sentAt[seq]!) * 1000);
    if (sent < count) sendNext();
    if (rtts.length === count) resolveDone();
  });
  const start = performance.now();
  while (sent < Math.min(window, count)) sendNext();
  await done;
  const seconds = (performance.now() - start) / 1000;
  await link.close();
  return { rtts, rate: count / seconds };
}

defineScenario({
  name: "transport",
  title: `round trip of ${PAYLOAD_BYTES}-byte messages over loopback: Canopy UDP/WebSocket transports vs raw dgram/ws`,
  targets: ["Canopy transport p50/p99 RTT and messages/s within 1.2× of the raw socket"],
  async run({ record, progress }) {
    const systems: [string, LinkFactory][] = [
      ["raw dgram", rawUdp],
      ["Canopy UDP transport", canopyUdp],
      ["raw ws", rawWs],
      ["Canopy WebSocket transport", canopyWs],
    ];
    for (const [name, factory] of systems) {
      progress(`${name}: warm-up`);
      await run(factory, 2000, WINDOW);
      progress(`${name}: ${PING_PONGS} ping-pongs`);
      const pingPong = summarize((await run(factory, PING_PONGS, 1)).rtts);
      progress(`${name}: ${THROUGHPUT_MESSAGES} messages, ${WINDOW} in flight`);
      const windowed = await run(factory, THROUGHPUT_MESSAGES, WINDOW);
      record(name, "RTT p50", pingPong.median, "µs");
      record(name, "RTT p99", pingPong.p99, "µs");
      record(name, `messages/s (${WINDOW} in flight)`, windowed.rate, "msg/s");
    }
  },
});
