/**
 * `npm run bench -- codec` conditions: a tsx process of its own, each system measured in turn with
 * the bench's bestTracePass (warm-up run, best of 15 passes), no alternation.
 *   npx tsx --conditions=source docs/experiments/wasm-features/bench.ts
 */
import { recordMovingTrace } from "../../../bench/fixtures/movingTrace";
import { bestTracePass } from "../../../bench/fixtures/traceCodec";
import { systems } from "./systems";

const trace = recordMovingTrace(100, 600, 5);
const list = systems();
// the scenario's order: Canopy first, the yardstick later
const order = [1, 0, ...list.keys()].filter((j, i, a) => a.indexOf(j) === i);
const rows = new Map<number, { e: number; d: number; bits: number }>();
for (const j of order) {
  const r = bestTracePass(list[j]!, trace, 600, 10, 15);
  let by = 0;
  for (let t = 10; t < 600; t++) by += r.bytes[t]!;
  rows.set(j, { e: r.encodeMicros, d: r.decodeMicros, bits: (by * 8) / 590 / 100 });
}
const ref = rows.get(0)!;
for (const j of order) {
  const r = rows.get(j)!;
  console.log(
    `| ${list[j]!.name} | ${r.e.toFixed(2)} | ${r.d.toFixed(2)} | ${(100 / (r.e + r.d)).toFixed(2)} M | ${((ref.e + ref.d) / (r.e + r.d)).toFixed(2)} | ${r.bits.toFixed(1)} |`,
  );
}
