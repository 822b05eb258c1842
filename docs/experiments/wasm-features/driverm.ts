/**
 * Row-major vs field-major states, alternating: msgpackr-records, then the features kernel (inlined,
 * SoA in wasm memory) with field-major states (feat), row-major states gathered lane by lane (featrm)
 * and row-major states transposed four rows at a time (featrmt), both codings.
 * Every system one 600-tick pass in turn, PASSES times; best pass each (as drive.ts).
 *   PASSES=40 npx tsx --conditions=source docs/experiments/wasm-features/driverm.ts
 */
import { recordMovingTrace } from "../../../bench/fixtures/movingTrace";
import { canopyTraceCodec } from "../../../bench/fixtures/canopyTraceCodec";
import { msgpackrTraceCodec } from "../../../bench/fixtures/peerTraceCodecs";
import { runTracePass, type TraceCodecFactory } from "../../../bench/fixtures/traceCodec";
import { BOUNDS } from "./systems";
import { wasmFeatTraceCodec } from "./wasmFeatCodec";

const common = { bounds: BOUNDS, quatBits: 9, ackDelay: 6, mode: "memory", opt: true } as const;
const list: TraceCodecFactory[] = [msgpackrTraceCodec(true)];
// CANOPY=1: Canopy's own codec (the bench fixture, wasm kernels by default) as a row too
if (process.env.CANOPY === "1")
  list.push(canopyTraceCodec({ name: "Canopy", bounds: BOUNDS, quatBits: 9, ackDelay: 6 }));
const layouts = [
  { label: "field-major states", rowMajor: false, transposed: false },
  { label: "row-major states (lane gathers)", rowMajor: true, transposed: false },
  { label: "row-major states (rows transposed)", rowMajor: true, transposed: true },
];
for (const variant of [1, 0] as const)
  for (const { label, rowMajor, transposed } of layouts)
    list.push(
      wasmFeatTraceCodec({
        name: `features ${variant === 1 ? "FW" : "EG"}, ${label}`,
        ...common,
        variant,
        rowMajor,
        transposed,
      }),
    );
const trace = recordMovingTrace(100, 600, 5);
const best = list.map(() => ({ s: 1e9, se: 0, sd: 0 }));
for (const f of list) runTracePass(f, trace, 120, 0);
const passes = Number(process.env.PASSES ?? 40);
for (let p = 0; p < passes; p++)
  list.forEach((f, j) => {
    const r = runTracePass(f, trace, 600, 10);
    const b = best[j]!;
    if (r.encodeMicros + r.decodeMicros < b.s) {
      b.s = r.encodeMicros + r.decodeMicros;
      b.se = r.encodeMicros;
      b.sd = r.decodeMicros;
    }
  });
const ref = best[0]!.s;
console.log("| system | encode µs | decode µs | total µs | × msgpackr-records |");
console.log("| --- | --- | --- | --- | --- |");
list.forEach((f, j) => {
  const b = best[j]!;
  console.log(
    `| ${f.name} | ${b.se.toFixed(2)} | ${b.sd.toFixed(2)} | ${b.s.toFixed(2)} | ${(ref / b.s).toFixed(2)} |`,
  );
});
