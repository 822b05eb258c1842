/**
 * Corrections of refused upstream state (client authority), over the seeded lossy link (1 % loss,
 * 30 ms each way): a client whose upstream a speed-limit `validateUpstream` refuses is snapped
 * back to the server's values, at most one correction per entity per 100 ms while it keeps
 * cheating, and a refusal inside that interval is still corrected later; an accepted upstream
 * gets none; malformed correction bytes at the client are counted and change nothing.
 */
import { createRng } from "@canopy/core";
import {
  BitWriter,
  CorrectionWire,
  maxCorrectionBytes,
  writeCorrection,
  type ClientReplicationCounters,
} from "@canopy/net-plugin";
import { afterEach, describe, expect, it } from "vitest";
import { gameOf, maxError, POSITION_PRECISION, spawn } from "./game";
import {
  clientCounters,
  grant,
  moveOnOwner,
  netIdOf,
  open,
  positionError,
  setHook,
  slotOf,
  speedLimit,
} from "./clientAuthorityRig";

afterEach(() => {
  setHook(undefined);
});

/** Most per-axis step the speed limit accepts per upstream state. */
const MAX_STEP = 1;
/** Fixed ticks per second of the Stepper. */
const HZ = 60;

describe("corrections of refused upstream state", () => {
  it.each(["scan", "marked"] as const)(
    "a cheating owner is snapped back to the server's values, at most once per 100 ms; an accepted upstream gets none (%s)",
    async (changeDetection) => {
      const seed = changeDetection === "scan" ? 5301 : 5304;
      await using s = await open(seed, 2, { changeDetection });
      const [c0, c1] = [s.clients[0]!, s.clients[1]!];
      const gs = gameOf(s.server);
      const eid = spawn(gs, 1, -4.75); // where moveOnOwner(…, from = 1) starts
      await s.stepTicks(10);
      const local = await grant(s, eid, c0);
      setHook(speedLimit(gs.Position, MAX_STEP));
      const server = s.serverState.counters;
      const client = clientCounters(c0);

      // Moves within the limit are accepted: no correction, the owner is never overwritten.
      await moveOnOwner(s, c0, local, 30, 1);
      await s.stepTicks(10);
      expect(server.upstreamApplied, `seed ${seed}`).toBeGreaterThan(20);
      expect(server.upstreamRejected).toBe(0);
      expect(server.upstreamCorrections).toBe(0);
      expect(client.correctionsApplied).toBe(0);
      expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);

      // Teleports every tick for 2 s: refused, and snapped back each time a correction arrives.
      const x0 = gs.Position.x[eid]!;
      const y0 = gs.Position.y[eid]!;
      const g0 = gameOf(c0);
      const ticks = 2 * HZ;
      const correctionsBefore = server.upstreamCorrections;
      let snaps = 0;
      for (let t = 0; t < ticks; t++) {
        g0.Position.x[local] = x0 + 25 + t * 0.1;
        g0.Position.y[local] = y0 - 25;
        const applied = client.correctionsApplied;
        await s.stepTicks(1);
        if (client.correctionsApplied > applied) {
          snaps++;
          expect(positionError(s, c0, eid), `tick ${t}, seed ${seed}`).toBeLessThanOrEqual(
            POSITION_PRECISION,
          );
        }
      }
      const sent = server.upstreamCorrections - correctionsBefore;
      console.log(`corrections: ${sent} sent, ${snaps} snap-backs in ${ticks} cheating ticks (seed ${seed})`);
      // At most one per 100 ms over the 2 s (+1 for the window's start), and well above none.
      expect(sent, `seed ${seed}`).toBeLessThanOrEqual(
        Math.floor(ticks / HZ / CorrectionWire.minIntervalSeconds) + 1,
      );
      expect(sent, `seed ${seed}`).toBeGreaterThanOrEqual(10);
      expect(snaps, `seed ${seed}`).toBeGreaterThanOrEqual(8);
      expect(server.upstreamRejected).toBeGreaterThan(sent);
      expect([gs.Position.x[eid], gs.Position.y[eid]]).toEqual([x0, y0]);
      expect(maxError(s.server, c1), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);

      // It stops cheating: the last refusal is corrected too, then nothing loops.
      await s.stepTicks(30);
      expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
      const rest = { corrections: server.upstreamCorrections, rejected: server.upstreamRejected };
      const upstreamSent = client.upstreamSent;
      await s.stepTicks(60);
      expect(server.upstreamCorrections).toBe(rest.corrections);
      expect(server.upstreamRejected).toBe(rest.rejected);
      expect(client.upstreamSent).toBe(upstreamSent);
      expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
      expect(client.correctionsInvalid + client.correctionsIgnored).toBe(0);
    },
  );

  it("a refusal inside the interval is owed and corrected once it is over", async () => {
    const seed = 5302;
    await using s = await open(seed, 1);
    const c0 = s.clients[0]!;
    const gs = gameOf(s.server);
    const eid = spawn(gs, 1, 1);
    await s.stepTicks(10);
    const local = await grant(s, eid, c0);
    setHook(speedLimit(gs.Position, MAX_STEP));
    const server = s.serverState.counters;
    const client = clientCounters(c0);
    const g0 = gameOf(c0);
    const up = () => s.serverState.clients[slotOf(c0)]!.upstream!;
    // One teleport: corrected at once.
    g0.Position.x[local] = 40;
    expect(await s.stepUntil(() => client.correctionsApplied === 1, 60), `seed ${seed}`).toBe(true);
    expect(positionError(s, c0, eid)).toBeLessThanOrEqual(POSITION_PRECISION);
    // Right after the snap-back, one more (then it stays there): refused within 100 ms of the
    // first correction, so owed, and sent when the interval is over.
    g0.Position.x[local] = -40;
    let owed = 0;
    const done = await s.stepUntil(() => {
      owed = Math.max(owed, up().owedCount);
      return client.correctionsApplied === 2;
    }, 60);
    expect(done, `seed ${seed}`).toBe(true);
    expect(owed, `seed ${seed}`).toBe(1);
    expect(server.upstreamCorrections).toBe(2);
    expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    await s.stepTicks(30);
    expect(server.upstreamCorrections).toBe(2);
    expect(up().owedCount).toBe(0);
    expect(gs.Position.x[eid]).toBe(1);
  });

  it("malformed correction bytes at the client are counted and dropped; nothing else changes", async () => {
    const seed = 5303;
    await using s = await open(seed, 1);
    const c0 = s.clients[0]!;
    const gs = gameOf(s.server);
    const eid = spawn(gs, 1, 1);
    const others = [spawn(gs, 7, 7), spawn(gs, -7, 3)];
    await s.stepTicks(10);
    const local = await grant(s, eid, c0);
    // Every upstream state is refused: whatever a garbage correction writes is corrected back.
    setHook(() => false);
    const registry = gameOf(c0).registry;
    const capacity = s.clientState(0).capacity;
    const field = registry.fieldOf(gameOf(c0).Position)!;
    const stride = registry.stride;
    const writer = new BitWriter(maxCorrectionBytes(registry));
    const correctionOf = (netId: number, x: number, y: number): Uint8Array => {
      const row = new Int32Array(stride);
      field.template.quantize({ x, y }, row, field.offset);
      const n = writeCorrection(writer, registry, netId, 0, 1 << field.index, row, 0);
      return writer.bytes.slice(0, n);
    };
    const mine = netIdOf(s, eid);
    const real = correctionOf(mine, 1, 1);
    const rng = createRng(seed);
    const bad: Uint8Array[] = [];
    let wellFormed = 0;
    for (let n = 0; n < 300; n++) {
      const pick = n % 3;
      if (pick === 0) {
        const m = new Uint8Array(rng.int(1, 40));
        for (let i = 1; i < m.length; i++) m[i] = rng.int(0, 255);
        bad.push(m);
      } else if (pick === 1) {
        const m = real.slice();
        const flips = rng.int(1, 4);
        // Not the tick (bytes 3..6): a forged far-future tick would make the server's real
        // corrections look stale (the server's own ticks only grow).
        for (let f = 0; f < flips; f++) {
          const at = rng.int(1, m.length - 5);
          m[at < 3 ? at : at + 4]! ^= 1 << rng.int(0, 7);
        }
        bad.push(rng.chance(0.3) ? m.subarray(0, rng.int(1, m.length - 1)) : m);
      } else {
        // Well-formed, but for an entity this client is not the authority for, or none at all.
        wellFormed++;
        const id = rng.chance(0.5) ? netIdOf(s, others[rng.int(0, 1)]!) : rng.int(64, capacity - 1);
        bad.push(correctionOf(id, 500, -500));
      }
      bad[bad.length - 1]![0] = CorrectionWire.kind;
    }
    const counters = clientCounters(c0);
    const before: ClientReplicationCounters = { ...counters };
    const serverCorrections = s.serverState.counters.upstreamCorrections;
    const net = s.serverState.server;
    const channel = 1; // the default correction channel (reliable-unordered)
    for (let i = 0; i < bad.length; i += 10) {
      for (const m of bad.slice(i, i + 10)) {
        expect(net.canSend(slotOf(c0), channel, m.length)).toBe(true);
        net.send(slotOf(c0), channel, m);
      }
      await s.stepTicks(1);
    }
    await s.stepTicks(60);
    const invalid = counters.correctionsInvalid - before.correctionsInvalid;
    const ignored = counters.correctionsIgnored - before.correctionsIgnored;
    const applied = counters.correctionsApplied - before.correctionsApplied;
    console.log(
      `fuzzed corrections: ${invalid} invalid, ${ignored} ignored, ${applied} applied (seed ${seed})`,
    );
    // Every message is accounted for, with the server's own corrections of what garbage applied.
    const fromServer = s.serverState.counters.upstreamCorrections - serverCorrections;
    const stale = counters.correctionsStale - before.correctionsStale;
    expect(invalid + ignored + applied + stale).toBe(300 + fromServer);
    expect(fromServer).toBeLessThanOrEqual(applied);
    expect(invalid, `seed ${seed}`).toBeGreaterThan(150);
    expect(ignored, `seed ${seed}`).toBeGreaterThanOrEqual(wellFormed);
    expect(counters.correctionsDropped).toBe(0);
    // The server's world, the other entities on the client, and (refused and corrected back) the owned one.
    expect([gs.Position.x[eid], ...others.map((e) => gs.Position.x[e])]).toEqual([1, 7, -7]);
    expect(
      maxError(s.server, c0, (e) => e !== eid),
      `seed ${seed}`,
    ).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(gameOf(c0).Position.x[local]).toBeCloseTo(1, 1);
    expect(s.clientState(0).client.state).toBe("connected");
  });
});
