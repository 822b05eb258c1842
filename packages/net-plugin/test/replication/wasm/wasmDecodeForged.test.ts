/**
 * The wasm update reader's guards against a forged update count (decodeEntitiesLargest.ts,
 * decodeEntitiesLeading.ts; Session 7 round 2): real snapshots encoded by the JS kernels, their
 * header's update count (an order-0 Exp-Golomb code after the despawn and spawn counts) rewritten
 * to every value from 0 to a few past the real one, and a huge one; counts one to three short also
 * cut at every byte of the bitmap's end. The JS and the wasm kernels must return the same status
 * and states, and every wasm call the same result, reader position and overflowed flag as the JS
 * kernel on a copy — never a throw. The worlds: a bitmap of runs of 1–3 moving entities split by one resting entity
 * (so the bitmap beats the id list) and a resting tail of 34–44 entities (its zero bits reach past
 * a cut); some moving entities change their rotation's largest component (the changed-largest
 * step), an owner int before the rotation or none.
 * Without the changed-largest step's `seen < updates` check the reader reads one update past a
 * too-small count and syncs after its rotation (a later reader position on the refusal); without
 * the leading step's cap at the updates left it reads the entities past a too-small count and
 * scans the resting tail's zeros into a cut (an overflow where the JS kernel refuses in place).
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { TICK_K } from "../../../src/replication/codec/encodePlan";
import { REFERENCE_AGE_BITS } from "../../../src/replication/codec/predict";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { WordReader } from "../../../src/replication/codec/wordBits";
import { BaselineRing, DecodeStatus, SnapshotEncoder, SnapshotState } from "../../../src/replication/index";
import { both, client, poseRegistry, spyKernelParity } from "./wasmDecodeRig";
import { encodeTick } from "../codecRig";

/** Room for a bitmap that beats the id list with a long resting tail (the rig's 96 does not). */
const CAP = 256;
/** Entities present: the moving front and the resting tail. */
const IDS = 220;

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

/** The bits of `bytes`, LSB-first (the codec's bit order). */
function bitsOf(bytes: Uint8Array): number[] {
  return Array.from({ length: bytes.length * 8 }, (_, i) => ((bytes[i >>> 3] as number) >>> (i & 7)) & 1);
}

/** Order-0 Exp-Golomb code of `u` as WordWriter writes it: n zeros, a one, then q − 2^n LSB-first. */
function expGolomb0(u: number): number[] {
  const q = u + 1;
  const n = 31 - Math.clz32(q);
  const low = Array.from({ length: n }, (_, i) => ((q - 2 ** n) / 2 ** i) & 1);
  return [...(new Array(n).fill(0) as number[]), 1, ...low];
}

/** Where the update count's code is in a snapshot with a baseline and no despawns or spawns. */
function countAt(bytes: Uint8Array): { from: number; to: number; count: number } {
  const r = new WordReader();
  r.reset(bytes);
  r.readBits(16);
  r.readExpGolomb(TICK_K);
  expect(r.readBool(), "a baseline").toBe(true);
  r.readBits(16);
  if (r.readBool()) r.readBits(REFERENCE_AGE_BITS);
  expect([r.readExpGolomb(0), r.readExpGolomb(0)], "no despawns or spawns").toEqual([0, 0]);
  const from = r.position;
  const count = r.readExpGolomb(0);
  return { from, to: r.position, count };
}

/** `bytes` with the update count (bits from..to) rewritten to `count`. */
function forged(bytes: Uint8Array, at: { from: number; to: number }, count: number): Uint8Array {
  const bits = bitsOf(bytes);
  const out = [...bits.slice(0, at.from), ...expGolomb0(count), ...bits.slice(at.to)];
  const result = new Uint8Array(Math.ceil(out.length / 8));
  out.forEach((b, i) => void (result[i >>> 3] = (result[i >>> 3] as number) | (b << (i & 7))));
  return result;
}

function run(seed: number, owner: boolean): void {
  const rng = createRng(seed);
  const registry = poseRegistry(owner ? "before" : "none", CAP);
  const q = owner ? 4 : 3; // the rotation's first slot (its largest component's index)
  const encoder = new SnapshotEncoder(registry, CAP);
  const serverRing = new BaselineRing(registry, CAP);
  const current = new SnapshotState(registry, CAP);
  const writer = new BitWriter(64 * 1024);
  const js = client(registry, false, CAP);
  const wasm = client(registry, true, CAP);
  expect(wasm.decoder.wasm).toBeDefined();
  const parity = spyKernelParity(registry, CAP);
  const full = owner ? 0b111 : 0b11;
  const max = (s: number): number => (s < 3 ? 100 * 512 : owner && s === 3 ? 15 : s === q ? 3 : 511);
  for (let id = 0; id < IDS; id++) current.setPresent(id, full);
  let decodes = 0;
  for (let tick = 0; tick < 10; tick++) {
    // The moving front: runs of 1–3 moving entities, one resting entity between; then the tail.
    const front = IDS - rng.int(34, 44);
    let largests = 0;
    let left = rng.int(1, 3);
    for (let id = 0; id < IDS; id++) {
      const moving = tick === 0 || (id < front && left > 0);
      if (id < front) left = left > 0 ? left - 1 : rng.int(1, 3);
      if (!moving) continue;
      const row = id * registry.stride;
      const largest = tick > 0 && rng.chance(0.2);
      if (largest) largests++;
      for (let s = 0; s < registry.stride; s++) {
        const v = current.values[row + s] as number;
        let next = tick === 0 ? rng.int(0, max(s)) : s < 3 ? (v + rng.int(1, 5)) % max(s) : v;
        if (tick > 0 && s === q) next = largest ? (v + rng.int(1, 3)) % 4 : v;
        else if (tick > 0 && s > q) next = Math.min(max(s), Math.max(0, v + rng.int(-3, 3)));
        else if (tick > 0 && owner && s === 3 && rng.chance(0.15)) next = rng.int(0, 15);
        current.values[row + s] = next;
      }
    }
    current.tick = tick;
    // The previous tick acked: a resting entity is no update.
    encodeTick({ encoder, serverRing, writer }, current, tick, tick - 1, true);
    const bytes = writer.finish().slice();
    if (tick >= 3) {
      const at = countAt(bytes);
      const context = `seed ${seed} tick ${tick}`;
      expect(forged(bytes, at, at.count), `${context}: the rewrite itself`).toEqual(bytes);
      // Each forged snapshot decoded on both sides, then forgotten (the slot's sequence cleared,
      // the newest sequence put back) before the next.
      const newest = [js.decoder.newestSequence, wasm.decoder.newestSequence];
      const decodeForged = (count: number, length?: number): void => {
        const packet = forged(bytes, at, count);
        both(
          js,
          wasm,
          packet.subarray(0, length ?? packet.length),
          `${context} count ${count}/${at.count} length ${length}`,
        );
        decodes++;
        [js, wasm].forEach((side, k) => {
          const stored = side.ring.get(tick);
          if (stored !== undefined) stored.sequence = -1;
          side.decoder.newestSequence = newest[k] as number;
        });
      };
      // The bitmap's end at the latest: every entity's bits, the changed-largest rotations (29 bits).
      const bitmapBits = at.to + 16 + IDS * (owner ? 5 : 4) + largests * 29;
      const bitmapEnd = Math.min(bytes.length, Math.ceil(bitmapBits / 8));
      const counts = [...Array.from({ length: at.count + 4 }, (_, i) => i), 2 ** 20];
      for (const count of counts) if (count !== at.count) decodeForged(count);
      // A count one to three short, cut at every byte of the bitmap's last 64 (its resting tail's
      // zeros among them: the bound above is at most ~40 bytes past the bitmap's end).
      for (let short = 1; short <= 3; short++)
        for (let length = Math.max(at.to >>> 3, bitmapEnd - 64); length < bitmapEnd; length++)
          decodeForged(at.count - short, length);
    }
    expect(both(js, wasm, bytes, `seed ${seed} tick ${tick}`)).toBe(DecodeStatus.Ok);
  }
  // The bitmap form read by the wasm reader on (nearly) every forged snapshot, overflows among them.
  expect(parity.bitmap, "bitmap snapshots read by the wasm reader").toBeGreaterThan(decodes / 2);
  expect(parity.overflowed, "refusals past a cut").toBeGreaterThan(100);
}

describe("wasm update reader: forged update counts", () => {
  it.each([1, 2])("position + rotation (seed %i)", (seed) => {
    run(seed, false);
  });

  it.each([4, 5])("with an owner int before the rotation (seed %i)", (seed) => {
    run(seed, true);
  });
});
