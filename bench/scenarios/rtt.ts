/**
 * Round trip of 100-byte messages over loopback UDP and WebSocket through Canopy's full
 * connection stack (createNodeNetServer/createNodeNetClient: token handshake, ChaCha20-Poly1305 per
 * packet from libsodium's WebAssembly build — or Node's OpenSSL binding, or the portable @noble
 * default, where a row says so — and the ReliableEndpoint's channels) against raw `node:dgram` and raw `ws` echo servers; plus the bytes
 * each layer adds to a packet carrying one 100-byte unreliable message (plain vs encrypted).
 */
import {
  encryptionOverhead,
  generateConnectToken,
  loadSodiumAead,
  nobleAead,
  type PacketAead,
  type PacketLogRecord,
  type Transport,
} from "@canopy/net-plugin";
import {
  connectWebSocket,
  createNodeNetClient,
  createNodeNetServer,
  listenWebSocket,
  nodeAead,
  openUdpTransport,
} from "@canopy/net-plugin/server";
import { summarize } from "../harness/measure";
import { defineScenario } from "../harness/registry";
import {
  PAYLOAD_BYTES,
  rawUdp,
  rawUdpSealed,
  rawWs,
  runEchoLink as run,
  type LinkFactory,
} from "../fixtures/echoLinks";

/** Ping-pongs and windowed messages per system per round (samples of all rounds are pooled). */
const PING_PONGS = 2000;
const THROUGHPUT_MESSAGES = 10_000;
/** Rounds over all systems; messages/s is the median of the rounds' rates. */
const ROUNDS = 3;
const WINDOW = 32;
/** Baseline row: raw dgram with every datagram sealed/opened by libsodium (the encrypted floor). */
const SEALED = "raw dgram + libsodium AEAD per packet";
const KEY = new Uint8Array(32).fill(7);
const PROTOCOL_ID = 0x7777n;
/** Channels of the default layout: 0 reliable-ordered, 3 unreliable. */
const RELIABLE = 0;
const UNRELIABLE = 3;

type Open = () => Promise<{ server: Transport; client: Transport; address: string }>;

/**
 * Canopy: a NetServer echoing every message back on the same channel, a NetClient sending; both
 * driven every event-loop turn as a game loop would (update → receive → send).
 */
function canopyLink(
  open: Open,
  channel: number,
  aead?: PacketAead,
  log?: (r: PacketLogRecord) => void,
): LinkFactory {
  return async (onReply) => {
    const { server: st, client: ct, address } = await open();
    // What a Node game uses: the Node helpers (libsodium AEAD unless `aead` overrides it).
    const server = await createNodeNetServer(st, {
      protocolId: PROTOCOL_ID,
      privateKey: KEY,
      publicAddresses: [address],
      ...(aead ? { aead } : {}),
      // One packet per message here (send() flushes at once): lift the per-client flood limits.
      rateLimits: { packetsPerSecond: 1e6, bytesPerSecond: 1e9 },
    });
    const client = await createNodeNetClient(ct, {
      ...(log ? { logPackets: log } : {}),
      ...(aead ? { aead } : {}),
    });
    client.connect(
      generateConnectToken(
        {
          protocolId: PROTOCOL_ID,
          clientId: 1,
          serverAddresses: [address],
          expireSeconds: 60,
          timeoutSeconds: 10,
        },
        KEY,
      ),
    );
    let running = true;
    let connected!: () => void;
    const ready = new Promise<void>((r) => (connected = r));
    const frame = (): void => {
      if (!running) return;
      const now = performance.now() / 1000;
      server.update(now);
      server.receivePackets();
      for (let e = server.pollEvent(); e; e = server.pollEvent()) {
        if (e.type === "message") server.send(e.client, e.channel, e.data);
      }
      server.sendPackets();
      client.update(now);
      client.receivePackets();
      for (let e = client.pollEvent(); e; e = client.pollEvent()) {
        if (e.type === "connected") connected();
        else if (e.type === "message")
          onReply(new DataView(e.data.buffer, e.data.byteOffset).getUint32(0, true));
      }
      client.sendPackets();
      setImmediate(frame);
    };
    setImmediate(frame);
    await ready;
    return {
      send(seq) {
        const out = new Uint8Array(PAYLOAD_BYTES);
        new DataView(out.buffer).setUint32(0, seq, true);
        client.send(channel, out);
        client.sendPackets(); // send now, as the raw peers do, instead of at the next frame
      },
      async close() {
        running = false;
        client.close();
        server.close();
        await Promise.all([ct.close(), st.close()]);
      },
    };
  };
}

const openUdp: Open = async () => {
  const server = await openUdpTransport({ address: "127.0.0.1", port: 0 });
  const client = await openUdpTransport({ address: "127.0.0.1", port: 0 });
  return { server, client, address: server.localAddress };
};

const openWs: Open = async () => {
  const server = await listenWebSocket({ host: "127.0.0.1", port: 0 });
  const client = await connectWebSocket(server.url);
  return { server, client, address: client.remoteAddress };
};

/** Bytes on the wire for one packet carrying one 100-byte unreliable message, split by layer. */
async function overheadRows(record: (system: string, metric: string, value: number, unit: string) => void) {
  const records: PacketLogRecord[] = [];
  await run(
    canopyLink(openUdp, UNRELIABLE, undefined, (r) => records.push(r)),
    50,
    1,
  );
  const packet = records.find(
    (r) => r.direction === "out" && r.type === "payload" && r.messages?.length === 1,
  );
  if (packet === undefined || packet.sequence === undefined)
    throw new Error("rtt bench: no single-message packet logged");
  const aead = encryptionOverhead(packet.sequence);
  const plain = packet.size - aead;
  record(
    "Canopy (plain: reliability)",
    "overhead bytes / packet (1 unreliable 100 B message)",
    plain - PAYLOAD_BYTES,
    "B",
  );
  record(
    "Canopy (AEAD: prefix+sequence+tag)",
    "overhead bytes / packet (1 unreliable 100 B message)",
    aead,
    "B",
  );
  record(
    "Canopy (encrypted total)",
    "overhead bytes / packet (1 unreliable 100 B message)",
    packet.size - PAYLOAD_BYTES,
    "B",
  );
}

defineScenario({
  name: "rtt",
  title: `round trip of ${PAYLOAD_BYTES}-byte messages over loopback: Canopy NetServer/NetClient (encrypted) vs raw dgram/ws`,
  targets: [
    "Canopy p50/p99 RTT and messages/s within 1.2× of the raw socket",
    "AEAD cost reported separately from the reliability header (≤ 4 B beyond sequence/ack)",
  ],
  async run({ record, progress }) {
    const systems: [string, string, LinkFactory][] = [
      ["raw dgram", "raw dgram", rawUdp],
      [SEALED, "raw dgram", rawUdpSealed(await loadSodiumAead())],
      ["Canopy UDP, unreliable, encrypted", "raw dgram", canopyLink(openUdp, UNRELIABLE)],
      ["Canopy UDP, reliable-ordered, encrypted", "raw dgram", canopyLink(openUdp, RELIABLE)],
      [
        "Canopy UDP, unreliable, encrypted (OpenSSL AEAD)",
        "raw dgram",
        canopyLink(openUdp, UNRELIABLE, nodeAead),
      ],
      [
        "Canopy UDP, reliable-ordered, encrypted (OpenSSL AEAD)",
        "raw dgram",
        canopyLink(openUdp, RELIABLE, nodeAead),
      ],
      [
        "Canopy UDP, unreliable, encrypted (portable AEAD)",
        "raw dgram",
        canopyLink(openUdp, UNRELIABLE, nobleAead),
      ],
      ["raw ws", "raw ws", rawWs],
      ["Canopy WebSocket, unreliable, encrypted", "raw ws", canopyLink(openWs, UNRELIABLE)],
      ["Canopy WebSocket, reliable-ordered, encrypted", "raw ws", canopyLink(openWs, RELIABLE)],
      [
        "Canopy WebSocket, unreliable, encrypted (OpenSSL AEAD)",
        "raw ws",
        canopyLink(openWs, UNRELIABLE, nodeAead),
      ],
      [
        "Canopy WebSocket, unreliable, encrypted (portable AEAD)",
        "raw ws",
        canopyLink(openWs, UNRELIABLE, nobleAead),
      ],
    ];
    // Every system runs in each of ROUNDS rounds, in alternating order, so neither JIT warm-up,
    // heap growth nor a burst of load from other processes favours whichever system runs first.
    for (const [name, , factory] of systems) {
      progress(`${name}: warm-up`);
      await run(factory, 1000, WINDOW);
    }
    const rtts = new Map<string, number[]>(systems.map(([name]) => [name, []]));
    const rates = new Map<string, number[]>(systems.map(([name]) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? systems : [...systems].reverse();
      for (const [name, , factory] of order) {
        progress(
          `round ${round + 1}/${ROUNDS}, ${name}: ${PING_PONGS} ping-pongs, ${THROUGHPUT_MESSAGES} messages`,
        );
        rtts.get(name)?.push(...(await run(factory, PING_PONGS, 1)).rtts);
        rates.get(name)?.push((await run(factory, THROUGHPUT_MESSAGES, WINDOW)).rate);
      }
    }
    const baseline = new Map<string, { p50: number; p99: number; rate: number }>();
    for (const [name, peer] of systems) {
      const pingPong = summarize(rtts.get(name) ?? []);
      const rate = summarize(rates.get(name) ?? []).median;
      record(name, "RTT p50", pingPong.median, "µs");
      record(name, "RTT p99", pingPong.p99, "µs");
      record(name, `messages/s (${WINDOW} in flight)`, rate, "msg/s");
      const base = baseline.get(peer);
      if (base === undefined || name === SEALED)
        baseline.set(name, { p50: pingPong.median, p99: pingPong.p99, rate });
      if (base === undefined) continue;
      record(name, `RTT p50 vs ${peer}`, pingPong.median / base.p50, "×");
      record(name, `RTT p99 vs ${peer}`, pingPong.p99 / base.p99, "×");
      record(name, `messages/s vs ${peer}`, rate / base.rate, "×");
      const sealed = baseline.get(SEALED);
      if (name.startsWith("Canopy UDP") && !name.includes("(") && sealed !== undefined) {
        // Same AEAD, same four operations per round trip: what the protocol itself adds.
        record(name, "RTT p50 vs raw dgram + same AEAD", pingPong.median / sealed.p50, "×");
      }
    }
    progress("overhead bytes per packet");
    await overheadRows(record);
  },
});
