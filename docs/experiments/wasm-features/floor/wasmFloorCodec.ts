/**
 * The floor codec as a WebAssembly kernel (kernel.wat): same wire idea as floorTraceCodec.ts
 * (12-byte header, per-snapshot fixed widths, field-major), same irreducible work.
 * mode "memory": the bitECS SoA components live in wasm memory (Float32Array views on it);
 * mode "copy": they are ordinary Float32Arrays copied into wasm memory before encode and out of it
 * after decode, inside the timed encode/decode.
 */
import fs from "node:fs";
import {
  loadChannels,
  type MotionTrace,
  type TraceCodec,
  type TraceCodecFactory,
} from "../../../../bench/fixtures/traceCodec";

const RING = 32;
const HEADER = 12;
const wasmModule = new WebAssembly.Module(fs.readFileSync(new URL("./kernel.wasm", import.meta.url)));

interface Kernel {
  memory: WebAssembly.Memory;
  setup(
    minX: number,
    minY: number,
    minZ: number,
    scale: number,
    prec: number,
    qScale: number,
    qStep: number,
  ): void;
  quantize(n: number, soa: number, cur: number, base: number, z: number, ors: number): void;
  pack(n: number, z: number, ors: number, out: number): number;
  unpack(n: number, inp: number, z: number): void;
  apply(n: number, z: number, cur: number, base: number, soa: number): void;
  quantize1(n: number, soa: number, cur: number, base: number, z: number, ors: number): void;
  apply1(n: number, z: number, cur: number, base: number, soa: number): void;
  quantizeG(
    n: number,
    soa: number,
    eids: number,
    fsC: number,
    cur: number,
    base: number,
    z: number,
    ors: number,
  ): void;
  applyG(n: number, z: number, cur: number, base: number, soa: number, eids: number, fsC: number): void;
}

export interface WasmFloorOptions {
  name: string;
  bounds: { min: { x: number; y: number; z: number }; precision: number };
  quatBits: number;
  ackDelay: number;
  mode: "memory" | "copy" | "gather";
  /** Use the scalar (non-SIMD) quantize/apply kernels. */
  scalar?: boolean;
}

export function wasmFloorTraceCodec(options: WasmFloorOptions): TraceCodecFactory {
  return { name: options.name, create: (trace) => new WasmFloor(trace, options) };
}

type Soa = Float32Array[];

class WasmFloor implements TraceCodec {
  private readonly k: Kernel;
  private readonly n: number;
  private readonly fs: number;
  private readonly sSoa: number;
  private readonly cap: number;
  private readonly sEids: number;
  private readonly cEids: number;
  private readonly serverIds: Int32Array;
  private readonly clientIds: Int32Array;
  private readonly cSoa: number;
  private readonly sRing: number;
  private readonly cRing: number;
  private readonly zEnc: number;
  private readonly zDec: number;
  private readonly ors: number;
  private readonly send: number;
  private readonly recv: number;
  private readonly u8: Uint8Array;
  private readonly server: Soa;
  private readonly client: Soa;
  private readonly serverIn: Soa;
  private readonly clientOut: Soa;
  private readonly serverSeq = new Int32Array(RING + 1).fill(-1);
  private readonly clientSeq = new Int32Array(RING + 1).fill(-1);
  private readonly views: (Uint8Array | undefined)[] = [];
  private acked = -1;

  constructor(
    private readonly trace: MotionTrace,
    private readonly options: WasmFloorOptions,
  ) {
    const n = trace.cubes;
    this.n = n;
    const n4 = (n + 3) & ~3;
    const fs = n4 * 4;
    this.fs = fs;
    let at = 64;
    const take = (bytes: number) => {
      const a = at;
      at += (bytes + 15) & ~15;
      return a;
    };
    const gatherMode = options.mode === "gather";
    // gather: components indexed by entity id over a capacity of 4n, the n replicated entities at
    // seeded random (sorted) ids, different on the client (as an EntityMap would give).
    this.cap = gatherMode ? 4 * n4 : n4;
    const fsC = this.cap * 4;
    this.sSoa = take(7 * fsC);
    this.cSoa = take(7 * fsC);
    this.sEids = take(fs);
    this.cEids = take(fs);
    this.sRing = take((RING + 1) * 7 * fs);
    this.cRing = take((RING + 1) * 7 * fs);
    this.zEnc = take(7 * fs);
    this.zDec = take(7 * fs);
    this.ors = take(32);
    this.send = take(HEADER + 7 * fs + 16);
    this.recv = take(HEADER + 7 * fs + 16);
    const instance = new WebAssembly.Instance(wasmModule, {});
    this.k = instance.exports as unknown as Kernel;
    const pages = Math.ceil(at / 65536);
    const have = this.k.memory.buffer.byteLength / 65536;
    if (pages > have) this.k.memory.grow(pages - have);
    const buf = this.k.memory.buffer;
    this.u8 = new Uint8Array(buf);
    const views = (off: number) =>
      Array.from({ length: 7 }, (_, f) => new Float32Array(buf, off + f * fsC, gatherMode ? this.cap : n));
    let seed = 12345;
    const pick = () => {
      const all = Array.from({ length: this.cap }, (_, i) => i);
      for (let i = all.length - 1; i > 0; i--) {
        seed = (seed * 1664525 + 1013904223) >>> 0;
        const j = seed % (i + 1);
        [all[i], all[j]] = [all[j]!, all[i]!];
      }
      return Int32Array.from(all.slice(0, n4).sort((a, b) => a - b));
    };
    this.serverIds = gatherMode ? pick() : Int32Array.from({ length: n4 }, (_, i) => i);
    this.clientIds = gatherMode ? pick() : Int32Array.from({ length: n4 }, (_, i) => i);
    new Int32Array(buf, this.sEids, n4).set(this.serverIds);
    new Int32Array(buf, this.cEids, n4).set(this.clientIds);
    const wasmServer = views(this.sSoa);
    const wasmClient = views(this.cSoa);
    if (options.mode !== "copy") {
      this.server = wasmServer;
      this.client = wasmClient;
    } else {
      this.server = Array.from({ length: 7 }, () => new Float32Array(n));
      this.client = Array.from({ length: 7 }, () => new Float32Array(n));
    }
    this.serverIn = wasmServer;
    this.clientOut = wasmClient;
    const { min, precision } = options.bounds;
    const qScale = ((1 << options.quatBits) - 1) / Math.SQRT2;
    this.k.setup(min.x, min.y, min.z, 1 / precision, precision, qScale, 1 / qScale);
  }

  /** The game's step (untimed by the bench): tick `t` of the trace into the server's components. */
  load(t: number): void {
    loadChannels(this.trace, t, this.server, this.serverIds);
  }

  encode(t: number): Uint8Array {
    const s = this.server;
    if (this.options.mode === "copy") for (let f = 0; f < 7; f++) this.serverIn[f]!.set(s[f]!);
    const sequence = t & 0xffff;
    if (t >= this.options.ackDelay) this.acked = (t - this.options.ackDelay) & 0xffff;
    const slot = sequence & (RING - 1);
    this.serverSeq[slot] = sequence;
    const stride = 7 * this.fs;
    const ackedSlot = this.acked & (RING - 1);
    const hasBase = this.acked >= 0 && this.serverSeq[ackedSlot] === this.acked;
    const cur = this.sRing + slot * stride;
    const base = this.sRing + (hasBase ? ackedSlot : RING) * stride;
    if (this.options.mode === "gather")
      this.k.quantizeG(this.fs >> 2, this.sSoa, this.sEids, this.cap * 4, cur, base, this.zEnc, this.ors);
    else
      (this.options.scalar ? this.k.quantize1 : this.k.quantize)(
        this.fs >> 2,
        this.sSoa,
        cur,
        base,
        this.zEnc,
        this.ors,
      );
    const u8 = this.u8;
    u8[this.send] = sequence & 0xff;
    u8[this.send + 1] = sequence >>> 8;
    u8[this.send + 2] = hasBase ? (sequence - this.acked) & 0xff : 0;
    const length = this.k.pack(this.fs >> 2, this.zEnc, this.ors, this.send);
    let view = this.views[length];
    if (view === undefined) this.views[length] = view = u8.subarray(this.send, this.send + length);
    return view;
  }

  decode(packet: Uint8Array): void {
    const u8 = this.u8;
    if (packet.length < HEADER || packet.length > HEADER + 7 * this.fs)
      throw new Error("wasm floor: bad length");
    u8.set(packet, this.recv);
    const sequence = u8[this.recv]! | (u8[this.recv + 1]! << 8);
    const age = u8[this.recv + 2]!;
    const stride = 7 * this.fs;
    let base = this.cRing + RING * stride;
    if (age !== 0) {
      const baseSeq = (sequence - age) & 0xffff;
      const baseSlot = baseSeq & (RING - 1);
      if (this.clientSeq[baseSlot] !== baseSeq) throw new Error("wasm floor: baseline gone");
      base = this.cRing + baseSlot * stride;
    }
    let width = 0;
    for (let f = 0; f < 7; f++) width += u8[this.recv + 3 + f]!;
    if (HEADER * 8 + width * (this.fs >> 2) > packet.length * 8) throw new Error("wasm floor: short body");
    const slot = sequence & (RING - 1);
    const cur = this.cRing + slot * stride;
    this.k.unpack(this.fs >> 2, this.recv, this.zDec);
    if (this.options.mode === "gather")
      this.k.applyG(this.fs >> 2, this.zDec, cur, base, this.cSoa, this.cEids, this.cap * 4);
    else (this.options.scalar ? this.k.apply1 : this.k.apply)(this.fs >> 2, this.zDec, cur, base, this.cSoa);
    this.clientSeq[slot] = sequence;
    if (this.options.mode === "copy") for (let f = 0; f < 7; f++) this.client[f]!.set(this.clientOut[f]!);
  }

  readPosition(i: number, out: Float64Array): void {
    for (let f = 0; f < 3; f++) out[f] = this.client[f]![this.clientIds[i]!] ?? NaN;
  }

  readRotation(i: number, out: Float64Array): void {
    for (let f = 0; f < 4; f++) out[f] = this.client[3 + f]![this.clientIds[i]!] ?? NaN;
  }
}
