/**
 * Per-phase µs per tick (100 entities, inlined build) of the features kernel with field-major
 * states (feat), row-major states (featrm: lane gathers; featrmt: rows transposed), timed alternately
 * round by round (best of
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

function pair(name: string, codecs: WasmFeat[], make: Phase, per = 1): void {
  const fns = codecs.map(make);
  const best = codecs.map(() => 1e9);
  for (let r = 0; r < rounds; r++)
    fns.forEach((f, side) => {
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) f();
      const dt = ((performance.now() - t0) * 1000) / 200 / per;
      best[side] = Math.min(best[side]!, dt);
    });
  const base = best[0]!;
  console.log(
    `| ${name} | ${best.map((b, j) => (j === 0 ? b.toFixed(3) : `${b.toFixed(3)} (${b - base >= 0 ? "+" : ""}${(b - base).toFixed(3)})`)).join(" | ")} |`,
  );
}

for (const variant of [1, 0] as const) {
  const make = (rowMajor: boolean, transposed: boolean) => {
    const c = wasmFeatTraceCodec({
      name: "w",
      bounds: BOUNDS,
      quatBits: 9,
      ackDelay: 6,
      mode: "memory",
      variant,
      opt: true,
      rowMajor,
      transposed,
    }).create(trace) as WasmFeat;
    for (let t = 0; t < 300; t++) {
      c.load(t);
      c.decode(c.encode(t));
    }
    c.load(300);
    return c;
  };
  const fm = make(false, false);
  const all = [fm, make(true, false), make(true, true)];
  console.log(
    `\n| ${variant === 0 ? "Exp-Golomb" : "fixed widths"}: phase | field-major µs | row-major, lane gathers µs | row-major, rows transposed µs |\n| --- | --- | --- | --- |`,
  );
  pair("capture (every row changes: two ticks alternate)", all, (c) => {
    let flip = 0;
    return () => c.k.capture(300 + (flip ^= 1));
  });
  for (const c of all) c.k.capture(300);
  pair("encode: collect", all, (c) => () => void c.encodeFor(300, 1));
  pair("encode: collect + choose + bound", all, (c) => () => void c.encodeFor(300, 2));
  pair("encode: ... + write", all, (c) => () => void c.encodeFor(300, 3));
  pair("encode: ... + expected state (whole encode call)", all, (c) => () => void c.encodeFor(300, 4));
  const packets = all.map((c) => {
    c.load(301);
    return c.encode(301).slice();
  });
  pair("decode without apply", all, (c) => {
    const packet = packets[all.indexOf(c)]!;
    return () => {
      c.u8.set(packet, c.recv);
      c.k.setLastSeq(300);
      c.k.decode(packet.length, 0);
    };
  });
  pair(
    "apply (two decoded states alternate: every field changes)",
    all,
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
