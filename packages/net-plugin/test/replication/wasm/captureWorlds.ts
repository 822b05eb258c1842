/**
 * Registries and evolving worlds for the wasm capture kernel's parity tests (wasmCapture.test.ts):
 * channel values that hit the quantizers' edge cases (NaN with and without payload bits, ±∞,
 * ±1e300, bounds ± 1e-9, half steps, the Math.round exception), rotations that are zero, tiny,
 * huge, unnormalized or tied, and values for fields quantized through their binding.
 */
import type { Rng } from "@canopy/core";
import { addComponent, removeComponent, removeEntity, type World } from "bitecs";
import { wasmQuantized } from "../../../src/replication/codec/wasm/capturePlan";
import {
  FloatTemplate,
  IntTemplate,
  QuatTemplate,
  QuatValueTemplate,
  ReplicationRegistry,
  TransformValueTemplate,
  Vec3Template,
} from "../../../src/replication/index";
import type { NetworkIdAllocator } from "../../../src/replication/index";
import { allKinds, CAPACITY, channelValue } from "../kernelFixture";

export type Field = ReplicationRegistry["fields"][number];

function columnsOf(field: Field): Float64Array[] {
  return (field.binding.columns ?? []) as Float64Array[];
}

/** allKinds(): one field of every inline kind and an int (quantized through its binding). */
export function inlineKinds(): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  for (const f of allKinds().fields) registry.replicate(f.component as object, f.template, { name: f.name });
  return registry;
}

/** Columns of different lengths (the kernel then clamps entity ids per column), and a plain-array int. */
export function mixedLengths(): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  registry.replicate(
    { x: new Float32Array(CAPACITY), y: new Float64Array(50), z: new Float32Array(70) },
    Vec3Template({ min: -5, max: 5, precision: 0.01 }),
  );
  registry.replicate(new Float64Array(40), FloatTemplate({ min: -1, max: 3, precision: 1 / 256 }));
  registry.replicate([] as number[], IntTemplate({ min: -1, max: 40 })); // like the server's owner field
  registry.replicate(
    {
      x: new Float32Array(60),
      y: new Float32Array(CAPACITY),
      z: new Float64Array(60),
      w: new Float32Array(60),
    },
    QuatTemplate({ bits: 12 }),
  );
  return registry;
}

/** A channel value, often one of the quantizers' edge cases. */
function edgeValue(rng: Rng, field: Field, axis: number): number {
  const t = field.template;
  if (t instanceof QuatValueTemplate) return channelValue(rng, t, axis);
  const q =
    (t as unknown as { quantizers?: { min: number; max: number; step: number; maxValue: number }[] })
      .quantizers?.[axis] ??
    (t as unknown as { quantizer: { min: number; max: number; step: number; maxValue: number } }).quantizer;
  if (!rng.chance(0.3)) return channelValue(rng, t, axis);
  const k = rng.int(0, q.maxValue);
  const picks = [
    Number.NaN,
    Infinity,
    -Infinity,
    0,
    -0,
    q.min,
    q.max,
    q.min - 1e-9,
    q.max + 1e-9,
    1e300,
    -1e300,
    q.min + (k + 0.5) * q.step,
    q.min + k * q.step,
    q.min + 0.49999999999999994 * q.step,
    q.min + (q.maxValue - 0.5) * q.step,
  ];
  return picks[rng.int(0, picks.length - 1)] as number;
}

/** A rotation, often zero, NaN, huge, tiny, unnormalized or with tied components. */
function edgeQuat(rng: Rng): number[] {
  const g = (): number => rng.gaussian();
  const r = rng.next();
  if (r < 0.05) return [0, 0, 0, 0];
  if (r < 0.1) return [Number.NaN, 0, 0, 1];
  if (r < 0.15) return [g() * 1e200, g(), g(), g()];
  if (r < 0.2) return [g() * 1e-7, g() * 1e-7, g() * 1e-7, g() * 1e-7];
  if (r < 0.25) return [g() * 1e-14, g() * 1e-14, 0, 0];
  if (r < 0.35) {
    const c = rng.range(-1, 1);
    return [c, -c, c, rng.chance(0.5) ? c : -c];
  }
  if (r < 0.45) return [g() * 1000, g() * 1000, g() * 1000, g() * 1000];
  if (r < 0.5) return [Infinity, 0, 0, 0];
  if (r < 0.55) return [0.5, 0.5, 0.5, 0.5];
  return [g(), g(), g(), g()];
}

/** Writes fresh channel values for a random share of `entities`. */
export function moveWorld(
  rng: Rng,
  registry: ReplicationRegistry,
  entities: readonly number[],
  share: number,
): void {
  for (const eid of entities) {
    for (const field of registry.fields) {
      if (!rng.chance(share)) continue;
      const columns = columnsOf(field);
      if (!wasmQuantized(field)) {
        columns.forEach((col, c) => ((col as unknown as unknown[])[eid] = genericValue(rng, field, c)));
        continue;
      }
      if (field.template instanceof QuatValueTemplate) {
        edgeQuat(rng).forEach((v, c) => ((columns[c] as Float64Array)[eid] = v));
      } else if (field.template instanceof TransformValueTemplate) {
        // Position: the linear edge cases per axis; rotation (channels 3…6): edgeQuat's.
        for (let c = 0; c < 3; c++) (columns[c] as Float64Array)[eid] = edgeValue(rng, field, c);
        edgeQuat(rng).forEach((v, c) => ((columns[c + 3] as Float64Array)[eid] = v));
      } else columns.forEach((col, c) => (col[eid] = edgeValue(rng, field, c)));
      if (rng.chance(0.02)) nanWithPayload(rng, columns[rng.int(0, columns.length - 1)] as Float64Array, eid);
    }
  }
}

/**
 * One tick of an evolving world: values move (a random share, none every 7th tick), 5 % of the
 * live entities gain or lose a component (never `never`), up to 3 despawn and up to 4 `spawn`;
 * returns the capture list: the live entities shuffled, each left out with `leaveOut`, and
 * sometimes one listed twice.
 */
export function evolveWorld(
  rng: Rng,
  world: World,
  registry: ReplicationRegistry,
  allocator: NetworkIdAllocator,
  live: number[],
  tick: number,
  spawn: (tick: number) => void,
  leaveOut: number,
  never?: unknown,
): number[] {
  moveWorld(rng, registry, live, tick % 7 === 0 ? 0 : rng.range(0.05, 1));
  for (const eid of live) {
    if (!rng.chance(0.05)) continue;
    const f = registry.fields[rng.int(0, registry.fields.length - 1)] as Field;
    if (f.component === never) continue;
    if (rng.chance(0.5)) addComponent(world, eid, f.component);
    else removeComponent(world, eid, f.component);
  }
  for (let k = rng.int(0, 3); k > 0 && live.length > 0; k--) {
    const eid = live.splice(rng.int(0, live.length - 1), 1)[0] as number;
    allocator.release(eid, tick);
    removeEntity(world, eid);
  }
  for (let k = rng.int(0, 4); k > 0 && live.length < CAPACITY - 10; k--) spawn(tick);
  const list = live.filter(() => !rng.chance(leaveOut));
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [list[i], list[j]] = [list[j] as number, list[i] as number];
  }
  if (list.length > 0 && rng.chance(0.2)) list.push(list[rng.int(0, list.length - 1)] as number);
  return list;
}

/** A value for a field quantized through its binding (int, bool, enum, transform). */
function genericValue(rng: Rng, field: Field, axis: number): number | string {
  switch (field.template.kind) {
    case "bool":
      return rng.int(0, 1);
    case "enum":
      return ["a", "b", "c", "d", "e"][rng.int(0, 4)] as string;
    case "int": {
      // Plain arrays (as the server's owner fields) also get fractions, NaN, ±∞, -0, huge values.
      if (!Array.isArray(field.binding.columns?.[0]) || rng.chance(0.5))
        return channelValue(rng, field.template, axis);
      const picks = [
        rng.range(-10, 60),
        Number.NaN,
        Infinity,
        -Infinity,
        -0,
        2 ** 40,
        -(2 ** 40),
        2.5,
        -1.5,
        0.5,
        0.49999999999999994,
      ];
      return picks[rng.int(0, picks.length - 1)] as number;
    }
    default:
      return axis < 3 ? rng.range(-250, 150) : rng.gaussian(); // transform: position, rotation
  }
}

/** Writes a NaN whose low mantissa bits are not zero (a quiet NaN with a payload) at `eid`. */
function nanWithPayload(rng: Rng, column: Float32Array | Float64Array, eid: number): void {
  if (eid >= column.length) return;
  const bits = new Uint32Array(column.buffer, column.byteOffset, column.byteLength / 4);
  const payload = rng.int(1, 0x3fffff);
  if (column instanceof Float32Array) bits[eid] = (0x7fc00000 | payload) >>> 0;
  else {
    bits[eid * 2] = payload;
    bits[eid * 2 + 1] = rng.chance(0.5) ? 0x7ff80000 : 0xfff80000;
  }
}
