import { describe, expect, it } from "vitest";
import { ChannelKind, ReliableEndpoint } from "../../src/reliability/index";
import { createPair } from "./pair";

const DT = 1 / 60;
const bytes = (...v: number[]) => new Uint8Array(v);

describe("ReliableEndpoint", () => {
  it("delivers messages on all four channels over a perfect link", () => {
    const { a, b, step } = createPair(1, { latency: 0.02 });
    a.send(0, bytes(1, 2, 3));
    a.send(1, bytes(4));
    a.send(2, bytes(5));
    a.send(3, bytes(6));
    for (let i = 0; i < 5; i++) step(DT);
    expect(b.receive(0)).toEqual(bytes(1, 2, 3));
    expect(b.receive(1)).toEqual(bytes(4));
    expect(b.receive(2)).toEqual(bytes(5));
    expect(b.receive(3)).toEqual(bytes(6));
    expect(b.receive(0)).toBeUndefined();
    expect(a.counters.packetsAcked).toBeGreaterThan(0);
  });

  it("reports acked packets and acked messages, and samples RTT from the ack", () => {
    const acked: number[] = [];
    const tickets: [number, number][] = [];
    const toB: Uint8Array[] = [];
    const toA: Uint8Array[] = [];
    const a = new ReliableEndpoint({
      transmit: (p) => toB.push(p.slice()),
      onPacketAcked: (s) => acked.push(s),
      onMessageAcked: (c, t) => tickets.push([c, t]),
    });
    const b = new ReliableEndpoint({ transmit: (p) => toA.push(p.slice()) });
    const t0 = a.send(3, bytes(9));
    const t1 = a.send(0, bytes(8));
    a.update(0);
    expect(a.writePackets()).toBe(1);
    b.update(0.025);
    b.receivePacket(toB.shift() as Uint8Array);
    expect(b.receive(3)).toEqual(bytes(9));
    expect(b.receive(0)).toEqual(bytes(8));
    expect(b.writePackets()).toBe(1); // ack-only: b owes an ack and has nothing to send
    expect(b.counters.ackPacketsSent).toBe(1);
    expect(b.writePackets()).toBe(0); // nothing owed any more
    a.update(0.05);
    a.receivePacket(toA.shift() as Uint8Array);
    expect(acked).toEqual([0]);
    // Reliable messages are packed first (they get the first share of each write).
    expect(tickets).toEqual([
      [0, t1],
      [3, t0],
    ]);
    expect(a.stats.rttSmoothed).toBeCloseTo(0.05, 9);
    // a does not answer an ack-only packet with another one (no ack ping-pong).
    expect(a.writePackets()).toBe(0);
  });

  it("throws on local misuse with a message naming the fix", () => {
    const e = new ReliableEndpoint({ transmit: () => {} });
    expect(() => e.send(7, bytes(1))).toThrow(/no channel 7/);
    expect(() => e.send(3, new Uint8Array(2000))).toThrow(/use a reliable channel/);
    expect(() => e.send(0, new Uint8Array((1 << 20) + 1))).toThrow(/limit/);
    expect(() => new ReliableEndpoint({ transmit: () => {}, channels: [] })).toThrow(/1..16 channels/);
    e.update(1);
    expect(() => e.update(0.5)).toThrow(/backwards/);
  });

  it("refuses to hold more than the receive budget and recovers when the app drains", () => {
    const { a, b, step } = createPair(3, { latency: 0.01 }, { maxReceiveBufferBytes: 1 << 20 });
    const big = new Uint8Array(700_000).fill(7);
    a.send(0, big);
    a.send(0, big);
    for (let i = 0; i < 120; i++) step(DT);
    expect(b.counters.messagesRefused).toBeGreaterThan(0);
    expect(b.receive(0)?.length).toBe(700_000);
    for (let i = 0; i < 120; i++) step(DT);
    expect(b.receive(0)?.length).toBe(700_000);
    expect(b.receive(0)).toBeUndefined();
  });

  it("supports a custom channel layout", () => {
    const channels = [{ kind: ChannelKind.Unreliable }, { kind: ChannelKind.ReliableOrdered }];
    const { a, b, step } = createPair(4, {}, { channels });
    a.send(1, bytes(1));
    a.send(0, bytes(2));
    step(DT);
    step(DT);
    expect(b.receive(1)).toEqual(bytes(1));
    expect(b.receive(0)).toEqual(bytes(2));
  });
});
