/**
 * Client authority through the NetPlugin over a lossy link: the owning client's replicated fields
 * go up as ordinary snapshots (sendOwnedState), the server checks ownership, validates and applies
 * them (receiveOwnedState), and replicates them to everybody else; the owner's values are never
 * overwritten while it has authority; forged, rejected and malformed upstream state changes
 * nothing; losses and decode failures recover; revoking authority hands the entity back.
 */
import { createRng, type App, type AppWorld } from "@canopy/core";
import {
  BitWriter,
  ClientReplication,
  hasAuthority,
  setOwner,
  SnapshotEncoder,
  SnapshotState,
  type ClientReplicationOptions,
  type ServerReplicationOptions,
  type UpstreamIncoming,
} from "@canopy/net-plugin";
import type { Stepper } from "@canopy/net-plugin/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  clientEntity,
  connectedStepper,
  gameOf,
  makeGame,
  maxError,
  POSITION_PRECISION,
  spawn,
} from "./game";

/** The server's upstream validator for the current test (undefined: accept everything). */
let hook: ((world: AppWorld, client: number, eid: number, incoming: UpstreamIncoming) => boolean) | undefined;

afterEach(() => {
  hook = undefined;
});

function setupWith(server: ServerReplicationOptions, client: ClientReplicationOptions = {}) {
  return (app: App) => ({
    registry: makeGame(app).registry,
    client,
    server: {
      ...server,
      validateUpstream: (world: AppWorld, client: number, eid: number, incoming: UpstreamIncoming) =>
        hook === undefined || hook(world, client, eid, incoming),
    },
  });
}

function open(
  seed: number,
  clients = 2,
  server: ServerReplicationOptions = {},
  client: ClientReplicationOptions = {},
): Promise<Stepper> {
  return connectedStepper(seed, { clients, setup: setupWith(server, client) });
}

function slotOf(client: App): number {
  return client.getResource(ClientReplication).client.clientIndex;
}

/** Gives server entity `eid` to `client` with client authority and steps until that client knows. */
async function grant(s: Stepper, eid: number, client: App): Promise<number> {
  setOwner(s.server.world, eid, slotOf(client), { authority: "client" });
  const known = await s.stepUntil(() => {
    const local = clientEntity(s.server, client, eid);
    return local >= 0 && hasAuthority(client.world, local);
  }, 120);
  expect(known).toBe(true);
  return clientEntity(s.server, client, eid);
}

/** Largest |position difference| between server entity `eid` and its copy on `client`. */
function positionError(s: Stepper, client: App, eid: number): number {
  const gs = gameOf(s.server);
  const gc = gameOf(client);
  const local = clientEntity(s.server, client, eid);
  if (local < 0) return Number.POSITIVE_INFINITY;
  return Math.max(
    Math.abs((gs.Position.x[eid] as number) - (gc.Position.x[local] as number)),
    Math.abs((gs.Position.y[eid] as number) - (gc.Position.y[local] as number)),
  );
}

/** The owner moves its copy each tick (before the step); checks no server snapshot overwrote it. */
async function moveOnOwner(
  s: Stepper,
  owner: App,
  local: number,
  ticks: number,
  from: number,
): Promise<void> {
  const g = gameOf(owner);
  for (let t = 0; t < ticks; t++) {
    const x = from + t * 0.37;
    const y = -5 + ((from + t) % 40) * 0.25;
    g.Position.x[local] = x;
    g.Position.y[local] = y;
    await s.stepTicks(1);
    expect(g.Position.x[local], `owner's x overwritten at tick ${t}`).toBe(Math.fround(x));
    expect(g.Position.y[local], `owner's y overwritten at tick ${t}`).toBe(Math.fround(y));
  }
}

/** An upstream snapshot (no baseline) that puts network id `netId` at (x, y), encoded with `client`'s registry. */
function forgeUpstream(client: App, netId: number, sequence: number, x: number, y: number): Uint8Array {
  const g = gameOf(client);
  const registry = g.registry;
  const capacity = client.getResource(ClientReplication).capacity;
  const state = new SnapshotState(registry, capacity);
  const field = registry.fieldOf(g.Position)!;
  field.template.quantize({ x, y }, state.values, netId * state.stride + field.offset);
  state.setPresent(netId, 1 << field.index);
  const writer = new BitWriter(1200);
  new SnapshotEncoder(registry, capacity).encode(writer, {
    sequence,
    tick: 1,
    current: state,
    baseline: undefined,
    out: new SnapshotState(registry, capacity),
  });
  return writer.finish().slice();
}

function sendRaw(client: App, bytes: Uint8Array): void {
  const st = client.getResource(ClientReplication);
  st.client.send(st.snapshotChannel, bytes);
}

function netIdOf(s: Stepper, eid: number): number {
  return s.serverState.allocator.map.netIdOf(eid);
}

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

  it("upstream for an entity the sender does not own with client authority is rejected and counted", async () => {
    const seed = 5102;
    await using s = await open(seed);
    const [c0, c1] = [s.clients[0]!, s.clients[1]!];
    const gs = gameOf(s.server);
    const mine = spawn(gs, 1, 1); // c0's, client authority
    const serverAuthority = spawn(gs, 2, 2); // c1 owns it, server authority
    const serverOwned = spawn(gs, 3, 3);
    const theirs = spawn(gs, 4, 4); // c1's, client authority (phase 2)
    setOwner(s.server.world, serverAuthority, slotOf(c1));
    await s.stepTicks(10);
    await grant(s, mine, c0);
    const counters = s.serverState.counters;
    const forgeAll = async (from: number) => {
      for (let t = 0; t < 10; t++) {
        for (const eid of [mine, serverAuthority, serverOwned])
          sendRaw(c1, forgeUpstream(c1, netIdOf(s, eid), from++, 300 + t, -300));
        await s.stepTicks(1);
      }
      await s.stepTicks(10);
    };
    // c1 has no entity with client authority: refused unread, nothing allocated for it.
    let before = counters.upstreamRejected;
    await forgeAll(1000);
    expect(counters.upstreamRejected - before, `seed ${seed}`).toBeGreaterThanOrEqual(25); // 30 sent, 1 % loss
    expect(s.serverState.clients[slotOf(c1)]!.upstream).toBeUndefined();
    // c1 now has its own: its upstream is decoded, and each entity it does not control rejected.
    await grant(s, theirs, c1);
    before = counters.upstreamRejected;
    await forgeAll(2000);
    expect(s.serverState.clients[slotOf(c1)]!.upstream).toBeDefined();
    expect(counters.upstreamRejected - before, `seed ${seed}`).toBeGreaterThanOrEqual(25);
    expect(counters.upstreamApplied).toBe(0);
    expect([mine, serverAuthority, serverOwned, theirs].map((e) => gs.Position.x[e])).toEqual([1, 2, 3, 4]);
    expect(maxError(s.server, c1), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
  });

  it("a validateUpstream hook that says no keeps the server's values, counted", async () => {
    const seed = 5103;
    await using s = await open(seed);
    const [c0, c1] = [s.clients[0]!, s.clients[1]!];
    const gs = gameOf(s.server);
    const eid = spawn(gs, 1, 1);
    await s.stepTicks(10);
    const local = await grant(s, eid, c0);
    const seen: number[] = [];
    hook = (_world, client, e, incoming) => {
      expect(client).toBe(slotOf(c0));
      expect(e).toBe(eid);
      const x = incoming.read(gs.Position, "x");
      seen.push(x);
      return x <= 50; // no teleports
    };
    await moveOnOwner(s, c0, local, 20, 10);
    await s.stepTicks(10);
    expect(gs.Position.x[eid]).toBeCloseTo(10 + 19 * 0.37, 1);
    const rejected = s.serverState.counters.upstreamRejected;
    gameOf(c0).Position.x[local] = 400;
    await s.stepTicks(20);
    expect(s.serverState.counters.upstreamRejected, `seed ${seed}`).toBeGreaterThan(rejected);
    expect(seen.some((x) => Math.abs(x - 400) <= POSITION_PRECISION)).toBe(true);
    expect(gs.Position.x[eid]).toBeCloseTo(10 + 19 * 0.37, 1);
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

  it("malformed upstream bytes are counted and dropped; the server and other clients are unaffected", async () => {
    const seed = 5106;
    await using s = await open(seed, 3);
    const [c0, c1, c2] = [s.clients[0]!, s.clients[1]!, s.clients[2]!];
    const gs = gameOf(s.server);
    const eid = spawn(gs, 1, 1);
    const others = [spawn(gs, 7, 7), spawn(gs, -7, 3)];
    const theirs = spawn(gs, 4, 4);
    await s.stepTicks(10);
    const local = await grant(s, eid, c0);
    await grant(s, theirs, c1); // so c1's upstream is decoded, not refused unread
    // Real upstream messages to mutate: c0's, copied out of the server's frame events.
    const real: Uint8Array[] = [];
    const frame = s.serverState.frame;
    const g0 = gameOf(c0);
    for (let t = 0; t < 30; t++) {
      g0.Position.x[local] = t * 0.8;
      await s.stepTicks(1);
      for (let i = 0; i < frame.count; i++)
        if (frame.peerOf(i) === slotOf(c0) && frame.lengthOf(i) > 2)
          real.push(frame.bytes.slice(frame.offsetOf(i), frame.offsetOf(i) + frame.lengthOf(i)));
    }
    expect(real.length).toBeGreaterThan(10);
    await s.stepTicks(20);
    const counters = s.serverState.counters;
    const before = { ...counters };
    const x = gs.Position.x[eid];
    const rng = createRng(seed);
    const bad: Uint8Array[] = [];
    for (let n = 0; n < 300; n++) {
      if (n % 2 === 0) {
        const m = new Uint8Array(rng.int(3, 40));
        for (let i = 0; i < m.length; i++) m[i] = rng.int(0, 255);
        bad.push(m);
      } else {
        const m = real[rng.int(0, real.length - 1)]!.slice();
        const flips = rng.int(1, 4);
        for (let f = 0; f < flips; f++) m[rng.int(0, m.length - 1)]! ^= 1 << rng.int(0, 7);
        bad.push(rng.chance(0.3) ? m.subarray(0, rng.int(3, m.length)) : m);
      }
    }
    for (let i = 0; i < bad.length; i += 10) {
      for (const m of bad.slice(i, i + 10)) sendRaw(c1, m);
      await s.stepTicks(1);
    }
    await s.stepTicks(20);
    const received = counters.upstreamReceived - before.upstreamReceived;
    expect(received, `seed ${seed}`).toBeGreaterThan(250);
    // Only c1's own entity may have taken a garbage state that happened to decode (c1 is its
    // authority; validateUpstream is the guard there): nothing anyone else controls moved.
    expect(counters.upstreamApplied - before.upstreamApplied).toBeLessThan(10);
    expect(counters.upstreamInvalid - before.upstreamInvalid, `seed ${seed}`).toBeGreaterThan(100);
    expect(gs.Position.x[eid]).toBe(x);
    expect(others.map((e) => gs.Position.x[e])).toEqual([7, -7]);
    expect(maxError(s.server, c2), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    // The owner's upstream is untouched by another client's garbage.
    await moveOnOwner(s, c0, local, 20, 50);
    await s.stepTicks(20);
    expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(maxError(s.server, c2), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(s.serverState.server.isConnected(slotOf(c1))).toBe(true);
  });
});
