/**
 * The rig of wasmComponents.test.ts: one server world and one client world per side, with the same
 * component shapes allocated three ways — `wasmComponents` (columns in the codec's memory, kernels
 * in place), plain typed arrays with the wasm kernels, plain typed arrays with the JS kernels — and
 * one plain component on every side (mixing). Every side evolves from the same seed, so the
 * captured states, the applied worlds and the component values must be identical.
 */
import type { Rng } from "@canopy/core";
import { addComponent, addEntity, createWorld, removeEntity, type World } from "bitecs";
import { wasmComponents } from "../../../src/replication/codec/wasm/componentMemory";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  EntityMap,
  FloatTemplate,
  IntTemplate,
  NetworkIdAllocator,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec2Template,
  Vec3Template,
} from "../../../src/replication/index";

/** Network ids per state. */
export const CAP = 96;
/** Elements per column: entity ids at or past it exist (reads past the end, `?? 0`, NaN). */
export const COLUMN = 48;

export type Kind = "memory" | "plain" | "js";
/** Which components of a "memory" side are in wasm memory: default all but velocity; mixed: rotation plain too; all. */
export type Variant = "default" | "mixed" | "all";

type Columns = {
  Position: { x: Float32Array; y: Float32Array; z: Float32Array };
  Rotation: { x: Float32Array; y: Float32Array; z: Float32Array; w: Float32Array };
  Speed: Float64Array;
  Hp: Int16Array;
  Velocity: { x: Float32Array; y: Float32Array };
};

function columns(kind: Kind, variant: Variant): Columns {
  const plainVelocity = { x: new Float32Array(COLUMN), y: new Float32Array(COLUMN) };
  if (kind === "memory") {
    const made: Columns = wasmComponents(
      { entities: COLUMN, capacity: CAP, stateBytes: 4 * 1024 * 1024 },
      {
        Position: { x: Float32Array, y: Float32Array, z: Float32Array },
        Rotation: { x: Float32Array, y: Float32Array, z: Float32Array, w: Float32Array },
        Speed: Float64Array,
        Hp: Int16Array,
        Velocity: { x: Float32Array, y: Float32Array },
      },
    );
    // Velocity is plain unless "all"; mixed: the rotation is plain too (copied beside the others).
    if (variant !== "all") made.Velocity = plainVelocity;
    if (variant === "mixed") made.Rotation = columns("plain", variant).Rotation;
    return made;
  }
  const f32 = (): Float32Array => new Float32Array(COLUMN);
  return {
    Position: { x: f32(), y: f32(), z: f32() },
    Rotation: { x: f32(), y: f32(), z: f32(), w: f32() },
    Speed: new Float64Array(COLUMN),
    Hp: new Int16Array(COLUMN),
    Velocity: plainVelocity,
  };
}

function registryOf(c: Columns, velocity: object): ReplicationRegistry {
  const r = new ReplicationRegistry();
  r.replicate(c.Position, Vec3Template({ min: -100, max: 100, precision: 1 / 512 }), { name: "position" });
  r.replicate(c.Rotation, QuatTemplate({ bits: 10 }), { name: "rotation" });
  r.replicate(c.Speed, FloatTemplate({ min: 0, max: 10, precision: 0.1 }), { name: "speed" });
  r.replicate(c.Hp, IntTemplate({ min: -50, max: 300 }), { name: "hp" });
  r.replicate(velocity, Vec2Template({ min: -20, max: 20, precision: 0.01 }), { name: "velocity" });
  return r;
}

/** One side: server world → captured state; client world ← applied states. */
export function makeSide(kind: Kind, variant: Variant = "default") {
  wasmKernels.enabled = kind !== "js";
  try {
    const server = columns(kind, variant);
    const client = columns(kind, variant);
    const velocity = server.Velocity;
    const clientVelocity = client.Velocity;
    const registry = registryOf(server, velocity);
    const clientRegistry = registryOf(client, clientVelocity);
    return {
      kind,
      wasm: kind !== "js",
      server,
      client,
      velocity,
      clientVelocity,
      registry,
      clientRegistry,
      world: createWorld(),
      clientWorld: createWorld(),
      allocator: new NetworkIdAllocator(CAP),
      map: new EntityMap(CAP),
      current: new SnapshotState(registry, CAP),
      states: [new SnapshotState(clientRegistry, CAP), new SnapshotState(clientRegistry, CAP)],
      live: [] as number[],
    };
  } finally {
    wasmKernels.enabled = false;
  }
}
export type Side = ReturnType<typeof makeSide>;

/** A value for a channel: mostly in range, sometimes NaN, ±∞ or far out. */
function value(rng: Rng, scale: number): number {
  const r = rng.next();
  if (r < 0.02) return Number.NaN;
  if (r < 0.03) return rng.chance(0.5) ? Infinity : -Infinity;
  if (r < 0.05) return (rng.next() - 0.5) * scale * 40;
  return (rng.next() - 0.5) * scale * 2;
}

/** Writes one entity's values (ids past the column length write nothing, as typed arrays do). */
function write(rng: Rng, s: Side, eid: number): void {
  const { Position, Rotation, Speed, Hp } = s.server;
  Position.x[eid] = value(rng, 90);
  Position.y[eid] = value(rng, 90);
  Position.z[eid] = value(rng, 90);
  const q = [rng.next() - 0.5, rng.next() - 0.5, rng.next() - 0.5, rng.next() - 0.5];
  const n = Math.hypot(...q) || 1;
  Rotation.x[eid] = (q[0] as number) / n;
  Rotation.y[eid] = (q[1] as number) / n;
  Rotation.z[eid] = (q[2] as number) / n;
  Rotation.w[eid] = rng.chance(0.02) ? Number.NaN : (q[3] as number) / n;
  Speed[eid] = value(rng, 5) + 5;
  Hp[eid] = Math.round(value(rng, 200));
  s.velocity.x[eid] = value(rng, 15);
  s.velocity.y[eid] = value(rng, 15);
}

/**
 * One tick of the server world (the same `rng` decisions on every side when seeded alike):
 * spawns (some far ids), despawns, moves a fraction (`moving`) or all; returns the entity list.
 */
export function evolve(rng: Rng, s: Side, tick: number, moving: number): number[] {
  const spawns = tick === 0 ? 30 : rng.int(0, 3);
  for (let k = 0; k < spawns; k++) {
    if (s.live.length >= CAP - 8) break;
    const eid = addEntity(s.world);
    const fields = s.registry.fields;
    for (const f of fields) if (rng.chance(0.85)) addComponent(s.world, eid, f.component);
    s.allocator.allocate(eid, tick);
    s.live.push(eid);
    write(rng, s, eid);
  }
  if (tick > 0 && rng.chance(0.3) && s.live.length > 4) {
    const i = rng.int(0, s.live.length - 1);
    const eid = s.live[i] as number;
    s.live.splice(i, 1);
    s.allocator.release(eid, tick);
    removeEntity(s.world, eid);
  }
  for (const eid of s.live) if (rng.chance(moving)) write(rng, s, eid);
  return s.live.slice();
}

/** Column values of a component set, for bit-for-bit comparison (NaN and -0 kept). */
export function dump(c: Columns, velocity: { x: Float32Array; y: Float32Array }): number[][] {
  const { Position: p, Rotation: r } = c;
  return [p.x, p.y, p.z, r.x, r.y, r.z, r.w, c.Speed, c.Hp, velocity.x, velocity.y].map((a) =>
    Array.from(a as ArrayLike<number>, (v) => (Object.is(v, -0) ? -1e-300 : v)),
  );
}

export type { World };
