/**
 * The two encoders of the wasm encode parity tests (wasmEncodeFused, wasmEncodeGroups): one built
 * with the wasm kernels, one with the JS kernels, each with its own ring and writer, fed the same
 * current state tick by tick; `encodeBoth` encodes a tick on both and expects the same bytes,
 * results and `written` list.
 */
import { expect } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import type { EncodePlan } from "../../../src/replication/codec/encodePlan";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  BaselineRing,
  SnapshotEncoder,
  type EncodeSnapshotInput,
  type ReplicationRegistry,
  type SnapshotState,
} from "../../../src/replication/index";

/** One side: an encoder, its ring and its packet writer. */
export interface EncodeSide {
  encoder: SnapshotEncoder;
  ring: BaselineRing;
  writer: BitWriter;
}

/** [wasm side, JS side] for `registry` (the switch is left off). */
export function encodeSides(registry: ReplicationRegistry, capacity: number): EncodeSide[] {
  const sides = [true, false].map((wasm) => {
    wasmKernels.enabled = wasm;
    return {
      encoder: new SnapshotEncoder(registry, capacity),
      ring: new BaselineRing(registry, capacity),
      writer: new BitWriter(1 << 16),
    };
  });
  wasmKernels.enabled = false;
  return sides;
}

/** The encoder's plan (private; the tests read its wasm kernel's counters). */
export function planOf(encoder: SnapshotEncoder): EncodePlan {
  return (encoder as unknown as { plan: EncodePlan }).plan;
}

/**
 * Encodes `tick` on every side — marks `ack` (when ≥ 0) acknowledged, resets the writer, takes the
 * input from `input(side, baseline)` (which may also write a prefix into the writer) — and expects
 * the same bytes, results, written lists and the collect's counts; returns each side's expected state (`ring.get(tick)`).
 */
export function encodeBoth(
  sides: readonly EncodeSide[],
  tick: number,
  ack: number,
  context: string,
  input: (side: EncodeSide, baseline: SnapshotState | undefined) => EncodeSnapshotInput,
): SnapshotState[] {
  const out: unknown[] = [];
  for (const s of sides) {
    if (ack >= 0) s.ring.markAcked(ack);
    const baseline = s.ring.newestAckedState();
    s.writer.reset();
    const r = s.encoder.encode(s.writer, input(s, baseline));
    out.push([Array.from(s.writer.finish()), r.bits, r.despawns, r.spawns, r.updates, r.deferred]);
    out.push(Array.from(s.encoder.written.subarray(0, s.encoder.writtenCount)));
    const p = planOf(s.encoder);
    out.push([p.spawnCount, p.updateCount, p.despawnCount, p.baselineCount, p.excludedCount]);
  }
  expect(out[0], context).toEqual(out[3]);
  expect(out[1], context).toEqual(out[4]);
  expect(out[2], `${context}: the collect's counts`).toEqual(out[5]);
  return sides.map((s) => s.ring.get(tick) as SnapshotState);
}
