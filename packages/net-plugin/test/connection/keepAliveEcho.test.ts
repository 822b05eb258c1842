import { describe, expect, it } from "vitest";
import { ConnectionWire } from "../../src/connection/constants";
import { KeepAliveEcho } from "../../src/connection/keepAliveEcho";
import { ReliableEndpoint } from "../../src/reliability/reliableEndpoint";

/** Two ends exchanging keep-alives by hand: `a` sends at `sentAt`, `b` answers after `hold`. */
function exchange(
  a: KeepAliveEcho,
  b: KeepAliveEcho,
  seqA: number,
  seqB: number,
  sentAt: number,
  oneWay: number,
  hold: number,
) {
  const ping = a.write(0, 0, seqA, sentAt).slice();
  expect(b.receive(ping, seqA, sentAt + oneWay)).toBeUndefined(); // nothing of b's echoed yet
  const pong = b.write(1, 4, seqB, sentAt + oneWay + hold).slice();
  return a.receive(pong, seqB, sentAt + 2 * oneWay + hold);
}

describe("KeepAliveEcho", () => {
  it("gives now − sent − hold as the RTT sample, whatever the hold", () => {
    for (const hold of [0, 0.0167, 0.09, 3]) {
      const rtt = exchange(new KeepAliveEcho(), new KeepAliveEcho(), 7, 70_000, 50, 0.02, hold);
      expect(rtt).toBeCloseTo(0.04, 3); // hold is sent in 100 µs units
    }
  });

  it("writes no echo before a keep-alive arrived, after echoing once, or after a hold over 6.5 s", () => {
    const e = new KeepAliveEcho();
    const first = e.write(0, 0, 0, 1);
    expect(first.length).toBe(ConnectionWire.keepAliveEchoPayloadBytes);
    expect([first[6], first[7]]).toEqual([0xff, 0xff]);
    e.receive(new Uint8Array(8).fill(0xff), 3, 2);
    expect([...e.write(0, 0, 1, 2.001).subarray(4)]).toEqual([3, 0, 10, 0]);
    expect([...e.write(0, 0, 2, 2.002).subarray(6)]).toEqual([0xff, 0xff]);
    e.receive(new Uint8Array(4), 4, 3);
    expect([...e.write(0, 0, 3, 10).subarray(6)]).toEqual([0xff, 0xff]);
  });

  it("samples each keep-alive once and ignores echoes it cannot match or the 4-byte form", () => {
    const a = new KeepAliveEcho();
    a.write(0, 0, 5, 10);
    const echo = new Uint8Array([0, 0, 0, 0, 5, 0, 0, 0]);
    expect(a.receive(echo, 1, 10.03)).toBeCloseTo(0.03, 9);
    expect(a.receive(echo, 2, 10.04)).toBeUndefined(); // already sampled
    expect(a.receive(new Uint8Array([0, 0, 0, 0, 6, 0, 0, 0]), 3, 10.05)).toBeUndefined(); // never sent
    expect(a.receive(new Uint8Array(4), 4, 10.06)).toBeUndefined();
    a.write(0, 0, 6, 11);
    expect(a.receive(new Uint8Array([0, 0, 0, 0, 6, 0, 0xf0, 0xff]), 5, 11.01)).toBe(0); // lying hold: clamped
  });
});

describe("ReliableEndpoint.addRttSample", () => {
  it("feeds the RTT estimate and refuses nonsense", () => {
    const e = new ReliableEndpoint({ transmit: () => {} });
    e.addRttSample(0.05);
    expect(e.stats.rttSmoothed).toBeCloseTo(0.05, 9);
    expect(e.stats.rttBest).toBeCloseTo(0.05, 9);
    expect(() => e.addRttSample(-1)).toThrow(/addRttSample/);
    expect(() => e.addRttSample(Number.NaN)).toThrow(/addRttSample/);
  });
});
