import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { TimeSyncWire } from "../../src/time-sync/constants";
import { decodePing, decodePong, encodePing, type Ping, type Pong } from "../../src/time-sync/messages";
import { TimeSyncServer } from "../../src/time-sync/timeSyncServer";

const ping = (): Ping => ({ id: 0, t0: 0, downAverage: 0, downBest: 0, downWorst: 0, upAverage: 0 });
const pong = (): Pong => ({ id: 0, t0: 0, t1: 0, t2: 0, tick: 0, tickRate: 0 });

/** Interesting latency values: the "not measured" marker, the bounds, just past them, non-finite. */
const LATENCIES = [-1, -0, 0, 1e-9, 0.05, 59.999, 60, 60.001, 61, -0.5, -2, Infinity, -Infinity, NaN, 1e30];
const TIMES = [0, 1234.5, -5, 1e300, Infinity, -Infinity, NaN];

describe("TimeSyncServer.answerAt (byte-level checks)", () => {
  it("accepts exactly the pings decodePing accepts, and echoes id and t0 with the frame's times and tick", () => {
    const seed = 424242;
    const rng = createRng(seed);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(rng.next() * values.length)] as T;
    const server = new TimeSyncServer(60);
    server.setTickReference(100, 10);
    const out = ping();
    for (let i = 0; i < 2000; i++) {
      const p: Ping = {
        id: Math.floor(rng.next() * 65536),
        t0: pick(TIMES),
        downAverage: pick(LATENCIES),
        downBest: pick(LATENCIES),
        downWorst: pick(LATENCIES),
        upAverage: pick(LATENCIES),
      };
      const bytes = encodePing(p);
      const expected = decodePing(bytes, out);
      const answered = server.answer(3, bytes, 10.5);
      expect(answered !== undefined, `seed ${seed}, case ${i}: ${JSON.stringify(p)}`).toBe(expected);
      if (answered === undefined) continue;
      const q = pong();
      expect(decodePong(answered, q)).toBe(true);
      expect(q.id).toBe(p.id);
      expect(Object.is(q.t0, out.t0)).toBe(true);
      expect([q.t1, q.t2, q.tick, q.tickRate]).toEqual([10.5, 10.5, 130, 60]);
    }
  });

  it("keeps the last measured latency report per peer and ignores a later −1 report", () => {
    const server = new TimeSyncServer(30);
    const report = { id: 1, t0: 1, downAverage: 0.04, downBest: 0.03, downWorst: 0.05, upAverage: 0.02 };
    expect(server.answer(2, encodePing(report), 2)).toBeDefined();
    expect(
      server.answer(
        2,
        encodePing({ ...report, downAverage: -1, downBest: -1, downWorst: -1, upAverage: -1 }),
        3,
      ),
    ).toBeDefined();
    const s = server.peerStats(2);
    expect(s?.pings).toBe(2);
    expect(s?.measured).toBe(true);
    expect(s?.averageLatency).toBeCloseTo(0.04, 6);
    expect(s?.averageReverseLatency).toBeCloseTo(0.02, 6);
    expect(server.averageLatency).toBeCloseTo(0.04, 6);
    expect(server.peerStats(1)).toBeUndefined();
    // A tick reference after the first answer changes the next pong's tick (the template is redone).
    server.setTickReference(500, 3);
    const q = pong();
    expect(decodePong(server.answer(2, encodePing(report), 3) ?? new Uint8Array(0), q)).toBe(true);
    expect(q.tick).toBe(500);
    expect(server.answer(2, new Uint8Array([TimeSyncWire.pongKind, 0]), 3)).toBeUndefined();
    expect(server.counters.pingsInvalid).toBe(1);
  });
});
