/**
 * Client-authority building blocks: the ownership fields and their misuse errors, which fields may
 * travel upstream, and the values a `validateUpstream` hook reads.
 */
import { createWorld, addEntity, hasComponent } from "bitecs";
import { describe, expect, it } from "vitest";
import { FloatTemplate, ReplicationRegistry, SnapshotState, Vec2Template } from "../../src/replication/index";
import {
  AUTHORITY_FIELD_NAME,
  ensureOwnerField,
  OWNER_FIELD_NAME,
  readAuthority,
  readOwner,
  SERVER_OWNER,
  writeOwner,
} from "../../src/replication/server/ownership";
import { upstreamFieldMask } from "../../src/replication/server/upstreamFields";
import { UpstreamIncoming } from "../../src/replication/server/upstreamIncoming";

function registryWithOwner() {
  const Position = { x: new Float32Array(16), y: new Float32Array(16) };
  const Health = new Float32Array(16);
  const registry = new ReplicationRegistry();
  registry.replicate(Position, Vec2Template({ min: -100, max: 100, precision: 0.01 }), { name: "position" });
  registry.replicate(Health, FloatTemplate({ min: 0, max: 100, precision: 0.5 }), { name: "health" });
  const owner = ensureOwnerField(registry);
  return { registry, Position, Health, ...owner };
}

describe("ownership fields", () => {
  it("registers owner then authority last, once per registry", () => {
    const r = registryWithOwner();
    expect(r.registry.fields.map((f) => f.name)).toEqual([
      "position",
      "health",
      OWNER_FIELD_NAME,
      AUTHORITY_FIELD_NAME,
    ]);
    const again = ensureOwnerField(r.registry);
    expect(again.component.client).toBe(r.component.client);
    expect(again.component.authority).toBe(r.component.authority);
    expect(r.registry.fields).toHaveLength(4);
  });

  it("client authority is written with the owner and cleared by a plain setOwner", () => {
    const { component } = registryWithOwner();
    const world = createWorld();
    const eid = addEntity(world);
    expect(readAuthority(world, component, eid)).toBe(SERVER_OWNER);
    writeOwner(world, component, eid, 3, "client");
    expect(readOwner(world, component, eid)).toBe(3);
    expect(readAuthority(world, component, eid)).toBe(3);
    writeOwner(world, component, eid, 3);
    expect(readOwner(world, component, eid)).toBe(3);
    expect(readAuthority(world, component, eid)).toBe(SERVER_OWNER);
    // A server entity never given client authority does not get the authority component.
    const plain = addEntity(world);
    writeOwner(world, component, plain, 2);
    expect(hasComponent(world, plain, component.authority)).toBe(false);
  });

  it("misuse throws with the fix", () => {
    const { component } = registryWithOwner();
    const world = createWorld();
    const eid = addEntity(world);
    expect(() => writeOwner(world, component, eid, SERVER_OWNER, "client")).toThrow(/client owner/);
    expect(() => writeOwner(world, component, eid, 1, "peer" as never)).toThrow(/"server" or "client"/);
  });
});

describe("upstreamFieldMask", () => {
  it("defaults to every field but the ownership fields; names restrict it", () => {
    const { registry, field, authorityField } = registryWithOwner();
    const excluded = [field, authorityField];
    expect(upstreamFieldMask(registry, excluded)).toBe(0b0011);
    expect(upstreamFieldMask(registry, excluded, ["position"])).toBe(0b0001);
    expect(upstreamFieldMask(registry, excluded, [])).toBe(0);
  });

  it("refuses unknown names and the ownership fields", () => {
    const { registry, field, authorityField } = registryWithOwner();
    const excluded = [field, authorityField];
    expect(() => upstreamFieldMask(registry, excluded, ["speed"])).toThrow(
      /registered ones are: position, health/,
    );
    expect(() => upstreamFieldMask(registry, excluded, [OWNER_FIELD_NAME])).toThrow(
      /not a field that may be sent up/,
    );
  });
});

describe("UpstreamIncoming", () => {
  it("reads the dequantized incoming values of the fields it carries", () => {
    const { registry, Position, Health } = registryWithOwner();
    const state = new SnapshotState(registry, 16);
    const pos = registry.fieldOf(Position)!;
    pos.template.quantize({ x: 12.34, y: -7 }, state.values, 5 * state.stride + pos.offset);
    state.setPresent(5, 1 << pos.index);
    state.tick = 42;
    const incoming = new UpstreamIncoming(registry);
    incoming.set(state, 5, 1 << pos.index);
    expect(incoming.netId).toBe(5);
    expect(incoming.tick).toBe(42);
    expect(incoming.has(Position)).toBe(true);
    expect(incoming.has(Health)).toBe(false);
    expect(incoming.read(Position, "x")).toBeCloseTo(12.34, 4);
    expect(incoming.read(Position, "y")).toBeCloseTo(-7, 2);
    expect(() => incoming.read(Health)).toThrow(/incoming.has/);
    expect(() => incoming.read(Position)).toThrow(/pass a channel key \("x", "y"\)/);
    expect(() => incoming.read(Position, "z")).toThrow(/no channel "z"/);
  });
});
