/**
 * The Replicator's State / StateTemplate / StateStore: pack/unpack order, misuse messages, the
 * ECS registration of declared values, and the client-upload bytes (round trip within
 * quantization; truncated or out-of-range bytes rejected without a throw and without writing).
 */
import { describe, expect, it } from "vitest";
import { ReplicationRegistry } from "../../../src/replication/registry";
import { FloatTemplate } from "../../../src/replication/templates/floatTemplate";
import { Vec3Template } from "../../../src/replication/templates/vec3Template";
import { BoolTemplate } from "../../../src/replication/templates/boolTemplate";
import { State } from "../../../src/plugins/replicator/state";
import { StateTemplate } from "../../../src/plugins/replicator/stateTemplate";
import { StateStore } from "../../../src/plugins/replicator/stateStore";

function template(): StateTemplate {
  return new StateTemplate()
    .declare("pos", Vec3Template({ min: -10, max: 10, precision: 0.01 }), {
      priority: 3,
      latencyTolerance: 0.02,
    })
    .declare("hp", FloatTemplate({ min: 0, max: 100, precision: 0.5 }))
    .declare("alive", BoolTemplate());
}

describe("State", () => {
  it("unpacks values in the order they were packed, and throws past the end", () => {
    const s = new State().packBegin().pack({ x: 1, y: 2, z: 3 }).pack(5);
    s.unpackBegin();
    expect(s.unpack()).toEqual({ x: 1, y: 2, z: 3 });
    expect(s.unpack()).toBe(5);
    expect(() => s.unpack()).toThrow(/all 2 values were read/);
    expect(s.unpackBegin().unpack()).toEqual({ x: 1, y: 2, z: 3 });
  });

  it("copies object values at pack time", () => {
    const v = { x: 1, y: 2, z: 3 };
    const s = new State().packBegin().pack(v);
    v.x = 9;
    expect(s.unpackBegin().unpack<typeof v>().x).toBe(1);
  });
});

describe("StateTemplate and StateStore", () => {
  it("refuses a duplicate name", () => {
    expect(() => new StateTemplate().declare("a", BoolTemplate()).declare("a", BoolTemplate())).toThrow(
      /already declared/,
    );
  });

  it("registers one replicated component per declaration with its priority and latency tolerance", () => {
    const registry = new ReplicationRegistry();
    const store = new StateStore(template(), registry, 16);
    expect(registry.fields.map((f) => f.name)).toEqual(["pos", "hp", "alive"]);
    expect(registry.fields[0]?.priority).toBe(3);
    expect(registry.fields[0]?.latencyTolerance).toBe(0.02);
    expect(store.components).toHaveLength(3);
  });

  it("round-trips an uploaded state within quantization and rejects bad bytes without writing", () => {
    const store = new StateStore(template(), new ReplicationRegistry(), 16);
    const state = new State().packBegin().pack({ x: 1.234, y: -9.999, z: 0.005 }).pack(42.3).pack(true);
    expect(() => store.check(new State().packBegin().pack(1))).toThrow(/pack one value per declaration/);
    const bytes = store.encode(state);
    expect(store.decodeInto(bytes, 3)).toBe(true);
    const got = store.read(3).unpackBegin();
    const pos = got.unpack<{ x: number; y: number; z: number }>();
    expect(Math.abs(pos.x - 1.234)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(pos.y + 9.999)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(got.unpack<number>() - 42.3)).toBeLessThanOrEqual(0.5);
    expect(got.unpack()).toBe(true);
    // Truncated: nothing written to entity 4.
    expect(store.decodeInto(bytes.subarray(0, 2), 4)).toBe(false);
    expect(store.read(4).unpackBegin().unpack()).toEqual({ x: 0, y: 0, z: 0 });
    // Every bit set: out-of-range slots are refused.
    expect(store.decodeInto(new Uint8Array(bytes.length).fill(0xff), 5)).toBe(false);
  });
});
