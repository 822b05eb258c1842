/**
 * The wasm reader's base → work copy (codec/wasm/decodeArgs.ts) into ring slots that still hold an
 * older snapshot: the same decoded states as the JS kernels on every tick; the value rows past the
 * high water (leftovers nobody reads) copied from the base along with the rows in one copy when
 * they are few (small capacity), and left as they were when they are many (large capacity: what
 * SnapshotState.copyFrom, the JS path, does).
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { encodeAcked, moveEntities } from "./moveEntities";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  BaselineRing,
  DecodeStatus,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  type ReplicationRegistry,
} from "../../../src/replication/index";
import { poseRegistry } from "./wasmDecodeRig";

/** Entities present (ids 0..ENTITIES-1); markers in the value rows past them before each decode. */
const ENTITIES = 100;
/** In the slot the decode writes, and in its base. */
const MARK = 0x5a5a;
const BASE_MARK = 0x3c3c;

afterEach(() => {
  wasmKernels.enabled = false;
});

/** A decoder and its ring at `capacity`, built with the wasm switch `on`. */
function clientOf(registry: ReplicationRegistry, capacity: number, on: boolean) {
  wasmKernels.enabled = on;
  try {
    return { decoder: new SnapshotDecoder(registry, capacity), ring: new BaselineRing(registry, capacity) };
  } finally {
    wasmKernels.enabled = false;
  }
}

/**
 * Runs 90 ticks (the ring's slots reused from tick 64 on), acks two ticks old; returns per decode
 * with a baseline whether the wasm side's leftover value rows still held MARK, and the wasm calls.
 */
function run(seed: number, capacity: number): { kept: boolean[]; calls: number } {
  const rng = createRng(seed);
  const registry = poseRegistry("none", capacity);
  const encoder = new SnapshotEncoder(registry, capacity);
  const serverRing = new BaselineRing(registry, capacity);
  const current = new SnapshotState(registry, capacity);
  const writer = new BitWriter(64 * 1024);
  const js = clientOf(registry, capacity, false);
  const wasm = clientOf(registry, capacity, true);
  expect(wasm.decoder.wasm, "the wasm reader built").toBeDefined();
  for (let id = 0; id < ENTITIES; id++) current.setPresent(id, 0b11);
  const kept: boolean[] = [];
  for (let tick = 0; tick < 90; tick++) {
    const context = `seed ${seed}, capacity ${capacity}, tick ${tick}`;
    moveEntities(rng, current, registry, tick, ENTITIES);
    const bytes = encodeAcked(encoder, writer, serverRing, current, tick);
    const baseline = serverRing.newestAckedState();
    // The leftover value rows of the slot the wasm decode writes and of its base, marked apart.
    const work = wasm.ring.scratch;
    work.values.fill(MARK, ENTITIES * work.stride);
    const base = baseline === undefined ? undefined : wasm.ring.get(baseline.sequence);
    base?.values.fill(BASE_MARK, ENTITIES * base.stride);
    const a = js.decoder.decode(bytes, js.ring);
    const b = wasm.decoder.decode(bytes, wasm.ring);
    expect([a, b], context).toEqual([DecodeStatus.Ok, DecodeStatus.Ok]);
    const sa = js.decoder.lastDecoded as SnapshotState;
    const sb = wasm.decoder.lastDecoded as SnapshotState;
    expect(sb, context).toBe(work);
    expect(sb.equals(sa) && sa.equals(sb), context).toBe(true);
    expect([sb.highWater, sb.sequence, sb.tick], context).toEqual([sa.highWater, sa.sequence, sa.tick]);
    if (base === undefined) continue;
    const rest = sb.values.subarray(ENTITIES * sb.stride);
    kept.push(rest.every((v) => v === MARK));
    // Either as they were, or the base's (copied with the rows).
    if (!(kept[kept.length - 1] as boolean))
      expect(
        rest.every((v) => v === BASE_MARK),
        context,
      ).toBe(true);
  }
  return { kept, calls: wasm.decoder.wasm?.calls ?? 0 };
}

describe("wasm decode: the base → work copy into a reused ring slot", () => {
  it("small capacity: the rows and the few leftovers in one copy, the same states", () => {
    const { kept, calls } = run(21, ENTITIES + 8);
    expect(calls).toBeGreaterThan(80);
    expect(kept.length).toBeGreaterThan(80);
    expect(kept.every((k) => !k)).toBe(true);
  });

  it("large capacity: only the rows (the leftovers stay as the JS path leaves them)", () => {
    const { kept, calls } = run(22, 1024);
    expect(calls).toBeGreaterThan(80);
    expect(kept.length).toBeGreaterThan(80);
    expect(kept.every((k) => k)).toBe(true);
  });
});
