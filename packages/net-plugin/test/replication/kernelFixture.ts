/**
 * Random registries for the codec-kernel tests: every kind the generated kernels inline, mixed with
 * kinds they code through the generic field coder, over SoA and scalar storage.
 */
import type { Rng } from "@canopy/core";
import {
  BoolTemplate,
  EnumTemplate,
  FloatTemplate,
  FloatValueTemplate,
  IntTemplate,
  IntValueTemplate,
  QuatTemplate,
  QuatValueTemplate,
  ReplicationRegistry,
  TransformTemplate,
  Vec2Template,
  Vec3Template,
  type VectorValueTemplate,
} from "../../src/replication/index";

export const CAPACITY = 96;

/** SoA storage of one component. */
export type Soa = Record<string, Float32Array | Float64Array>;

/**
 * A random registry of the first `kinds` of: Vec3, Vec2, Quat, Float, Int (inlined by the kernels),
 * Bool, Enum, Transform (coded through the generic field coder inside the kernels).
 */
export function randomRegistry(rng: Rng, kinds = 8): { registry: ReplicationRegistry; describe: string[] } {
  const registry = new ReplicationRegistry();
  const names: string[] = [];
  const count = rng.int(1, 5);
  const column = () => (rng.chance(0.5) ? new Float32Array(CAPACITY) : new Float64Array(CAPACITY));
  for (let i = 0; i < count; i++) {
    const kind = rng.int(0, kinds - 1);
    const threshold = rng.chance(0.3) ? rng.range(0.001, 0.05) : undefined;
    const precision = [0.5, 0.01, 1 / 512, 0.0007][rng.int(0, 3)] as number;
    const span = rng.range(1, 300);
    const min = rng.range(-200, 0);
    if (kind === 0) {
      registry.replicate(
        { x: column(), y: column(), z: column() },
        Vec3Template({ min, max: min + span, precision, threshold }),
      );
      names.push(`vec3(${min},${span},${precision},${threshold})`);
    } else if (kind === 1) {
      registry.replicate(
        { x: column(), y: column() },
        Vec2Template({ min, max: min + span, precision, threshold }),
      );
      names.push(`vec2(${min},${span},${precision},${threshold})`);
    } else if (kind === 2) {
      const bits = rng.int(2, 16);
      registry.replicate({ x: column(), y: column(), z: column(), w: column() }, QuatTemplate({ bits }));
      names.push(`quat(${bits})`);
    } else if (kind === 3) {
      registry.replicate(column(), FloatTemplate({ min, max: min + span, precision, threshold }));
      names.push(`float(${min},${span},${precision},${threshold})`);
    } else if (kind === 4) {
      registry.replicate(new Int32Array(CAPACITY), IntTemplate({ min: -7, max: rng.int(0, 5000) }));
      names.push("int");
    } else if (kind === 5) {
      // Templates the kernels code through the generic field coder.
      registry.replicate(new Uint8Array(CAPACITY), BoolTemplate());
      names.push("bool");
    } else if (kind === 6) {
      registry.replicate([] as string[], EnumTemplate(["a", "b", "c", "d", "e"]));
      names.push("enum");
    } else {
      const keys = ["x", "y", "z", "qx", "qy", "qz", "qw"];
      registry.replicate(
        Object.fromEntries(keys.map((key) => [key, column()])),
        TransformTemplate({ min, max: min + span, precision, rotationBits: rng.int(4, 12) }),
      );
      names.push("transform");
    }
  }
  return { registry, describe: names };
}

/** One field of every kind the kernels inline (and an int, which goes through its binding). */
export function allKinds(): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  const f32 = () => new Float32Array(CAPACITY);
  const f64 = () => new Float64Array(CAPACITY);
  registry.replicate(
    { x: f32(), y: f32(), z: f32() },
    Vec3Template({ min: -50, max: 50, precision: 1 / 512 }),
  );
  registry.replicate(
    { x: f64(), y: f64() },
    Vec2Template({ min: { x: -3, y: 0 }, max: { x: 7, y: 1 }, precision: 0.003 }),
  );
  registry.replicate({ x: f32(), y: f32(), z: f32(), w: f32() }, QuatTemplate({ bits: 9 }));
  registry.replicate({ x: f64(), y: f64(), z: f64(), w: f64() }, QuatTemplate({ bits: 15 }));
  registry.replicate(f32(), FloatTemplate({ min: 0, max: 100, precision: 0.25, threshold: 1 }));
  registry.replicate(new Int32Array(CAPACITY), IntTemplate({ min: -7, max: 3000 }));
  return registry;
}

/** A value for one channel of `template`: mostly inside its bounds, sometimes outside or NaN. */
export function channelValue(
  rng: Rng,
  template: ReplicationRegistry["fields"][number]["template"],
  axis: number,
): number {
  if (rng.chance(0.01)) return Number.NaN;
  if (template instanceof QuatValueTemplate) return rng.chance(0.01) ? 0 : rng.gaussian();
  if (template instanceof IntValueTemplate) return rng.int(-20, 3020);
  const q =
    template instanceof FloatValueTemplate
      ? template.quantizer
      : (template as VectorValueTemplate<Record<string, number>>).quantizers[axis];
  if (q === undefined) return 0;
  return q.min + rng.range(-0.1, 1.1) * (q.max - q.min);
}
