/**
 * Shared by the wasmDecode*.test.ts files: a pose registry, a server encoding random evolving
 * states, clients built with the wasm switch on or off, the side-by-side decode check, and spies on
 * the wasm reader's calls (the id forms and predictions seen; each call compared with the JS kernel
 * on a copy).
 */
import type { Rng } from "@canopy/core";
import { expect, vi } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { columnLayout } from "../../../src/replication/codec/columns";
import { decodeKernel, type ReadUpdatesKernel } from "../../../src/replication/codec/kernels/decodeKernel";
import { WasmDecode } from "../../../src/replication/codec/wasm/wasmDecode";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { WordReader } from "../../../src/replication/codec/wordBits";
import {
  BaselineRing,
  DecodeStatus,
  IntTemplate,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotDecoder,
  SnapshotEncoder,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { step } from "../codecRig";
import { CAPACITY } from "../kernelFixture";

/** Where a pose registry's owner int sits: none, or before or after the rotation. */
export type OwnerAt = "none" | "before" | "after";

/**
 * Position `p` (Vec3, ±50 at 1/512) and rotation `q` (Quat, 9 bits) over `capacity` rows, with an
 * owner int `o` (0–15, as the server's owner field) before or after the rotation.
 */
export function poseRegistry(owner: OwnerAt, capacity = CAPACITY): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  const soa = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, new Float32Array(capacity)]));
  const int = (): void =>
    void registry.replicate(new Int32Array(capacity), IntTemplate({ min: 0, max: 15 }), { name: "o" });
  registry.replicate(soa(["x", "y", "z"]), Vec3Template({ min: -50, max: 50, precision: 1 / 512 }), {
    name: "p",
  });
  if (owner === "before") int();
  registry.replicate(soa(["x", "y", "z", "w"]), QuatTemplate({ bits: 9 }), { name: "q" });
  if (owner === "after") int();
  registry.close();
  return registry;
}

/** A decoder and its ring (`capacity` network ids), built with the wasm switch `on`. */
export function client(registry: ReplicationRegistry, on: boolean, capacity = CAPACITY) {
  wasmKernels.enabled = on;
  try {
    return { decoder: new SnapshotDecoder(registry, capacity), ring: new BaselineRing(registry, capacity) };
  } finally {
    wasmKernels.enabled = false;
  }
}
export type Client = ReturnType<typeof client>;

/**
 * A wasm client whose reader is built; with `refuseFirst` the engine refuses its first compile (the
 * SIMD reader), so the scalar one is built (checked: two compiles).
 */
export function wasmClient(registry: ReplicationRegistry, refuseFirst: boolean): Client {
  const real = WebAssembly.Module;
  let compiles = 0;
  if (refuseFirst)
    vi.spyOn(WebAssembly, "Module").mockImplementation(function (bytes: BufferSource) {
      if (compiles++ === 0) throw new WebAssembly.CompileError("SIMD refused (test)");
      return new real(bytes);
    });
  const wasm = client(registry, true);
  if (refuseFirst) expect(compiles, "the scalar reader compiled after the refusal").toBe(2);
  expect(wasm.decoder.wasm).toBeDefined();
  return wasm;
}

/** How a test world changes per tick (codecRig.step by default). */
type Evolve = (rng: Rng, registry: ReplicationRegistry, s: SnapshotState) => void;

/**
 * A server encoding random evolving states (`evolve`, default codecRig.step) with random options
 * per tick: relevance, references, and a byte budget with chance `budgetChance` (default 0.25).
 * Plain states when built with the wasm switch off (as this rig keeps it).
 */
export function server(registry: ReplicationRegistry, rng: Rng, evolve: Evolve = step, budgetChance = 0.25) {
  const encoder = new SnapshotEncoder(registry, CAPACITY);
  const ring = new BaselineRing(registry, CAPACITY);
  const current = Object.assign(new SnapshotState(registry, CAPACITY), { versioned: true });
  const writer = new BitWriter(64 * 1024);
  const priority = new Float32Array(CAPACITY);
  const relevant = new Uint8Array(CAPACITY);
  return (tick: number, acked: number): Uint8Array => {
    evolve(rng, registry, current);
    current.tick = tick;
    if (acked >= 0) ring.markAcked(acked);
    for (let id = 0; id < CAPACITY; id++) {
      priority[id] = rng.range(0, 10);
      relevant[id] = rng.chance(0.9) ? 1 : 0;
    }
    const baseline = ring.newestAckedState();
    writer.reset();
    encoder.encode(writer, {
      sequence: tick,
      tick,
      current,
      baseline,
      reference: baseline && rng.chance(0.7) ? ring.referenceFor(baseline, tick) : undefined,
      out: ring.acquire(tick),
      relevant: rng.chance(0.3) ? relevant : undefined,
      priority,
      budgetBytes: rng.chance(budgetChance) ? rng.int(20, 400) : undefined,
    });
    return writer.finish().slice();
  };
}

/** Decodes `bytes` on both clients; expects the same status and decoded state. */
export function both(js: Client, wasm: Client, bytes: Uint8Array, context: string): DecodeStatus {
  const a = js.decoder.decode(bytes, js.ring);
  const b = wasm.decoder.decode(bytes, wasm.ring);
  expect(b, context).toBe(a);
  if (a === DecodeStatus.Ok || a === DecodeStatus.Stale) {
    const sa = js.decoder.lastDecoded as SnapshotState;
    const sb = wasm.decoder.lastDecoded as SnapshotState;
    expect(sb.equals(sa) && sa.equals(sb), context).toBe(true);
  }
  return a;
}

/** Records the id form and prediction of every wasm call. */
export function spyForms(): { bitmap: Set<boolean>; predicted: Set<boolean> } {
  const seen = { bitmap: new Set<boolean>(), predicted: new Set<boolean>() };
  // Called with the instance as `this` below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const read = WasmDecode.prototype.read;
  vi.spyOn(WasmDecode.prototype, "read").mockImplementation(function (this: WasmDecode, ...args) {
    seen.bitmap.add(args[10]);
    seen.predicted.add(args[6] !== undefined);
    return read.apply(this, args);
  });
  return seen;
}

/**
 * Runs the JS kernel on a copy of every wasm call's input (reader at the same position, a plain
 * copy of the work state) and expects the same result, reader position and overflowed flag, and
 * on success the same work rows. Returns the number of calls compared (and of those refused, with
 * a deferred base copy, in the bitmap form, and leaving the reader overflowed).
 */
export function spyKernelParity(
  registry: ReplicationRegistry,
  capacity = CAPACITY,
): { calls: number; refused: number; copied: number; bitmap: number; overflowed: number } {
  const js = decodeKernel(registry) as ReadUpdatesKernel;
  const layout = columnLayout(registry);
  const lists = new Int32Array(capacity * registry.fields.length);
  const exPos = new Int32Array((capacity + 1) * layout.maxFieldColumns);
  const exHigh = new Int32Array((capacity + 1) * layout.maxFieldColumns);
  const copy = new SnapshotState(registry, capacity);
  const reader = new WordReader();
  const seen = { calls: 0, refused: 0, copied: 0, bitmap: 0, overflowed: 0 };
  // Called with the instance as `this` below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const read = WasmDecode.prototype.read;
  vi.spyOn(WasmDecode.prototype, "read").mockImplementation(function (this: WasmDecode, ...args) {
    const [r, base, work, mark, , , reference, rn, rd, updates, bitmap, k, copyRows] = args;
    reader.reset(new Uint8Array(r.data.buffer, r.data.byteOffset, r.bitLength >>> 3).slice());
    reader.position = r.position;
    // copyRows > 0: the kernel copies the base into `work` first (the decoder deferred it).
    copy.copyFrom(copyRows !== undefined && copyRows > 0 ? base : work);
    if (copyRows !== undefined && copyRows > 0) seen.copied++;
    const ks = new Uint8Array(64);
    const expected = js(
      reader,
      base,
      copy,
      mark,
      reference,
      rn,
      rd,
      ks,
      updates,
      bitmap,
      k,
      lists,
      exPos,
      exHigh,
    );
    const ok = read.apply(this, args);
    seen.calls++;
    if (!ok) seen.refused++;
    if (bitmap) seen.bitmap++;
    if (reader.overflowed) seen.overflowed++;
    expect([ok, r.position, r.overflowed]).toEqual([expected, reader.position, reader.overflowed]);
    // The rows of present entities (copyFrom leaves absent rows' slots alone).
    if (ok) expect(work.equals(copy) && copy.equals(work)).toBe(true);
    return ok;
  });
  return seen;
}
