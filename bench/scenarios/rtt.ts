/**
 * Round trip of 100-byte messages over loopback UDP and WebSocket through Canopy's full
 * connection stack (createNodeNetServer/createNodeNetClient: token handshake, ChaCha20-Poly1305 per
 * packet from libsodium's WebAssembly build — or Node's OpenSSL binding, or the portable @noble
 * default, where a row says so — and the ReliableEndpoint's channels) against raw `node:dgram` and raw `ws` echo servers; plus the bytes
 * each layer adds to a packet carrying one 100-byte unreliable message (plain vs encrypted).
 */
import { encryptionOverhead, loadSodiumAead, nobleAead, type PacketLogRecord } from "@canopy/net-plugin";
import { nodeAead } from "@canopy/net-plugin/server";
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
import { canopyLink, noopAead, openUdp, openWs, RELIABLE, UNRELIABLE } from "../fixtures/canopyEcho";

/** Ping-pongs and windowed messages per system per round (samples of all rounds are pooled). */
const PING_PONGS = 2000;
const THROUGHPUT_MESSAGES = 10_000;
/** Rounds over all systems; messages/s is the median of the rounds' rates. */
const ROUNDS = 3;
const WINDOW = 32;
/** Baseline row: raw dgram with every datagram sealed/opened by libsodium (the encrypted floor). */
const SEALED = "raw dgram + libsodium AEAD per packet";
/** Diagnostic row: the whole stack with a no-op AEAD (what the protocol costs without the cipher). */
const NOOP = "Canopy UDP, unreliable, NO-OP AEAD (diagnostic only)";
/** Same stack, frames run when a datagram arrives (transport `onReadable`) plus a 60 Hz tick. */
const WAKE = "Canopy UDP, unreliable, encrypted, woken on arrival";

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
      [NOOP, "raw dgram", canopyLink(openUdp, UNRELIABLE, noopAead)],
      [WAKE, "raw dgram", canopyLink(openUdp, UNRELIABLE, undefined, undefined, "wake")],
      [
        `${WAKE}, NO-OP AEAD (diagnostic only)`,
        "raw dgram",
        canopyLink(openUdp, UNRELIABLE, noopAead, undefined, "wake"),
      ],
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
        // (rows with a parenthesis use another AEAD or none)
        // Same AEAD, same four operations per round trip: what the protocol itself adds.
        record(name, "RTT p50 vs raw dgram + same AEAD", pingPong.median / sealed.p50, "×");
      }
    }
    progress("overhead bytes per packet");
    await overheadRows(record);
  },
});
