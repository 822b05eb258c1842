import type { Transport } from "@canopy/net-plugin";
import { connectWebSocket, listenWebSocket, openUdpTransport } from "@canopy/net-plugin/server";
import { summarize } from "../harness/measure";
import { defineScenario } from "../harness/registry";
import { PAYLOAD_BYTES, rawUdp, rawWs, runEchoLink as run, type LinkFactory } from "../fixtures/echoLinks";

const PING_PONGS = 5000;
const THROUGHPUT_MESSAGES = 50_000;
const WINDOW = 32;

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
