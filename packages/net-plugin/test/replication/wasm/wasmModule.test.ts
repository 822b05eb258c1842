/**
 * The WebAssembly binary emitter (codec/wasm/wasmModule.ts): emitted modules validate, small
 * functions compute what the same JavaScript computes (integer and float arithmetic, bit ops, a
 * loop over memory, conversions, SIMD lanes, branches, globals, calls), and misuse throws.
 */
import { createRng } from "@canopy/core";
import { describe, expect, it } from "vitest";
import { WasmModule } from "../../../src/replication/codec/wasm/wasmModule";

const SEED = 0x5eed;

function withMemory(pages = 1): { mod: WasmModule; memory: WebAssembly.Memory } {
  const mod = new WasmModule().importMemory("env", "memory", { min: pages });
  return { mod, memory: new WebAssembly.Memory({ initial: pages }) };
}

function run<T>(mod: WasmModule, memory?: WebAssembly.Memory, env: Record<string, unknown> = {}): T {
  const bytes = mod.toBytes();
  expect(WebAssembly.validate(bytes)).toBe(true);
  return mod.instantiate({ env: { memory, ...env } as WebAssembly.ModuleImports }).exports as T;
}

describe("WasmModule", () => {
  it("emits a valid empty module and a module with every section", () => {
    expect(WebAssembly.validate(new WasmModule().toBytes())).toBe(true);
    const mod = new WasmModule();
    const log = mod.importFunction("env", "log", ["f64"], []);
    mod.importMemory("env", "memory", { min: 1, max: 4 });
    const g = mod.global("i64", true, -5n);
    const f = mod.function("f", ["f64"], []);
    f.localGet(f.param(0)).call(log).globalGet(g).op("drop");
    mod.export("f", f).export("g", g);
    expect(WebAssembly.validate(mod.toBytes())).toBe(true);
  });

  it("integer arithmetic and bit ops match JavaScript", () => {
    const mod = new WasmModule();
    const f = mod.function("mix", ["i32", "i32"], ["i32"]);
    const [a, b] = [f.param(0), f.param(1)];
    // ((a * b + 7) ^ (a >>> 3)) + clz(a) + ctz(b) + popcnt(a) + rotl(b, a)
    f.localGet(a).localGet(b).op("i32.mul").i32Const(7).op("i32.add");
    f.localGet(a).i32Const(3).op("i32.shr_u").op("i32.xor");
    f.localGet(a).op("i32.clz").op("i32.add").localGet(b).op("i32.ctz").op("i32.add");
    f.localGet(a).op("i32.popcnt").op("i32.add");
    f.localGet(b).localGet(a).op("i32.rotl").op("i32.add");
    const g = mod.function("wide", ["i64", "i64"], ["i64"]);
    g.localGet(g.param(0)).localGet(g.param(1)).op("i64.mul").i64Const(0x7fffffffffffffffn).op("i64.and");
    mod.export("mix", f).export("wide", g);
    const { mix, wide } = run<{
      mix: (a: number, b: number) => number;
      wide: (a: bigint, b: bigint) => bigint;
    }>(mod);
    const ctz = (x: number): number => (x === 0 ? 32 : 31 - Math.clz32(x & -x));
    const popcnt = (x: number): number => {
      let n = 0;
      for (let v = x >>> 0; v !== 0; v >>>= 1) n += v & 1;
      return n;
    };
    const rotl = (x: number, r: number): number => (x << (r & 31)) | (x >>> (32 - (r & 31))) | 0;
    const rng = createRng(SEED);
    for (let i = 0; i < 500; i++) {
      const x = rng.int(-0x80000000, 0x7fffffff);
      const y = i % 7 === 0 ? 0 : rng.int(-0x80000000, 0x7fffffff);
      const want =
        ((((Math.imul(x, y) + 7) | 0) ^ (x >>> 3)) + Math.clz32(x) + ctz(y) + popcnt(x) + rotl(y, x)) | 0;
      expect(mix(x, y), `seed ${SEED} x ${x} y ${y}`).toBe(want);
      expect(wide(BigInt(x), BigInt(y))).toBe(BigInt.asIntN(64, BigInt(x) * BigInt(y)) & ((1n << 63n) - 1n));
    }
  });

  it("a loop sums memory", () => {
    const { mod, memory } = withMemory();
    const f = mod.function("sum", ["i32", "i32"], ["i32"]);
    const [ptr, n] = [f.param(0), f.param(1)];
    const acc = f.local("i32");
    const end = f.local("i32");
    f.localGet(ptr).localGet(n).i32Const(2).op("i32.shl").op("i32.add").localSet(end);
    const done = f.block();
    f.localGet(ptr).localGet(end).op("i32.ge_u").brIf(done);
    const top = f.loop();
    f.localGet(acc).localGet(ptr).load("i32.load").op("i32.add").localSet(acc);
    f.localGet(ptr).i32Const(4).op("i32.add").localTee(ptr).localGet(end).op("i32.lt_u").brIf(top);
    f.end(top).end(done);
    f.localGet(acc);
    mod.export("sum", f);
    const { sum } = run<{ sum: (p: number, n: number) => number }>(mod, memory);
    const words = new Int32Array(memory.buffer);
    const rng = createRng(SEED);
    for (let i = 0; i < 1000; i++) words[i] = rng.int(-0x80000000, 0x7fffffff);
    for (const [start, count] of [
      [0, 0],
      [0, 1],
      [3, 250],
      [0, 1000],
    ] as const) {
      let want = 0;
      for (let i = start; i < start + count; i++) want = (want + (words[i] as number)) | 0;
      expect(sum(start * 4, count)).toBe(want);
    }
  });

  it("float and integer conversions match JavaScript", () => {
    const mod = new WasmModule();
    const sat = mod.function("sat", ["f32"], ["i32"]);
    sat.localGet(sat.param(0)).op("i32.trunc_sat_f32_s");
    const near = mod.function("near", ["f64"], ["f64"]);
    near.localGet(near.param(0)).op("f64.nearest");
    const q = mod.function("quant", ["f32", "f32"], ["i32"]); // nearest(x * scale) as i32, saturated
    q.localGet(q.param(0)).localGet(q.param(1)).op("f32.mul").op("f32.nearest").op("i32.trunc_sat_f32_s");
    const deq = mod.function("deq", ["i32", "f32"], ["f32"]);
    deq.localGet(deq.param(0)).op("f32.convert_i32_s").localGet(deq.param(1)).op("f32.mul");
    const dem = mod.function("dem", ["f64"], ["f64"]);
    dem.localGet(dem.param(0)).op("f32.demote_f64").op("f64.promote_f32");
    for (const fn of [sat, near, q, deq, dem]) mod.export(fn.name, fn);
    const e = run<{
      sat: (x: number) => number;
      near: (x: number) => number;
      quant: (x: number, s: number) => number;
      deq: (q: number, s: number) => number;
      dem: (x: number) => number;
    }>(mod);
    const satJs = (x: number): number =>
      Number.isNaN(x) ? 0 : x >= 2147483648 ? 2147483647 : x <= -2147483648 ? -2147483648 : Math.trunc(x) | 0;
    const nearestJs = (x: number): number => {
      const r = Math.round(x);
      return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r; // ties to even
    };
    for (const x of [NaN, Infinity, -Infinity, 3e9, -3e9, 2.5, -2.5, 0.5, 1.5, -0.7, 123.456]) {
      expect(e.sat(x)).toBe(satJs(Math.fround(x)));
      expect(e.near(x)).toBe(Number.isNaN(x) ? NaN : nearestJs(x));
    }
    const rng = createRng(SEED);
    for (let i = 0; i < 500; i++) {
      const x = rng.range(-1000, 1000);
      const s = Math.fround(512);
      expect(e.quant(x, s)).toBe(satJs(nearestJs(Math.fround(Math.fround(x) * s))));
      const k = rng.int(-1 << 24, 1 << 24);
      expect(e.deq(k, 1 / 512)).toBe(Math.fround(Math.fround(k) * Math.fround(1 / 512)));
      expect(e.dem(x)).toBe(Math.fround(x));
    }
  });

  it("SIMD: loads, splat, f32x4 arithmetic, lane replace and extract", () => {
    const { mod, memory } = withMemory();
    // out[0..4) = in[0..4) * s + (1, 2, 3, 4), lane 2 replaced by s; returns lane 3.
    const f = mod.function("axpy", ["i32", "i32", "f32"], ["f32"]);
    const v = f.local("v128");
    f.localGet(f.param(1));
    f.localGet(f.param(0)).load("v128.load").localGet(f.param(2)).op("f32x4.splat").op("f32x4.mul");
    f.v128ConstF32(1, 2, 3, 4).op("f32x4.add").localGet(f.param(2)).lane("f32x4.replace_lane", 2);
    f.localTee(v).store("v128.store");
    f.localGet(v).lane("f32x4.extract_lane", 3);
    const t = mod.function("trunc4", ["i32"], ["i32"]); // sum of lanes of i32x4.trunc_sat(floor(x))
    t.localGet(t.param(0)).load("v128.load").op("f32x4.floor").op("i32x4.trunc_sat_f32x4_s");
    const w = t.local("v128");
    t.localTee(w).lane("i32x4.extract_lane", 0).localGet(w).lane("i32x4.extract_lane", 1).op("i32.add");
    t.localGet(w).lane("i32x4.extract_lane", 2).op("i32.add").localGet(w).lane("i32x4.extract_lane", 3);
    t.op("i32.add");
    mod.export("axpy", f).export("trunc4", t);
    const e = run<{ axpy: (i: number, o: number, s: number) => number; trunc4: (i: number) => number }>(
      mod,
      memory,
    );
    const f32 = new Float32Array(memory.buffer);
    f32.set([1.5, -2.25, 8, 0.1], 0);
    const s = 3.5;
    const last = e.axpy(0, 16, s);
    const want = [1.5, -2.25, 8, 0.1].map((x, i) => Math.fround(Math.fround(x) * s + (i + 1)));
    want[2] = s;
    expect(Array.from(f32.subarray(4, 8))).toEqual(want);
    expect(last).toBe(want[3]);
    f32.set([1.5, -2.25, 3e10, NaN], 8);
    expect(e.trunc4(32)).toBe((1 - 3 + 2147483647 + 0) | 0);
  });

  it("br_table, select, globals and calls", () => {
    const mod = new WasmModule();
    const seen: number[] = [];
    const report = mod.importFunction("env", "report", ["i32"], []);
    const count = mod.global("i32", true, 0);
    const sw = mod.function("sw", ["i32"], ["i32"]);
    const out = sw.block("i32");
    const c2 = sw.block();
    const c1 = sw.block();
    const c0 = sw.block();
    sw.localGet(sw.param(0)).brTable([c0, c1, c2], c2);
    sw.end(c0).i32Const(100).br(out);
    sw.end(c1).i32Const(200).br(out);
    sw.end(c2).i32Const(300).end(out);
    const max = mod.function("max", ["i32", "i32"], ["i32"]);
    const [a, b] = [max.param(0), max.param(1)];
    max.localGet(a).localGet(b).localGet(a).localGet(b).op("i32.gt_s").op("select");
    const outer = mod.function("outer", ["i32"], ["i32"]);
    outer.globalGet(count).i32Const(1).op("i32.add").globalSet(count);
    outer.localGet(outer.param(0)).call(sw).localGet(outer.param(0)).call(max);
    outer.globalGet(count).call(report);
    mod.export("outer", outer).export("count", count);
    const e = run<{ outer: (x: number) => number; count: WebAssembly.Global }>(mod, undefined, {
      report: (n: number) => seen.push(n),
    });
    expect([0, 1, 2, 7, -1].map((x) => e.outer(x))).toEqual([100, 200, 300, 300, 300]);
    expect(e.count.value).toBe(5);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it("names its functions (name section): a compile error names the function", () => {
    const mod = new WasmModule();
    mod.importFunction("env", "log", ["i32"], []);
    const f = mod.function("badKernel", [], ["i32"]);
    f.f64Const(1); // wrong result type: only the engine's validation catches it
    const bytes = mod.toBytes();
    expect(WebAssembly.validate(bytes)).toBe(false);
    expect(() => new WebAssembly.Module(bytes)).toThrow(/badKernel/);
    const good = new WasmModule();
    good.function("fine", [], []);
    expect(WebAssembly.validate(good.toBytes())).toBe(true);
  });

  it("misuse throws with a message naming the problem", () => {
    const mod = new WasmModule();
    const f = mod.function("f", ["i32"], []);
    const g = mod.function("g", [], []);
    const b = f.block();
    f.end(b);
    expect(() => f.br(b)).toThrow(/br to a block that is not open/);
    expect(() => f.end()).toThrow(/end without an open block/);
    expect(() => f.else()).toThrow(/else outside an if/);
    expect(() => g.localGet(f.param(0))).toThrow(/local 0 of function f/);
    expect(() => f.param(1)).toThrow(/no parameter 1/);
    const outer = f.block();
    const inner = f.loop();
    expect(() => f.end(outer)).toThrow(/inner loop is open/);
    expect(() => g.br(inner)).toThrow(/not open here/);
    f.i32Const(1);
    const cond = f.if();
    f.else();
    expect(() => f.else()).toThrow(/second else/);
    expect(() => mod.toBytes()).toThrow(/open blocks \(block > loop > if\)/);
    f.end(cond).end(inner).end(outer);
    expect(() => f.lane("f32x4.extract_lane", 4)).toThrow(/lane 4 is outside 0..3/);
    expect(() => f.load("i32.load", 0, 3)).toThrow(/exceeds its natural/);
    expect(() => f.globalSet(mod.global("i32", false, 0))).toThrow(/immutable/);
    expect(() => mod.importFunction("env", "x", [], [])).toThrow(/import first/);
    mod.export("f", f);
    expect(() => mod.export("f", g)).toThrow(/already defined/);
    expect(() => new WasmModule().export("f", f)).toThrow(/another module/);
    expect(() => g.call(new WasmModule().function("h", [], []))).toThrow(/another module/);
    expect(WebAssembly.validate(mod.toBytes())).toBe(true);
    expect(() => f.i32Const(0)).toThrow(/function is finished/);
  });
});
