/** SnapshotHistory keeps the newest `size` confirmed states per entity, newest first. */
import { describe, expect, it } from "vitest";
import { SnapshotHistory } from "../../../src/replication/client/snapshotHistory";
import { SnapshotState } from "../../../src/replication/codec/snapshotState";
import { FloatTemplate } from "../../../src/replication/templates/floatTemplate";
import { ReplicationRegistry } from "../../../src/replication/registry";

describe("SnapshotHistory", () => {
  it("rings per entity, ignores older ticks, forgets despawned ids", () => {
    const registry = new ReplicationRegistry();
    const field = registry.replicate(new Float32Array(8), FloatTemplate({ min: 0, max: 100, precision: 1 }), {
      name: "v",
    });
    const state = new SnapshotState(registry, 8);
    const h = new SnapshotHistory(8, registry.stride, 3);
    for (let tick = 1; tick <= 5; tick++) {
      state.tick = tick;
      state.setPresent(2, 1);
      state.values[2 * state.stride] = tick * 10;
      h.recordAll(state);
    }
    expect(h.count(2)).toBe(3);
    expect([0, 1, 2].map((age) => h.tickAt(2, age))).toEqual([5, 4, 3]);
    expect([0, 1, 2].map((age) => h.values[h.rowAt(2, age)])).toEqual([50, 40, 30]);
    const out = field.template.createValue();
    expect(h.valueAt(field, 2, 1, out)).toBeCloseTo(
      field.template.dequantize(new Int32Array([40]), 0, out) as number,
    );
    expect(h.valueAt(field, 2, 3, out)).toBeUndefined();
    state.tick = 4; // older than the newest: ignored
    h.record(2, state);
    expect(h.tickAt(2, 0)).toBe(5);
    expect(h.count(1)).toBe(0);
    h.clear(2);
    expect(h.count(2)).toBe(0);
  });
});
