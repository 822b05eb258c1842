/**
 * Bytes of protocol overhead per packet: the reliability header (sequence, ack, ack bits) and the
 * per-message header of each channel kind, measured from what ReliableEndpoint actually writes —
 * both for single packets and averaged over a minute of 60 Hz traffic on a lossy link (losses put
 * ack-bitfield bytes on the wire). Encryption (AEAD) cost is reported by the connection scenario.
 */
import { ManualClock } from "@canopy/core";
import {
  BitReader,
  createLoopbackNetwork,
  createPacketHeader,
  LinkConditioner,
  readPacketHeader,
  ReliableEndpoint,
} from "@canopy/net-plugin";
import { defineScenario } from "../harness/registry";

const PAYLOAD = 100;
const header = createPacketHeader();
const reader = new BitReader();

/** Bytes of the reliability header at the front of `packet`. */
function headerBytes(packet: Uint8Array): number {
  reader.reset(packet);
  readPacketHeader(reader, header);
  return reader.bitsRead / 8;
}

/** The one packet a fresh endpoint writes for one message of PAYLOAD bytes on `channel`. */
function singlePacket(channel: number, size = PAYLOAD): Uint8Array {
  let out = new Uint8Array(0);
  const e = new ReliableEndpoint({ transmit: (p) => (out = p.slice()) });
  e.send(channel, new Uint8Array(size));
  e.update(0);
  e.writePackets();
  return out;
}

/** A minute of one 100-byte unreliable message per frame each way at 100 ms RTT and `loss` %. */
function averageOverRun(loss: number): { header: number; message: number; packets: number } {
  const clock = new ManualClock();
  const net = createLoopbackNetwork();
  const conditions = { simulatedLatency: 50, simulatedPacketLoss: loss };
  const ta = new LinkConditioner(net.bind("a"), { clock, seed: 7, outbound: conditions });
  const tb = new LinkConditioner(net.bind("b"), { clock, seed: 8, outbound: conditions });
  let headerTotal = 0;
  let messageTotal = 0;
  let packets = 0;
  const a = new ReliableEndpoint({
    transmit: (p) => {
      const h = headerBytes(p);
      headerTotal += h;
      messageTotal += p.length - h - PAYLOAD;
      packets++;
      ta.send(tb.localAddress, p);
    },
  });
  const b = new ReliableEndpoint({ transmit: (p) => tb.send(ta.localAddress, p) });
  const message = new Uint8Array(PAYLOAD);
  for (let frame = 0; frame < 60 * 60; frame++) {
    clock.advance(1 / 60);
    a.update(clock.now());
    b.update(clock.now());
    for (let d = ta.poll(); d; d = ta.poll()) a.receivePacket(d.data);
    for (let d = tb.poll(); d; d = tb.poll()) b.receivePacket(d.data);
    while (b.receive(3)) {
      /* drain */
    }
    while (a.receive(3)) {
      /* drain */
    }
    a.send(3, message);
    b.send(3, message);
    a.writePackets();
    b.writePackets();
  }
  return { header: headerTotal / packets, message: messageTotal / packets, packets };
}

defineScenario({
  name: "overhead",
  title: "bytes of protocol overhead per packet: reliability header and per-message headers",
  targets: ["≤ 4 bytes of header for an unreliable message beyond the sequence/ack header"],
  run({ record, progress }) {
    progress("single packets from a fresh endpoint");
    const kinds: [string, number][] = [
      ["unreliable", 3],
      ["unreliable-sequenced", 2],
      ["reliable-ordered", 0],
      ["reliable-unordered", 1],
    ];
    for (const [kind, channel] of kinds) {
      const p = singlePacket(channel);
      record(`Canopy ${kind}, 100 B message`, "message header", p.length - headerBytes(p) - PAYLOAD, "B");
    }
    const big = singlePacket(0, 200_000);
    record("Canopy reliable fragment (1024 B)", "message header", big.length - headerBytes(big) - 1024, "B");
    record("raw datagram (no protocol)", "message header", 0, "B");

    for (const loss of [0, 5, 25]) {
      progress(`60 s of 60 Hz unreliable traffic at 100 ms RTT, ${loss} % loss`);
      const run = averageOverRun(loss);
      const system = `Canopy unreliable stream, ${loss} % loss`;
      record(system, "packet header (avg)", run.header, "B");
      record(system, "message header (avg)", run.message, "B");
      record(system, "total overhead (avg)", run.header + run.message, "B");
    }
  },
});
