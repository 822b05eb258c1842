/**
 * Random registries for the inlined int, bool, enum and transform fields (codec/kernels/fieldAccess.ts)
 * over every column type a game uses — Int8 … Uint32, Uint8Clamped, Float32/64 and plain arrays,
 * some shorter than the entity ids — mixed with vectors, rotations, floats and a string enum, and
 * adversarial channel values (NaN, ±∞, -0, out of range, fractions, 2^40, the Math.round
 * exception; on plain arrays also undefined, null, strings and booleans).
 */
import type { Rng } from "@canopy/core";
import {
  BoolTemplate,
  EnumTemplate,
  FloatTemplate,
  IntTemplate,
  QuatTemplate,
  ReplicationRegistry,
  TransformTemplate,
  Vec3Template,
  type IntTemplateOptions,
} from "../../src/replication/index";

export const CAPACITY = 96;

/** A component column: a typed array or a plain array. */
export type Column = { [index: number]: unknown; length: number };

const TYPES = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
] as const;

/** A fresh column like `like` (same type and length), or a random one. */
export function columnLike(like: Column): Column {
  if (Array.isArray(like)) return new Array<unknown>(like.length).fill(0);
  const ctor = (like as object).constructor as new (n: number) => Column;
  return new ctor(like.length);
}

/** The columns of `component`: itself (one column) or its properties' values. */
export function columnsOf(component: unknown): Column[] {
  return Array.isArray(component) || ArrayBuffer.isView(component)
    ? [component as Column]
    : Object.values(component as Record<string, Column>);
}

/** A fresh component shaped like `component` (its columns' types and lengths), zeroed. */
export function copyComponent(component: unknown): unknown {
  if (Array.isArray(component) || ArrayBuffer.isView(component)) return columnLike(component as Column);
  return Object.fromEntries(
    Object.entries(component as Record<string, Column>).map(([k, c]) => [k, columnLike(c)]),
  );
}

function randomColumn(rng: Rng, floatsOnly = false): Column {
  const length = rng.chance(0.25) ? 50 : CAPACITY;
  if (rng.chance(0.2)) return new Array<unknown>(length).fill(0);
  const types = floatsOnly ? [Float32Array, Float64Array] : TYPES;
  const ctor = types[rng.int(0, types.length - 1)] as new (n: number) => Column;
  return new ctor(length);
}

const INT_OPTIONS: IntTemplateOptions[] = [
  { min: -7, max: 3000 },
  { min: 0, max: 1000 },
  { bits: 8 },
  { min: -100000, max: 100000 },
  { min: 3, max: 3 },
  { bits: 1 },
  // Bounds past the i32s (the wasm apply kernel leaves them generic).
  { min: 2 ** 33, max: 2 ** 33 + 100 },
  { min: -(2 ** 31) - 5, max: -(2 ** 31) + 100 },
  // Past 2^53: q + min rounds in JS (the wasm kernel leaves it generic).
  { min: 2 ** 60, max: 2 ** 60 + 4096 },
];
const ENUM_VALUES: number[][] = [[0, 1, 2, 3], [0, 1], [5, -3, 0.5, -0, 1e9], [2, 1, 0], [7]];

/** A random registry mixing every inlined kind; `describe` names its fields. */
export function mixedRegistry(rng: Rng): { registry: ReplicationRegistry; describe: string[] } {
  const registry = new ReplicationRegistry();
  const describe: string[] = [];
  const type = (c: Column): string => (Array.isArray(c) ? "Array" : (c as object).constructor.name);
  for (let i = rng.int(2, 7); i > 0; i--) {
    const kind = rng.int(0, 7);
    if (kind <= 1) {
      const c = randomColumn(rng);
      const options = INT_OPTIONS[rng.int(0, INT_OPTIONS.length - 1)] as IntTemplateOptions;
      registry.replicate(c, IntTemplate(options));
      describe.push(`int(${JSON.stringify(options)}, ${type(c)}[${c.length}])`);
    } else if (kind === 2) {
      const c = randomColumn(rng);
      registry.replicate(c, BoolTemplate());
      describe.push(`bool(${type(c)}[${c.length}])`);
    } else if (kind === 3) {
      const c = randomColumn(rng);
      const values = ENUM_VALUES[rng.int(0, ENUM_VALUES.length - 1)] as number[];
      registry.replicate(c, EnumTemplate(values));
      describe.push(`enum(${values.join(",")}, ${type(c)}[${c.length}])`);
    } else if (kind === 4) {
      const keys = ["x", "y", "z", "qx", "qy", "qz", "qw"];
      const min = rng.range(-200, 0);
      const precision = [0.5, 0.01, 1 / 512][rng.int(0, 2)] as number;
      const soa = Object.fromEntries(keys.map((k) => [k, randomColumn(rng, true)]));
      const bits = rng.int(4, 15);
      registry.replicate(
        soa,
        TransformTemplate({ min, max: min + rng.range(1, 300), precision, rotationBits: bits }),
      );
      describe.push(
        `transform(${bits}, ${keys.map((k) => `${type(soa[k] as Column)}[${(soa[k] as Column).length}]`).join(" ")})`,
      );
    } else if (kind === 5) {
      const f = (): Float32Array => new Float32Array(CAPACITY);
      registry.replicate({ x: f(), y: f(), z: f() }, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }));
      registry.replicate({ x: f(), y: f(), z: f(), w: f() }, QuatTemplate({ bits: 9 }));
      describe.push("vec3", "quat");
    } else if (kind === 6) {
      registry.replicate(new Float64Array(CAPACITY), FloatTemplate({ min: -1, max: 3, precision: 1 / 256 }));
      describe.push("float");
    } else {
      registry.replicate([] as string[], EnumTemplate(["a", "b", "c"]));
      describe.push("enum(strings)");
    }
  }
  return { registry, describe };
}

/**
 * Every int bound on an integer and a float typed array (types in turn), bools and every enum
 * list (or only those of values 0…n-1) on typed arrays, a vec3
 * (a field the wasm kernels always run): at most 32 fields.
 */
export function everyScalar(identityEnumsOnly = false, plainBool = false): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  const integers = TYPES.slice(0, 7) as readonly (new (n: number) => Column)[];
  INT_OPTIONS.forEach((options, i) => {
    registry.replicate(
      new (integers[i % integers.length] as new (n: number) => Column)(CAPACITY),
      IntTemplate(options),
    );
    registry.replicate(new (i % 2 === 0 ? Float64Array : Float32Array)(CAPACITY), IntTemplate(options));
  });
  for (const type of [Uint8Array, Int32Array, Float32Array])
    registry.replicate(new type(CAPACITY), BoolTemplate());
  ENUM_VALUES.forEach((values, i) => {
    if (identityEnumsOnly && !values.every((v, k) => Object.is(v, k))) return;
    registry.replicate(
      new (integers[(i * 3) % integers.length] as new (n: number) => Column)(CAPACITY),
      EnumTemplate(values),
    );
  });
  registry.replicate(new Float64Array(CAPACITY), EnumTemplate([0, 1, 2, 3])); // fractions, NaN, -0
  if (plainBool) registry.replicate(new Array<unknown>(CAPACITY).fill(0), BoolTemplate());
  const f = (): Float32Array => new Float32Array(CAPACITY);
  registry.replicate({ x: f(), y: f(), z: f() }, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }));
  return registry;
}

/** An adversarial value for one channel of `field` (stored in `column`). */
export function mixedValue(
  rng: Rng,
  field: ReplicationRegistry["fields"][number],
  column: Column,
  axis: number,
): unknown {
  const t = field.template;
  const plain = Array.isArray(column);
  if (plain && rng.chance(0.1)) return [undefined, null, "7", "x", true, false, "2"][rng.int(0, 6)];
  const common = [
    Number.NaN,
    Infinity,
    -Infinity,
    -0,
    0,
    2 ** 40,
    -(2 ** 40),
    0.49999999999999994,
    -0.5,
    0.5,
    2.5,
  ];
  if (rng.chance(0.25)) return common[rng.int(0, common.length - 1)];
  switch (t.kind) {
    case "int":
      if (rng.chance(0.2)) {
        const { min, max } = t as unknown as { min: number; max: number };
        return min + rng.int(-3, max - min + 3);
      }
      return rng.chance(0.3) ? rng.range(-200, 3200) : rng.int(-200, 100200);
    case "bool":
      return rng.int(0, 2);
    case "enum": {
      const values = (t as unknown as { values: unknown[] }).values;
      return rng.chance(0.8) ? values[rng.int(0, values.length - 1)] : rng.int(-2, 9);
    }
    case "transform":
      return axis < 3 ? rng.range(-250, 150) : rng.chance(0.05) ? 0 : rng.gaussian();
    case "quat":
      return rng.gaussian();
    default:
      return rng.range(-60, 60);
  }
}
