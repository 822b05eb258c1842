/**
 * Per-client field exclusion (`EncodeSnapshotInput.exclude`, client authority): on random
 * registries and states, the kernel and generic encoders write the same bytes and expected states
 * with random exclusions; the unchanged decoder decodes them to that expected state; excluded
 * fields of updates keep the baseline's values while spawns stay complete; an exclusion that
 * matches nothing writes the bytes of no exclusion; and once it ends the current values go out.
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { codecKernels } from "../../src/replication/codec/kernels/compileKernel";
import {
  DecodeStatus,
  IntTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
  type FieldExclusion,
} from "../../src/replication/index";
import { build, encodeTick, step } from "./codecRig";
import { CAPACITY, randomRegistry } from "./kernelFixture";

afterEach(() => {
  codecKernels.enabled = true;
});

/** Slots of the fields in `mask` of row `id` equal in `a` and `b`. */
function sameFields(r: ReplicationRegistry, a: SnapshotState, b: SnapshotState, id: number, mask: number) {
  for (const f of r.fields) {
    if ((mask & (1 << f.index)) === 0) continue;
    for (let k = 0; k < f.template.width; k++) {
      const o = id * r.stride + f.offset + k;
      if (a.values[o] !== b.values[o]) return false;
    }
  }
  return true;
}

describe("field exclusion", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    "kernels and generic path write the same bytes; excluded update fields keep the baseline (seed %i)",
    (seed) => {
      const rng = createRng(1000 + seed);
      const { registry, describe: layout } = randomRegistry(rng);
      const current = new SnapshotState(registry, CAPACITY);
      current.versioned = true;
      const kernel = build(registry, true);
      const generic = build(registry, false);
      const priority = new Float32Array(CAPACITY);
      const exclude: FieldExclusion = { bySlot: new Int32Array(CAPACITY), client: 0, mask: 0 };
      const full = (1 << registry.fields.length) - 1;
      let excludedUpdates = 0;
      for (let tick = 0; tick < 80; tick++) {
        step(rng, registry, current);
        current.tick = tick;
        const context = `seed ${1000 + seed}, tick ${tick}, fields ${layout.join(" ")}`;
        const ack = tick - rng.int(1, 8);
        for (let id = 0; id < CAPACITY; id++) {
          priority[id] = rng.range(0, 10);
          if (rng.chance(0.1)) exclude.bySlot[id] = rng.chance(0.5) ? rng.int(0, 2) : -1;
        }
        exclude.client = rng.int(0, 2);
        exclude.mask = rng.chance(0.1) ? 0 : rng.int(1, full);
        const useExclude = rng.chance(0.8);
        const budgetBytes = rng.chance(0.25) ? rng.int(20, 400) : undefined;
        const predict = rng.chance(0.7);
        const acked = ack >= 0 && rng.chance(0.8);
        const bytes: Uint8Array[] = [];
        for (const side of [kernel, generic]) {
          encodeTick(side, current, tick, acked ? ack : -1, predict, {
            priority,
            budgetBytes,
            exclude: useExclude ? exclude : undefined,
          });
          bytes.push(side.writer.finish().slice());
        }
        const [a, b] = bytes as [Uint8Array, Uint8Array];
        expect(Array.from(a), context).toEqual(Array.from(b));
        if (budgetBytes !== undefined) expect(a.length, context).toBeLessThanOrEqual(budgetBytes);
        const out = kernel.serverRing.get(tick) as SnapshotState;
        expect(out.equals(generic.serverRing.get(tick) as SnapshotState), context).toBe(true);
        expect(Array.from(kernel.encoder.written.subarray(0, kernel.encoder.writtenCount)), context).toEqual(
          Array.from(generic.encoder.written.subarray(0, generic.encoder.writtenCount)),
        );
        // Excluded ids present in the baseline with the same fields: those fields were not sent.
        const baseline = kernel.serverRing.newestAckedState();
        if (useExclude && baseline !== undefined && baseline !== out) {
          for (let id = 0; id < CAPACITY; id++) {
            if (exclude.bySlot[id] !== exclude.client || current.present[id] !== 1) continue;
            if (baseline.present[id] !== 1 || baseline.mask[id] !== current.mask[id]) {
              // A spawn (new, or its field set changed), when it went out: complete.
              if (out.present[id] === 1 && out.mask[id] === current.mask[id])
                expect(sameFields(registry, out, current, id, full), context).toBe(true);
              continue;
            }
            const left = exclude.mask & (current.mask[id] as number);
            expect(sameFields(registry, out, baseline, id, left), context).toBe(true);
            if (left !== 0) excludedUpdates++;
          }
        }
        // The decoder, unchanged, decodes exactly the expected state on both paths.
        const sa = kernel.decoder.decode(a, kernel.clientRing);
        const sb = generic.decoder.decode(b, generic.clientRing);
        expect(sa, context).toBe(sb);
        if (sa === DecodeStatus.Ok) {
          expect((kernel.decoder.lastDecoded as SnapshotState).equals(out), context).toBe(true);
          expect((generic.decoder.lastDecoded as SnapshotState).equals(out), context).toBe(true);
        }
      }
      expect(excludedUpdates).toBeGreaterThan(0);
    },
  );

  it.each([true, false])("an exclusion matching nothing writes the bytes of none (kernels %s)", (kernels) => {
    const rng = createRng(77);
    const { registry } = randomRegistry(rng);
    const current = new SnapshotState(registry, CAPACITY);
    current.versioned = true;
    const plain = build(registry, kernels);
    const other = build(registry, kernels);
    const bySlot = new Int32Array(CAPACITY).fill(1);
    const none = new Int32Array(CAPACITY).fill(-1);
    for (let tick = 0; tick < 40; tick++) {
      step(rng, registry, current);
      current.tick = tick;
      const excludes: (FieldExclusion | undefined)[] = [
        undefined,
        [
          { bySlot, client: 0, mask: -1 }, // no id is client 0's
          { bySlot, client: 1, mask: 0 }, // no field
          { bySlot: none, client: -1, mask: -1 }, // no client (bySlot −1 = nobody's)
        ][tick % 3],
      ];
      const bytes: number[][] = [];
      for (const [i, side] of [plain, other].entries()) {
        encodeTick(side, current, tick, tick - 3, true, { exclude: excludes[i] });
        bytes.push(Array.from(side.writer.finish()));
      }
      expect(bytes[1], `tick ${tick}`).toEqual(bytes[0]);
      expect(
        (plain.serverRing.get(tick) as SnapshotState).equals(other.serverRing.get(tick) as SnapshotState),
      ).toBe(true);
    }
  });

  it.each([true, false])(
    "an owner gets the other fields while excluded and the current values once it ends (kernels %s)",
    (kernels) => {
      const registry = new ReplicationRegistry();
      const pos = {
        x: new Float32Array(CAPACITY),
        y: new Float32Array(CAPACITY),
        z: new Float32Array(CAPACITY),
      };
      const position = registry.replicate(pos, Vec3Template({ min: -100, max: 100, precision: 1 / 64 }));
      const flag = registry.replicate(new Int32Array(CAPACITY), IntTemplate({ min: 0, max: 9 }));
      const current = new SnapshotState(registry, CAPACITY);
      current.versioned = true;
      const side = build(registry, kernels);
      const exclude: FieldExclusion = {
        bySlot: new Int32Array(CAPACITY).fill(-1),
        client: 4,
        mask: 1 << position.index,
      };
      const id = 3;
      current.setPresent(id, (1 << position.index) | (1 << flag.index));
      const row = id * registry.stride;
      const sizes: number[] = [];
      for (let tick = 0; tick < 30; tick++) {
        current.values[row + position.offset] = 500 + tick * 7; // moves every tick
        current.values[row + flag.offset] = tick >= 10 && tick < 20 ? Math.floor(tick / 3) % 10 : 0;
        current.version[id] = tick + 1;
        current.highWater = CAPACITY;
        current.tick = tick;
        exclude.bySlot[id] = tick >= 5 && tick < 20 ? 4 : -1; // granted at 5, revoked at 20
        encodeTick(side, current, tick, tick - 1, false, { exclude });
        const bytes = side.writer.finish();
        sizes.push(bytes.length);
        expect(side.decoder.decode(bytes, side.clientRing)).toBe(DecodeStatus.Ok);
        const got = side.decoder.lastDecoded as SnapshotState;
        const x = got.values[row + position.offset];
        const f = got.values[row + flag.offset];
        // The flag (not excluded) always arrives; the position only outside the exclusion.
        expect(f, `tick ${tick}`).toBe(current.values[row + flag.offset]);
        if (tick >= 5 && tick < 20) expect(x, `tick ${tick}`).toBe(500 + 4 * 7);
        else expect(x, `tick ${tick}`).toBe(current.values[row + position.offset]);
      }
      // Excluded and not moving otherwise: the snapshot is its header (an update costs bits).
      expect(Math.max(...sizes.slice(6, 10))).toBeLessThan(Math.min(...sizes.slice(21, 30)));
    },
  );
});
