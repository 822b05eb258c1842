/**
 * The generated WebAssembly update reader (codec/wasm/wasmReadUpdates.ts) against the generated
 * JS reader (codec/kernels/decodeKernel.ts), inside a real SnapshotDecoder: for random registries
 * of slots and smallest-three fields and random evolving states encoded by the real encoder (with
 * and without prediction, bitmap and gap id forms), and for mutated and truncated copies of those
 * snapshots, both readers give the same result, the same overflowed flag, and on success the same
 * position and decoded rows.
 */
import { createRng, type Rng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import type { ReadUpdatesKernel } from "../../../src/replication/codec/kernels/decodeKernel";
import { wasmReadUpdates } from "../../../src/replication/codec/wasm/wasmReadUpdates";
import { WordReader } from "../../../src/replication/codec/wordBits";
import {
  BaselineRing,
  BoolTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { CAPACITY, randomRegistry } from "../kernelFixture";

/** Evolves quantized states (as codecKernels.test.ts): spawns, despawns, field changes, moves, rest. */
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

interface Stats {
  calls: number;
  ok: number;
  failed: number;
  predicted: number;
  gaps: number;
}

/** Runs both readers on the same inputs (fresh readers and work copies) and compares them. */
function both(
  js: ReadUpdatesKernel,
  wasm: ReadUpdatesKernel,
  registry: ReplicationRegistry,
  input: Uint8Array,
  position: number,
  args: Parameters<ReadUpdatesKernel>,
  where: string,
): boolean {
  const [, base, work, mark, reference, rn, rd, ks, updates, bitmap, k] = args;
  const prepare = (): [WordReader, SnapshotState] => {
    const reader = new WordReader();
    reader.reset(input);
    if (position > reader.bitLength) {
      reader.position = reader.bitLength;
      reader.readBits(1);
    } else reader.position = position;
    const w = new SnapshotState(registry, CAPACITY);
    w.copyFrom(work);
    return [reader, w];
  };
  const readers: [WordReader, WordReader] = [new WordReader(), new WordReader()];
  const works: [SnapshotState, SnapshotState] = [work, work];
  [readers[0], works[0]] = prepare();
  [readers[1], works[1]] = prepare();
  const okWasm = wasm(readers[0], base, works[0], mark, reference, rn, rd, ks, updates, bitmap, k);
  const okJs = js(readers[1], base, works[1], mark, reference, rn, rd, ks, updates, bitmap, k);
  const at = `${where} (bitmap ${bitmap}, predicted ${reference !== undefined}, updates ${updates}, k ${k})`;
  expect(okWasm, at).toBe(okJs);
  expect(readers[0].overflowed, at).toBe(readers[1].overflowed);
  if (okJs) {
    expect(readers[0].position, at).toBe(readers[1].position);
    const n = base.highWater * registry.stride;
    expect(Array.from(works[0].values.subarray(0, n)), at).toEqual(
      Array.from(works[1].values.subarray(0, n)),
    );
  }
  return okJs;
}

/**
 * Replaces `decoder`'s JS update reader by one that compares both readers on the real input and
 * on variants of it: bits flipped after the position, cut short, another id form, k or count.
 */
function compareReaders(
  rng: Rng,
  decoder: SnapshotDecoder,
  registry: ReplicationRegistry,
  context: () => string,
  stats: Stats,
) {
  const holder = decoder as unknown as { kernel: ReadUpdatesKernel };
  const js = holder.kernel;
  const wasm = wasmReadUpdates(registry, CAPACITY);
  if (wasm === undefined) throw new Error("wasm reader expected");
  holder.kernel = (...args) => {
    const [r, , , , reference, , , , updates, bitmap] = args;
    const bytes = new Uint8Array(r.data.buffer, 0, r.bitLength / 8).slice();
    for (let variant = 0; variant < 8; variant++) {
      const input = bytes.slice();
      const start = r.position >> 3;
      const flips = rng.int(0, 3);
      for (let i = 0; i < flips && input.length > start; i++) {
        const at = rng.int(start, input.length - 1);
        input[at] = (input[at] as number) ^ (1 << rng.int(0, 7));
      }
      const cut = rng.chance(0.3) ? input.subarray(0, rng.int(start, input.length)) : input;
      const v = args.slice() as Parameters<ReadUpdatesKernel>;
      if (rng.chance(0.25)) v[9] = !bitmap;
      if (rng.chance(0.2)) v[10] = rng.int(0, 15);
      if (rng.chance(0.2)) v[8] = rng.int(0, updates * 2 + 1);
      const ok = both(js, wasm.readUpdates, registry, cut, r.position, v, `${context()} variant ${variant}`);
      stats.calls++;
      if (ok) stats.ok++;
      else stats.failed++;
      if (!v[9]) stats.gaps++;
    }
    both(js, wasm.readUpdates, registry, bytes, r.position, args, context());
    if (reference !== undefined) stats.predicted++;
    if (!bitmap) stats.gaps++;
    // The decoder goes on with the JS reader's result.
    return js(...args);
  };
}

describe("wasm update reader", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])("reads what the JS reader reads (seed %i)", (seed) => {
    const rng = createRng(seed);
    const { registry, describe: layout } = randomRegistry(rng, 5);
    const current = new SnapshotState(registry, CAPACITY);
    current.versioned = true;
    const encoder = new SnapshotEncoder(registry, CAPACITY);
    const serverRing = new BaselineRing(registry, CAPACITY);
    const clientRing = new BaselineRing(registry, CAPACITY);
    const decoder = new SnapshotDecoder(registry, CAPACITY);
    const mutatedDecoder = new SnapshotDecoder(registry, CAPACITY);
    const mutatedRing = new BaselineRing(registry, CAPACITY);
    const writer = new BitWriter(64 * 1024);
    const priority = new Float32Array(CAPACITY).fill(1);
    let tick = 0;
    const context = (): string => `seed ${seed} tick ${tick} fields ${layout.join(" ")}`;
    const stats: Stats = { calls: 0, ok: 0, failed: 0, predicted: 0, gaps: 0 };
    compareReaders(rng, decoder, registry, context, stats);
    compareReaders(rng, mutatedDecoder, registry, context, stats);
    for (; tick < 60; tick++) {
      step(rng, registry, current);
      current.tick = tick;
      const ack = tick - rng.int(1, 8);
      if (ack >= 0 && rng.chance(0.8)) serverRing.markAcked(ack);
      const baseline = serverRing.newestAckedState();
      writer.reset();
      encoder.encode(writer, {
        sequence: tick,
        tick,
        current,
        baseline,
        reference: baseline && rng.chance(0.7) ? serverRing.referenceFor(baseline, tick) : undefined,
        out: serverRing.acquire(tick),
        priority,
        budgetBytes: rng.chance(0.25) ? rng.int(20, 400) : undefined,
      });
      const bytes = writer.finish().slice();
      decoder.decode(bytes, clientRing);
      // The same snapshot into a second client, mutated or truncated now and then.
      const bad = bytes.slice(0, rng.chance(0.3) ? rng.int(0, bytes.length) : bytes.length);
      const flips = rng.chance(0.5) ? rng.int(1, 4) : 0;
      for (let i = 0; i < flips && bad.length > 0; i++) {
        const at = rng.int(Math.min(bad.length - 1, 12), bad.length - 1);
        bad[at] = (bad[at] as number) ^ (1 << rng.int(0, 7));
      }
      mutatedDecoder.decode(bad, mutatedRing);
    }
    expect(stats.ok, context()).toBeGreaterThan(50);
    expect(stats.failed, context()).toBeGreaterThan(50);
    expect(stats.predicted, context()).toBeGreaterThan(5);
    expect(stats.gaps, context()).toBeGreaterThan(50);
  });

  it("is not made for registries with generic fields", () => {
    const registry = new ReplicationRegistry();
    registry.replicate(
      { x: new Float32Array(8), y: new Float32Array(8), z: new Float32Array(8) },
      Vec3Template({ min: 0, max: 1, precision: 0.01 }),
    );
    registry.replicate(new Uint8Array(8), BoolTemplate());
    expect(wasmReadUpdates(registry, 8)).toBeUndefined();
  });
});
