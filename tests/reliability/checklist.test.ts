/**
 * The reliability checklist (after reliable.io's test list), through the public entry point:
 * ack bits, acks under loss, duplicates, stale packets, buffer overflow, fragments under loss,
 * rollover at 65535 → 0, RTT accuracy, loss and bandwidth estimates, and reset.
 */
import { createRng } from "@canopy/core";
import {
  asSeq16,
  BitReader,
  BitWriter,
  createPacketHeader,
  readPacketHeader,
  ReliableEndpoint,
  SequenceBuffer,
  writePacketHeader,
} from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";
import { createLink, sequenceOf } from "./link";

const DT = 1 / 60;
const SEED = 4242;

function fill(size: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return new Uint8Array(size).map(() => rng.int(0, 255));
}

describe("reliability checklist", () => {
  it("ack bits: the header acks exactly the packets received, and every one gets acked", () => {
    const toB: Uint8Array[] = [];
    const toA: Uint8Array[] = [];
    const acked = new Set<number>();
    const a = new ReliableEndpoint({
      transmit: (p) => toB.push(p.slice()),
      onPacketAcked: (s) => acked.add(s),
    });
    const b = new ReliableEndpoint({ transmit: (p) => toA.push(p.slice()) });
    a.update(0);
    for (let i = 0; i < 40; i++) {
      a.send(3, Uint8Array.of(i));
      a.writePackets();
    }
    const dropped = new Set([3, 10, 35]);
    b.update(0.01);
    toB.forEach((p) => {
      if (!dropped.has(sequenceOf(p))) b.receivePacket(p);
    });
    // b sent an ack-only packet after every 16 packets with messages (a burst beyond 33 packets).
    expect(toA.length).toBe(2);
    b.writePackets();
    const last = toA[toA.length - 1] as Uint8Array;
    const h = createPacketHeader();
    expect(readPacketHeader(new BitReader(last), h)).toBe(true);
    expect(h.ack).toBe(39);
    let expectedBits = 0;
    for (let i = 0; i < 32; i++) if (!dropped.has(38 - i)) expectedBits |= 1 << i;
    expect(h.ackBits).toBe(expectedBits >>> 0);
    a.update(0.02);
    toA.forEach((p) => a.receivePacket(p));
    const expected = [...Array(40).keys()].filter((s) => !dropped.has(s));
    expect([...acked].sort((x, y) => x - y)).toEqual(expected);
    expect(a.counters.packetsAcked).toBe(37);
  });

  it("acks under loss: only packets that arrived are acked, and nearly all that arrived are", async () => {
    const acked = new Set<number>();
    const link = createLink({
      seed: SEED,
      aToB: { simulatedLatency: 40, simulatedPacketLoss: 20, jitter: 10, reordering: 10 },
      a: { onPacketAcked: (s) => acked.add(s) },
    });
    for (let i = 0; i < 600; i++) {
      link.a.send(3, fill(50, i));
      link.step(DT);
    }
    for (let i = 0; i < 30; i++) link.step(DT);
    const arrived = new Set(link.receivedByB);
    for (const s of acked)
      expect(arrived.has(s), `seed ${SEED}: packet ${s} acked but never arrived`).toBe(true);
    expect(acked.size / arrived.size, `seed ${SEED}`).toBeGreaterThan(0.97);
    expect(arrived.size).toBeLessThan(link.a.counters.packetsSent * 0.9);
    await link.close();
  });

  it("duplicates: a packet received twice is counted and its messages delivered once", () => {
    const packets: Uint8Array[] = [];
    const a = new ReliableEndpoint({ transmit: (p) => packets.push(p.slice()) });
    const b = new ReliableEndpoint({ transmit: () => {} });
    a.send(0, Uint8Array.of(1));
    a.send(3, Uint8Array.of(2));
    a.writePackets();
    const p = packets[0] as Uint8Array;
    b.receivePacket(p);
    b.receivePacket(p);
    expect(b.counters.packetsDuplicate).toBe(1);
    expect(b.receive(0)).toEqual(Uint8Array.of(1));
    expect(b.receive(0)).toBeUndefined();
    expect(b.receive(3)).toEqual(Uint8Array.of(2));
    expect(b.receive(3)).toBeUndefined();
  });

  it("duplicates: a reliable message resent in a new packet is delivered once", async () => {
    const link = createLink({ seed: SEED, aToB: { simulatedLatency: 150, duplication: 30 } });
    link.a.send(0, Uint8Array.of(7));
    for (let i = 0; i < 60; i++) link.step(DT);
    expect(link.a.counters.messagesResent).toBeGreaterThan(0); // sent again before the ack came back
    expect(link.b.counters.messagesDuplicate).toBeGreaterThan(0);
    expect(link.b.receive(0)).toEqual(Uint8Array.of(7));
    expect(link.b.receive(0)).toBeUndefined();
    await link.close();
  });

  it("stale packets: older than the 256-packet window are dropped and counted", () => {
    const b = new ReliableEndpoint({ transmit: () => {} });
    const packet = (sequence: number) => {
      const w = new BitWriter(16);
      writePacketHeader(w, { sequence: asSeq16(sequence), hasAcks: false, ack: asSeq16(0), ackBits: 0 });
      w.writeBytes(Uint8Array.of(3, 1, sequence & 0xff)); // one unreliable message
      return w.finish().slice();
    };
    b.receivePacket(packet(1000));
    b.receivePacket(packet(1000 - 256));
    expect(b.counters.packetsStale).toBe(1);
    b.receivePacket(packet(1000 - 255));
    b.receivePacket(packet(1001));
    expect(b.counters.packetsStale).toBe(1);
    expect(b.counters.packetsReceived).toBe(3);
    // Across the wrap: 65500 is 46 packets before 10 (in the window); 65200 is 346 before (stale).
    const c = new ReliableEndpoint({ transmit: () => {} });
    c.receivePacket(packet(10));
    c.receivePacket(packet(65500));
    c.receivePacket(packet(65200));
    expect(c.counters.packetsStale).toBe(1);
    expect(c.counters.packetsReceived).toBe(2);
  });

  it("buffer overflow: the sequence buffer forgets entries pushed out of its window", () => {
    const buffer = new SequenceBuffer(16, () => ({ value: 0 }));
    for (let s = 0; s < 16; s++) (buffer.insert(asSeq16(s)) as { value: number }).value = s;
    expect(buffer.find(asSeq16(0))?.value).toBe(0);
    (buffer.insert(asSeq16(16)) as { value: number }).value = 16;
    expect(buffer.find(asSeq16(0))).toBeUndefined(); // overwritten by 16
    expect(buffer.insert(asSeq16(0))).toBeUndefined(); // and now stale
    expect(buffer.find(asSeq16(16))?.value).toBe(16);
    // A jump far ahead clears every skipped slot.
    buffer.insert(asSeq16(100));
    for (let s = 85; s < 100; s++) expect(buffer.exists(asSeq16(s))).toBe(false);
    // Wrap: 65535 → 0 keeps both.
    const wrap = new SequenceBuffer(16, () => ({}));
    wrap.insert(asSeq16(65535));
    wrap.insert(asSeq16(0));
    expect(wrap.exists(asSeq16(65535))).toBe(true);
    expect(wrap.exists(asSeq16(0))).toBe(true);
    expect(wrap.newestSequence).toBe(0);
  });

  it("buffer overflow: a full send window refuses more (canSend false, send throws)", () => {
    const a = new ReliableEndpoint({ transmit: () => {} });
    for (let i = 0; i < 2048; i++) a.send(0, Uint8Array.of(1));
    expect(a.canSend(0, 1)).toBe(false);
    expect(() => a.send(0, Uint8Array.of(1))).toThrow(/send window is full/);
    expect(a.canSend(3, 1)).toBe(true);
  });

  it("fragments under loss: a 1 MiB message and mid-size ones arrive intact, exactly once", async () => {
    const link = createLink({
      seed: SEED,
      aToB: { simulatedLatency: 30, jitter: 10, simulatedPacketLoss: 25, reordering: 10 },
    });
    const big = fill(1 << 20, 1);
    const mids = [3000, 1025, 20_000].map((n, i) => fill(n, 10 + i));
    link.a.send(0, big);
    mids.forEach((m) => link.a.send(1, m));
    const gotOrdered: Uint8Array[] = [];
    const gotUnordered: Uint8Array[] = [];
    for (let i = 0; i < 60 * 20 && gotOrdered.length === 0; i++) {
      link.step(DT);
      for (let m = link.b.receive(0); m; m = link.b.receive(0)) gotOrdered.push(m);
      for (let m = link.b.receive(1); m; m = link.b.receive(1)) gotUnordered.push(m);
    }
    for (let i = 0; i < 60; i++) {
      link.step(DT);
      for (let m = link.b.receive(0); m; m = link.b.receive(0)) gotOrdered.push(m);
      for (let m = link.b.receive(1); m; m = link.b.receive(1)) gotUnordered.push(m);
    }
    expect(gotOrdered.length, `seed ${SEED}`).toBe(1);
    expect(Buffer.from(gotOrdered[0] as Uint8Array).equals(Buffer.from(big))).toBe(true);
    expect(gotUnordered.map((m) => m.length).sort((x, y) => x - y)).toEqual([1025, 3000, 20_000]);
    for (const m of mids) {
      const match = gotUnordered.find((g) => g.length === m.length) as Uint8Array;
      expect(Buffer.from(match).equals(Buffer.from(m))).toBe(true);
    }
    expect(link.b.counters.packetsInvalid).toBe(0);
    await link.close();
  });

  it("rollover: packet sequences and message ids wrap 65535 → 0 without losing or reordering", async () => {
    const link = createLink({ seed: SEED, aToB: { simulatedLatency: 10, simulatedPacketLoss: 5 } });
    const payload = new Uint8Array(1000);
    let nextReliable = 0;
    let expected = 0;
    for (let step = 0; step < 1100; step++) {
      for (let i = 0; i < 64; i++) link.a.send(3, payload); // 64 packets per frame
      for (let i = 0; i < 64 && link.a.canSend(0, 4); i++) {
        const m = new Uint8Array(4);
        new DataView(m.buffer).setUint32(0, nextReliable++, true);
        link.a.send(0, m);
      }
      link.step(DT);
      for (let m = link.b.receive(0); m; m = link.b.receive(0)) {
        expect(new DataView(m.buffer, m.byteOffset).getUint32(0, true)).toBe(expected++);
      }
      while (link.b.receive(3)) {
        /* drain */
      }
    }
    for (let i = 0; i < 30; i++) {
      link.step(DT);
      for (let m = link.b.receive(0); m; m = link.b.receive(0)) {
        expect(new DataView(m.buffer, m.byteOffset).getUint32(0, true)).toBe(expected++);
      }
    }
    expect(link.a.counters.packetsSent).toBeGreaterThan(65536);
    expect(nextReliable).toBeGreaterThan(65536);
    expect(expected).toBe(nextReliable);
    expect(link.b.counters.packetsInvalid).toBe(0);
    await link.close();
  });

  it("RTT, loss and bandwidth estimates match a known simulated link", async () => {
    const link = createLink({ seed: SEED, aToB: { simulatedLatency: 50, simulatedPacketLoss: 10 } });
    const message = new Uint8Array(100);
    for (let i = 0; i < 60 * 10; i++) {
      link.a.send(3, message);
      link.b.send(3, message);
      link.step(DT);
    }
    const s = link.a.stats;
    // 100 ms round trip; the ack waits up to one frame for b's next packet, and both sides step at 60 Hz.
    expect(s.rttSmoothed).toBeGreaterThanOrEqual(0.1);
    expect(s.rttSmoothed).toBeLessThan(0.1 + 2 * DT);
    expect(s.rttBest).toBeLessThanOrEqual(s.rttSmoothed);
    expect(s.rttWorst).toBeGreaterThanOrEqual(s.rttSmoothed);
    expect(s.packetLossPercent).toBeGreaterThan(4);
    expect(s.packetLossPercent).toBeLessThan(18);
    // One packet per frame: header + 2-byte message header + 100 bytes, 60 times a second.
    const perPacket = link.a.counters.packetsSent > 0 ? 100 + 2 + 4 : 0;
    expect(s.sentBytesPerSecond).toBeGreaterThan(perPacket * 60 * 0.9);
    expect(s.sentBytesPerSecond).toBeLessThan((perPacket + 6) * 60 * 1.1);
    expect(s.ackedBytesPerSecond).toBeLessThan(s.sentBytesPerSecond);
    expect(s.ackedBytesPerSecond).toBeGreaterThan(s.sentBytesPerSecond * 0.75);
    expect(link.b.stats.receivedBytesPerSecond).toBeGreaterThan(s.sentBytesPerSecond * 0.75);
    await link.close();
  });

  it("reset: back to a fresh connection that works again", async () => {
    const link = createLink({ seed: SEED, aToB: { simulatedLatency: 20 } });
    link.a.send(0, Uint8Array.of(1));
    link.a.send(2, Uint8Array.of(2));
    for (let i = 0; i < 20; i++) link.step(DT);
    expect(link.a.counters.packetsSent).toBeGreaterThan(0);
    link.a.send(0, Uint8Array.of(99)); // queued, then forgotten by reset
    link.a.reset();
    link.b.reset();
    expect(link.a.counters.packetsSent).toBe(0);
    expect(link.a.nextPacketSequence).toBe(0);
    expect(link.a.stats.rttSmoothed).toBe(0);
    expect(link.b.receive(0)).toBeUndefined();
    for (let i = 0; i < 20; i++) link.step(DT); // packets in flight from before the reset drain
    link.a.reset();
    link.b.reset();
    link.a.send(0, Uint8Array.of(3));
    link.a.send(2, Uint8Array.of(4));
    for (let i = 0; i < 20; i++) link.step(DT);
    expect(link.b.receive(0)).toEqual(Uint8Array.of(3));
    expect(link.b.receive(0)).toBeUndefined();
    expect(link.b.receive(2)).toEqual(Uint8Array.of(4));
    await link.close();
  });
});
