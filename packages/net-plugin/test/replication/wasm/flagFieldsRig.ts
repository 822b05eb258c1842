/**
 * Shared by the Bool/Enum (`flip`/`full` field) codec tests: random registries mixing the column
 * kinds (Vec3, Vec2, Quat, Float, Int) with Bool and Enum fields of 1, 2^k and 2^k + 1 values, and
 * the three codec paths side by side — the wasm kernels, the JS kernels and the generic path
 * (`codecKernels.enabled = false`) — each an encoder, a decoder and their rings — with one tick's
 * encode and decode on all three.
 */
import type { Rng } from "@canopy/core";
import { expect } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { codecKernels } from "../../../src/replication/codec/kernels/compileKernel";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
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
  type DecodeStatus,
  type SnapshotState,
  Vec2Template,
  Vec3Template,
} from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { encodeTick, type EncodeExtras } from "../codecRig";

/** Value counts of the Enum fields: 1, 2^k and 2^k + 1. */
export const ENUM_SIZES = [1, 2, 3, 4, 5, 8, 9, 16, 17, 32, 33] as const;

/** An Enum of `n` values (numbers 0..n−1). */
export function enumOf(n: number) {
  return EnumTemplate(Array.from({ length: n }, (_, i) => i));
}

/** A random registry with at least one Bool or Enum field among 1..6 fields. */
export function flagRegistry(rng: Rng): { registry: ReplicationRegistry; describe: string[] } {
  const registry = new ReplicationRegistry();
  const names: string[] = [];
  const count = rng.int(1, 6);
  const flagAt = rng.int(0, count - 1);
  const col = () => new Float32Array(CAPACITY);
  for (let i = 0; i < count; i++) {
    const kind = i === flagAt ? rng.int(5, 6) : rng.int(0, 6);
    const threshold = rng.chance(0.2) ? rng.range(0.001, 0.05) : undefined;
    const precision = [0.5, 0.01, 1 / 512][rng.int(0, 2)] as number;
    const min = rng.range(-200, 0);
    const max = min + rng.range(1, 300);
    if (kind === 0) {
      registry.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min, max, precision, threshold }));
      names.push(`vec3(${precision},${threshold})`);
    } else if (kind === 1) {
      registry.replicate({ x: col(), y: col() }, Vec2Template({ min, max, precision }));
      names.push(`vec2(${precision})`);
    } else if (kind === 2) {
      const bits = rng.int(4, 14);
      registry.replicate({ x: col(), y: col(), z: col(), w: col() }, QuatTemplate({ bits }));
      names.push(`quat(${bits})`);
    } else if (kind === 3) {
      registry.replicate(col(), FloatTemplate({ min, max, precision, threshold }));
      names.push(`float(${precision},${threshold})`);
    } else if (kind === 4) {
      registry.replicate(new Int32Array(CAPACITY), IntTemplate({ min: -3, max: rng.int(0, 3000) }));
      names.push("int");
    } else if (kind === 5) {
      registry.replicate(new Uint8Array(CAPACITY), BoolTemplate());
      names.push("bool");
    } else {
      const n = ENUM_SIZES[rng.int(0, ENUM_SIZES.length - 1)] as number;
      registry.replicate(new Int32Array(CAPACITY), enumOf(n));
      names.push(`enum(${n})`);
    }
  }
  registry.close();
  return { registry, describe: names };
}

/** The codec paths compared. */
export const PATHS = ["wasm", "js", "generic"] as const;
export type CodecPath = (typeof PATHS)[number];

/** An encoder, a decoder, their rings and a writer on codec path `path` (switches restored after). */
export function sideOn(registry: ReplicationRegistry, path: CodecPath, capacity = CAPACITY) {
  wasmKernels.enabled = path === "wasm";
  codecKernels.enabled = path !== "generic";
  try {
    return {
      path,
      encoder: new SnapshotEncoder(registry, capacity),
      decoder: new SnapshotDecoder(registry, capacity),
      serverRing: new BaselineRing(registry, capacity),
      clientRing: new BaselineRing(registry, capacity),
      writer: new BitWriter(64 * 1024),
    };
  } finally {
    wasmKernels.enabled = false;
    codecKernels.enabled = true;
  }
}
export type PathSide = ReturnType<typeof sideOn>;

/**
 * Encodes tick `tick` of `current` on the three `sides` (PATHS order; encodeTick's `ack`,
 * `predict`, `extras`), expects the same bytes, written ids and expected states, and decodes the
 * wasm side's bytes on each; returns the decode statuses and the generic side's expected state.
 */
export function encodeOnPaths(
  sides: readonly PathSide[],
  current: SnapshotState,
  tick: number,
  ack: number,
  predict: boolean,
  extras: EncodeExtras,
  at: string,
): { statuses: DecodeStatus[]; expected: SnapshotState } {
  const out = sides.map((side) => {
    encodeTick(side, current, tick, ack, predict, extras);
    const bytes = side.writer.finish().slice();
    return { bytes, written: Array.from(side.encoder.written.subarray(0, side.encoder.writtenCount)) };
  });
  const [w, j, g] = out as [(typeof out)[0], (typeof out)[0], (typeof out)[0]];
  expect(Array.from(w.bytes), at).toEqual(Array.from(g.bytes));
  expect(Array.from(j.bytes), at).toEqual(Array.from(g.bytes));
  expect(w.written, at).toEqual(g.written);
  expect(j.written, at).toEqual(g.written);
  const expected = sides.map((s) => s.serverRing.get(tick) as SnapshotState);
  for (const e of expected) expect(e.equals(expected[2] as SnapshotState), at).toBe(true);
  const statuses = sides.map((s) => s.decoder.decode(w.bytes, s.clientRing));
  return { statuses, expected: expected[2] as SnapshotState };
}
