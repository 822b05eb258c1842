/**
 * Per-phase µs per tick (100 entities) of the features kernel and the JS around it, best of many
 * repetitions.  npx tsx --conditions=source docs/experiments/wasm-features/phases.ts
 */
import { recordMovingTrace } from "../../../bench/fixtures/movingTrace";
import { BOUNDS } from "./systems";
import { WasmFeat, wasmFeatTraceCodec } from "./wasmFeatCodec";

const trace = recordMovingTrace(100, 600, 5);
function time(name: string, f: () => void, per = 1): void {
  let best = 1e9;
  for (let r = 0; r < 150; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) f();
    const dt = ((performance.now() - t0) * 1000) / 200 / per;
    if (dt < best) best = dt;
  }
  console.log(`| ${name} | ${best.toFixed(3)} |`);
}
for (const variant of [0, 1] as const) {
  const c = wasmFeatTraceCodec({
    name: "w",
    bounds: BOUNDS,
    quatBits: 9,
    ackDelay: 6,
    mode: "memory",
    variant,
    opt: process.env.OPT === "1",
  }).create(trace) as WasmFeat;
  for (let t = 0; t < 300; t++) {
    c.load(t);
    c.decode(c.encode(t));
  }
  const k = c.k;
  console.log(
    `\n| ${variant === 0 ? "Exp-Golomb" : "fixed widths, field-major"}: phase | µs/tick |\n| --- | --- |`,
  );
  let tt = 300;
  const n = 100;
  time("JS: trace load into the server SoA (every system pays it)", () => {
    const t = tt++ % 600;
    for (let i = 0; i < n; i++) {
      const p = (t * n + i) * 3,
        q = (t * n + i) * 4;
      c.server[0]![i] = trace.positions[p]!;
      c.server[1]![i] = trace.positions[p + 1]!;
      c.server[2]![i] = trace.positions[p + 2]!;
      c.server[3]![i] = trace.rotations[q]!;
      c.server[4]![i] = trace.rotations[q + 1]!;
      c.server[5]![i] = trace.rotations[q + 2]!;
      c.server[6]![i] = trace.rotations[q + 3]!;
    }
  });
  const js7 = Array.from({ length: 7 }, () => new Float32Array(n));
  time("copy mode: 7 SoA arrays into wasm", () => {
    for (let f = 0; f < 7; f++) c.serverIn[f]!.set(js7[f]!);
  });
  // capture: alternate two ticks so every row changes
  let flip = 0;
  const loadTick = (t: number) => {
    for (let i = 0; i < n; i++) {
      const p = (t * n + i) * 3,
        q = (t * n + i) * 4;
      c.server[0]![i] = trace.positions[p]!;
      c.server[1]![i] = trace.positions[p + 1]!;
      c.server[2]![i] = trace.positions[p + 2]!;
      c.server[3]![i] = trace.rotations[q]!;
      c.server[4]![i] = trace.rotations[q + 1]!;
      c.server[5]![i] = trace.rotations[q + 2]!;
      c.server[6]![i] = trace.rotations[q + 3]!;
    }
  };
  loadTick(300);
  time("wasm capture: quantize (SIMD f64x2), change detection, versions", () => k.capture(300 + (flip ^= 1)));
  k.capture(300);
  // encode phases at tick 300 (baseline 294, reference 288); the ring is not advanced (upto < 4)
  const enc = (upto: number) => c.encodeFor(300, upto);
  time(
    "wasm encode: collect (presence/version/field checks, prediction, zigzag, histogram or widths, bitmap)",
    () => enc(1),
  );
  const full = (upto: number) => {
    enc(upto);
  };
  let t1 = 0,
    t2 = 0,
    t3 = 0;
  time("wasm encode: collect + choose k / widths + budget bound", () => full(2));
  time("wasm encode: ... + write the packet", () => full(3));
  time("wasm encode: ... + expected client state into the ring (whole encode)", () => full(4));
  void t1;
  void t2;
  void t3;
  const len = c.k.encode.length;
  void len;
  c.load(301);
  const packet = c.encode(301).slice();
  time("JS: copy the packet into wasm memory", () => c.u8.set(packet, c.recv));
  c.u8.set(packet, c.recv);
  time("wasm decode: header checks, bitmap, residuals with checks, commit (no apply)", () => {
    k.setLastSeq(300);
    k.decode(packet.length, 0);
  });
  // apply: alternate two decoded states so every field changes
  const tab = new Int32Array(c.u8.buffer, c.cRing + 34 * 8 * c.fs, 34);
  const sa = tab[301 & 31]!,
    sb = tab[300 & 31]!;
  time(
    "wasm apply: compare with applied, dequantize (f64, bit-exact), write changed fields",
    () => {
      k.apply(sa);
      k.apply(sb);
    },
    2,
  );
  time("copy mode: 7 SoA arrays out of wasm", () => {
    for (let f = 0; f < 7; f++) js7[f]!.set(c.clientOut[f]!);
  });
}
