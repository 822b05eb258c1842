/**
 * The largest deltas every template kind allows (slots jumping between 0 and their maximum, up to
 * 30-bit quantizers, rotations whose largest component changes), with and without prediction and
 * with a tight budget: the generated kernels and the generic path write the same bytes, both
 * decoders decode them to exactly the state the encoder says the client holds, and the Exp-Golomb
 * long codes (prefix past 32 bits) round-trip for every order k at the bounds of their range.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { BitWriter } from "../../src/protocol/bitWriter";
import { codecKernels } from "../../src/replication/codec/kernels/compileKernel";
import { WordReader, WordWriter } from "../../src/replication/codec/wordBits";
import {
  BaselineRing,
  BoolTemplate,
  DecodeStatus,
  EnumTemplate,
  FloatTemplate,
  IntTemplate,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  StringTemplate,
  TransformTemplate,
  Vec2Template,
  Vec3Template,
} from "../../src/replication/index";

const IDS = 24;
const TICKS = 40;
const column = () => new Float64Array(IDS);

/** One registry per template kind, each at its widest range (30-bit quantizers where allowed). */
const KINDS: Record<string, (r: ReplicationRegistry) => void> = {
  float: (r) => r.replicate(column(), FloatTemplate({ min: -5e5, max: 5e5, precision: 0.001 })),
  int: (r) => r.replicate(new Int32Array(IDS), IntTemplate({ min: 0, max: 2 ** 30 - 1 })),
  bool: (r) => r.replicate(new Uint8Array(IDS), BoolTemplate()),
  enum: (r) => r.replicate([] as string[], EnumTemplate(["a", "b", "c", "d", "e"])),
  vec2: (r) =>
    r.replicate({ x: column(), y: column() }, Vec2Template({ min: -5e5, max: 5e5, precision: 0.001 })),
  vec3: (r) =>
    r.replicate(
      { x: column(), y: column(), z: column() },
      Vec3Template({ min: -5e5, max: 5e5, precision: 0.001 }),
    ),
  quat: (r) =>
    r.replicate({ x: column(), y: column(), z: column(), w: column() }, QuatTemplate({ bits: 16 })),
  transform: (r) =>
    r.replicate(
      Object.fromEntries(["x", "y", "z", "qx", "qy", "qz", "qw"].map((k) => [k, column()])),
      TransformTemplate({ min: -5e5, max: 5e5, precision: 0.001, rotationBits: 15 }),
    ),
  string: (r) => r.replicate([] as string[], StringTemplate({ maxBytes: 8 })),
};

function registryOf(kinds: readonly string[]): ReplicationRegistry {
  const r = new ReplicationRegistry();
  for (const k of kinds) (KINDS[k] as (r: ReplicationRegistry) => void)(r);
  return r;
}

/**
 * Slot values at `tick`: ids ≡ 0 (mod 3) jump between 0 and the maximum every tick, ≡ 1 jump every
 * other tick (prediction then overshoots past the bounds), ≡ 2 step by one. String slots (length,
 * then characters) stay at a valid 0.
 */
function setExtremes(registry: ReplicationRegistry, s: SnapshotState, tick: number): void {
  for (let id = 0; id < IDS; id++) {
    for (const f of registry.fields) {
      const t = f.template;
      if (t.kind === "string") continue;
      for (let k = 0; k < t.width; k++) {
        const max = t.slotMax[k] as number;
        const o = id * s.stride + f.offset + k;
        const high = id % 3 === 0 ? (tick + k) % 2 === 1 : id % 3 === 1 ? tick % 4 >= 2 : undefined;
        s.values[o] = high === undefined ? ((s.values[o] as number) + 1) % (max + 1) : high ? max : 0;
      }
    }
  }
}

function side(registry: ReplicationRegistry, kernels: boolean) {
  codecKernels.enabled = kernels;
  try {
    return {
      encoder: new SnapshotEncoder(registry, IDS),
      decoder: new SnapshotDecoder(registry, IDS),
      serverRing: new BaselineRing(registry, IDS),
      clientRing: new BaselineRing(registry, IDS),
      writer: new BitWriter(64 * 1024),
    };
  } finally {
    codecKernels.enabled = true;
  }
}

describe("extreme deltas", () => {
  const cases = [
    ...Object.keys(KINDS).map((k) => ({ name: k, kinds: [k] })),
    { name: "every kind in one registry", kinds: Object.keys(KINDS) },
  ];
  it.each(cases)("kernel and generic path agree bit for bit and decode exactly ($name)", ({ kinds }) => {
    const registry = registryOf(kinds);
    const current = new SnapshotState(registry, IDS);
    const full = (1 << registry.fields.length) - 1;
    for (let id = 0; id < IDS; id++) current.setPresent(id, full);
    const sides = [side(registry, true), side(registry, false)];
    for (let tick = 0; tick < TICKS; tick++) {
      setExtremes(registry, current, tick);
      current.tick = tick;
      const predict = tick % 5 !== 0;
      const budgetBytes = tick % 7 === 3 ? 40 : undefined;
      const bytes: number[][] = [];
      for (const s of sides) {
        // Acks one or two ticks late: unit and non-unit prediction ratios.
        if (tick >= 1) s.serverRing.markAcked(tick - 1 - (tick % 2));
        const baseline = s.serverRing.newestAckedState();
        s.writer.reset();
        s.encoder.encode(s.writer, {
          sequence: tick,
          tick,
          current,
          baseline,
          reference: baseline && predict ? s.serverRing.referenceFor(baseline, tick) : undefined,
          out: s.serverRing.acquire(tick),
          ...(budgetBytes === undefined ? {} : { budgetBytes }),
        });
        bytes.push(Array.from(s.writer.bytes.subarray(0, s.writer.bytesWritten)));
      }
      const context = `${kinds.join("+")}, tick ${tick}`;
      expect(bytes[0], context).toEqual(bytes[1]);
      for (const s of sides) {
        // The range form over a larger buffer, at an offset.
        const at = 5 + (tick % 3);
        const buffer = new Uint8Array(at + s.writer.bytesWritten + 9).fill(0xa5);
        buffer.set(s.writer.bytes.subarray(0, s.writer.bytesWritten), at);
        expect(s.decoder.decode(buffer, s.clientRing, at, s.writer.bytesWritten), context).toBe(
          DecodeStatus.Ok,
        );
        const decoded = s.decoder.lastDecoded as SnapshotState;
        expect(decoded.equals(s.serverRing.get(tick) as SnapshotState), context).toBe(true);
      }
    }
    // The budget deferred nothing forever: the last state equals the current one.
    const last = sides[0]?.serverRing.get(TICKS - 1) as SnapshotState;
    expect(last.count()).toBe(IDS);
  });

  it("refuses a decode range outside the buffer with a readable error", () => {
    const registry = registryOf(["float"]);
    const d = new SnapshotDecoder(registry, IDS);
    expect(() => d.decode(new Uint8Array(8), new BaselineRing(registry, IDS), 4, 5)).toThrow(/outside/);
  });
});

describe("Exp-Golomb long codes", () => {
  it("round-trip for every k at the bounds of every prefix length, after any bit offset", () => {
    const w = new WordWriter(64);
    const r = new WordReader(64);
    const rng = createRng(77);
    const values: number[] = [];
    const ks: number[] = [];
    for (let k = 0; k < 16; k++) {
      for (let n = 0; n <= 31; n++) {
        for (const u of [2 ** n - 1, 2 ** n, 2 ** n + 1, rng.int(0, 2 ** 31 - 2)]) {
          if (u > 2 ** 31 - 2) continue;
          values.push(u);
          ks.push(k);
        }
      }
    }
    const pad = rng.int(1, 31);
    w.writeBits(0x5a5a5a5a & ((1 << pad) - 1), pad);
    for (let i = 0; i < values.length; i++) w.writeExpGolomb(values[i] as number, ks[i] as number);
    const out = new BitWriter(64 * 1024);
    w.copyTo(out);
    const bytes = out.finish();
    r.reset(bytes);
    r.readBits(pad);
    for (let i = 0; i < values.length; i++)
      expect(r.readExpGolomb(ks[i] as number), `code ${i}`).toBe(values[i]);
    expect(r.overflowed).toBe(false);
  });

  it("reads a code past 2^31 − 1 or past the end as malformed (−1), never a wrong value", () => {
    const w = new WordWriter(64);
    // Prefix n = 30 and all-one info bits with k = 15: (2^31 − 1) · 2^15 + low, far past 2^31.
    w.writeBits(1 << 30, 31);
    w.writeBits((1 << 30) - 1, 30);
    w.writeBits((1 << 15) - 1, 15);
    const out = new BitWriter(64);
    w.copyTo(out);
    const r = new WordReader(64);
    r.reset(out.finish());
    expect(r.readExpGolomb(15)).toBe(-1);
    r.reset(new Uint8Array([0, 0, 0, 0, 1]));
    expect(r.readExpGolomb(0)).toBe(-1);
    r.reset(new Uint8Array([0, 0, 0x80]), 1, 2);
    expect(r.readExpGolomb(0)).toBe(-1);
    expect(r.overflowed).toBe(true);
  });
});
