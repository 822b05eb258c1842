/**
 * Shared by the codec-kernel parity tests (codecKernels, codecExclusion): random evolution of a
 * quantized state, and one encoder/decoder pair with its rings on the kernel or the generic path.
 */
import type { Rng } from "@canopy/core";
import { BitWriter } from "../../src/protocol/bitWriter";
import { codecKernels } from "../../src/replication/codec/kernels/compileKernel";
import {
  BaselineRing,
  SnapshotDecoder,
  SnapshotEncoder,
  type EncodeSnapshotInput,
  type EncodeSnapshotResult,
  type ReplicationRegistry,
  type SnapshotState,
} from "../../src/replication/index";
import { CAPACITY } from "./kernelFixture";

/** Version of the next spawned row (each life's versions in its own 4096-wide range). */
let spawnVersion = 1 << 24;

/** Evolves quantized states: spawns, despawns, field-set changes, small and large moves, rest. */
export function step(rng: Rng, registry: ReplicationRegistry, s: SnapshotState): void {
  const full = (1 << registry.fields.length) - 1;
  for (let id = 0; id < CAPACITY - 8; id++) {
    if (s.present[id] !== 1) {
      if (rng.chance(0.05)) {
        s.setPresent(id, rng.int(1, full));
        // A new life's versions never repeat an earlier life's (as worldCapture's counter).
        s.version[id] = spawnVersion += 1 << 12;
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

/** An encoder, a decoder and their rings, built on the kernel path or the generic one. */
export function build(registry: ReplicationRegistry, kernels: boolean) {
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

/** An encoder, a decoder and their rings (`build`). */
export type CodecSide = ReturnType<typeof build>;

/** What `encodeTick` passes on to the encoder besides the tick, states and rings. */
export type EncodeExtras = Pick<EncodeSnapshotInput, "relevant" | "priority" | "budgetBytes" | "exclude">;

/**
 * One encode as the parity tests run it: marks snapshot `ack` acknowledged first (when ≥ 0),
 * encodes tick `tick` of `current` (sequence = tick) against `side`'s newest acknowledged state —
 * predicted from that state's reference when `predict` — into its reset writer, the result in its
 * server ring under `tick`.
 */
export function encodeTick(
  side: Pick<CodecSide, "encoder" | "serverRing" | "writer">,
  current: SnapshotState,
  tick: number,
  ack: number,
  predict: boolean,
  extras: EncodeExtras = {},
): EncodeSnapshotResult {
  if (ack >= 0) side.serverRing.markAcked(ack);
  const baseline = side.serverRing.newestAckedState();
  side.writer.reset();
  return side.encoder.encode(side.writer, {
    sequence: tick,
    tick,
    current,
    baseline,
    reference: baseline && predict ? side.serverRing.referenceFor(baseline, tick) : undefined,
    out: side.serverRing.acquire(tick),
    ...extras,
  });
}
