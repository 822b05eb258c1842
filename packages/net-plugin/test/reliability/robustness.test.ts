/**
 * Check on read: whatever bytes arrive, ReliableEndpoint never throws, drops and counts what is
 * malformed, and a malicious peer cannot make it hold more than its receive budget.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "@canopy/core";
import { BitReader, BitWriter } from "../../src/protocol/index";
import { asSeq16 } from "../../src/protocol/seq16";
import {
  createMessageHeader,
  createPacketHeader,
  DEFAULT_CHANNELS,
  readMessageHeader,
  readPacketHeader,
  ReliableEndpoint,
  writeMessageHeader,
  writePacketHeader,
  type MessageHeader,
} from "../../src/reliability/index";

const kinds = DEFAULT_CHANNELS.map((c) => c.kind);

function packet(sequence: number, messages: [MessageHeader, Uint8Array][]): Uint8Array {
  const w = new BitWriter(1200);
  writePacketHeader(w, { sequence: asSeq16(sequence), hasAcks: false, ack: asSeq16(0), ackBits: 0 });
  for (const [m, data] of messages) {
    writeMessageHeader(w, kinds[m.channel] ?? "unreliable", m);
    w.writeBytes(data);
  }
  return w.finish().slice();
}

const msg = (channel: number, id: number, length: number, fragmentIndex = 0, fragmentCount = 0) =>
  ({ channel, id, fragmentIndex, fragmentCount, length }) satisfies MessageHeader;

describe("packet header decoding", () => {
  it("rejects truncated headers, reserved bits and ack flags without acks", () => {
    const out = createPacketHeader();
    const bad = [[], [0x30, 1], [0x30, 1, 0], [0x40, 0, 0], [0x80, 0, 0], [0x01, 0, 0], [0x21, 0, 0, 0]];
    for (const bytes of bad) {
      expect(readPacketHeader(new BitReader(new Uint8Array(bytes)), out), `${bytes.join(",")}`).toBe(false);
    }
    expect(readPacketHeader(new BitReader(new Uint8Array([0x30, 5, 0, 2])), out)).toBe(true);
  });
});

describe("message header decoding", () => {
  const read = (bytes: number[]) =>
    readMessageHeader(new BitReader(new Uint8Array(bytes)), kinds, createMessageHeader());
  it("rejects unknown channels, reserved bits, bad fragments and lengths past the end", () => {
    expect(read([0x03, 1, 0])).toBe(true); // unreliable, 1 byte
    expect(read([0x04, 1, 0])).toBe(false); // channel 4 not configured
    expect(read([0x23, 1, 0])).toBe(false); // reserved bit
    expect(read([0x13, 0, 2, 1, 0])).toBe(false); // fragment on an unreliable channel
    expect(read([0x03, 5, 0])).toBe(false); // length past the end
    expect(read([0x10, 1, 0, 0, 1, 1, 0])).toBe(false); // fragment count 1
    expect(read([0x10, 1, 0, 2, 2, 1, 0])).toBe(false); // index ≥ count
    expect(read([0x10, 1, 0, 0, 2, 1, 0])).toBe(false); // non-last fragment not 1024 bytes
    expect(read([0x10, 1, 0, 1, 2, 1, 0])).toBe(true); // last fragment, 1 byte
    expect(read([0x10, 1, 0, 1, 0x81, 0x10, 1, 0])).toBe(false); // count 2049 > 1024
    expect(read([0x00, 1, 0, 0x81, 0x08, ...new Array<number>(1025).fill(0)])).toBe(false); // whole reliable > 1024
  });
});

describe("ReliableEndpoint against hostile input", () => {
  it("survives 100k random and mutated packets without throwing, then still works", () => {
    const rng = createRng(2026);
    const e = new ReliableEndpoint({ transmit: () => {} });
    const valid: Uint8Array[] = [];
    const source = new ReliableEndpoint({ transmit: (p) => valid.push(p.slice()) });
    for (let i = 0; i < 50; i++) {
      source.send(i % 4, new Uint8Array(rng.int(0, 300)).fill(i));
      if (i % 10 === 0) source.send(0, new Uint8Array(5000));
      source.update(i / 60);
      source.writePackets();
    }
    let delivered = 0;
    for (let i = 0; i < 100_000; i++) {
      let bytes: Uint8Array;
      if (rng.chance(0.5)) {
        bytes = new Uint8Array(rng.chance(0.1) ? rng.int(0, 1300) : rng.int(0, 40));
        for (let k = 0; k < bytes.length; k++) bytes[k] = (rng.next() * 256) | 0;
      } else {
        bytes = (valid[rng.int(0, valid.length - 1)] as Uint8Array).slice();
        for (let k = rng.int(1, 4); k > 0; k--) bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
      }
      e.receivePacket(bytes);
      if (i % 1000 === 0) {
        e.update(i / 1000);
        e.writePackets();
        for (let ch = 0; ch < 4; ch++) for (let m = e.receive(ch); m; m = e.receive(ch)) delivered++;
      }
    }
    const c = e.counters;
    expect(c.packetsInvalid).toBeGreaterThan(40_000);
    expect(delivered).toBeGreaterThan(0); // mutated-but-valid packets do deliver
    expect(
      c.packetsInvalid + c.packetsStale + c.packetsDuplicate + c.packetsReceived + c.packetsRefused,
    ).toBe(100_000);
    // Still a working endpoint: a fresh peer's traffic gets through after a reset.
    e.reset();
    const peer = new ReliableEndpoint({ transmit: (p) => e.receivePacket(p.slice()) });
    peer.send(0, Uint8Array.of(42));
    peer.writePackets();
    expect(e.receive(0)).toEqual(Uint8Array.of(42));
  });

  it("holds at most its receive budget against never-completing fragments, and refuses the rest", () => {
    const limit = 1 << 20;
    const e = new ReliableEndpoint({ transmit: () => {}, maxReceiveBufferBytes: limit });
    const fragment = new Uint8Array(1024);
    let sequence = 0;
    // Groups of 1024 fragments each, sending all but the last fragment of each: nothing completes.
    for (let group = 0; group < 2; group++) {
      for (let i = 0; i < 1023; i++) {
        const id = group * 1024 + i;
        e.receivePacket(packet(sequence++, [[msg(1, id, 1024, i, 1024), fragment]]));
      }
    }
    const c = e.counters;
    expect(c.messagesRefused).toBeGreaterThan(0);
    expect(c.packetsRefused).toBe(c.messagesRefused);
    // Fragments stored: at most limit / 1024.
    expect(c.packetsReceived).toBeLessThanOrEqual(limit / 1024);
    expect(c.packetsReceived).toBeGreaterThan(limit / 1024 - 2);
    // Ids beyond the 2048 window are invalid outright.
    e.receivePacket(packet(sequence, [[msg(0, 4000, 1), Uint8Array.of(1)]]));
    expect(c.packetsInvalid).toBe(1);
  });

  it("treats fragments that disagree about their count as invalid", () => {
    const e = new ReliableEndpoint({ transmit: () => {} });
    e.receivePacket(packet(0, [[msg(0, 0, 1024, 0, 3), new Uint8Array(1024)]]));
    e.receivePacket(packet(1, [[msg(0, 1, 1024, 1, 4), new Uint8Array(1024)]]));
    expect(e.counters.packetsInvalid).toBe(1);
    expect(e.counters.packetsReceived).toBe(1);
  });
});
