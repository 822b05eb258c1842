/**
 * The generated encoder/decoder kernels (codec/kernels/) against the generic path they replace:
 * for random registries and random evolving states, both encoders write the same bytes and leave
 * the same client state, and both decoders accept or refuse the same bytes (mutated and truncated
 * ones too, never throwing) and decode the same state.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { codecKernels } from "../../src/replication/codec/kernels/compileKernel";
import { decodeKernel } from "../../src/replication/codec/kernels/decodeKernel";
import { encodeKernels } from "../../src/replication/codec/kernels/encodeKernel";
import { worldKernels } from "../../src/replication/codec/kernels/worldKernels";
import {
  DecodeStatus,
  FloatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotState,
} from "../../src/replication/index";
import { CAPACITY, randomRegistry } from "./kernelFixture";
import { build, encodeTick, step } from "./codecRig";
import { mutatedSnapshot } from "./codecFixture";

afterEach(() => {
  codecKernels.enabled = true;
});

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
          encodeTick(side, current, tick, acked ? ack : -1, predict, {
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
        encodeTick(kernel, current, tick, tick - 2, tick % 2 === 1);
        const bytes = kernel.writer.finish().slice();
        good.push(bytes);
        expect(kernel.decoder.decode(bytes, kernel.clientRing)).toBe(DecodeStatus.Ok);
        expect(generic.decoder.decode(bytes, generic.clientRing)).toBe(DecodeStatus.Ok);
      }
      for (let i = 0; i < 1500; i++) {
        const bytes = mutatedSnapshot(rng, good);
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

  it("fall back to the generic path when code generation is refused (CSP without unsafe-eval)", () => {
    const original = globalThis.Function;
    globalThis.Function = function refused() {
      throw new EvalError("Refused to evaluate a string as JavaScript (unsafe-eval is not allowed).");
    } as unknown as FunctionConstructor;
    const registry = new ReplicationRegistry();
    // Constants no other test uses: no cached factory exists for this layout.
    registry.replicate(new Float32Array(CAPACITY), FloatTemplate({ min: -1234.5, max: 77, precision: 0.3 }));
    let parts: ReturnType<typeof build>;
    try {
      expect(encodeKernels(registry)).toBeUndefined();
      expect(decodeKernel(registry)).toBeUndefined();
      expect(worldKernels(registry)).toBeUndefined();
      parts = build(registry, true);
    } finally {
      globalThis.Function = original;
    }
    const current = new SnapshotState(registry, CAPACITY);
    const rng = createRng(5);
    for (let tick = 0; tick < 10; tick++) {
      step(rng, registry, current);
      encodeTick(parts, current, tick, tick - 2, false);
      expect(parts.decoder.decode(parts.writer.finish(), parts.clientRing)).toBe(DecodeStatus.Ok);
      expect(
        (parts.decoder.lastDecoded as SnapshotState).equals(parts.serverRing.get(tick) as SnapshotState),
      ).toBe(true);
    }
  });
});
