/**
 * A seeded random "world" of quantized entity states for codec tests: entities spawn, despawn,
 * move a little or a lot, change their field set, and rest.
 */
import { createRng, type Rng } from "@canopy/core";
import { BitWriter } from "../../src/protocol/bitWriter";
import {
  BaselineRing,
  BoolTemplate,
  EnumTemplate,
  FloatTemplate,
  IntTemplate,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  StringTemplate,
  Vec3Template,
  type EncodeSnapshotInput,
} from "../../src/replication/index";

export const CAPACITY = 256;

/**
 * A damaged copy of one of `good[4..]` for the decoders' fuzz tests: 30 % cut short, else 1–3
 * bits flipped (deep reads past the header, not only early refusals). Draws from `rng`.
 */
export function mutatedSnapshot(rng: Rng, good: readonly Uint8Array[]): Uint8Array {
  const src = good[rng.int(4, good.length - 1)] as Uint8Array;
  if (rng.chance(0.3)) return src.subarray(0, rng.int(0, src.length - 1));
  const bytes = src.slice();
  for (let m = rng.int(1, 3); m > 0; m--) {
    const at = rng.int(0, bytes.length - 1);
    bytes[at] = (bytes[at] as number) ^ (1 << rng.int(0, 7));
  }
  return bytes;
}

/** A registry with one field of every built-in kind. */
export function makeRegistry(): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  const soa = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, new Float32Array(CAPACITY)]));
  registry.replicate(soa(["x", "y", "z"]), Vec3Template({ min: -100, max: 100, precision: 0.01 }), {
    name: "position",
  });
  registry.replicate(soa(["x", "y", "z", "w"]), QuatTemplate({ bits: 10 }), { name: "rotation" });
  registry.replicate(new Float32Array(CAPACITY), FloatTemplate({ min: 0, max: 100, precision: 0.5 }), {
    name: "health",
  });
  registry.replicate(new Uint8Array(CAPACITY), BoolTemplate(), { name: "alive" });
  registry.replicate(new Int32Array(CAPACITY), IntTemplate({ min: -5, max: 1000 }), { name: "score" });
  registry.replicate([] as string[], EnumTemplate(["idle", "run", "jump"]), { name: "mode" });
  registry.replicate([] as string[], StringTemplate({ maxBytes: 12 }), { name: "label" });
  return registry;
}

/** Evolves a random world and writes its quantized state each tick. */
export class RandomWorld {
  readonly rng: Rng;
  readonly state: SnapshotState;
  private readonly scratch = new Int32Array(64);

  constructor(
    readonly registry: ReplicationRegistry,
    seed: number,
    readonly churn = 0.02,
  ) {
    this.rng = createRng(seed);
    this.state = new SnapshotState(registry, CAPACITY);
    for (let id = 0; id < CAPACITY / 2; id++) this.spawn(id);
  }

  spawn(id: number): void {
    const mask = this.rng.int(1, (1 << this.registry.fields.length) - 1);
    this.state.setPresent(id, mask);
    for (const f of this.registry.fields) this.randomize(id, f.index, true);
  }

  /** Writes a random (or nearby) valid value for field `index` of `id`. */
  randomize(id: number, index: number, full: boolean): void {
    const f = this.registry.fields[index];
    if (f === undefined) return;
    const o = id * this.state.stride + f.offset;
    const v = this.state.values;
    const t = f.template;
    if (full || t.deltaGroups[0]?.kind === "full" || t.kind === "bool") {
      const value =
        t.kind === "vec3"
          ? { x: this.rng.range(-120, 120), y: this.rng.range(-100, 100), z: this.rng.range(-100, 100) }
          : t.kind === "quat"
            ? {
                x: this.rng.gaussian(),
                y: this.rng.gaussian(),
                z: this.rng.gaussian(),
                w: this.rng.gaussian(),
              }
            : t.kind === "float"
              ? this.rng.range(-10, 110)
              : t.kind === "bool"
                ? this.rng.chance(0.5)
                : t.kind === "int"
                  ? this.rng.int(-10, 1010)
                  : t.kind === "enum"
                    ? (["idle", "run", "jump"][this.rng.int(0, 2)] as string)
                    : "é".repeat(this.rng.int(0, 8));
      t.quantize(value, this.scratch, 0);
      for (let s = 0; s < t.width; s++) v[o + s] = this.scratch[s] as number;
      return;
    }
    // Small moves: nudge each slot within range.
    for (let s = 0; s < t.width; s++) {
      if (t.kind === "quat" && s === 0) continue;
      const max = t.slotMax[s] as number;
      const step = this.rng.chance(0.1) ? this.rng.int(-max, max) : this.rng.int(-20, 20);
      v[o + s] = Math.min(max, Math.max(0, (v[o + s] as number) + step));
    }
  }

  /** One tick: some entities move, some rest, a few spawn, despawn or change their fields. */
  step(): void {
    const s = this.state;
    for (let id = 0; id < CAPACITY; id++) {
      if (s.present[id] !== 1) {
        if (this.rng.chance(this.churn)) this.spawn(id);
        continue;
      }
      if (this.rng.chance(this.churn)) {
        s.remove(id);
        continue;
      }
      if (this.rng.chance(this.churn)) {
        s.setPresent(id, this.rng.int(0, (1 << this.registry.fields.length) - 1));
        for (const f of this.registry.fields) this.randomize(id, f.index, true);
        continue;
      }
      if (this.rng.chance(0.6)) continue; // at rest
      for (const f of this.registry.fields) {
        if ((s.mask[id] as number) & (1 << f.index) && this.rng.chance(0.5))
          this.randomize(id, f.index, false);
      }
    }
  }
}

/** Server and client ends of one connection: encode → bytes → decode, with an ack delay in ticks. */
export function makeLink(seed: number, churn = 0.02) {
  const registry = makeRegistry();
  const world = new RandomWorld(registry, seed, churn);
  const encoder = new SnapshotEncoder(registry, CAPACITY);
  const decoder = new SnapshotDecoder(registry, CAPACITY);
  const serverRing = new BaselineRing(registry, CAPACITY);
  const clientRing = new BaselineRing(registry, CAPACITY);
  const writer = new BitWriter(64 * 1024);
  /**
   * Encodes the world's current state as snapshot `sequence` (default: the tick) into the reset
   * writer, against the server's newest acked baseline; `extra` adds or overrides encode inputs.
   */
  const encodeNext = (tick: number, extra: Partial<EncodeSnapshotInput> = {}, sequence = tick) => {
    writer.reset();
    return encoder.encode(writer, {
      sequence,
      tick,
      current: world.state,
      baseline: serverRing.newestAckedState(),
      out: serverRing.acquire(sequence),
      ...extra,
    });
  };
  return { registry, world, encoder, decoder, serverRing, clientRing, writer, encodeNext };
}
