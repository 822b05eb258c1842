/**
 * The Replicator's State / StateTemplate / StateStore: pack/unpack order, misuse messages, the
 * ECS registration of declared values, and State ↔ entity moves (copies, not references).
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

  it("writes a state into an entity and reads it back as a copy", () => {
    const store = new StateStore(template(), new ReplicationRegistry(), 16);
    const state = new State().packBegin().pack({ x: 1.25, y: -9.5, z: 0.5 }).pack(42.5).pack(true);
    expect(() => store.check(new State().packBegin().pack(1))).toThrow(/pack one value per declaration/);
    const held = state.copy();
    state.packBegin().pack({ x: 0, y: 0, z: 0 }).pack(0).pack(false);
    store.write(3, held);
    const got = store.read(3).unpackBegin();
    expect(got.unpack()).toEqual({ x: 1.25, y: -9.5, z: 0.5 });
    expect(got.unpack()).toBe(42.5);
    expect(got.unpack()).toBe(true);
    // Reading gives copies: changing them leaves the component alone.
    store.read(3).unpackBegin().unpack<{ x: number }>().x = 7;
    expect(store.read(3).unpackBegin().unpack()).toEqual({ x: 1.25, y: -9.5, z: 0.5 });
    expect(store.read(4).unpackBegin().unpack()).toEqual({ x: 0, y: 0, z: 0 });
  });
});
