/**
 * Codec-level system tests through the public entry: a server bitECS world and a client bitECS
 * world joined by snapshots (capture → encode vs acked baseline → bytes → decode → apply), with
 * seeded loss and late acks. Connections come in a later layer; here a datagram is a byte array.
 */
import {
  addComponent,
  addEntity,
  createWorld,
  entityExists,
  hasComponent,
  query,
  removeComponent,
  removeEntity,
} from "bitecs";
import { createRng } from "@canopy/core";
import {
  applySnapshot,
  BaselineRing,
  BitWriter,
  BoolTemplate,
  captureWorld,
  DecodeStatus,
  EntityMap,
  FloatTemplate,
  NetworkIdAllocator,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  Vec3Template,
  type SnapshotDecodeCounters,
} from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";

const N = 512;
const CAPACITY = 256;

/** The game's components and their replication (the same declarations on both ends). */
function makeSide() {
  const Position = { x: new Float32Array(N), y: new Float32Array(N), z: new Float32Array(N) };
  const Rotation: { x: number; y: number; z: number; w: number }[] = [];
  const Health = new Float32Array(N);
  const Burning = new Uint8Array(N);
  const registry = new ReplicationRegistry();
  registry.replicate(Position, Vec3Template({ min: -100, max: 100, precision: 0.01 }), {
    name: "position",
    priority: 2,
  });
  registry.replicate(Rotation, QuatTemplate({ bits: 11 }), { name: "rotation" });
  registry.replicate(Health, FloatTemplate({ min: 0, max: 100, precision: 1 }), { name: "health" });
  registry.replicate(Burning, BoolTemplate(), { name: "burning" });
  return { world: createWorld(), Position, Rotation, Health, Burning, registry };
}

function makeLink(seed: number) {
  const server = makeSide();
  let client = makeSide();
  const rng = createRng(seed);
  const allocator = new NetworkIdAllocator(CAPACITY, 64);
  const current = new SnapshotState(server.registry, CAPACITY);
  const encoder = new SnapshotEncoder(server.registry, CAPACITY);
  const serverRing = new BaselineRing(server.registry, CAPACITY);
  let decoder = new SnapshotDecoder(client.registry, CAPACITY);
  let clientRing = new BaselineRing(client.registry, CAPACITY);
  let clientMap = new EntityMap(CAPACITY);
  const writer = new BitWriter(64 * 1024);
  let applied: SnapshotState | undefined;
  const inFlightAcks: { due: number; sequence: number }[] = [];

  const spawn = () => {
    const s = server;
    const eid = addEntity(s.world);
    addComponent(s.world, eid, s.Position);
    s.Position.x[eid] = rng.range(-90, 90);
    s.Position.y[eid] = rng.range(0, 10);
    s.Position.z[eid] = rng.range(-90, 90);
    if (rng.chance(0.7)) {
      addComponent(s.world, eid, s.Rotation);
      s.Rotation[eid] = { x: 0, y: 0, z: 0, w: 1 };
    }
    if (rng.chance(0.5)) {
      addComponent(s.world, eid, s.Health);
      s.Health[eid] = 100;
    }
    if (rng.chance(0.3)) addComponent(s.world, eid, s.Burning);
    return eid;
  };

  /** One server tick: simulate, capture, encode; `lost` drops the datagram; acks arrive late. */
  const tick = (t: number, options: { lossPercent: number; ackDelay: [number, number] }) => {
    const s = server;
    const alive = query(s.world, [s.Position]);
    for (const eid of alive) {
      if (rng.chance(0.01)) {
        removeEntity(s.world, eid);
        allocator.release(eid, t);
        continue;
      }
      if (rng.chance(0.5)) continue; // at rest
      s.Position.x[eid] = Math.max(-99, Math.min(99, (s.Position.x[eid] as number) + rng.range(-0.3, 0.3)));
      s.Position.z[eid] = Math.max(-99, Math.min(99, (s.Position.z[eid] as number) + rng.range(-0.3, 0.3)));
      const r = s.Rotation[eid];
      if (r && hasComponent(s.world, eid, s.Rotation)) {
        const a = t * 0.05 + eid;
        s.Rotation[eid] = { x: 0, y: Math.sin(a / 2), z: 0, w: Math.cos(a / 2) };
      }
      if (hasComponent(s.world, eid, s.Health))
        s.Health[eid] = Math.max(0, (s.Health[eid] as number) - rng.range(0, 2));
      if (rng.chance(0.02)) {
        if (hasComponent(s.world, eid, s.Burning)) removeComponent(s.world, eid, s.Burning);
        else addComponent(s.world, eid, s.Burning);
      }
    }
    if (alive.length < 150 && rng.chance(0.5)) spawn();
    const entities = query(s.world, [s.Position]);
    for (const eid of entities) allocator.allocate(eid, t);
    captureWorld(s.world, s.registry, entities, allocator.map, current, t);

    for (let i = inFlightAcks.length - 1; i >= 0; i--) {
      const ack = inFlightAcks[i] as { due: number; sequence: number };
      if (ack.due > t) continue;
      serverRing.markAcked(ack.sequence);
      inFlightAcks.splice(i, 1);
    }
    const sequence = t & 0xffff;
    writer.reset();
    encoder.encode(writer, {
      sequence,
      tick: t,
      current,
      baseline: serverRing.newestAckedState(),
      out: serverRing.acquire(sequence),
    });
    if (rng.int(0, 99) < options.lossPercent) return;
    const status = decoder.decode(writer.finish().slice(), clientRing);
    expect(status).toBe(DecodeStatus.Ok);
    const next = decoder.lastDecoded as SnapshotState;
    applySnapshot(client.world, client.registry, applied, next, clientMap);
    applied = next;
    if (rng.int(0, 99) >= options.lossPercent)
      inFlightAcks.push({ due: t + rng.int(...options.ackDelay), sequence });
  };

  /** The client world matches the server within quantization, entity for entity. */
  const expectConverged = () => {
    const s = server;
    const c = client;
    const serverEntities = query(s.world, [s.Position]);
    expect(query(c.world, [c.Position]).length).toBe(serverEntities.length);
    for (const eid of serverEntities) {
      const netId = allocator.map.netIdOf(eid);
      const ceid = clientMap.entityOf(netId);
      expect(ceid).not.toBe(-1);
      expect(Math.abs((c.Position.x[ceid] as number) - (s.Position.x[eid] as number))).toBeLessThanOrEqual(
        0.006,
      );
      expect(Math.abs((c.Position.z[ceid] as number) - (s.Position.z[eid] as number))).toBeLessThanOrEqual(
        0.006,
      );
      for (const comp of ["Rotation", "Health", "Burning"] as const) {
        expect(hasComponent(c.world, ceid, c[comp])).toBe(hasComponent(s.world, eid, s[comp]));
      }
      if (hasComponent(s.world, eid, s.Health)) {
        expect(Math.abs((c.Health[ceid] as number) - (s.Health[eid] as number))).toBeLessThanOrEqual(0.5);
      }
      if (hasComponent(s.world, eid, s.Rotation)) {
        const a = s.Rotation[eid] as { y: number; w: number };
        const b = c.Rotation[ceid] as { y: number; w: number };
        expect(Math.abs(a.y * b.y + a.w * b.w)).toBeGreaterThan(0.99999);
      }
    }
  };

  /** A fresh client (new world, no baselines) takes over the connection: a late joiner. */
  const rejoin = () => {
    client = makeSide();
    decoder = new SnapshotDecoder(client.registry, CAPACITY);
    clientRing = new BaselineRing(client.registry, CAPACITY);
    clientMap = new EntityMap(CAPACITY);
    applied = undefined;
    serverRing.reset();
    inFlightAcks.length = 0;
  };

  for (let i = 0; i < 100; i++) spawn();
  return {
    tick,
    expectConverged,
    rejoin,
    counters: (): SnapshotDecodeCounters => decoder.counters,
    client: () => client,
    clientMap: () => clientMap,
  };
}

describe("world replication through the snapshot codec", () => {
  it.each([101, 202])(
    "converges after a loss burst, with spawns, despawns and component changes (seed %i)",
    (seed) => {
      const link = makeLink(seed);
      let t = 0;
      for (; t < 60; t++) link.tick(t, { lossPercent: 0, ackDelay: [6, 6] });
      link.expectConverged();
      for (; t < 180; t++) link.tick(t, { lossPercent: 40, ackDelay: [3, 20] });
      // The network heals: within a few round trips the client holds the server's state.
      for (; t < 240; t++) link.tick(t, { lossPercent: 0, ackDelay: [6, 6] });
      link.expectConverged();
      expect(link.counters().snapshotsInvalid).toBe(0);
      expect(link.counters().snapshotsMissingBaseline).toBe(0);
    },
  );

  it("despawns remove client entities without leaks, and a late joiner starts from a full snapshot", () => {
    const link = makeLink(303);
    for (let t = 0; t < 300; t++) link.tick(t, { lossPercent: 10, ackDelay: [4, 8] });
    for (let t = 300; t < 330; t++) link.tick(t, { lossPercent: 0, ackDelay: [6, 6] });
    link.expectConverged();
    link.rejoin();
    // The first snapshot the late joiner receives already holds every entity.
    link.tick(330, { lossPercent: 0, ackDelay: [6, 6] });
    link.expectConverged();
    for (let t = 331; t < 360; t++) link.tick(t, { lossPercent: 0, ackDelay: [6, 6] });
    link.expectConverged();
    // Every client entity the map knows still exists; none leaked.
    let bound = 0;
    for (let id = 0; id < CAPACITY; id++) {
      const eid = link.clientMap().entityOf(id);
      if (eid === -1) continue;
      bound++;
      expect(entityExists(link.client().world, eid)).toBe(true);
    }
    expect(bound).toBe(query(link.client().world, [link.client().Position]).length);
  });
});
