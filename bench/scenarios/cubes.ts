/**
 * "cubes": Glenn Fiedler's networked-physics demo (901 cannon-es cubes, one player cube pushing
 * 900, 60 Hz, seeded) replicated to one client whose acks are 100 ms (6 ticks) old. Every system
 * encodes and decodes the same trace and is verified against it after decoding.
 */
import { CUBES, recordCubesTrace, type CubesTrace } from "../fixtures/cubesTrace";
import { canopyTraceCodec } from "../fixtures/canopyTraceCodec";
import {
  bitecsTraceCodec,
  colyseusTraceCodec,
  jsonTraceCodec,
  msgpackrTraceCodec,
} from "../fixtures/peerTraceCodecs";
import { medianTracePasses, type TraceCodecFactory } from "../fixtures/traceCodec";
import { defineScenario } from "../harness/registry";

const TICKS = 600;
const SEED = 1;
/**
 * Ticks before the first measured tick: the join (full state while nothing is acked yet, spread
 * over several ticks under an MTU budget) is reported apart, and errors are verified after it.
 */
const STEADY_FROM = 60;
/**
 * Timed passes per system (after medianTracePasses' untimed warm ones): each tick's encode and
 * decode time is its median across the passes, so one pass slowed by GC or the run queue does not
 * move a row (the codec scenario's method, docs/BENCHMARKS.md).
 */
const PASSES = 3;
/** Position bounds of the arena: ±60 m horizontally, -1..31 m up; 1/512 m precision (Fiedler's). */
const BOUNDS = { min: { x: -60, y: -1, z: -60 }, max: { x: 60, y: 31, z: 60 }, precision: 1 / 512 };

let cachedTrace: CubesTrace | undefined;

/** The trace, recorded once per bench process. */
export function cubesTrace(progress: (message: string) => void): CubesTrace {
  if (cachedTrace === undefined) {
    progress(`recording ${TICKS} ticks of ${CUBES.grid * CUBES.grid + 1} cannon-es cubes (seed ${SEED})…`);
    cachedTrace = recordCubesTrace(TICKS, SEED, (t) => progress(`  physics tick ${t}/${TICKS}`));
  }
  return cachedTrace;
}

function mean(values: Float64Array, from: number): number {
  let sum = 0;
  for (let i = from; i < values.length; i++) sum += values[i] as number;
  return sum / Math.max(1, values.length - from);
}

defineScenario({
  name: "cubes",
  title: `Fiedler's cubes: ${CUBES.grid * CUBES.grid + 1} cannon-es cubes, 60 Hz, one client with acks 100 ms old`,
  targets: ["Canopy ≤ 250 kbit/s", "Canopy ≤ ½ the bytes/tick of the best peer"],
  run({ record, progress }) {
    const trace = cubesTrace(progress);
    let awake = 0;
    for (let t = STEADY_FROM; t < TICKS; t++) awake += trace.awake[t] as number;
    record("trace", "cubes awake (mean, steady)", awake / (TICKS - STEADY_FROM), "cubes");
    const systems: TraceCodecFactory[] = [
      canopyTraceCodec({ name: "Canopy", bounds: BOUNDS, quatBits: 9, ackDelay: 6 }),
      canopyTraceCodec({
        name: "Canopy (no prediction)",
        bounds: BOUNDS,
        quatBits: 9,
        ackDelay: 6,
        predict: false,
      }),
      canopyTraceCodec({
        name: "Canopy (1200 B MTU budget)",
        bounds: BOUNDS,
        quatBits: 9,
        ackDelay: 6,
        budgetBytes: 1200,
      }),
      // The generated JS kernels: what runs where WebAssembly is missing or refused. Same bytes.
      canopyTraceCodec({
        name: "Canopy (JS kernels)",
        bounds: BOUNDS,
        quatBits: 9,
        ackDelay: 6,
        wasm: false,
      }),
      // The same codec without any generated kernels (the generic path).
      canopyTraceCodec({
        name: "Canopy (generic path)",
        bounds: BOUNDS,
        quatBits: 9,
        ackDelay: 6,
        kernels: false,
        wasm: false,
      }),
      colyseusTraceCodec(false, 60),
      colyseusTraceCodec(true, 60),
      bitecsTraceCodec(true),
      bitecsTraceCodec(false),
      msgpackrTraceCodec(false),
      msgpackrTraceCodec(true),
      jsonTraceCodec(),
    ];
    for (const system of systems) {
      progress(`${system.name}: ${PASSES} passes over ${TICKS} ticks (encode, decode, verify)`);
      const r = medianTracePasses(system, trace, TICKS, STEADY_FROM, PASSES);
      const steady = mean(r.bytes, STEADY_FROM);
      record(system.name, "bytes/tick (steady)", steady, "B");
      record(system.name, "kbit/s at 60 Hz (steady)", (steady * 8 * 60) / 1000, "kbit/s");
      record(system.name, "bytes/tick (all, incl. join)", mean(r.bytes, 0), "B");
      record(system.name, "join tick bytes", r.bytes[0] as number, "B");
      record(system.name, "encode", r.encodeMicros, "µs/tick");
      record(system.name, "decode", r.decodeMicros, "µs/tick");
      record(system.name, "max position error", r.maxPositionError * 1000, "mm");
      record(system.name, "max rotation error", r.maxRotationError, "°");
    }
  },
});
