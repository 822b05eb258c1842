/**
 * The fused encode's packet copy (wasmWrite.ts `copyTo`) out of the wasm output region into the
 * caller's BitWriter: for every bit count — a last byte used partly, with set bits above the cut
 * in the region — after an empty, a whole-byte or a stray-bit prefix, the writer holds exactly
 * those bits and later writes continue the stream (its last byte's unused bits cleared).
 */
import { afterEach, describe, expect, it } from "vitest";
import { BitReader, BitWriter } from "../../../src/protocol/index";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import type { WasmWriteKernel } from "../../../src/replication/codec/wasm/wasmWrite";
import {
  BaselineRing,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotEncoder,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { planOf } from "./encodeSides";

const CAP = 64;

afterEach(() => {
  wasmKernels.enabled = false;
});

/** A fused encode of a moving world; returns its packet, its bits and the wasm writer. */
function encodeOnce(): { packet: Uint8Array; bits: number; ww: WasmWriteKernel } {
  const r = new ReplicationRegistry();
  const col = () => new Float32Array(CAP);
  r.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: -500, max: 500, precision: 1 / 512 }));
  r.replicate({ x: col(), y: col(), z: col(), w: col() }, QuatTemplate({ bits: 9 }));
  wasmKernels.enabled = true;
  const encoder = new SnapshotEncoder(r, CAP);
  const ring = new BaselineRing(r, CAP);
  const current = new SnapshotState(r, CAP);
  const writer = new BitWriter(1 << 12);
  for (let id = 0; id < 40; id++) current.setPresent(id, 3);
  let bits = 0;
  for (let tick = 0; tick < 4; tick++) {
    for (let id = 0; id < 40; id++) {
      for (let k = 0; k < current.stride; k++)
        current.values[id * current.stride + k] = (id * 37 + tick * (k + 3) * 11) & 255;
      current.version[id] = tick + 1;
    }
    if (tick > 0) ring.markAcked(tick - 1);
    writer.reset();
    const out = ring.acquireForEncode(tick);
    bits = encoder.encode(writer, {
      sequence: tick,
      tick,
      current,
      baseline: ring.newestAckedState(),
      out,
    }).bits;
  }
  const wasm = planOf(encoder).wasm;
  expect(wasm?.fusedCalls).toBe(4);
  return { packet: writer.finish().slice(), bits, ww: (wasm as NonNullable<typeof wasm>).writer };
}

describe("the fused encode's packet copy", () => {
  it("copies exactly `total` bits, and the stream goes on after them", () => {
    const { packet, bits, ww } = encodeOnce();
    expect(bits).toBeGreaterThan(64);
    const source = new BitReader(packet);
    const all: number[] = [];
    for (let i = 0; i < bits; i++) all.push(source.readBits(1));
    for (const prefix of [0, 8, 24, 5, 13]) {
      for (let cut = 0; cut < 16; cut++) {
        // Cutting past set bits leaves them in the region's last byte: they must not reach the packet.
        const total = bits - cut;
        // A roomy packet buffer (one copy of the region's power-of-two prefix) and one just big
        // enough (the prefix would not fit: the word copies).
        const roomy = new BitWriter(1 << 12);
        const tight = new BitWriter(Math.ceil((prefix + total + 11) / 8));
        const got = (prefix + cut) % 2 === 0 ? roomy : tight;
        const want = new BitWriter(1 << 12);
        for (const w of [got, want]) for (let i = 0; i < prefix; i++) w.writeBits(i & 1, 1);
        ww.copyTo(got, total);
        for (let i = 0; i < total; i++) want.writeBits(all[i] as number, 1);
        for (const w of [got, want]) {
          w.writeBits(0b101, 3);
          w.writeUint8(0xa5);
        }
        expect(got.bitsWritten, `prefix ${prefix}, cut ${cut}`).toBe(want.bitsWritten);
        expect([...got.finish()], `prefix ${prefix}, cut ${cut}`).toEqual([...want.finish()]);
      }
    }
  });
});
