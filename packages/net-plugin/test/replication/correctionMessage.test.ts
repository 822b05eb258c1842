/**
 * The correction message (client authority): written values read back exactly (fixed-width and
 * variable-width templates), every malformed form is refused without a throw, and the snapshot
 * history skips the entities a state gives a client authority over.
 */
import { describe, expect, it } from "vitest";
import { createRng } from "@canopy/core";
import { BitReader } from "../../src/protocol/bitReader";
import { BitWriter } from "../../src/protocol/bitWriter";
import { ChannelKind, DEFAULT_CHANNELS } from "../../src/reliability/channels";
import { SnapshotHistory } from "../../src/replication/client/snapshotHistory";
import { SnapshotState } from "../../src/replication/codec/snapshotState";
import { ReplicationRegistry } from "../../src/replication/registry";
import {
  Correction,
  CorrectionStatus,
  CorrectionWire,
  maxCorrectionBytes,
  readCorrection,
  writeCorrection,
} from "../../src/replication/server/correctionMessage";
import { ensureOwnerField } from "../../src/replication/server/ownership";
import { correctionChannelOf } from "../../src/replication/server/upstreamCorrector";
import { FloatTemplate } from "../../src/replication/templates/floatTemplate";
import { StringTemplate } from "../../src/replication/templates/stringTemplate";
import { Vec2Template } from "../../src/replication/templates/vec2Template";

const CAPACITY = 64;

function fixture() {
  const registry = new ReplicationRegistry();
  const position = registry.replicate(
    { x: new Float32Array(8), y: new Float32Array(8) },
    Vec2Template({ min: -100, max: 100, precision: 0.01 }),
    { name: "position" },
  );
  const name = registry.replicate([] as string[], StringTemplate({ maxBytes: 12 }), { name: "name" });
  const health = registry.replicate(
    new Float32Array(8),
    FloatTemplate({ min: 0, max: 100, precision: 0.5 }),
    {
      name: "health",
    },
  );
  const owner = ensureOwnerField(registry);
  const forbidden = (1 << owner.field.index) | (1 << owner.authorityField.index);
  const row = new Int32Array(registry.stride);
  position.template.quantize({ x: 12.34, y: -56.78 }, row, position.offset);
  name.template.quantize("snap back", row, name.offset);
  health.template.quantize(42.5, row, health.offset);
  const writer = new BitWriter(maxCorrectionBytes(registry));
  const mask = (1 << position.index) | (1 << name.index) | (1 << health.index);
  return { registry, position, name, health, owner, forbidden, row, writer, mask };
}

function read(f: ReturnType<typeof fixture>, bytes: Uint8Array, out = new Correction(f.registry.stride)) {
  return readCorrection(new BitReader(), f.registry, CAPACITY, f.forbidden, bytes, 0, bytes.length, out);
}

describe("correction message", () => {
  it("reads back what was written: id, tick, mask and every field's quantized values", () => {
    const f = fixture();
    const n = writeCorrection(f.writer, f.registry, 17, 123456, f.mask, f.row, 0);
    const bytes = f.writer.bytes.slice(0, n);
    expect(bytes[0]).toBe(CorrectionWire.kind);
    const out = new Correction(f.registry.stride);
    expect(read(f, bytes, out)).toBe(CorrectionStatus.Ok);
    expect([out.netId, out.tick, out.mask]).toEqual([17, 123456, f.mask]);
    for (const field of [f.position, f.name, f.health])
      for (let k = 0; k < field.template.width; k++)
        expect(out.values[field.offset + k]).toBe(f.row[field.offset + k]);
    // A subset: only the masked fields are written (fewer bytes) and read.
    const m = writeCorrection(f.writer, f.registry, 3, 9, 1 << f.health.index, f.row, 0);
    expect(m).toBeLessThan(n);
    expect(read(f, f.writer.bytes.slice(0, m), out)).toBe(CorrectionStatus.Ok);
    expect(out.mask).toBe(1 << f.health.index);
  });

  it("refuses every malformed form without throwing", () => {
    const f = fixture();
    const n = writeCorrection(f.writer, f.registry, 17, 5, f.mask, f.row, 0);
    const good = f.writer.bytes.slice(0, n);
    const invalid = (bytes: Uint8Array) => expect(read(f, bytes)).toBe(CorrectionStatus.Invalid);
    invalid(new Uint8Array(0));
    invalid(good.subarray(0, CorrectionWire.headerBytes - 1)); // short header
    for (let cut = CorrectionWire.headerBytes; cut < n; cut++) invalid(good.subarray(0, cut)); // truncated values
    const longer = new Uint8Array(n + 1);
    longer.set(good);
    invalid(longer); // trailing byte
    const kind = good.slice();
    kind[0] = 0xe0;
    invalid(kind);
    invalid(writeAt(f, CAPACITY, f.mask)); // id past capacity
    invalid(writeAt(f, 1, 0)); // empty mask
    invalid(writeAt(f, 1, 1 << f.owner.field.index)); // ownership never travels
    const unknown = good.slice();
    unknown[10] = 0x80; // mask bit 31: no such field
    invalid(unknown);
    // Out-of-range quantized values (health slot past its maximum).
    const row = f.row.slice();
    row[f.health.offset] = (1 << 8) - 1;
    const over = new BitWriter(maxCorrectionBytes(f.registry));
    const m = writeCorrection(over, f.registry, 1, 1, 1 << f.health.index, row, 0);
    invalid(over.bytes.slice(0, m));
    // Random mutations: never a throw; a result is Ok or Invalid.
    const rng = createRng(991);
    for (let i = 0; i < 2000; i++) {
      const m2 = good.slice(0, rng.int(0, n));
      for (let k = 0; k < 3 && m2.length > 1; k++) m2[rng.int(1, m2.length - 1)]! ^= 1 << rng.int(0, 7);
      expect([CorrectionStatus.Ok, CorrectionStatus.Invalid]).toContain(read(f, m2));
    }
  });

  it("goes on the first reliable-unordered channel by default; a requested channel must be reliable", () => {
    expect(correctionChannelOf(DEFAULT_CHANNELS)).toBe(1);
    expect(
      correctionChannelOf([{ kind: ChannelKind.ReliableOrdered }, { kind: ChannelKind.Unreliable }]),
    ).toBe(0);
    expect(correctionChannelOf([{ kind: ChannelKind.Unreliable }])).toBe(-1);
    expect(correctionChannelOf(DEFAULT_CHANNELS, 0)).toBe(0);
    expect(() => correctionChannelOf(DEFAULT_CHANNELS, 2)).toThrow(
      /correctionChannel 2 must be a reliable channel/,
    );
  });
});

describe("SnapshotHistory with client authority", () => {
  it("does not record the entities a state gives the client authority over, and records them again after", () => {
    const f = fixture();
    const { field: ownerField, authorityField } = f.owner;
    const state = new SnapshotState(f.registry, CAPACITY);
    const h = new SnapshotHistory(CAPACITY, f.registry.stride, 4, { ownerField, authorityField });
    const all = f.mask | (1 << ownerField.index) | (1 << authorityField.index);
    const put = (tick: number, owner: number, authority: number) => {
      state.tick = tick;
      for (const id of [2, 5]) {
        state.setPresent(id, all);
        state.values[id * state.stride + ownerField.offset] = owner + 1; // quantized: slot + 1
        state.values[id * state.stride + authorityField.offset] = id === 2 ? authority : 0;
      }
      h.recordAll(state, 3);
    };
    put(1, 3, 0);
    put(2, 3, 0);
    expect([h.count(2), h.count(5)]).toEqual([2, 2]);
    put(3, 3, 1); // client 3 gains authority over id 2: forgotten
    put(4, 3, 1);
    expect([h.count(2), h.count(5)]).toEqual([0, 4]);
    h.recordAll(state); // without a client slot nothing is skipped
    expect(h.count(2)).toBe(1);
    put(5, 4, 1); // another client's authority: recorded
    expect(h.count(2)).toBe(2);
    put(6, 3, 1); // this client's again: forgotten
    put(7, 3, 0); // authority ended: recorded again
    expect([h.count(2), h.tickAt(2, 0), h.count(5)]).toEqual([1, 7, 4]);
  });
});

function writeAt(f: ReturnType<typeof fixture>, netId: number, mask: number): Uint8Array {
  const w = new BitWriter(maxCorrectionBytes(f.registry));
  const n = writeCorrection(w, f.registry, netId, 1, mask, f.row, 0);
  return w.bytes.slice(0, n);
}
