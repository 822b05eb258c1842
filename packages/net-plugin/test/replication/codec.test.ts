import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { BitWriter } from "../../src/protocol/bitWriter";
import {
  BaselineRing,
  DecodeStatus,
  PriorityAccumulator,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
} from "../../src/replication/index";
import { CAPACITY, makeLink, makeRegistry, RandomWorld } from "./codecFixture";

describe("snapshot codec", () => {
  it.each([1, 2, 3, 4])(
    "round-trips a random world with spawns and despawns, acks 6 ticks old (seed %i)",
    (seed) => {
      const link = makeLink(seed);
      const { world, decoder, serverRing, clientRing, writer, encodeNext } = link;
      const ackDelay = 6;
      for (let tick = 0; tick < 120; tick++) {
        world.step();
        const sequence = tick & 0xffff;
        if (tick - ackDelay >= 0) serverRing.markAcked((tick - ackDelay) & 0xffff);
        encodeNext(tick, {}, sequence);
        expect(writer.overflowed).toBe(false);
        const status = decoder.decode(writer.finish(), clientRing);
        expect(status, `seed ${seed} tick ${tick}`).toBe(DecodeStatus.Ok);
        const decoded = clientRing.get(sequence);
        expect(decoded).toBeDefined();
        // The client holds exactly the server's quantized state (no budget: nothing deferred).
        expect(decoded?.equals(world.state), `seed ${seed} tick ${tick}`).toBe(true);
        expect(decoded?.equals(serverRing.get(sequence) as SnapshotState)).toBe(true);
      }
      expect(decoder.counters.snapshotsInvalid).toBe(0);
    },
  );

  it("decodes against an old baseline when newer snapshots were lost, reconstructing the quantized state exactly", () => {
    const { world, decoder, serverRing, clientRing, writer, encodeNext } = makeLink(7);
    const rng = createRng(77);
    let lastAckedOnServer = -1;
    for (let tick = 0; tick < 200; tick++) {
      world.step();
      encodeNext(tick);
      // 30 % loss: lost snapshots are never resent; later ones use older acked baselines.
      if (rng.chance(0.3)) continue;
      const status = decoder.decode(writer.finish().slice(), clientRing);
      expect(status).toBe(DecodeStatus.Ok);
      expect(clientRing.get(tick)?.equals(world.state)).toBe(true);
      // Acks arrive 3..10 ticks later: emulate by acking an older received one.
      const ackTick = tick - rng.int(3, 10);
      if (ackTick > lastAckedOnServer && clientRing.get(ackTick) !== undefined) {
        serverRing.markAcked(ackTick);
        lastAckedOnServer = ackTick;
      }
    }
    expect(decoder.counters.snapshotsMissingBaseline).toBe(0);
  });

  it("at-rest entities cost nothing: an unchanged world encodes to a few bytes", () => {
    const { world, encoder, decoder, serverRing, clientRing, writer } = makeLink(3);
    encoder.encode(writer, {
      sequence: 0,
      tick: 0,
      current: world.state,
      baseline: undefined,
      out: serverRing.acquire(0),
    });
    const full = writer.bytesWritten;
    expect(decoder.decode(writer.finish(), clientRing)).toBe(DecodeStatus.Ok);
    serverRing.markAcked(0);
    writer.reset();
    const r = encoder.encode(writer, {
      sequence: 1,
      tick: 1,
      current: world.state,
      baseline: serverRing.newestAckedState(),
      out: serverRing.acquire(1),
    });
    expect(r.updates + r.spawns + r.despawns).toBe(0);
    expect(writer.bytesWritten).toBeLessThanOrEqual(6);
    expect(full).toBeGreaterThan(500);
    expect(decoder.decode(writer.finish(), clientRing)).toBe(DecodeStatus.Ok);
    expect(clientRing.get(1)?.equals(world.state)).toBe(true);
  });

  it.each([false, true])(
    "holds the byte budget exactly (prediction: %s); deferred entities wait and catch up",
    (predict) => {
      const { world, encoder, decoder, serverRing, clientRing, writer, encodeNext } = makeLink(5);
      const priority = new Float32Array(CAPACITY);
      for (let id = 0; id < CAPACITY; id++) priority[id] = id % 7;
      const budgetBytes = 300;
      let deferredSeen = 0;
      for (let tick = 0; tick < 60; tick++) {
        world.step();
        if (tick > 0) serverRing.markAcked(tick - 1);
        writer.reset();
        const out = serverRing.acquire(tick);
        const baseline = serverRing.newestAckedState();
        const r = encoder.encode(writer, {
          sequence: tick,
          tick,
          current: world.state,
          baseline,
          reference: predict && baseline ? serverRing.referenceFor(baseline, tick) : undefined,
          out,
          priority,
          budgetBytes,
        });
        expect(writer.bytesWritten).toBeLessThanOrEqual(budgetBytes);
        // Under budget pressure the snapshot fills it: the exact measure leaves little unused.
        if (r.deferred > 0) expect(writer.bitsWritten).toBeGreaterThan(budgetBytes * 8 * 0.8);
        deferredSeen += r.deferred;
        expect(r.spawns + r.updates).toBe(encoder.writtenCount);
        expect(decoder.decode(writer.finish(), clientRing)).toBe(DecodeStatus.Ok);
        expect(clientRing.get(tick)?.equals(out)).toBe(true);
      }
      expect(deferredSeen).toBeGreaterThan(0);
      // Once the world stops changing, the deferred entities catch up.
      for (let tick = 60; tick < 200; tick++) {
        serverRing.markAcked(tick - 1);
        encodeNext(tick, { priority, budgetBytes });
        expect(decoder.decode(writer.finish(), clientRing)).toBe(DecodeStatus.Ok);
      }
      expect(clientRing.get(199)?.equals(world.state)).toBe(true);
    },
  );

  it("sends the highest priorities first when the budget is short", () => {
    const { world, encoder, serverRing, writer } = makeLink(9);
    const priority = new Float32Array(CAPACITY);
    for (let id = 0; id < CAPACITY; id++) priority[id] = id; // higher ids first
    writer.reset();
    const r = encoder.encode(writer, {
      sequence: 0,
      tick: 0,
      current: world.state,
      baseline: undefined,
      out: serverRing.acquire(0),
      priority,
      budgetBytes: 200,
    });
    expect(r.deferred).toBeGreaterThan(0);
    const written = Array.from(encoder.written.subarray(0, encoder.writtenCount));
    const present = Array.from({ length: CAPACITY }, (_, id) => id).filter(
      (id) => world.state.present[id] === 1,
    );
    const expected = present.slice(-written.length);
    // Greedy by priority: the written set is (nearly) the top of the priority order.
    const top = new Set(expected);
    expect(written.filter((id) => top.has(id)).length).toBeGreaterThanOrEqual(written.length - 2);
  });

  it("never throws on truncated or mutated snapshots and counts them; stored states are untouched", () => {
    const { registry, world, encoder, decoder, serverRing, clientRing, writer } = makeLink(11);
    const rng = createRng(1234);
    const good: Uint8Array[] = [];
    for (let tick = 0; tick < 20; tick++) {
      world.step();
      if (tick >= 2) serverRing.markAcked(tick - 2);
      writer.reset();
      const baseline = serverRing.newestAckedState();
      encoder.encode(writer, {
        sequence: tick,
        tick,
        current: world.state,
        baseline,
        // Every other snapshot also names a prediction reference.
        reference: baseline && tick % 2 === 1 ? serverRing.referenceFor(baseline, tick) : undefined,
        out: serverRing.acquire(tick),
      });
      good.push(writer.finish().slice());
      // The client holds every baseline, so mutated deltas are decoded deep, not refused early.
      expect(decoder.decode(good[tick] as Uint8Array, clientRing)).toBe(DecodeStatus.Ok);
    }
    const fuzzRing = new BaselineRing(makeRegistry(), CAPACITY);
    const probe = new SnapshotState(registry, CAPACITY);
    probe.copyFrom(clientRing.get(10) as SnapshotState);
    let failures = 0;
    for (let i = 0; i < 3000; i++) {
      const src = good[rng.int(0, good.length - 1)] as Uint8Array;
      let bytes: Uint8Array;
      const mode = rng.int(0, 2);
      if (mode === 0) bytes = src.subarray(0, rng.int(0, src.length - 1));
      else if (mode === 1) {
        bytes = src.slice();
        for (let m = rng.int(1, 4); m > 0; m--) {
          const at = rng.int(0, bytes.length - 1);
          bytes[at] = (bytes[at] as number) ^ (1 << rng.int(0, 7));
        }
      } else bytes = Uint8Array.from({ length: rng.int(0, 64) }, () => rng.int(0, 255));
      const d = new SnapshotDecoder(decoder.registry, CAPACITY);
      let status: DecodeStatus = DecodeStatus.Ok;
      expect(() => {
        status = d.decode(bytes, i % 4 === 0 ? fuzzRing : clientRing);
      }).not.toThrow();
      const held = clientRing.get(10);
      if (status !== DecodeStatus.Ok && status !== DecodeStatus.Stale) {
        failures++;
        if (held !== undefined) expect(held.equals(probe)).toBe(true);
      } else if (held !== undefined) probe.copyFrom(held);
    }
    expect(failures).toBeGreaterThan(1000);
    // Every truncation of a real snapshot is rejected and counted.
    const d = new SnapshotDecoder(decoder.registry, CAPACITY);
    const ring = new BaselineRing(makeRegistry(), CAPACITY);
    const first = good[0] as Uint8Array;
    for (let n = 0; n < first.length - 1; n++) {
      expect(d.decode(first.subarray(0, n), ring)).not.toBe(DecodeStatus.Ok);
    }
    expect(d.counters.snapshotsInvalid).toBe(first.length - 1);
    expect(d.decode(first, ring)).toBe(DecodeStatus.Ok);
  });

  it("reports a missing baseline, duplicates and stale snapshots with their own counters", () => {
    const { world, encoder, decoder, serverRing, clientRing, writer } = makeLink(13);
    const packets: Uint8Array[] = [];
    for (let tick = 0; tick < 4; tick++) {
      world.step();
      if (tick === 2) serverRing.markAcked(1);
      writer.reset();
      encoder.encode(writer, {
        sequence: tick,
        tick,
        current: world.state,
        baseline: serverRing.newestAckedState(),
        out: serverRing.acquire(tick),
      });
      packets.push(writer.finish().slice());
    }
    // Snapshot 2 names baseline 1, which the client never received.
    expect(decoder.decode(packets[0] as Uint8Array, clientRing)).toBe(DecodeStatus.Ok);
    expect(decoder.decode(packets[2] as Uint8Array, clientRing)).toBe(DecodeStatus.MissingBaseline);
    expect(decoder.counters.snapshotsMissingBaseline).toBe(1);
    expect(decoder.decode(packets[1] as Uint8Array, clientRing)).toBe(DecodeStatus.Ok);
    expect(decoder.decode(packets[1] as Uint8Array, clientRing)).toBe(DecodeStatus.TooOld);
    expect(decoder.decode(packets[3] as Uint8Array, clientRing)).toBe(DecodeStatus.Ok);
    expect(decoder.decode(packets[2] as Uint8Array, clientRing)).toBe(DecodeStatus.Stale);
    expect(decoder.counters).toMatchObject({ snapshotsDropped: 1, snapshotsStale: 1, snapshotsDecoded: 4 });
    expect(clientRing.get(2)?.equals(serverRing.get(2) as SnapshotState)).toBe(true);
  });

  it("keeps working across the 65535 → 0 sequence wrap, with acks arriving late", () => {
    const { world, encoder, decoder, serverRing, clientRing, writer } = makeLink(17);
    const start = 65500;
    for (let i = 0; i < 100; i++) {
      world.step();
      const sequence = (start + i) & 0xffff;
      if (i >= 6) serverRing.markAcked((start + i - 6) & 0xffff);
      writer.reset();
      const out = serverRing.acquire(sequence);
      const baseline = serverRing.newestAckedState();
      if (i >= 6) expect(baseline?.sequence).toBe((start + i - 6) & 0xffff);
      encoder.encode(writer, { sequence, tick: start + i, current: world.state, baseline, out });
      expect(decoder.decode(writer.finish(), clientRing)).toBe(DecodeStatus.Ok);
      expect(clientRing.get(sequence)?.equals(world.state)).toBe(true);
    }
    expect(decoder.newestSequence).toBe((start + 99) & 0xffff);
  });

  it("priority accumulators rotate a tight budget over every waiting entity", () => {
    const { world, registry, encoder, decoder, serverRing, clientRing, writer, encodeNext } = makeLink(21);
    const priorities = new PriorityAccumulator(registry, CAPACITY);
    // Nothing acked at first: a join larger than the budget streams in over several snapshots.
    const ack = 2;
    let tick = 0;
    for (; tick < 200; tick++) {
      if (tick >= ack) serverRing.markAcked(tick - ack);
      priorities.accumulate(world.state, 1 / 60);
      encodeNext(tick, { priority: priorities.priority, budgetBytes: 250 });
      priorities.resetWritten(encoder.written, encoder.writtenCount);
      expect(writer.bytesWritten).toBeLessThanOrEqual(250);
      expect(decoder.decode(writer.finish(), clientRing)).toBe(DecodeStatus.Ok);
      if (clientRing.get(tick)?.equals(world.state)) break;
    }
    // The whole (static) world arrived well before the loop limit, in budget-sized pieces.
    expect(tick).toBeGreaterThan(3);
    expect(tick).toBeLessThan(60);
  });

  it("interest: entities leaving a client's relevant set are despawned for it, and respawned in full when they return", () => {
    const { world, decoder, serverRing, clientRing, writer, encodeNext } = makeLink(23, 0);
    const relevant = new Uint8Array(CAPACITY).fill(1);
    const hidden = [3, 4, 40, 41, 42];
    for (let tick = 0; tick < 40; tick++) {
      world.step();
      for (const id of hidden) relevant[id] = tick >= 10 && tick < 25 ? 0 : 1;
      if (tick >= 3) serverRing.markAcked(tick - 3);
      encodeNext(tick, { relevant });
      expect(decoder.decode(writer.finish(), clientRing)).toBe(DecodeStatus.Ok);
      const held = clientRing.get(tick) as SnapshotState;
      for (const id of hidden) {
        if (world.state.present[id] !== 1) continue;
        expect(held.present[id]).toBe(relevant[id]);
      }
      if (tick === 39) expect(held.equals(world.state)).toBe(true);
    }
  });

  it.each([31, 32])(
    "with velocity prediction from an older acked reference, decodes exactly under loss and late acks (seed %i)",
    (seed) => {
      const { world, encoder, decoder, serverRing, clientRing, writer } = makeLink(seed);
      const rng = createRng(seed * 7);
      let predicted = 0;
      for (let tick = 0; tick < 200; tick++) {
        world.step();
        writer.reset();
        const out = serverRing.acquire(tick);
        const baseline = serverRing.newestAckedState();
        const reference = baseline === undefined ? undefined : serverRing.referenceFor(baseline, tick);
        if (reference !== undefined) predicted++;
        encoder.encode(writer, { sequence: tick, tick, current: world.state, baseline, reference, out });
        if (rng.chance(0.2)) continue;
        expect(decoder.decode(writer.finish().slice(), clientRing)).toBe(DecodeStatus.Ok);
        expect(clientRing.get(tick)?.equals(world.state)).toBe(true);
        const ackTick = tick - rng.int(2, 8);
        if (clientRing.get(ackTick) !== undefined) serverRing.markAcked(ackTick);
      }
      expect(predicted).toBeGreaterThan(150);
      expect(decoder.counters.snapshotsInvalid).toBe(0);
    },
  );

  it("prediction shrinks smooth motion: constant velocities cost far fewer bits", () => {
    const registry = makeRegistry();
    const world = new RandomWorld(registry, 41, 0);
    const stride = world.state.stride;
    const pos = (registry.fields[0] as { offset: number }).offset;
    const run = (usePrediction: boolean) => {
      const encoder = new SnapshotEncoder(registry, CAPACITY);
      const ring = new BaselineRing(registry, CAPACITY);
      const state = new SnapshotState(registry, CAPACITY);
      state.copyFrom(world.state);
      const writer = new BitWriter(64 * 1024);
      let bits = 0;
      for (let tick = 0; tick < 60; tick++) {
        for (let id = 0; id < CAPACITY; id++) {
          if (state.present[id] !== 1 || ((state.mask[id] as number) & 1) === 0) continue;
          const o = id * stride + pos;
          state.values[o] = Math.min(19999, (state.values[o] as number) + (id % 5) + 3); // steady drift
        }
        if (tick >= 6) ring.markAcked(tick - 6);
        const baseline = ring.newestAckedState();
        const reference = usePrediction && baseline ? ring.referenceFor(baseline, tick) : undefined;
        writer.reset();
        const r = encoder.encode(writer, {
          sequence: tick,
          tick,
          current: state,
          baseline,
          reference,
          out: ring.acquire(tick),
        });
        if (tick >= 20) bits += r.bits;
      }
      return bits;
    };
    const plain = run(false);
    const predicted = run(true);
    expect(predicted).toBeLessThan(plain * 0.8);
  });
});
