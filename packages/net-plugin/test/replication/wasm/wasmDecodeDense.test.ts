/**
 * The fused field pass's dense exceptions (decodeFieldDense.ts, Session 9): each column's
 * exception high bits are stored at their entry in a per-column array that the values pass reads
 * and zeroes, and every early exit zeroes. A moving world whose values jump often (exceptions in
 * most four-entry groups, at every lane and in the scalar tail), whose steps are sometimes all
 * large (columns wider than 14 bits: the scalar entries only) and whose acks come irregularly (non-
 * unit prediction ratios: the scalar entries too) is decoded by the JS and the wasm kernels; before
 * most good snapshots, truncated and bit-flipped copies are refused the same way — so a refusal
 * between a header and its values, or inside the values, must leave the arrays zero for the next
 * snapshot (a stale high bit would change a later value).
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { BaselineRing, DecodeStatus, SnapshotEncoder, SnapshotState } from "../../../src/replication/index";
import { CAPACITY } from "../kernelFixture";
import { encodeTick } from "../codecRig";
import { both, client, poseRegistry, spyKernelParity } from "./wasmDecodeRig";

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

/** How the world moves: the chance of a jump per slot, of a tick of large steps, of an ack. */
interface Motion {
  readonly jump: number;
  readonly wide: number;
  readonly ack: number;
}

function denseWorld(seed: number, motion: Motion): void {
  const rng = createRng(seed);
  const registry = poseRegistry("none");
  const encoder = new SnapshotEncoder(registry, CAPACITY);
  const serverRing = new BaselineRing(registry, CAPACITY);
  const current = new SnapshotState(registry, CAPACITY);
  const writer = new BitWriter(64 * 1024);
  const js = client(registry, false);
  const wasm = client(registry, true);
  expect(wasm.decoder.wasm).toBeDefined();
  const parity = spyKernelParity(registry);
  const ids = Math.min(CAPACITY, 62);
  const max = (s: number): number => (s < 3 ? 100 * 512 : s === 3 ? 3 : 511);
  for (let id = 0; id < ids; id++) current.setPresent(id, 0b11);
  let refused = 0;
  let acked = -1;
  for (let tick = 0; tick < 90; tick++) {
    const wide = rng.chance(motion.wide);
    for (let id = 0; id < ids; id++) {
      const row = id * registry.stride;
      for (let s = 0; s < registry.stride; s++) {
        if (s === 3 && tick > 0) continue; // the largest component kept: the vector steps
        const step = wide
          ? rng.int(-20000, 20000)
          : rng.chance(motion.jump)
            ? rng.int(-2000, 2000)
            : rng.int(-2, 2);
        const v = tick === 0 ? rng.int(0, max(s)) : (current.values[row + s] as number) + step;
        current.values[row + s] = Math.min(max(s), Math.max(0, v));
      }
    }
    current.tick = tick;
    if (tick >= 2 && rng.chance(motion.ack)) acked = tick - 2;
    encodeTick({ encoder, serverRing, writer }, current, tick, acked, true);
    const good = writer.finish().slice();
    if (tick > 2 && tick % 2 === 0) {
      // Cut or flipped in the updates (past the header's first bytes): refused, then the good one.
      for (let i = 0; i < 6; i++) {
        const bytes = rng.chance(0.5) ? good.subarray(0, rng.int(6, good.length - 1)) : good.slice();
        if (bytes.length === good.length) {
          const at = rng.int(6, bytes.length - 1);
          bytes[at] = (bytes[at] as number) ^ (1 << rng.int(0, 7));
        }
        const status = both(js, wasm, bytes, `seed ${seed} tick ${tick} variant ${i}`);
        if (status === DecodeStatus.Ok || status === DecodeStatus.Stale) {
          (js.ring.get(tick) as SnapshotState).sequence = -1;
          (wasm.ring.get(tick) as SnapshotState).sequence = -1;
          js.decoder.newestSequence = wasm.decoder.newestSequence = tick - 1;
        } else refused++;
      }
    }
    expect(both(js, wasm, good, `seed ${seed} tick ${tick}`)).toBe(DecodeStatus.Ok);
  }
  expect(refused, "refused variants").toBeGreaterThan(60);
  expect(parity.calls - parity.refused, "snapshots read whole by the wasm reader").toBeGreaterThan(60);
}

describe("wasm update reader: dense exceptions in the fused pass", () => {
  it.each([11, 12, 13])("values that jump often, refusals in between (seed %i)", (seed) => {
    denseWorld(seed, { jump: 0.15, wide: 0, ack: 1 });
  });

  it.each([14, 15])("columns wider than 14 bits now and then (the scalar entries; seed %i)", (seed) => {
    denseWorld(seed, { jump: 0.1, wide: 0.3, ack: 1 });
  });

  it.each([16, 17])("irregular acks: non-unit prediction ratios (the scalar entries; seed %i)", (seed) => {
    denseWorld(seed, { jump: 0.1, wide: 0, ack: 0.4 });
  });
});
