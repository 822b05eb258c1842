/**
 * Client authority through the NetPlugin over a lossy link: the owning client's replicated fields
 * go up as ordinary snapshots (sendOwnedState), the server applies them (receiveOwnedState) and
 * replicates them to everybody else; the owner's values are never overwritten while it has
 * authority; only the upstream fields go up, within the budget; losses and decode failures
 * recover; revoking authority hands the entity back. Abuse: clientAuthorityAbuse.test.ts.
 */
import { createRng } from "@canopy/core";
import { ClientReplication, hasAuthority, setOwner } from "@canopy/net-plugin";
import { afterEach, describe, expect, it } from "vitest";
import { connectedStepper, gameOf, maxError, POSITION_PRECISION, spawn } from "./game";
import { grant, moveOnOwner, open, positionError, setHook, setupWith, slotOf } from "./clientAuthorityRig";

afterEach(() => {
  setHook(undefined);
});

describe("client authority", () => {
  it("the owner's moves reach the server and the other clients; its own copy is never overwritten", async () => {
    const seed = 5101;
    await using s = await open(seed);
    const [c0, c1] = [s.clients[0]!, s.clients[1]!];
    const gs = gameOf(s.server);
    const eid = spawn(gs, 1, 1);
    const other = spawn(gs, 20, 20);
    await s.stepTicks(10);
    const local = await grant(s, eid, c0);
    await moveOnOwner(s, c0, local, 90, 10);
    await s.stepTicks(20); // the last move crosses the 30 ms links both ways
    expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION / 2 + 1e-4);
    expect(maxError(s.server, c1), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(gs.Position.x[eid]).toBeCloseTo(10 + 89 * 0.37, 1);
    expect(gs.Position.x[other]).toBe(20);
    const counters = s.serverState.counters;
    const st = c0.getResource(ClientReplication);
    expect(counters.upstreamApplied).toBeGreaterThan(60);
    expect(counters.upstreamRejected).toBe(0);
    expect(counters.upstreamInvalid).toBe(0);
    expect(st.counters.upstreamAcked).toBeGreaterThan(60);
    // At rest nothing goes up; moving, one Vec2 position per upstream snapshot.
    const sent = st.counters.upstreamSent;
    await s.stepTicks(20);
    expect(st.counters.upstreamSent).toBe(sent);
    console.log(
      `upstream: ${(st.counters.upstreamBytesSent / st.counters.upstreamSent).toFixed(1)} bytes per snapshot ` +
        `(one moving Vec2 position, ${st.counters.upstreamSent} snapshots, seed ${seed})`,
    );
    // A client without authority sends nothing.
    expect(c1.getResource(ClientReplication).counters.upstreamSent).toBe(0);
  });

  it("works over real UDP sockets on 127.0.0.1", async () => {
    const seed = 5109;
    await using s = await connectedStepper(seed, { clients: 2, transport: "udp", setup: setupWith({}) });
    const [c0, c1] = [s.clients[0]!, s.clients[1]!];
    const gs = gameOf(s.server);
    const eid = spawn(gs, 1, 1);
    await s.stepTicks(10);
    const local = await grant(s, eid, c0);
    await moveOnOwner(s, c0, local, 30, 10);
    await s.stepTicks(20);
    expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(maxError(s.server, c1), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(gs.Position.x[eid]).toBeCloseTo(10 + 29 * 0.37, 1);
  });

  it("works with marked change detection (setOwner and applied upstream state are captured)", async () => {
    const seed = 5107;
    await using s = await open(seed, 2, { changeDetection: "marked" });
    const [c0, c1] = [s.clients[0]!, s.clients[1]!];
    const gs = gameOf(s.server);
    const eid = spawn(gs, 1, 1);
    await s.stepTicks(10);
    const local = await grant(s, eid, c0);
    await moveOnOwner(s, c0, local, 40, 10);
    await s.stepTicks(20);
    expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(maxError(s.server, c1), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(gs.Position.x[eid]).toBeCloseTo(10 + 39 * 0.37, 1);
  });

  it("sends only the upstreamFields, within upstreamBytesPerSecond", async () => {
    const seed = 5108;
    const rate = 1200; // bytes/s: 20 per tick at 60 Hz, less than 12 moving entities need
    await using s = await open(seed, 2, {}, { upstreamFields: ["position"], upstreamBytesPerSecond: rate });
    const [c0, c1] = [s.clients[0]!, s.clients[1]!];
    const gs = gameOf(s.server);
    const g0 = gameOf(c0);
    const eids = Array.from({ length: 12 }, (_, i) => spawn(gs, i, i));
    await s.stepTicks(10);
    const locals: number[] = [];
    for (const eid of eids) locals.push(await grant(s, eid, c0));
    const st = c0.getResource(ClientReplication);
    const bytes = st.counters.upstreamBytesSent;
    const ticks = 120;
    const rng = createRng(seed);
    for (let t = 0; t < ticks; t++) {
      locals.forEach((l, i) => {
        g0.Position.x[l] = i + rng.range(-50, 50); // unpredictable: ~4 bytes per entity and tick
        g0.Health[l] = 5; // not an upstream field: never sent
      });
      await s.stepTicks(1);
    }
    const burst = 1200; // one full message (MAX_UNRELIABLE_MESSAGE_BYTES is below this)
    expect(st.counters.upstreamBytesSent - bytes, `seed ${seed}`).toBeLessThanOrEqual(
      (rate * ticks) / 60 + burst,
    );
    expect(s.serverState.counters.upstreamApplied).toBeGreaterThan(0);
    await s.stepTicks(90); // at rest, the deferred entities catch up within the budget
    for (const eid of eids) {
      expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
      expect(gs.Health[eid]).toBe(100);
    }
    expect(maxError(s.server, c1), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
  });

  it("revoking authority: the client stops sending at once and the server's values win again", async () => {
    const seed = 5104;
    await using s = await open(seed);
    const c0 = s.clients[0]!;
    const gs = gameOf(s.server);
    const g0 = gameOf(c0);
    const eid = spawn(gs, 1, 1);
    await s.stepTicks(10);
    const local = await grant(s, eid, c0);
    await moveOnOwner(s, c0, local, 30, 0);
    setOwner(s.server.world, eid, slotOf(c0)); // still c0's, now server authority
    // The owner keeps moving until it learns; the step that tells it writes the server's values.
    let t = 0;
    while (hasAuthority(c0.world, local)) {
      expect(t++).toBeLessThan(60);
      g0.Position.x[local] = 100 + t;
      await s.stepTicks(1);
    }
    expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    const st = c0.getResource(ClientReplication);
    const sent = st.counters.upstreamSent;
    for (let i = 0; i < 30; i++) {
      gs.Position.x[eid] = -50 - i;
      await s.stepTicks(1);
    }
    await s.stepTicks(10);
    expect(st.counters.upstreamSent).toBe(sent);
    expect(gs.Position.x[eid]).toBe(-79);
    expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
  });

  it("converges after a burst of lost upstream packets, and after an upstream decode failure (resync)", async () => {
    const seed = 5105;
    await using s = await open(seed);
    const [c0, c1] = [s.clients[0]!, s.clients[1]!];
    const gs = gameOf(s.server);
    const eids = [spawn(gs, 1, 1), spawn(gs, 5, 5), spawn(gs, 9, 9)];
    await s.stepTicks(10);
    const locals: number[] = [];
    for (const eid of eids) locals.push(await grant(s, eid, c0));
    const g0 = gameOf(c0);
    const moveAll = async (ticks: number, from: number) => {
      for (let t = 0; t < ticks; t++) {
        locals.forEach((l, i) => (g0.Position.x[l] = from + t * 0.5 + i));
        await s.stepTicks(1);
      }
    };
    await moveAll(20, 0);
    s.dropNext(40, "toServer", 0);
    await moveAll(40, 20);
    await s.stepTicks(30);
    for (const eid of eids)
      expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(maxError(s.server, c1), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    // The server loses c0's upstream baselines: the next upstream snapshot cannot decode.
    const counters = s.serverState.counters;
    const invalid = counters.upstreamInvalid;
    s.serverState.clients[slotOf(c0)]!.upstream!.ring.reset();
    await moveAll(40, 100);
    await s.stepTicks(30);
    const st = c0.getResource(ClientReplication);
    expect(counters.upstreamInvalid).toBeGreaterThan(invalid);
    // Upstream snapshots already in flight fail too; their requests are older than the reset.
    expect(st.counters.upstreamResyncs, `seed ${seed}`).toBe(1);
    for (const eid of eids)
      expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(maxError(s.server, c1), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
  });
});
