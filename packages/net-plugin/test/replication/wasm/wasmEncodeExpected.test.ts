/**
 * The fused wasm encode's expected state (codec/wasm/encodeExpectedEmit.ts) against the JS
 * kernels' `fillExpected` on ring slots claimed with `acquireForEncode` (still holding an older
 * snapshot): the same bytes, `written`, states and row versions; the rows past the high waters
 * (leftovers nobody reads) copied along with the rows in one copy when they are few (small
 * capacity), and left as they were when they are many (large capacity: the JS path's rule).
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { moveEntities } from "./moveEntities";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { encodeBoth, encodeSides, planOf, type EncodeSide } from "./encodeSides";
import {
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";

/** Entities present (ids 0..ENTITIES-1); a leftover marker in the rows past them. */
const ENTITIES = 100;
const MARK = 0x5a5a;

afterEach(() => {
  wasmKernels.enabled = false;
});

function registryOf(capacity: number): ReplicationRegistry {
  const r = new ReplicationRegistry();
  const col = () => new Float32Array(capacity);
  r.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }));
  r.replicate({ x: col(), y: col(), z: col(), w: col() }, QuatTemplate({ bits: 9 }));
  r.close();
  return r;
}

/** Marks the rows of `out` past `rows` (every array) with MARK; returns nothing. */
function markLeftovers(out: SnapshotState, rows: number): void {
  out.values.fill(MARK, rows * out.stride);
  out.mask.fill(MARK, rows);
  out.version.fill(MARK, rows);
}

/** Runs 30 ticks; returns, per tick, whether the wasm side's leftover rows still held MARK. */
function run(seed: number, capacity: number): { kept: boolean[]; fused: number } {
  const rng = createRng(seed);
  const registry = registryOf(capacity);
  wasmKernels.enabled = true;
  const current = new SnapshotState(registry, capacity);
  const sides = encodeSides(registry, capacity);
  wasmKernels.enabled = false;
  // current's own leftovers: values that differ from MARK
  current.values.fill(7);
  current.mask.fill(3);
  current.version.fill(9);
  for (let id = 0; id < ENTITIES; id++) current.setPresent(id, 3);
  current.versioned = true;
  const kept: boolean[] = [];
  for (let tick = 0; tick < 30; tick++) {
    moveEntities(rng, current, registry, tick, ENTITIES, true);
    const context = `seed ${seed}, capacity ${capacity}, tick ${tick}`;
    const input = (s: EncodeSide, baseline: SnapshotState | undefined) => {
      const out = s.ring.acquireForEncode(tick);
      markLeftovers(out, ENTITIES);
      return {
        sequence: tick,
        tick,
        current,
        baseline,
        reference: baseline ? s.ring.referenceFor(baseline, tick) : undefined,
        out,
      };
    };
    const [a, b] = encodeBoth(sides, tick, tick - 2, context, input) as [SnapshotState, SnapshotState];
    expect(a.equals(b), context).toBe(true);
    expect(a.equals(current), context).toBe(true);
    expect([a.highWater, a.sequence, a.tick, a.versioned], context).toEqual([
      b.highWater,
      b.sequence,
      b.tick,
      b.versioned,
    ]);
    for (const s of [a, b]) {
      expect(Array.from(s.version.subarray(0, ENTITIES)), context).toEqual(
        Array.from(current.version.subarray(0, ENTITIES)),
      );
    }
    // The JS path never writes the leftovers.
    expect(b.values[ENTITIES * b.stride], context).toBe(MARK);
    const rest = (s: SnapshotState): number[] => [
      ...s.values.subarray(ENTITIES * s.stride),
      ...s.mask.subarray(ENTITIES),
      ...s.version.subarray(ENTITIES),
    ];
    kept.push(rest(a).every((v) => v === MARK));
    // Either as they were, or current's own leftovers (copied with the rows).
    if (!kept[kept.length - 1]) {
      expect(rest(a), context).toEqual(rest(current));
    }
  }
  return { kept, fused: planOf(sides[0]!.encoder).wasm?.fusedCalls ?? 0 };
}

describe("fused wasm encode: the expected state in a reused ring slot", () => {
  it("small capacity: the rows and the few leftovers in one copy, the same states", () => {
    const { kept, fused } = run(11, ENTITIES + 8);
    expect(fused).toBeGreaterThan(25);
    expect(kept.filter((k) => !k).length).toBe(fused);
  });

  it("large capacity: only the rows (the leftovers stay as the JS path leaves them)", () => {
    const { kept, fused } = run(12, 1024);
    expect(fused).toBeGreaterThan(25);
    expect(kept.every((k) => k)).toBe(true);
  });
});
