/**
 * Shared by the Transform codec tests (transformColumns, wasm/transformDecode): random registries
 * mixing Transform fields (and a Transform-like custom template with a change threshold) with every
 * other template, and their random evolution with rotations' largest index changing.
 */
import type { Rng } from "@canopy/core";
import {
  QuantizedTemplate,
  type ReplicationRegistry,
  TransformTemplate,
  type SnapshotState,
} from "../../src/replication/index";
import { CAPACITY, randomRegistry } from "./kernelFixture";

export const KEYS = ["x", "y", "z", "qx", "qy", "qz", "qw"] as const;
/** A Transform component (seven Float32 columns). */
export const soa = () => Object.fromEntries(KEYS.map((k) => [k, new Float32Array(CAPACITY)]));

/**
 * A Transform-like custom template (position 0..2, smallest-three 3..6) with a change threshold,
 * its ranges below its slots' bits (the readers' range checks can refuse).
 */
export class ThresholdTransform extends QuantizedTemplate<number[]> {
  readonly kind = "test-transform";
  readonly descriptor = "test-transform(9)";
  readonly channels = undefined;
  constructor(bits: number) {
    // Rotation components below their bits' range: a full value read can be out of range.
    const q = (1 << bits) - 3;
    super(
      [4000, 900, 70000, 2, q, q, q],
      [12, 10, 17, 2, bits, bits, bits],
      [
        { kind: "slots", start: 0, count: 3 },
        { kind: "quat", start: 3, count: 4 },
      ],
      2,
    );
  }
  createValue(): number[] {
    return [0, 0, 0, 0, 0, 0, 0];
  }
  quantize(v: number[], out: Int32Array, offset: number): void {
    for (let i = 0; i < 7; i++) out[offset + i] = v[i] ?? 0;
  }
  dequantize(q: Int32Array, offset: number, out: number[]): number[] {
    for (let i = 0; i < 7; i++) out[i] = q[offset + i] as number;
    return out;
  }
  interpolate(a: number[]): number[] {
    return a;
  }
  extrapolate(a: number[]): number[] {
    return a;
  }
}

/** A random registry of every template kind plus one or two Transform(-like) fields. */
export function transformRegistry(rng: Rng): { registry: ReplicationRegistry; describe: string[] } {
  const { registry, describe: names } = randomRegistry(rng);
  for (let n = rng.int(1, 2); n > 0; n--) {
    if (rng.chance(0.3)) {
      registry.replicate([] as number[][], new ThresholdTransform(rng.int(3, 14)));
      names.push("threshold-transform");
      continue;
    }
    const min = rng.range(-200, 0);
    const precision = [0.5, 0.01, 1 / 512][rng.int(0, 2)] as number;
    const rotationBits = rng.int(4, 15);
    registry.replicate(
      soa(),
      TransformTemplate({ min, max: min + rng.range(1, 300), precision, rotationBits }),
    );
    names.push(`transform(${rotationBits})`);
  }
  return { registry, describe: names };
}

/**
 * The row version clock of {@link evolve}: one counter for every id, as capture's (a respawned id
 * never gets back a version its previous life had, which a baseline may still hold).
 */
let versionClock = 0;

/** codecRig.step, with rotations' largest index (a Quat's slot 0, a Transform's slot 3) changing ~10 %. */
export function evolve(rng: Rng, registry: ReplicationRegistry, s: SnapshotState): void {
  const full = (1 << registry.fields.length) - 1;
  for (let id = 0; id < CAPACITY - 8; id++) {
    const row = id * s.stride;
    if (s.present[id] !== 1) {
      if (rng.chance(0.06)) {
        s.setPresent(id, rng.int(1, full));
        for (const f of registry.fields)
          for (let k = 0; k < f.template.width; k++)
            s.values[row + f.offset + k] = rng.int(0, f.template.slotMax[k] as number);
        s.version[id] = ++versionClock;
      }
      continue;
    }
    const roll = rng.next();
    if (roll < 0.03) s.remove(id);
    else if (roll < 0.05) s.setPresent(id, rng.int(0, full));
    else if (roll < 0.8) {
      for (const f of registry.fields) {
        if (!rng.chance(0.8)) continue;
        const index = f.template.width === 7 ? 3 : f.template.kind === "quat" ? 0 : -1;
        for (let k = 0; k < f.template.width; k++) {
          const max = f.template.slotMax[k] as number;
          const o = row + f.offset + k;
          let v = s.values[o] as number;
          if (k === index) v = rng.chance(0.1) ? rng.int(0, 3) : v;
          else v += rng.chance(0.04) ? rng.int(-max, max) : rng.int(-6, 6);
          s.values[o] = Math.min(max, Math.max(0, v));
        }
      }
    }
    if (s.present[id] === 1) s.version[id] = ++versionClock;
  }
  for (let id = 0; id < CAPACITY; id++) if (s.present[id] === 1 && id >= s.highWater) s.highWater = id + 1;
}
