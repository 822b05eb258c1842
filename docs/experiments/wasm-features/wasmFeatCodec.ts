/**
 * The Canopy-features WebAssembly codec (feat.wat) as a bench TraceCodec: one server (capture once
 * per tick into the shared current state) and one client connection (acks `ackDelay` ticks old,
 * reference state about as far behind the baseline as the baseline is behind now, like
 * BaselineRing.referenceFor). mode "memory": the SoA components are Float32Array views on wasm
 * memory; mode "copy": ordinary Float32Arrays copied in before capture and out after apply,
 * inside the timed encode/decode. variant 0: Exp-Golomb (k per snapshot from a histogram);
 * variant 1: per-snapshot fixed widths, field-major.
 */
import fs from "node:fs";
import {
  QuatTemplate,
  Vec3Template,
  type VectorTemplateOptions,
} from "../../../packages/net-plugin/src/index";
import {
  loadChannels,
  type MotionTrace,
  type TraceCodec,
  type TraceCodecFactory,
} from "../../../bench/fixtures/traceCodec";

const RING = 32;
const HEADER = 13;
/** Byte budget of one snapshot (the encoder's upper-bound check; ≈ an MTU's payload). */
const BUDGET = 1200;
const handModule = new WebAssembly.Module(fs.readFileSync(new URL("./feat.wasm", import.meta.url)));
/** The same module after binaryen's inliner and -O3 (build.mjs). */
const optModule = new WebAssembly.Module(fs.readFileSync(new URL("./feat.opt.wasm", import.meta.url)));
/** featrm.wat: the same kernel with row-major quantized states (id × 28 + slot × 4, as Canopy's SnapshotState). */
const rmHandModule = new WebAssembly.Module(fs.readFileSync(new URL("./featrm.wasm", import.meta.url)));
const rmOptModule = new WebAssembly.Module(fs.readFileSync(new URL("./featrm.opt.wasm", import.meta.url)));
/** featrmt.wat: row-major states, four consecutive rows transposed in registers where featrm gathers. */
const rmtHandModule = new WebAssembly.Module(fs.readFileSync(new URL("./featrmt.wasm", import.meta.url)));
const rmtOptModule = new WebAssembly.Module(fs.readFileSync(new URL("./featrmt.opt.wasm", import.meta.url)));

interface Kernel {
  memory: WebAssembly.Memory;
  setupLayout(
    n: number,
    soaS: number,
    cur: number,
    cand: number,
    hist: number,
    bmp: number,
    recv: number,
    cring: number,
    cseq: number,
    applied: number,
    soaC: number,
    clist: number,
  ): void;
  setupConsts(
    minX: number,
    minY: number,
    minZ: number,
    maxX: number,
    maxY: number,
    maxZ: number,
    inv: number,
    step: number,
    mvX: number,
    mvY: number,
    mvZ: number,
    qScale: number,
    qDeq: number,
    qBits: number,
    idSlot: number,
  ): void;
  capture(tick: number): void;
  encode(
    base: number,
    ref: number,
    num: number,
    den: number,
    seq: number,
    baseAge: number,
    refAge: number,
    out: number,
    budget: number,
    variant: number,
    dst: number,
    upto: number,
  ): number;
  decode(len: number, apply: number): number;
  apply(src: number): void;
  setLastSeq(s: number): void;
  setupF32(ok: number, kx: number, ky: number, kz: number): void;
}

export interface WasmFeatOptions {
  name: string;
  bounds: VectorTemplateOptions;
  quatBits: number;
  ackDelay: number;
  mode: "memory" | "copy";
  /** 0 = Exp-Golomb with per-snapshot k, 1 = per-snapshot fixed widths, field-major. */
  variant: 0 | 1;
  /** Allow the exact f32 position paths when the bounds permit (default true). */
  f32?: boolean;
  /** Use feat.opt.wasm (helpers inlined by binaryen) instead of the assembled WAT as written. */
  opt?: boolean;
  /** Use featrm (row-major quantized states) instead of feat (field-major). */
  rowMajor?: boolean;
  /** With rowMajor: featrmt (rows of four consecutive entities transposed in registers). */
  transposed?: boolean;
}

export function wasmFeatTraceCodec(options: WasmFeatOptions): TraceCodecFactory {
  return { name: options.name, create: (trace) => new WasmFeat(trace, options) };
}

type Soa = Float32Array[];

export class WasmFeat implements TraceCodec {
  readonly k: Kernel;
  readonly n: number;
  readonly fs: number;
  readonly sRing: number;
  readonly cRing: number;
  readonly send: number;
  readonly recv: number;
  readonly u8: Uint8Array;
  readonly server: Soa;
  readonly client: Soa;
  readonly serverIn: Soa;
  readonly clientOut: Soa;
  readonly serverSeq = new Int32Array(RING).fill(-1);
  private readonly views: (Uint8Array | undefined)[] = [];
  private acked = -1;
  /** Client stored-state regions (byte offset, length): ring slot table, sequences, applied rows, SoA. */
  readonly clientRegions: [number, number][] = [];
  /** Byte offset of the server's current (quantized) state. */
  readonly curAddr: number;

  constructor(
    private readonly trace: MotionTrace,
    private readonly options: WasmFeatOptions,
  ) {
    const n = trace.cubes;
    const n4 = (n + 3) & ~3;
    this.n = n;
    const fs = n4 * 4;
    this.fs = fs;
    let at = 64;
    const take = (bytes: number): number => {
      const a = at;
      at += (bytes + 15) & ~15;
      return a;
    };
    const soaS = take(7 * fs);
    const cur = take(9 * fs);
    this.curAddr = cur;
    this.sRing = take((RING + 1) * 9 * fs);
    const cand = take(n4 * 48);
    const hist = take(768);
    const bmp = take(n4 / 8 + 16);
    this.send = take(HEADER + 32 * n4 + 64);
    this.recv = take(HEADER + 32 * n4 + 64);
    this.cRing = take((RING + 2) * 8 * fs + 34 * 4);
    const cseq = take(RING * 4);
    const applied = take(7 * fs);
    const soaC = take(7 * fs);
    const clist = take(5 * fs);
    this.clientRegions.push([cseq, RING * 4], [applied, 7 * fs], [soaC, 7 * fs]);
    const instance = new WebAssembly.Instance(
      options.rowMajor === true
        ? options.transposed === true
          ? options.opt === true
            ? rmtOptModule
            : rmtHandModule
          : options.opt === true
            ? rmOptModule
            : rmHandModule
        : options.opt === true
          ? optModule
          : handModule,
      {},
    );
    this.k = instance.exports as unknown as Kernel;
    const pages = Math.ceil(at / 65536);
    const have = this.k.memory.buffer.byteLength / 65536;
    if (pages > have) this.k.memory.grow(pages - have);
    const buf = this.k.memory.buffer;
    this.u8 = new Uint8Array(buf);
    this.k.setupLayout(n4, soaS, cur, cand, hist, bmp, this.recv, this.cRing, cseq, applied, soaC, clist);
    const vec = Vec3Template(options.bounds);
    const [qx, qy, qz] = vec.quantizers;
    if (qx === undefined || qy === undefined || qz === undefined)
      throw new Error("wasm feat: Vec3Template without quantizers");
    if (qx.step !== qy.step || qy.step !== qz.step || 2 ** Math.round(Math.log2(qx.step)) !== qx.step)
      throw new Error(
        "wasm feat: needs one power-of-two step on all axes (like Canopy's exact-reciprocal path)",
      );
    const quat = QuatTemplate({ bits: options.quatBits });
    const maxValue = (1 << options.quatBits) - 1;
    const qScale = maxValue / (2 * Math.SQRT1_2);
    const idSlot = Math.floor(Math.SQRT1_2 * qScale + 0.5);
    this.k.setupConsts(
      qx.min,
      qy.min,
      qz.min,
      qx.max,
      qy.max,
      qz.max,
      1 / qx.step,
      qx.step,
      qx.maxValue,
      qy.maxValue,
      qz.maxValue,
      qScale,
      quat.dequantizeScale,
      options.quatBits,
      idSlot,
    );
    // Exact f32 position paths: power-of-two step, min/step integral, bounds exact in f32, every
    // scaled value below 2^22 (then v/step and v/step + 0.5 round nowhere, and min + q·step is exact).
    const inv = 1 / qx.step;
    const f32ok =
      options.f32 !== false &&
      vec.quantizers.every(
        (z) =>
          Number.isInteger(z.min * inv) &&
          Math.fround(z.min) === z.min &&
          Math.fround(z.max) === z.max &&
          Math.max(Math.abs(z.min), Math.abs(z.max)) * inv < 2 ** 22 &&
          z.maxValue < 2 ** 22 &&
          z.step === qx.step,
      );
    this.k.setupF32(f32ok ? 1 : 0, -qx.min * inv, -qy.min * inv, -qz.min * inv);
    const i32 = new Int32Array(buf);
    // present: server current (col 8), the server's empty baseline (slot RING), the client's empty baseline (slot RING, col 7)
    for (let i = 0; i < n; i++) {
      i32[(cur + 8 * fs) / 4 + i] = 1;
      i32[(this.sRing + RING * 9 * fs + 8 * fs) / 4 + i] = 1;
      i32[(this.sRing + RING * 9 * fs + 7 * fs) / 4 + i] = -1;
      i32[(this.cRing + RING * 8 * fs + 7 * fs) / 4 + i] = 1;
    }
    new Int32Array(buf, cseq, RING).fill(-1);
    new Int32Array(buf, applied, 7 * n4).fill(-1);
    const views = (off: number): Soa =>
      Array.from({ length: 7 }, (_, f) => new Float32Array(buf, off + f * fs, n));
    this.serverIn = views(soaS);
    this.clientOut = views(soaC);
    if (options.mode === "memory") {
      this.server = this.serverIn;
      this.client = this.clientOut;
    } else {
      this.server = Array.from({ length: 7 }, () => new Float32Array(n));
      this.client = Array.from({ length: 7 }, () => new Float32Array(n));
    }
  }

  /** The game's step (untimed by the bench): tick `t` of the trace into the server's components. */
  load(t: number): void {
    loadChannels(this.trace, t, this.server);
  }

  encode(t: number): Uint8Array {
    const s = this.server;
    if (this.options.mode === "copy") for (let f = 0; f < 7; f++) this.serverIn[f]!.set(s[f]!);
    this.k.capture(t);
    return this.encodeFor(t, 4);
  }

  /** The per-client part of encode (upto < 4: a phase only, for timing). */
  encodeFor(t: number, upto: number): Uint8Array {
    const sequence = t & 0xffff;
    if (t >= this.options.ackDelay) this.acked = t - this.options.ackDelay;
    const stride = 9 * this.fs;
    const seqs = this.serverSeq;
    const acked = this.acked;
    let base = this.sRing + RING * stride;
    let baseAge = 0;
    let ref = 0;
    let refAge = 0;
    let num = 0;
    let den = 0;
    if (acked >= 0 && seqs[acked & (RING - 1)] === acked) {
      base = this.sRing + (acked & (RING - 1)) * stride;
      baseAge = t - acked;
      // BaselineRing.referenceFor: the newest acked state at or before target, else the oldest one
      const target = acked - Math.max(1, t - acked);
      let found = -1;
      for (let age = 1; age < RING; age++) {
        const s = acked - age;
        if (s < 0) break;
        if (seqs[s & (RING - 1)] !== s) continue;
        found = s;
        if (s <= target) break;
      }
      if (found >= 0 && t - acked <= 1024 * (acked - found)) {
        ref = this.sRing + (found & (RING - 1)) * stride;
        refAge = acked - found;
        num = t - acked;
        den = acked - found;
      }
    }
    const slot = sequence & (RING - 1);
    const length = this.k.encode(
      base,
      ref,
      num,
      den,
      sequence,
      baseAge,
      refAge,
      this.send,
      BUDGET,
      this.options.variant,
      this.sRing + slot * stride,
      upto,
    );
    if (length < 0) throw new Error(`wasm feat: encode failed (${length})`);
    if (upto < 4) return this.u8;
    seqs[slot] = sequence;
    let view = this.views[length];
    if (view === undefined) this.views[length] = view = this.u8.subarray(this.send, this.send + length);
    return view;
  }

  decode(packet: Uint8Array): void {
    if (packet.length > HEADER + 32 * ((this.n + 3) & ~3)) throw new Error("wasm feat: packet too long");
    this.u8.set(packet, this.recv);
    const status = this.k.decode(packet.length, 1);
    if (status !== 0) throw new Error(`wasm feat: decode status ${status}`);
    if (this.options.mode === "copy") for (let f = 0; f < 7; f++) this.client[f]!.set(this.clientOut[f]!);
  }

  readPosition(i: number, out: Float64Array): void {
    for (let f = 0; f < 3; f++) out[f] = this.client[f]![i] ?? NaN;
  }

  readRotation(i: number, out: Float64Array): void {
    for (let f = 0; f < 4; f++) out[f] = this.client[3 + f]![i] ?? NaN;
  }
}
