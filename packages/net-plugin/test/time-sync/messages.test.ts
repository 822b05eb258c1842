import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { TimeSyncWire } from "../../src/time-sync/constants";
import {
  decodePing,
  decodePong,
  encodePing,
  encodePong,
  type Ping,
  type Pong,
} from "../../src/time-sync/messages";
import { TimeSyncClient, TimeSyncReceive } from "../../src/time-sync/timeSyncClient";
import { TimeSyncServer } from "../../src/time-sync/timeSyncServer";

const ping = (): Ping => ({ id: 0, t0: 0, downAverage: 0, downBest: 0, downWorst: 0, upAverage: 0 });
const pong = (): Pong => ({ id: 0, t0: 0, t1: 0, t2: 0, tick: 0, tickRate: 0 });

describe("time-sync messages", () => {
  it("round-trip ping and pong", () => {
    const p = {
      id: 65535,
      t0: 1234.5678,
      downAverage: 0.03125,
      downBest: 0.015625,
      downWorst: 0.0625,
      upAverage: 0.5,
    };
    const outP = ping();
    expect(decodePing(encodePing(p), outP)).toBe(true);
    expect(outP).toEqual(p);
    const q = { id: 7, t0: 1, t1: 2.5, t2: 2.75, tick: 1234.25, tickRate: 60 };
    const outQ = pong();
    expect(decodePong(encodePong(q), outQ)).toBe(true);
    expect(outQ).toEqual(q);
    expect(encodePing(p).length).toBe(TimeSyncWire.pingBytes);
    expect(encodePong(q).length).toBe(TimeSyncWire.pongBytes);
  });

  it("rejects truncated, NaN, backwards and out-of-range values without throwing", () => {
    const good = encodePong({ id: 1, t0: 1, t1: 2, t2: 2, tick: 5, tickRate: 60 });
    const out = pong();
    expect(decodePong(good.subarray(0, good.length - 1), out)).toBe(false);
    const nan = good.slice();
    new DataView(nan.buffer).setFloat64(11, NaN, true);
    expect(decodePong(nan, out)).toBe(false);
    const backwards = encodePong({ id: 1, t0: 1, t1: 3, t2: 2, tick: 5, tickRate: 60 });
    expect(decodePong(backwards, out)).toBe(false);
    const rate = encodePong({ id: 1, t0: 1, t1: 2, t2: 2, tick: 5, tickRate: 0 });
    expect(decodePong(rate, out)).toBe(false);
    const latency = encodePing({ id: 1, t0: 1, downAverage: 1000, downBest: 0, downWorst: 0, upAverage: 0 });
    expect(decodePing(latency, ping())).toBe(false);
  });

  it("client counts malformed and stale pongs; server counts malformed pings; random bytes never throw", () => {
    const client = new TimeSyncClient();
    const server = new TimeSyncServer(60);
    const sent = client.writePing(10);
    expect(sent).toBeDefined();
    // A pong for a ping never sent (wrong t0) is stale.
    const forged = encodePong({ id: 0, t0: 9, t1: 3, t2: 3, tick: 1, tickRate: 60 });
    expect(client.receive(forged, 10.1)).toBe(TimeSyncReceive.stale);
    expect(client.counters.pongsStale).toBe(1);
    const real = server.answer(0, sent ?? new Uint8Array(), 3);
    expect(real).toBeDefined();
    expect(client.receive(real ?? new Uint8Array(), 10.1)).toBe(TimeSyncReceive.accepted);
    // The same pong again (a replay) is stale: each ping is answered once.
    expect(client.receive(real ?? new Uint8Array(), 10.2)).toBe(TimeSyncReceive.stale);
    expect(client.receive(new Uint8Array([TimeSyncWire.pongKind, 1, 2]), 10.2)).toBe(TimeSyncReceive.invalid);
    expect(client.receive(new Uint8Array([0x12, 1, 2]), 10.2)).toBe(TimeSyncReceive.notMine);
    expect(client.counters.pongsInvalid).toBe(1);
    expect(server.answer(0, new Uint8Array([TimeSyncWire.pingKind, 0]), 3)).toBeUndefined();
    expect(server.counters.pingsInvalid).toBe(1);

    const rng = createRng(99);
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(1 + Math.floor(rng.next() * 50));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rng.next() * 256);
      bytes[0] = rng.next() < 0.5 ? TimeSyncWire.pingKind : TimeSyncWire.pongKind;
      if (i % 3 === 0) bytes[0] = TimeSyncWire.pongKind;
      expect(() => client.receive(bytes, 11)).not.toThrow();
      expect(() => server.answer(1, bytes, 4)).not.toThrow();
    }
    expect(Number.isFinite(client.clockOffset)).toBe(true);
    expect(client.counters.pongsReceived).toBe(1);
  });

  it("rejects bad options with a message naming the option", () => {
    expect(() => new TimeSyncClient({ bestFraction: 0 })).toThrow(/bestFraction/);
    expect(() => new TimeSyncClient({ windowSize: 2, minSamples: 8 })).toThrow(/windowSize/);
    expect(() => new TimeSyncServer(0)).toThrow(/tickRate/);
  });
});
