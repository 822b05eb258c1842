/**
 * The decoder's steady path (codec/steadyDecode.ts): its header
 * reader against WordReader's reads of the same bits over random headers (every field, long codes,
 * truncations), and the decoder with the wasm reader — which takes the steady path — against the
 * JS kernel's decoder on evolving states and on copies with flipped, forged and cut headers.
 */
import { createRng, type Rng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { BitWriter } from "../../src/protocol/bitWriter";
import { readSteadyHeader, steadyHeaderBits } from "../../src/replication/codec/steadyDecode";
import { WordReader, WordWriter } from "../../src/replication/codec/wordBits";
import { wasmKernels } from "../../src/replication/codec/wasm/wasmKernels";
import { DecodeStatus } from "../../src/replication/index";
import { CAPACITY } from "./kernelFixture";
import { step } from "./codecRig";
import { moveEntities } from "./wasm/moveEntities";
import { both, client, poseRegistry, server } from "./wasm/wasmDecodeRig";
import type { ReplicationRegistry, SnapshotState } from "../../src/replication/index";

afterEach(() => {
  wasmKernels.enabled = false;
});

interface Head {
  sequence: number;
  tick: number;
  baseline: number;
  age: number;
  despawns: number;
  spawns: number;
  updates: number;
  bitmap: boolean;
  ks: number[];
  k: number;
}

function randomHead(rng: Rng, groups: number): Head {
  const pick = <T>(common: T, rare: () => T): T => (rng.chance(0.8) ? common : rare());
  return {
    sequence: rng.int(0, 0xffff),
    // Short codes (under 2^21) and long ones.
    tick: pick(rng.int(0, 5000), () =>
      rng.chance(0.5) ? rng.int(0, 1 << 22) : (1 << 21) - rng.int(0, 2000),
    ),
    baseline: pick(rng.int(0, 0xffff), () => -1),
    age: pick(rng.int(1, 16), () => (rng.chance(0.5) ? -1 : rng.int(0, 63))),
    despawns: pick(0, () => rng.int(1, 3)),
    spawns: pick(0, () => rng.int(1, 3)),
    updates: pick(rng.int(1, 120), () => (rng.chance(0.5) ? 0 : rng.int(1 << 14, 1 << 16))),
    bitmap: rng.chance(0.5),
    ks: Array.from({ length: groups }, () => rng.int(0, 15)),
    k: rng.int(0, 7),
  };
}

/** The header as SnapshotEncoder writes it (the spawn/despawn lists are not needed: reads stop at them). */
function write(h: Head, padBits: number, rng: Rng): Uint8Array {
  const w = new WordWriter();
  w.writeBits(h.sequence, 16);
  w.writeExpGolomb(h.tick, 10);
  w.writeBool(h.baseline >= 0);
  if (h.baseline >= 0) {
    w.writeBits(h.baseline, 16);
    w.writeBool(h.age >= 0);
    if (h.age >= 0) w.writeBits(h.age, 6);
  }
  w.writeExpGolomb(h.despawns, 0);
  w.writeExpGolomb(h.spawns, 0);
  w.writeExpGolomb(h.updates, 0);
  w.writeBool(h.bitmap);
  for (const k of h.ks) w.writeBits(k, 4);
  if (!h.bitmap) w.writeBits(h.k, 3);
  for (let i = 0; i < padBits; i++) w.writeBool(rng.chance(0.5));
  const out = new BitWriter(4096);
  w.copyTo(out);
  return out.finish().slice();
}

/** What the general path reads, in its order; undefined where it would not take the steady path. */
function general(r: WordReader, groups: number): number[] | undefined {
  const sequence = r.readBits(16);
  const tick = r.readExpGolomb(10);
  if (!r.readBool()) return undefined;
  const baseline = r.readBits(16);
  const age = r.readBool() ? r.readBits(6) : -1;
  if (r.readExpGolomb(0) !== 0 || r.readExpGolomb(0) !== 0) return undefined;
  const updates = r.readExpGolomb(0);
  const bitmap = r.readBool() ? 1 : 0;
  const ks: number[] = [];
  for (let g = 0; g < groups; g++) ks.push(r.readBits(4));
  const k = bitmap === 1 ? 0 : r.readBits(3);
  if (r.overflowed || tick < 0 || updates <= 0) return undefined;
  return [sequence, tick, baseline, age, updates, bitmap, k, r.position, ...ks];
}

describe("readSteadyHeader", () => {
  it.each([0, 1, 3])(
    "reads what WordReader reads, or declines, over random headers (%i groups)",
    (groups) => {
      const rng = createRng(7 + groups);
      const groupIndex = Int32Array.from({ length: groups }, (_, g) => groups - 1 - g);
      const min = steadyHeaderBits(groups);
      let taken = 0;
      let longTicks = 0;
      for (let i = 0; i < 3000; i++) {
        const h = randomHead(rng, groups);
        const bytes = write(h, rng.chance(0.1) ? rng.int(0, 8) : rng.int(0, 400), rng);
        // Cut some packets inside or right after the header.
        const cut = rng.chance(0.2) ? bytes.subarray(0, rng.int(0, bytes.length)) : bytes;
        const r = new WordReader();
        r.reset(cut);
        const ks = new Uint8Array(groups);
        const out = new Int32Array(8);
        const got = cut.length * 8 >= min && readSteadyHeader(r.data, groupIndex, ks, out);
        const expected = general(r, groups);
        // The steady path takes short codes only (under 32 bits) and inputs of at least `min` bits.
        const short = h.tick < (1 << 21) - (1 << 10) && h.updates < (1 << 15) - 1;
        if (expected !== undefined && short && cut.length * 8 >= min) {
          expect(got, `header ${i}`).toBe(true);
          const steadyKs = Array.from(groupIndex, (g) => ks[g] as number);
          expect([...out, ...steadyKs], `header ${i}`).toEqual(expected);
          taken++;
        } else expect(got, `header ${i}`).toBe(false);
        if (!short && expected !== undefined) longTicks++;
      }
      expect(taken).toBeGreaterThan(500);
      expect(longTicks).toBeGreaterThan(10);
    },
  );
});

/** A moving world (the steady path's packets), with the random spawns and despawns of codecRig.step every 8th tick. */
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

describe("SnapshotDecoder's steady path", () => {
  it("decodes as the JS kernel's decoder, and refuses flipped, forged and cut headers as it does", () => {
    const registry = poseRegistry("none");
    const rng = createRng(5);
    const encode = server(registry, rng, movingWorld(), 0);
    const js = client(registry, false);
    const wasm = client(registry, true);
    expect(wasm.decoder.wasm).toBeDefined();
    const decoded: number[] = [];
    const statuses = new Set<number>();
    for (let tick = 0; tick < 160; tick++) {
      const recent = decoded.filter((t) => t >= tick - 6);
      const bytes = encode(tick, recent.length > 0 ? (recent[0] as number) : -1);
      if (tick % 3 === 1) {
        // A copy with one header bit flipped, or cut inside its header.
        const bad = bytes.slice(0, tick % 2 === 0 ? bytes.length : rng.int(1, 24));
        const bit = rng.int(0, Math.min(bad.length * 8, 120) - 1);
        bad[bit >>> 3] = (bad[bit >>> 3] as number) ^ (1 << (bit & 7));
        statuses.add(both(js, wasm, bad, `tick ${tick}, bit ${bit}`));
      }
      const status = both(js, wasm, bytes, `tick ${tick}`);
      statuses.add(status);
      if (status === DecodeStatus.Ok) decoded.push(tick);
    }
    expect(wasm.decoder.steadyDecodes, "the steady path ran").toBeGreaterThan(20);
    expect(js.decoder.steadyDecodes, "no steady path without the wasm reader").toBe(0);
    expect(statuses.size, [...statuses].join()).toBeGreaterThan(2);
  });

  it("refuses an updates count past the capacity (Invalid, as the general path)", () => {
    const registry = poseRegistry("none");
    const rng = createRng(9);
    const encode = server(registry, rng, movingWorld(), 0);
    const js = client(registry, false);
    const wasm = client(registry, true);
    for (let tick = 0; tick < 12; tick++)
      both(js, wasm, encode(tick, tick >= 2 ? tick - 2 : -1), `tick ${tick}`);
    const steady = wasm.decoder.steadyDecodes;
    expect(steady).toBeGreaterThan(0);
    // A forged header: sequence 12 against baseline 10, no reference, 0 despawns, 0 spawns, and
    // CAPACITY + 1 updates; then zero bits.
    const head: Head = {
      sequence: 12,
      tick: 12,
      baseline: 10,
      age: -1,
      despawns: 0,
      spawns: 0,
      updates: CAPACITY + 1,
      bitmap: true,
      ks: [],
      k: 0,
    };
    const w = new WordWriter();
    w.writeBits(head.sequence, 16);
    w.writeExpGolomb(head.tick, 10);
    w.writeBool(true);
    w.writeBits(head.baseline, 16);
    w.writeBool(false);
    w.writeExpGolomb(0, 0);
    w.writeExpGolomb(0, 0);
    w.writeExpGolomb(head.updates, 0);
    for (let i = 0; i < 600; i++) w.writeBool(true);
    const out = new BitWriter(4096);
    w.copyTo(out);
    expect(both(js, wasm, out.finish().slice(), "forged count")).toBe(DecodeStatus.Invalid);
    expect(wasm.decoder.steadyDecodes).toBe(steady);
  });
});
