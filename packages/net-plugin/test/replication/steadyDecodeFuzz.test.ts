/**
 * Session 11 review (REV): the decoder's steady path (codec/steadyDecode.ts) against the JS kernel's
 * decoder over thousands of mutated real snapshots — bit flips anywhere, cuts anywhere — passed at
 * unaligned offsets of a larger buffer, with two decoders sharing one ring, and rings whose
 * baselines were evicted: the same status, decoded state and counters, packet by packet.
 */
import { createRng, type Rng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { wasmKernels } from "../../src/replication/codec/wasm/wasmKernels";
import { BaselineRing, DecodeStatus, SnapshotDecoder, type SnapshotState } from "../../src/replication/index";
import type { ReplicationRegistry } from "../../src/replication/index";
import { CAPACITY } from "./kernelFixture";
import { step } from "./codecRig";
import { moveEntities } from "./wasm/moveEntities";
import { poseRegistry, server } from "./wasm/wasmDecodeRig";

afterEach(() => {
  wasmKernels.enabled = false;
});

/** A moving world (steady packets), codecRig.step's spawns and despawns every 8th tick. */
function movingWorld(): (rng: Rng, registry: ReplicationRegistry, s: SnapshotState) => void {
  let tick = 0;
  let version = 1 << 20;
  return (rng, registry, s) => {
    if (tick === 0) for (let id = 0; id < 60; id++) s.setPresent(id, (1 << registry.fields.length) - 1);
    if (tick % 8 === 7) step(rng, registry, s);
    moveEntities(rng, s, registry, tick++, 60);
    for (let id = 0; id < 60; id++) s.version[id] = ++version;
  };
}

/** Two decoders on one ring, built with the wasm switch `on`. */
function side(registry: ReplicationRegistry, on: boolean) {
  wasmKernels.enabled = on;
  try {
    return {
      decoders: [new SnapshotDecoder(registry, CAPACITY), new SnapshotDecoder(registry, CAPACITY)],
      ring: new BaselineRing(registry, CAPACITY),
    };
  } finally {
    wasmKernels.enabled = false;
  }
}

describe("SnapshotDecoder's steady path, fuzzed", () => {
  it.each([
    ["none", 11],
    ["after", 12],
  ] as const)(
    "owner %s, seed %i: mutated snapshots at unaligned offsets, two decoders on a ring: same as the JS kernel",
    (owner, seed) => {
      const registry = poseRegistry(owner);
      const rng = createRng(seed);
      const encode = server(registry, rng, movingWorld(), 0.05);
      const js = side(registry, false);
      const wasm = side(registry, true);
      const decoded: number[] = [];
      const statuses = new Map<number, number>();
      let cases = 0;
      for (let tick = 0; tick < 400; tick++) {
        // Acks lag (references, evicted baselines when the lag passes the ring).
        const lag = rng.chance(0.05) ? rng.int(20, 40) : rng.int(1, 6);
        const recent = decoded.filter((t) => t >= tick - lag);
        const bytes = encode(tick, recent.length > 0 ? (recent[0] as number) : -1);
        const packets: Uint8Array[] = [];
        for (let m = rng.chance(0.5) ? 0 : 12; m > 0; m--) {
          const bad = bytes.slice(0, rng.chance(0.3) ? rng.int(0, bytes.length) : bytes.length);
          const flips = rng.chance(0.2) ? 0 : rng.int(1, 3);
          for (let f = 0; f < flips && bad.length > 0; f++) {
            // Mostly in the header (the steady path's reads), else anywhere.
            // (The sequence rarely: a far sequence decoded makes every later packet TooOld.)
            const from = rng.chance(0.03) ? 0 : 16;
            const bits = rng.chance(0.7) ? Math.min(bad.length * 8, 140) : bad.length * 8;
            if (bits <= from) continue;
            const bit = rng.int(from, bits - 1);
            bad[bit >>> 3] = (bad[bit >>> 3] as number) ^ (1 << (bit & 7));
          }
          packets.push(bad);
        }
        packets.push(bytes);
        for (const packet of packets) {
          const offset = rng.int(0, 7);
          const buffer = new Uint8Array(offset + packet.length + rng.int(0, 5)).fill(0xff);
          buffer.set(packet, offset);
          const d = rng.int(0, 1);
          const context = `tick ${tick}, case ${cases++}, offset ${offset}, decoder ${d}`;
          const a = (js.decoders[d] as SnapshotDecoder).decode(buffer, js.ring, offset, packet.length);
          const b = (wasm.decoders[d] as SnapshotDecoder).decode(buffer, wasm.ring, offset, packet.length);
          expect(b, context).toBe(a);
          statuses.set(a, (statuses.get(a) ?? 0) + 1);
          if (a === DecodeStatus.Ok || a === DecodeStatus.Stale) {
            const sa = (js.decoders[d] as SnapshotDecoder).lastDecoded as SnapshotState;
            const sb = (wasm.decoders[d] as SnapshotDecoder).lastDecoded as SnapshotState;
            expect(sb.equals(sa) && sa.equals(sb), context).toBe(true);
            expect([sb.sequence, sb.tick, sb.highWater], context).toEqual([
              sa.sequence,
              sa.tick,
              sa.highWater,
            ]);
          }
          if (packet === bytes && a === DecodeStatus.Ok) decoded.push(tick);
        }
      }
      for (let d = 0; d < 2; d++)
        expect({ ...(wasm.decoders[d] as SnapshotDecoder).counters }).toEqual({
          ...(js.decoders[d] as SnapshotDecoder).counters,
        });
      const steady = wasm.decoders.reduce((n, dec) => n + dec.steadyDecodes, 0);
      expect(steady, `the steady path ran; statuses ${[...statuses].join(" ")}`).toBeGreaterThan(100);
      expect(statuses.size, [...statuses].join(" ")).toBeGreaterThan(3);
    },
    60_000,
  );
});
