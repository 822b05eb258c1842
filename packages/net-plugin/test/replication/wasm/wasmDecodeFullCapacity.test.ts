/**
 * The wasm update reader at full capacity (every network id in use: the high water is the
 * capacity): the same statuses and states as the JS kernels, with a reference (prediction) and a
 * rotation (a Quat beside a Vec3, or a Transform beside a Vec2). The leading-entities step stored four list entries past a full field list, into the
 * next field's list (its first entry became id `capacity`): the rotation of id 0 was not decoded,
 * a row past the block was written over the work state's masks, or the snapshot was refused.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  BaselineRing,
  DecodeStatus,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  Vec3Template,
  TransformTemplate,
  Vec2Template,
} from "../../../src/replication/index";
import { encodeAcked, moveEntities } from "./moveEntities";

afterEach(() => {
  wasmKernels.enabled = false;
});

function registryOf(capacity: number, kind: "quat" | "transform"): ReplicationRegistry {
  const r = new ReplicationRegistry();
  const col = () => new Float32Array(capacity);
  if (kind === "transform") {
    r.replicate(
      { x: col(), y: col(), z: col(), qx: col(), qy: col(), qz: col(), qw: col() },
      TransformTemplate({ min: -50, max: 50, precision: 1 / 512, rotationBits: 9 }),
    );
    r.replicate({ x: col(), y: col() }, Vec2Template({ min: -5, max: 5, precision: 0.01 }));
  } else {
    r.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }));
    r.replicate({ x: col(), y: col(), z: col(), w: col() }, QuatTemplate({ bits: 9 }));
  }
  r.close();
  return r;
}

/** 40 ticks of `capacity` moving entities, acks two ticks old, decoded by both readers. */
function run(seed: number, capacity: number, kind: "quat" | "transform"): number {
  const rng = createRng(seed);
  const registry = registryOf(capacity, kind);
  const encoder = new SnapshotEncoder(registry, capacity);
  const serverRing = new BaselineRing(registry, capacity);
  const current = new SnapshotState(registry, capacity);
  const writer = new BitWriter(64 * 1024);
  const client = (on: boolean) => {
    wasmKernels.enabled = on;
    try {
      return { decoder: new SnapshotDecoder(registry, capacity), ring: new BaselineRing(registry, capacity) };
    } finally {
      wasmKernels.enabled = false;
    }
  };
  const js = client(false);
  const wasm = client(true);
  expect(wasm.decoder.wasm, "the wasm reader built").toBeDefined();
  for (let id = 0; id < capacity; id++) current.setPresent(id, 0b11);
  for (let tick = 0; tick < 40; tick++) {
    const context = `${kind}, seed ${seed}, capacity ${capacity}, tick ${tick}`;
    moveEntities(rng, current, registry, tick, capacity);
    const bytes = encodeAcked(encoder, writer, serverRing, current, tick);
    const a = js.decoder.decode(bytes, js.ring);
    const b = wasm.decoder.decode(bytes, wasm.ring);
    expect([a, b], context).toEqual([DecodeStatus.Ok, DecodeStatus.Ok]);
    const sa = js.decoder.lastDecoded as SnapshotState;
    const sb = wasm.decoder.lastDecoded as SnapshotState;
    expect(sb.equals(sa) && sa.equals(sb), context).toBe(true);
    expect(sb.equals(current), context).toBe(true);
  }
  return wasm.decoder.wasm?.calls ?? 0;
}

describe("wasm decode at full capacity", () => {
  for (const capacity of [4, 10, 31, 32, 33, 64, 65, 100, 128]) {
    it(`every id of ${capacity} in use: the JS kernels' statuses and states`, () => {
      for (const kind of ["quat", "transform"] as const)
        for (const seed of [1, 2]) expect(run(seed, capacity, kind)).toBeGreaterThan(30);
    });
  }
});
