/**
 * Per-phase µs per tick (100 entities, inlined build) of the features kernel with field-major
 * states (feat) and row-major states (featrm), the two timed alternately round by round (best of
 * ROUNDS × 200 calls each), as phases.ts does for one.
 *   ROUNDS=150 npx tsx --conditions=source docs/experiments/wasm-features/phasesrm.ts
 */
import { recordMovingTrace } from "../../../bench/fixtures/movingTrace";
import { BOUNDS } from "./systems";
import { WasmFeat, wasmFeatTraceCodec } from "./wasmFeatCodec";

const trace = recordMovingTrace(100, 600, 5);
const n = 100;
const rounds = Number(process.env.ROUNDS ?? 150);
type Phase = (c: WasmFeat) => () => void;

function pair(name: string, a: WasmFeat, b: WasmFeat, make: Phase, per = 1): void {
  const fa = make(a),
    fb = make(b);
  let ba = 1e9,
    bb = 1e9;
  for (let r = 0; r < rounds; r++)
    for (const [f, side] of [
      [fa, 0],
      [fb, 1],
    ] as const) {
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) f();
      const dt = ((performance.now() - t0) * 1000) / 200 / per;
      if (side === 0) ba = Math.min(ba, dt);
      else bb = Math.min(bb, dt);
    }
  console.log(`| ${name} | ${ba.toFixed(3)} | ${bb.toFixed(3)} | ${(bb - ba).toFixed(3)} |`);
}

function loadTick(c: WasmFeat, t: number): void {
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
}

for (const variant of [1, 0] as const) {
  const make = (rowMajor: boolean) => {
    const c = wasmFeatTraceCodec({
      name: "w",
      bounds: BOUNDS,
      quatBits: 9,
      ackDelay: 6,
      mode: "memory",
      variant,
      opt: true,
      rowMajor,
    }).create(trace) as WasmFeat;
    for (let t = 0; t < 300; t++) c.decode(c.encode(t));
    loadTick(c, 300);
    return c;
  };
  const fm = make(false),
    rm = make(true);
  console.log(
    `\n| ${variant === 0 ? "Exp-Golomb" : "fixed widths"}: phase | field-major µs | row-major µs | difference |\n| --- | --- | --- | --- |`,
  );
  pair("capture (every row changes: two ticks alternate)", fm, rm, (c) => {
    let flip = 0;
    return () => c.k.capture(300 + (flip ^= 1));
  });
  fm.k.capture(300);
  rm.k.capture(300);
  pair("encode: collect", fm, rm, (c) => () => void c.encodeFor(300, 1));
  pair("encode: collect + choose + bound", fm, rm, (c) => () => void c.encodeFor(300, 2));
  pair("encode: ... + write", fm, rm, (c) => () => void c.encodeFor(300, 3));
  pair("encode: ... + expected state (whole encode call)", fm, rm, (c) => () => void c.encodeFor(300, 4));
  const packets = [fm, rm].map((c) => c.encode(301).slice());
  pair("decode without apply", fm, rm, (c) => {
    const packet = packets[c === fm ? 0 : 1]!;
    return () => {
      c.u8.set(packet, c.recv);
      c.k.setLastSeq(300);
      c.k.decode(packet.length, 0);
    };
  });
  pair(
    "apply (two decoded states alternate: every field changes)",
    fm,
    rm,
    (c) => {
      const tab = new Int32Array(c.u8.buffer, c.cRing + 34 * 8 * c.fs, 34);
      const sa = tab[301 & 31]!,
        sb = tab[300 & 31]!;
      return () => {
        c.k.apply(sa);
        c.k.apply(sb);
      };
    },
    2,
  );
}
