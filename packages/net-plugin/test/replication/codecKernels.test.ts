/**
 * The generated codec kernels (codec/kernels/) against the generic path they replace: for random
 * registries and random evolving states, both encoders write the same bytes and leave the same
 * client state, both decoders accept or refuse the same bytes (mutated and truncated ones too,
 * never throwing) and decode the same state, and capture/apply give the same integers and floats.
 */
import { addComponent, addEntity, createWorld } from "bitecs";
import { createRng, type Rng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { BitWriter } from "../../src/protocol/bitWriter";
import { codecKernels } from "../../src/replication/codec/kernels/compileKernel";
import {
  applySnapshot,
  BaselineRing,
  BoolTemplate,
  captureWorld,
  DecodeStatus,
  EntityMap,
  EnumTemplate,
  FloatTemplate,
  FloatValueTemplate,
  IntTemplate,
  IntValueTemplate,
  NetworkIdAllocator,
  QuatTemplate,
  QuatValueTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  TransformTemplate,
  Vec2Template,
  Vec3Template,
  type VectorValueTemplate,
} from "../../src/replication/index";

const CAPACITY = 96;

afterEach(() => {
  codecKernels.enabled = true;
});

type Soa = Record<string, Float32Array | Float64Array>;

/**
 * A random registry of the first `kinds` of: Vec3, Vec2, Quat, Float, Int (inlined by the kernels),
 * Bool, Enum, Transform (coded through the generic field coder inside the kernels).
 */
function randomRegistry(rng: Rng, kinds = 8): { registry: ReplicationRegistry; describe: string[] } {
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
function allKinds(): ReplicationRegistry {
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
function channelValue(
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

/** Evolves quantized states: spawns, despawns, field-set changes, small and large moves, rest. */
function step(rng: Rng, registry: ReplicationRegistry, s: SnapshotState): void {
  const full = (1 << registry.fields.length) - 1;
  for (let id = 0; id < CAPACITY - 8; id++) {
    if (s.present[id] !== 1) {
      if (rng.chance(0.05)) {
        s.setPresent(id, rng.int(1, full));
        for (const f of registry.fields)
          for (let k = 0; k < f.template.width; k++)
            s.values[id * s.stride + f.offset + k] = rng.int(0, f.template.slotMax[k] as number);
      }
      continue;
    }
    const roll = rng.next();
    if (roll < 0.03) s.remove(id);
    else if (roll < 0.06) s.setPresent(id, rng.int(0, full));
    else if (roll < 0.65) {
      for (const f of registry.fields) {
        if (!rng.chance(0.7)) continue;
        for (let k = 0; k < f.template.width; k++) {
          const max = f.template.slotMax[k] as number;
          const o = id * s.stride + f.offset + k;
          const isIndex = f.template.kind === "quat" && k === 0;
          const move = isIndex
            ? rng.chance(0.1)
              ? 1
              : 0
            : rng.chance(0.05)
              ? rng.int(-max, max)
              : rng.int(-9, 9);
          s.values[o] = Math.min(max, Math.max(0, (s.values[o] as number) + move)) % (max + 1);
        }
      }
    }
    s.version[id] = (s.version[id] as number) + 1;
  }
  for (let id = 0; id < CAPACITY; id++) if (s.present[id] === 1 && id >= s.highWater) s.highWater = id + 1;
}

function build(registry: ReplicationRegistry, kernels: boolean) {
  codecKernels.enabled = kernels;
  const parts = {
    encoder: new SnapshotEncoder(registry, CAPACITY),
    decoder: new SnapshotDecoder(registry, CAPACITY),
    serverRing: new BaselineRing(registry, CAPACITY),
    clientRing: new BaselineRing(registry, CAPACITY),
    writer: new BitWriter(64 * 1024),
  };
  codecKernels.enabled = true;
  return parts;
}

describe("generated codec kernels", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])(
    "write the same bytes and decode the same states as the generic path (seed %i)",
    (seed) => {
      const rng = createRng(seed);
      const { registry, describe: layout } = randomRegistry(rng);
      const current = new SnapshotState(registry, CAPACITY);
      current.versioned = true;
      const kernel = build(registry, true);
      const generic = build(registry, false);
      const priority = new Float32Array(CAPACITY);
      const relevant = new Uint8Array(CAPACITY);
      const context = `seed ${seed}, fields ${layout.join(" ")}`;
      for (let tick = 0; tick < 80; tick++) {
        step(rng, registry, current);
        current.tick = tick;
        const ack = tick - rng.int(1, 8);
        const useRelevant = rng.chance(0.3);
        for (let id = 0; id < CAPACITY; id++) {
          priority[id] = rng.range(0, 10);
          relevant[id] = rng.chance(0.9) ? 1 : 0;
        }
        const budgetBytes = rng.chance(0.25) ? rng.int(20, 400) : undefined;
        const predict = rng.chance(0.7);
        const acked = ack >= 0 && rng.chance(0.8);
        const bytes: Uint8Array[] = [];
        for (const side of [kernel, generic]) {
          if (acked) side.serverRing.markAcked(ack);
          const baseline = side.serverRing.newestAckedState();
          side.writer.reset();
          side.encoder.encode(side.writer, {
            sequence: tick,
            tick,
            current,
            baseline,
            reference: baseline && predict ? side.serverRing.referenceFor(baseline, tick) : undefined,
            out: side.serverRing.acquire(tick),
            relevant: useRelevant ? relevant : undefined,
            priority,
            budgetBytes,
          });
          bytes.push(side.writer.finish().slice());
        }
        const [a, b] = bytes as [Uint8Array, Uint8Array];
        expect(Array.from(a), context).toEqual(Array.from(b));
        expect(
          (kernel.serverRing.get(tick) as SnapshotState).equals(
            generic.serverRing.get(tick) as SnapshotState,
          ),
          context,
        ).toBe(true);
        expect(Array.from(kernel.encoder.written.subarray(0, kernel.encoder.writtenCount)), context).toEqual(
          Array.from(generic.encoder.written.subarray(0, generic.encoder.writtenCount)),
        );
        const sa = kernel.decoder.decode(a, kernel.clientRing);
        const sb = generic.decoder.decode(b, generic.clientRing);
        expect(sa, context).toBe(sb);
        if (sa === DecodeStatus.Ok) {
          expect(
            (kernel.decoder.lastDecoded as SnapshotState).equals(
              kernel.serverRing.get(tick) as SnapshotState,
            ),
            context,
          ).toBe(true);
          expect(
            (generic.decoder.lastDecoded as SnapshotState).equals(
              kernel.serverRing.get(tick) as SnapshotState,
            ),
            context,
          ).toBe(true);
        }
      }
    },
  );

  it.each([21, 22, 23])(
    "accept and refuse the same mutated or truncated bytes, never throwing (seed %i)",
    (seed) => {
      const rng = createRng(seed);
      const { registry, describe: layout } = randomRegistry(rng);
      const current = new SnapshotState(registry, CAPACITY);
      const kernel = build(registry, true);
      const generic = build(registry, false);
      const good: Uint8Array[] = [];
      for (let tick = 0; tick < 24; tick++) {
        step(rng, registry, current);
        current.tick = tick;
        if (tick >= 2) kernel.serverRing.markAcked(tick - 2);
        const baseline = kernel.serverRing.newestAckedState();
        kernel.writer.reset();
        kernel.encoder.encode(kernel.writer, {
          sequence: tick,
          tick,
          current,
          baseline,
          reference: baseline && tick % 2 === 1 ? kernel.serverRing.referenceFor(baseline, tick) : undefined,
          out: kernel.serverRing.acquire(tick),
        });
        const bytes = kernel.writer.finish().slice();
        good.push(bytes);
        expect(kernel.decoder.decode(bytes, kernel.clientRing)).toBe(DecodeStatus.Ok);
        expect(generic.decoder.decode(bytes, generic.clientRing)).toBe(DecodeStatus.Ok);
      }
      for (let i = 0; i < 1500; i++) {
        const src = good[rng.int(4, good.length - 1)] as Uint8Array;
        let bytes: Uint8Array;
        if (rng.chance(0.3)) bytes = src.subarray(0, rng.int(0, src.length - 1));
        else {
          bytes = src.slice();
          for (let m = rng.int(1, 3); m > 0; m--) {
            const at = rng.int(0, bytes.length - 1);
            bytes[at] = (bytes[at] as number) ^ (1 << rng.int(0, 7));
          }
        }
        // Fresh decoders over the rings that hold every baseline: deep reads, not early refusals.
        codecKernels.enabled = true;
        const dk = new SnapshotDecoder(registry, CAPACITY);
        codecKernels.enabled = false;
        const dg = new SnapshotDecoder(registry, CAPACITY);
        codecKernels.enabled = true;
        let sk: DecodeStatus = DecodeStatus.Ok;
        let sg: DecodeStatus = DecodeStatus.Ok;
        expect(() => {
          sk = dk.decode(bytes, kernel.clientRing);
          sg = dg.decode(bytes, generic.clientRing);
        }).not.toThrow();
        expect(sk, `seed ${seed}, case ${i}, fields ${layout.join(" ")}`).toBe(sg);
        if (sk === DecodeStatus.Ok)
          expect((dk.lastDecoded as SnapshotState).equals(dg.lastDecoded as SnapshotState)).toBe(true);
      }
    },
  );

  it.each([31, 32, 33, 34])("capture and apply give the same integers and floats (seed %i)", (seed) => {
    const rng = createRng(seed);
    // Numeric storage only (this test writes raw channel values).
    const server = seed % 2 === 1 ? allKinds() : randomRegistry(rng, 5).registry;
    // The same component objects under a second registry whose capture runs the generic path.
    const generic = new ReplicationRegistry();
    for (const f of server.fields) generic.replicate(f.component as object, f.template, { name: f.name });
    codecKernels.enabled = false;
    const probe = new SnapshotState(generic, CAPACITY);
    captureWorld(createWorld(), generic, [], new EntityMap(CAPACITY), probe, 0);
    codecKernels.enabled = true;
    const world = createWorld();
    const allocator = new NetworkIdAllocator(CAPACITY);
    const entities: number[] = [];
    for (let i = 0; i < 60; i++) {
      const eid = addEntity(world);
      for (const f of server.fields) if (rng.chance(0.8)) addComponent(world, eid, f.component);
      allocator.allocate(eid, 0);
      entities.push(eid);
    }
    const a = new SnapshotState(server, CAPACITY);
    const b = new SnapshotState(generic, CAPACITY);
    // Client worlds with their own storage, one applied by the kernel and one generically.
    const clients = [server, generic].map((reg, side) => {
      codecKernels.enabled = side === 0;
      const registry = new ReplicationRegistry();
      const storage = reg.fields.map((f) => {
        const c = f.component as Soa | Float32Array | Float64Array | Int32Array;
        const copy = ArrayBuffer.isView(c)
          ? new (c.constructor as Float64ArrayConstructor)(CAPACITY)
          : Object.fromEntries(
              Object.entries(c).map(([k, v]) => [
                k,
                new (v.constructor as Float64ArrayConstructor)(CAPACITY),
              ]),
            );
        registry.replicate(copy, f.template, { name: f.name });
        return copy;
      });
      const state = { registry, storage, world: createWorld(), map: new EntityMap(CAPACITY) };
      captureWorld(state.world, registry, [], state.map, new SnapshotState(registry, CAPACITY), 0);
      codecKernels.enabled = true;
      return state;
    });
    let prev: [SnapshotState | undefined, SnapshotState | undefined] = [undefined, undefined];
    for (let tick = 0; tick < 30; tick++) {
      for (const f of server.fields) {
        const c = f.component as Soa | Float32Array | Float64Array | Int32Array;
        const columns = ArrayBuffer.isView(c) ? [c] : Object.values(c);
        for (let axis = 0; axis < columns.length; axis++)
          for (const eid of entities) {
            if (rng.chance(0.7)) (columns[axis] as Float64Array)[eid] = channelValue(rng, f.template, axis);
          }
      }
      captureWorld(world, server, entities, allocator.map, a, tick);
      captureWorld(world, generic, entities, allocator.map, b, tick);
      expect(a.equals(b), `seed ${seed} tick ${tick}`).toBe(true);
      const next = [a, b].map((s, side) => {
        const copy = new SnapshotState((clients[side] as (typeof clients)[number]).registry, CAPACITY);
        copy.copyFrom(s);
        return copy;
      });
      for (let side = 0; side < 2; side++) {
        const cl = clients[side] as (typeof clients)[number];
        applySnapshot(cl.world, cl.registry, prev[side], next[side] as SnapshotState, cl.map);
      }
      prev = [next[0], next[1]];
      const [ka, ga] = clients as [(typeof clients)[number], (typeof clients)[number]];
      for (let f = 0; f < ka.storage.length; f++) {
        const x = ka.storage[f] as Soa | Float64Array;
        const y = ga.storage[f] as Soa | Float64Array;
        const xs = ArrayBuffer.isView(x) ? [x] : Object.values(x);
        const ys = ArrayBuffer.isView(y) ? [y] : Object.values(y);
        for (let c = 0; c < xs.length; c++)
          expect(Array.from(xs[c] as Float64Array), `seed ${seed} tick ${tick} field ${f}`).toEqual(
            Array.from(ys[c] as Float64Array),
          );
      }
    }
  });
});
