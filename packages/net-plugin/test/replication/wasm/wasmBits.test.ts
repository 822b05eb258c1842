/**
 * The inline wasm bit writer and reader (codec/wasm/wasmBits.ts) against the codec's word bit
 * packer (codec/wordBits.ts): random sequences of raw bit fields and Exp-Golomb codes (constant
 * and run-time counts) give the same bytes and bit count, read back the same values, and
 * truncated or random input reads exactly as WordReader reads it (values, -1s, position, failure).
 */
import { createRng, type Rng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { BitWriter } from "../../../src/protocol/bitWriter";
import { WordReader, WordWriter } from "../../../src/replication/codec/wordBits";
import { WasmBitReader, WasmBitWriter } from "../../../src/replication/codec/wasm/wasmBits";
import { WasmModule } from "../../../src/replication/codec/wasm/wasmModule";

/** Op kinds in memory: [kind, value, count] i32 triples. 0: raw bits, 1: Exp-Golomb, 2: EG order 3 (constant). */
const RAW = 0;
const EG = 1;
const EG3 = 2;
const OPS = 0x100;
const IO = 0x10000;
const RESULTS = 0x20000;

interface Kernels {
  write(ops: number, count: number, out: number): number;
  read(ops: number, count: number, input: number, bits: number, results: number): number;
  memory: WebAssembly.Memory;
}

function build(): Kernels {
  const mod = new WasmModule().importMemory("env", "memory", { min: 4 });
  const memory = new WebAssembly.Memory({ initial: 4 });
  for (const kind of ["write", "read"] as const) {
    const f =
      kind === "write"
        ? mod.function("write", ["i32", "i32", "i32"], ["i32"])
        : mod.function("read", ["i32", "i32", "i32", "i32", "i32"], ["i32"]);
    const [ops, count] = [f.param(0), f.param(1)];
    const [i, at, op, value, n] = [
      f.local("i32"),
      f.local("i32"),
      f.local("i32"),
      f.local("i32"),
      f.local("i32"),
    ];
    const w = kind === "write" ? new WasmBitWriter(f) : undefined;
    const r = kind === "read" ? new WasmBitReader(f) : undefined;
    if (w !== undefined) {
      f.localGet(f.param(2));
      w.begin();
    }
    if (r !== undefined) r.begin(f.param(2), f.param(3));
    const exit = f.block();
    f.localGet(count).op("i32.eqz").brIf(exit);
    const loop = f.loop();
    f.localGet(ops)
      .localGet(i)
      .i32Const(12)
      .op("i32.mul")
      .op("i32.add")
      .localTee(at)
      .load("i32.load")
      .localSet(op);
    f.localGet(at).load("i32.load", 4).localSet(value).localGet(at).load("i32.load", 8).localSet(n);
    const push = (): void => void f.localGet(value);
    if (w !== undefined) {
      f.localGet(op).i32Const(RAW).op("i32.eq");
      const raw = f.if();
      w.writeBits(push, n);
      f.else().localGet(op).i32Const(EG).op("i32.eq");
      const eg = f.if();
      w.writeExpGolomb(push, n);
      f.else();
      w.writeExpGolomb(push, 3);
      f.end(eg).end(raw);
    } else if (r !== undefined) {
      f.localGet(f.param(4)).localGet(i).i32Const(2).op("i32.shl").op("i32.add");
      f.localGet(op).i32Const(RAW).op("i32.eq");
      const raw = f.if("i32");
      r.readBits(n);
      f.else().localGet(op).i32Const(EG).op("i32.eq");
      const eg = f.if("i32");
      r.readExpGolomb(n);
      f.else();
      r.readExpGolomb(3);
      f.end(eg).end(raw);
      f.store("i32.store");
    }
    f.localGet(i).i32Const(1).op("i32.add").localTee(i).localGet(count).op("i32.lt_u").brIf(loop);
    f.end(loop).end(exit);
    if (w !== undefined) w.finish();
    // read: pos | failed << 31
    if (r !== undefined) f.localGet(r.pos).localGet(r.failed).i32Const(31).op("i32.shl").op("i32.or");
    mod.export(kind, f);
  }
  const e = mod.instantiate({ env: { memory } }).exports as unknown as Omit<Kernels, "memory">;
  return { write: e.write, read: e.read, memory };
}

type Op = [kind: number, value: number, count: number];

function randomOps(rng: Rng, count: number): Op[] {
  return Array.from({ length: count }, (): Op => {
    const kind = rng.int(0, 2);
    if (kind === RAW) {
      const bits = rng.int(1, 32);
      return [RAW, Math.floor(rng.next() * 2 ** bits), bits];
    }
    const big = rng.chance(0.1);
    const u = big ? rng.int(0, 0x7ffffffd) : rng.int(0, rng.chance(0.5) ? 20 : 5000);
    return kind === EG ? [EG, u, rng.int(0, 15)] : [EG3, u, 3];
  });
}

describe("wasm bit writer and reader", () => {
  const k = build();

  it.each([1, 2, 3, 4, 5, 6])("write the same stream as WordWriter and read it back (seed %i)", (seed) => {
    const rng = createRng(seed);
    const ops = randomOps(rng, rng.int(0, 400));
    const mem = new Int32Array(k.memory.buffer);
    ops.forEach((op, i) => mem.set(op, OPS / 4 + i * 3));
    const ww = new WordWriter();
    for (const [kind, value, n] of ops) {
      if (kind === RAW) ww.writeBits(value, n);
      else ww.writeExpGolomb(value, n);
    }
    const bits = k.write(OPS, ops.length, IO);
    expect(bits, `seed ${seed}`).toBe(ww.bitsWritten);
    const bw = new BitWriter(4096);
    ww.copyTo(bw);
    const bytes = new Uint8Array(k.memory.buffer, IO, bw.bytesWritten);
    expect(Array.from(bytes), `seed ${seed}`).toEqual(Array.from(bw.bytes.subarray(0, bw.bytesWritten)));
    new Uint8Array(k.memory.buffer).fill(0, IO + bw.bytesWritten, IO + bw.bytesWritten + 16);
    const end = k.read(OPS, ops.length, IO, bw.bytesWritten * 8, RESULTS);
    const got = Array.from(new Int32Array(k.memory.buffer, RESULTS, ops.length));
    expect(got, `seed ${seed}`).toEqual(ops.map(([, value]) => value | 0));
    expect(end, `seed ${seed}`).toBe(ww.bitsWritten);
  });

  it("reads crafted Exp-Golomb prefixes (29..33 zeros, overflowing values) as WordReader does", () => {
    const rng = createRng(21);
    for (let shift = 0; shift < 8; shift++) {
      for (let zeros = 0; zeros <= 40; zeros++) {
        for (const order of [0, 1, 3, 15]) {
          // `shift` raw bits, then `zeros` zero bits, a one, and random bits (or all ones).
          const bits: number[] = [];
          for (let i = 0; i < shift; i++) bits.push(rng.int(0, 1));
          for (let i = 0; i < zeros; i++) bits.push(0);
          bits.push(1);
          const ones = rng.chance(0.5);
          const tail = rng.int(0, 64);
          for (let i = 0; i < tail; i++) bits.push(ones ? 1 : rng.int(0, 1));
          const input = new Uint8Array(Math.ceil(bits.length / 8));
          bits.forEach((b, i) => (input[i >> 3] = (input[i >> 3] as number) | (b << (i & 7))));
          const ops: Op[] = shift === 0 ? [] : [[RAW, 0, shift]];
          ops.push([EG, 0, order], [RAW, 0, 5]);
          const mem = new Int32Array(k.memory.buffer);
          ops.forEach((op, i) => mem.set(op, OPS / 4 + i * 3));
          const bytes = new Uint8Array(k.memory.buffer);
          bytes.set(input, IO);
          bytes.fill(0, IO + input.length, IO + input.length + 16);
          const end = k.read(OPS, ops.length, IO, input.length * 8, RESULTS);
          const wr = new WordReader();
          wr.reset(input);
          const want = ops.map(([kind, , n]) => (kind === RAW ? wr.readBits(n) | 0 : wr.readExpGolomb(n)));
          const where = `shift ${shift} zeros ${zeros} order ${order}`;
          expect(Array.from(new Int32Array(k.memory.buffer, RESULTS, ops.length)), where).toEqual(want);
          expect(end & 0x7fffffff, where).toBe(wr.position);
          expect(end < 0, where).toBe(wr.overflowed);
        }
      }
    }
  });

  it.each([11, 12, 13, 14, 15, 16, 17, 18])(
    "read truncated and random input as WordReader does (seed %i)",
    (seed) => {
      const rng = createRng(seed);
      const ops = randomOps(rng, rng.int(1, 200));
      const mem = new Int32Array(k.memory.buffer);
      ops.forEach((op, i) => mem.set(op, OPS / 4 + i * 3));
      let input: Uint8Array;
      if (rng.chance(0.5)) {
        const ww = new WordWriter();
        for (const [kind, value, n] of ops) {
          if (kind === RAW) ww.writeBits(value, n);
          else ww.writeExpGolomb(value, n);
        }
        const bw = new BitWriter(4096);
        ww.copyTo(bw);
        input = bw.bytes.slice(0, rng.int(0, bw.bytesWritten)); // truncated
      } else {
        // Random bytes, biased to long zero runs (malformed and over-long Exp-Golomb prefixes).
        input = Uint8Array.from({ length: rng.int(0, 600) }, () => (rng.chance(0.3) ? 0 : rng.int(0, 255)));
      }
      const bytes = new Uint8Array(k.memory.buffer);
      bytes.set(input, IO);
      bytes.fill(0, IO + input.length, IO + input.length + 16);
      const end = k.read(OPS, ops.length, IO, input.length * 8, RESULTS);
      const wr = new WordReader();
      wr.reset(input);
      const want = ops.map(([kind, , n]) => (kind === RAW ? wr.readBits(n) | 0 : wr.readExpGolomb(n)));
      expect(Array.from(new Int32Array(k.memory.buffer, RESULTS, ops.length)), `seed ${seed}`).toEqual(want);
      expect(end & 0x7fffffff, `seed ${seed}`).toBe(wr.position);
      expect(end < 0, `seed ${seed}`).toBe(wr.overflowed);
    },
  );
});
