/**
 * The generated WebAssembly update reader (codec/wasm/wasmDecode.ts) wired into SnapshotDecoder
 * against the JS kernel it replaces: encoder output over random inline registries and evolving
 * states (prediction, budgets, exclusions, both id forms) decoded with the wasm switch on
 * (pool-backed rings, the wasm reader in place) and off (plain rings, the JS kernel): the same
 * status and the same decoded states; mutated and truncated snapshots get the same refusals (and
 * never a throw); and the fallbacks (generic fields, switch off, plain states, a refused compile).
 */
import { createRng } from "@canopy/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CodecMemoryPool } from "../../../src/replication/codec/wasm/codecMemory";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  BaselineRing,
  DecodeStatus,
  ReplicationRegistry,
  StringTemplate,
  Vec3Template,
  type SnapshotState,
} from "../../../src/replication/index";
import { CAPACITY, randomRegistry } from "../kernelFixture";
import { both, client, server, spyForms, spyKernelParity } from "./wasmDecodeRig";

afterEach(() => {
  wasmKernels.enabled = false;
  vi.restoreAllMocks();
});

describe("wasm update reader (SnapshotDecoder with wasmKernels on)", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    "decodes the same states as the JS kernel over evolving states (seed %i)",
    (seed) => {
      const rng = createRng(seed);
      const { registry, describe: layout } = randomRegistry(createRng(seed * 31), 5);
      const encode = server(registry, rng);
      const js = client(registry, false);
      const wasm = client(registry, true);
      expect(wasm.decoder.wasm, "the registry has a wasm reader").toBeDefined();
      const forms = spyForms();
      const context = `seed ${seed}, fields ${layout.join(" ")}`;
      // The client acks what it decoded (some acks lost); lost snapshots make later ones name
      // older baselines.
      const decoded: number[] = [];
      for (let tick = 0; tick < 90; tick++) {
        const recent = decoded.filter((t) => t >= tick - 8);
        const ack =
          recent.length > 0 && rng.chance(0.8) ? (recent[rng.int(0, recent.length - 1)] as number) : -1;
        const bytes = encode(tick, ack);
        if (rng.chance(0.1)) continue;
        const status = both(js, wasm, bytes, `${context}, tick ${tick}`);
        if (status === DecodeStatus.Ok) decoded.push(tick);
      }
      expect(wasm.ring.scratch.pool, "pool-backed states").toBeDefined();
      expect(wasm.decoder.wasm?.calls ?? 0, context).toBeGreaterThan(20);
      expect(forms.predicted.size, context).toBe(2);
      expect(forms.bitmap.has(true) || forms.bitmap.has(false), context).toBe(true);
    },
  );

  it("keeps decoding the same states when the pool grows mid-run (views re-made, addresses kept)", () => {
    const rng = createRng(91);
    const { registry } = randomRegistry(createRng(91 * 31), 5);
    const encode = server(registry, rng);
    const js = client(registry, false);
    const wasm = client(registry, true);
    const pool = wasm.ring.scratch.pool;
    expect(pool).toBeDefined();
    const generation = pool?.generation ?? 0;
    const extra: BaselineRing[] = [];
    for (let tick = 0; tick < 40; tick++) {
      if (tick === 20) {
        wasmKernels.enabled = true;
        // Enough blocks to outgrow the pool's first reservation (4 MiB).
        while ((pool?.generation ?? 0) === generation && extra.length < 400)
          extra.push(new BaselineRing(registry, CAPACITY));
        wasmKernels.enabled = false;
      }
      expect(both(js, wasm, encode(tick, tick - 1), `tick ${tick}`)).toBe(DecodeStatus.Ok);
    }
    expect(pool?.generation).toBeGreaterThan(generation);
    expect(wasm.decoder.wasm?.calls).toBeGreaterThan(15);
    for (const ring of extra) ring.dispose();
  });

  it("reads both id forms (bitmap and gap list) over the seeds", () => {
    const forms = spyForms();
    for (let seed = 40; seed < 46; seed++) {
      const rng = createRng(seed);
      const { registry } = randomRegistry(createRng(seed * 31), 5);
      const encode = server(registry, rng);
      const js = client(registry, false);
      const wasm = client(registry, true);
      for (let tick = 0; tick < 40; tick++) both(js, wasm, encode(tick, tick - 1), `seed ${seed}`);
    }
    expect([...forms.bitmap].sort()).toEqual([false, true]);
  });

  it.each([21, 22, 23])(
    "refuses mutated, truncated and forged snapshots as the JS kernel does, never throwing (seed %i)",
    (seed) => {
      const rng = createRng(seed);
      const { registry, describe: layout } = randomRegistry(createRng(seed * 31), 5);
      const encode = server(registry, rng);
      const js = client(registry, false);
      const wasm = client(registry, true);
      const context = `seed ${seed}, fields ${layout.join(" ")}`;
      const parity = spyKernelParity(registry);
      let tried = 0;
      for (let tick = 0; tick < 30; tick++) {
        const good = encode(tick, tick - 1);
        if (tick >= 6) {
          const variants: Uint8Array[] = [];
          // Cut short at every byte, and bits flipped after the header (the tail is the columns:
          // widths, exception counts, positions and values forged there).
          for (let n = 0; n < good.length; n++) variants.push(good.subarray(0, n));
          // Every single bit flipped in the last 24 bytes: the last columns' widths, exception
          // counts, exception widths, positions and high bits all forged.
          if (tick % 3 === 0)
            for (let at = Math.max(5, good.length - 24); at < good.length; at++)
              for (let b = 0; b < 8; b++) {
                const bytes = good.slice();
                bytes[at] = (bytes[at] as number) ^ (1 << b);
                variants.push(bytes);
              }
          for (let i = 0; i < 40; i++) {
            const bytes = good.slice();
            const from = rng.chance(0.5) ? 5 : Math.max(5, Math.floor(bytes.length * 0.6));
            if (from >= bytes.length) continue;
            for (let m = rng.int(1, 3); m > 0; m--) {
              const at = rng.int(from, bytes.length - 1);
              bytes[at] = (bytes[at] as number) ^ (1 << rng.int(0, 7));
            }
            variants.push(bytes);
          }
          for (const bytes of variants) {
            const newestJs = js.decoder.newestSequence;
            const newestWasm = wasm.decoder.newestSequence;
            let status: DecodeStatus = DecodeStatus.Ok;
            expect(() => (status = both(js, wasm, bytes, `${context}, tick ${tick}`))).not.toThrow();
            tried++;
            if (status === DecodeStatus.Ok || status === DecodeStatus.Stale) {
              // Forget the accepted variant so the next one is decoded against the same rings.
              (js.ring.get(tick) as SnapshotState).sequence = -1;
              (wasm.ring.get(tick) as SnapshotState).sequence = -1;
              js.decoder.newestSequence = newestJs;
              wasm.decoder.newestSequence = newestWasm;
            }
          }
        }
        expect(both(js, wasm, good, context)).toBe(DecodeStatus.Ok);
      }
      expect(tried).toBeGreaterThan(500);
      // Kernel level: refusals compared too (the reader's position and overflowed flag).
      expect(parity.refused).toBeGreaterThan(20);
      expect(parity.calls - parity.refused).toBeGreaterThan(20);
      expect(wasm.decoder.wasm?.calls ?? 0).toBeGreaterThan(100);
    },
    // Thousands of variants on both readers: a loaded 2-core machine took 5.5 s once (default 5 s).
    20_000,
  );

  it("runs the JS kernel for a snapshot larger than its input block, and gives its blocks back on dispose", () => {
    const { registry } = randomRegistry(createRng(8 * 31), 5);
    const encode = server(registry, createRng(8));
    const js = client(registry, false);
    const wasm = client(registry, true);
    const pool = wasm.ring.scratch.pool;
    for (let tick = 0; tick < 12; tick++) {
      const bytes = encode(tick, tick - 1);
      // Trailing zero bytes are not read (the decoder does not require the end): the same states.
      const padded = new Uint8Array(bytes.length + (tick % 2 === 1 ? 64 * 1024 : 0));
      padded.set(bytes);
      const calls = wasm.decoder.wasm?.calls ?? 0;
      expect(both(js, wasm, padded, `tick ${tick}`)).toBe(DecodeStatus.Ok);
      if (tick % 2 === 1) expect(wasm.decoder.wasm?.calls).toBe(calls);
    }
    expect(wasm.decoder.wasm?.calls).toBeGreaterThan(3);
    const allocated = pool?.allocated ?? 0;
    wasm.decoder.dispose();
    expect(pool?.allocated).toBe(allocated - 3);
  });

  it("falls back to the JS kernel: generic fields, switch off, plain states, a refused compile", () => {
    // A generic (String) field: no wasm reader; decoding still matches. (Bool, Enum and Transform
    // fields have wasm paths: flagFields.test.ts, transformDecode.test.ts.)
    const generic = new ReplicationRegistry();
    const col = () => new Float32Array(CAPACITY);
    generic.replicate({ x: col(), y: col(), z: col() }, Vec3Template({ min: 0, max: 1, precision: 0.01 }));
    generic.replicate([] as string[], StringTemplate({ maxBytes: 8 }));
    expect(client(generic, true).decoder.wasm).toBeUndefined();
    const { registry } = randomRegistry(createRng(5 * 31), 5);
    expect(client(registry, false).decoder.wasm).toBeUndefined();
    // Plain states (a ring built with the switch off) under a wasm decoder: the JS kernel runs.
    const mixed = { decoder: client(registry, true).decoder, ring: client(registry, false).ring };
    const js = client(registry, false);
    const rng = createRng(77);
    const encode = server(registry, rng);
    for (let tick = 0; tick < 20; tick++) both(js, mixed, encode(tick, tick - 1), "plain ring");
    expect(mixed.decoder.wasm?.calls).toBe(0);
    // A full pool (its second block refused): no wasm reader, the first block given back.
    const pool = mixed.decoder.wasm?.pool as CodecMemoryPool;
    const allocated = pool.allocated;
    // Called with the pool as `this` below.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const tryAlloc = CodecMemoryPool.prototype.tryAlloc;
    let asked = 0;
    vi.spyOn(CodecMemoryPool.prototype, "tryAlloc").mockImplementation(function (
      this: CodecMemoryPool,
      owner,
    ) {
      return ++asked === 2 ? -1 : tryAlloc.call(this, owner);
    });
    expect(client(registry, true).decoder.wasm).toBeUndefined();
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(pool.allocated).toBe(allocated + 65); // the ring's 65 states only
    vi.restoreAllMocks();
    // A CSP without 'wasm-unsafe-eval': compiling refused, undefined, the JS kernel stays.
    vi.spyOn(WebAssembly, "Module").mockImplementation(() => {
      throw new WebAssembly.CompileError("Wasm code generation disallowed by embedder");
    });
    const { registry: other } = randomRegistry(createRng(6 * 31), 5);
    expect(client(other, true).decoder.wasm).toBeUndefined();
  });
});
