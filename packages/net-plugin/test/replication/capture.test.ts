import { addComponent, addEntity, createWorld, removeComponent } from "bitecs";
import { describe, expect, it } from "vitest";
import { BitWriter } from "../../src/protocol/bitWriter";
import {
  BaselineRing,
  captureWorld,
  DecodeStatus,
  FloatTemplate,
  NetworkIdAllocator,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  Vec3Template,
} from "../../src/replication/index";

function setup(threshold?: number) {
  const Position = { x: new Float32Array(64), y: new Float32Array(64), z: new Float32Array(64) };
  const Heat = new Float32Array(64);
  const registry = new ReplicationRegistry();
  registry.replicate(Position, Vec3Template({ min: -100, max: 100, precision: 0.01, threshold }), {
    name: "p",
  });
  registry.replicate(Heat, FloatTemplate({ min: 0, max: 10, precision: 0.1 }), { name: "heat" });
  const world = createWorld();
  const allocator = new NetworkIdAllocator(32);
  const entities: number[] = [];
  for (let i = 0; i < 5; i++) {
    const eid = addEntity(world);
    addComponent(world, eid, Position);
    Position.x[eid] = i;
    entities.push(eid);
    allocator.allocate(eid, 0);
  }
  return { Position, Heat, registry, world, allocator, entities, state: new SnapshotState(registry, 32) };
}

describe("captureWorld keeps row versions", () => {
  it("unchanged rows keep their version; changed, re-masked and new rows get new ones; unlisted rows go", () => {
    const s = setup();
    captureWorld(s.world, s.registry, s.entities, s.allocator.map, s.state, 0);
    const id = (eid: number) => s.allocator.map.netIdOf(eid);
    const [a, b, c, d] = s.entities as [number, number, number, number];
    const before = Array.from(s.state.version.subarray(0, 5));
    expect(new Set(before).size).toBe(5);
    s.Position.x[a] = 50; // changed
    s.Position.x[b] = (s.Position.x[b] as number) + 0.001; // under one quantization step: same row
    addComponent(s.world, c, s.Heat); // field set changed
    removeComponent(s.world, d, s.Position);
    captureWorld(s.world, s.registry, s.entities.slice(0, 4), s.allocator.map, s.state, 1);
    expect(s.state.version[id(a)]).not.toBe(before[id(a)]);
    expect(s.state.version[id(b)]).toBe(before[id(b)]);
    expect(s.state.version[id(c)]).not.toBe(before[id(c)]);
    expect(s.state.mask[id(d)]).toBe(0);
    expect(s.state.present[id(s.entities[4] as number)]).toBe(0);
    expect(s.state.count()).toBe(4);
  });

  it("a slow drift under the threshold is still sent once it adds up (versions never hide it)", () => {
    const s = setup(0.5);
    const encoder = new SnapshotEncoder(s.registry, 32);
    const decoder = new SnapshotDecoder(s.registry, 32);
    const serverRing = new BaselineRing(s.registry, 32);
    const clientRing = new BaselineRing(s.registry, 32);
    const writer = new BitWriter(4096);
    const eid = s.entities[0] as number;
    const netId = s.allocator.map.netIdOf(eid);
    let lastSentX = -1;
    for (let tick = 0; tick < 120; tick++) {
      s.Position.x[eid] = (s.Position.x[eid] as number) + 0.02; // 0.02 per tick, threshold 0.5
      captureWorld(s.world, s.registry, s.entities, s.allocator.map, s.state, tick);
      if (tick > 0) serverRing.markAcked(tick - 1);
      writer.reset();
      encoder.encode(writer, {
        sequence: tick,
        tick,
        current: s.state,
        baseline: serverRing.newestAckedState(),
        out: serverRing.acquire(tick),
      });
      expect(decoder.decode(writer.finish(), clientRing)).toBe(DecodeStatus.Ok);
      const held = clientRing.get(tick) as SnapshotState;
      const x = (held.values[netId * held.stride] as number) * 0.01 - 100;
      // The client is never more than the threshold (plus a step) behind, and it does move.
      expect(Math.abs(s.Position.x[eid] - x)).toBeLessThanOrEqual(0.5 + 0.02 + 0.01);
      if (x !== lastSentX && tick > 0) lastSentX = x;
    }
    expect(lastSentX).toBeGreaterThan(2);
  });
});
