/**
 * The ticks of the one-copy and full-capacity tests (wasmEncodeExpected, wasmDecodeOneCopy,
 * wasmDecodeFullCapacity): every entity of a state moved a few quanta, a rotation's largest
 * component changed now and then; and the server's encode of such a tick with acks 2 ticks old.
 */
import type { Rng } from "@canopy/core";
import type { BitWriter } from "../../../src/protocol/bitWriter";
import type {
  BaselineRing,
  ReplicationRegistry,
  SnapshotEncoder,
  SnapshotState,
} from "../../../src/replication/index";

/** Moves ids 0..entities-1 of `s` (random values at tick 0); with `versions`, each row's version tick + 1. */
export function moveEntities(
  rng: Rng,
  s: SnapshotState,
  registry: ReplicationRegistry,
  tick: number,
  entities: number,
  versions = false,
): void {
  for (let id = 0; id < entities; id++) {
    for (const f of registry.fields) {
      for (let k = 0; k < f.template.width; k++) {
        const o = id * s.stride + f.offset + k;
        const max = f.template.slotMax[k] as number;
        if (f.template.kind === "quat" && k === 0) {
          if (tick === 0 || rng.chance(0.1)) s.values[o] = rng.int(0, 3);
          continue;
        }
        const v = tick === 0 ? rng.int(0, max) : (s.values[o] as number) + rng.int(-20, 20);
        s.values[o] = Math.min(max, Math.max(0, v));
      }
    }
    if (versions) s.version[id] = tick + 1;
  }
}

/** Encodes `current` as snapshot `tick` against the newest ack (acks 2 ticks old) with a prediction reference; a copy of the bytes. */
export function encodeAcked(
  encoder: SnapshotEncoder,
  writer: BitWriter,
  ring: BaselineRing,
  current: SnapshotState,
  tick: number,
): Uint8Array {
  current.tick = tick;
  if (tick >= 2) ring.markAcked(tick - 2);
  const baseline = ring.newestAckedState();
  writer.reset();
  encoder.encode(writer, {
    sequence: tick,
    tick,
    current,
    baseline,
    reference: baseline ? ring.referenceFor(baseline, tick) : undefined,
    out: ring.acquire(tick),
  });
  return writer.finish().slice();
}
