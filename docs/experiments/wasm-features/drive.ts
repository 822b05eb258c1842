/**
 * Alternating driver: every system runs one 600-tick pass in turn, PASSES times; best pass per
 * system (encode + decode), verified by runTracePass like the bench. DETACH=1 detaches an
 * ArrayBuffer first (V8's detaching protector; what the bench did before scenarios got processes).
 *   npx tsx --conditions=source docs/experiments/wasm-features/drive.ts
 */
import { recordMovingTrace } from "../../../bench/fixtures/movingTrace";
import { runTracePass } from "../../../bench/fixtures/traceCodec";
import { systems } from "./systems";

if (process.env.DETACH) {
  const b = new ArrayBuffer(8);
  structuredClone(b, { transfer: [b] });
}
const trace = recordMovingTrace(100, 600, 5);
const list = systems();
const best = list.map(() => ({ s: 1e9, se: 0, sd: 0, bits: 0, pos: 0, rot: 0 }));
for (const f of list) runTracePass(f, trace, 120, 0);
const passes = Number(process.env.PASSES ?? 40);
for (let p = 0; p < passes; p++)
  list.forEach((f, j) => {
    const r = runTracePass(f, trace, 600, 10);
    const b = best[j]!;
    let by = 0;
    for (let t = 10; t < 600; t++) by += r.bytes[t]!;
    b.bits = (by * 8) / 590 / 100;
    b.pos = Math.max(b.pos, r.maxPositionError * 1000);
    b.rot = Math.max(b.rot, r.maxRotationError);
    if (r.encodeMicros + r.decodeMicros < b.s) {
      b.s = r.encodeMicros + r.decodeMicros;
      b.se = r.encodeMicros;
      b.sd = r.decodeMicros;
    }
  });
const ref = best[0]!.s;
console.log(
  "| system | encode µs | decode µs | entities/s | × msgpackr-records | bits/entity | max pos mm | max rot ° |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
list.forEach((f, j) => {
  const b = best[j]!;
  console.log(
    `| ${f.name} | ${b.se.toFixed(2)} | ${b.sd.toFixed(2)} | ${(100 / b.s).toFixed(2)} M | ${(ref / b.s).toFixed(2)} | ${b.bits.toFixed(1)} | ${b.pos.toFixed(2)} | ${b.rot.toFixed(3)} |`,
  );
});
