/**
 * "codec": 100 entities that all move every tick (position + rotation), one client with acks
 * 100 ms (6 ticks) old. Throughput (entities encoded and decoded per second) and bits per entity
 * of Canopy's snapshot codec against msgpackr with records, both decoded and verified. Encode and
 * decode are per-tick medians over the passes (see PASSES); "best pass, with GC" is the fastest
 * whole pass.
 */
import { canopyTraceCodec } from "../fixtures/canopyTraceCodec";
import { canopyTransformTraceCodec } from "../fixtures/canopyTransformTraceCodec";
import { floorTraceCodec } from "../fixtures/floorTraceCodec";
import { recordMovingTrace } from "../fixtures/movingTrace";
import { msgpackrSoaTraceCodec, msgpackrTraceCodec } from "../fixtures/peerTraceCodecs";
import { medianTracePasses, type TraceCodecFactory } from "../fixtures/traceCodec";
import { defineScenario } from "../harness/registry";

const ENTITIES = 100;
const TICKS = 600;
const SEED = 5;
/** The join ticks (full state while nothing is acked) are left out of the measured numbers. */
const FROM = 10;
/**
 * Timed passes per system; each tick's cost is its median over them (fixtures/traceCodec.ts
 * `medianTracePasses`: robust to preemption and GC pauses, which made best-of-15 whole passes of
 * the slower systems swing up to 1.6× between processes on the shared machine).
 */
const PASSES = 21;
const BOUNDS = { min: { x: -50, y: -1, z: -50 }, max: { x: 50, y: 15, z: 50 }, precision: 1 / 512 };

defineScenario({
  name: "codec",
  title: `snapshot codec: ${ENTITIES} entities all moving (position + rotation), acks 100 ms old`,
  targets: ["Canopy ≥ 5× msgpackr-records entities/s", "Canopy ≤ ⅕ msgpackr-records bits/entity"],
  run({ record, progress }) {
    progress(`recording ${TICKS} ticks of ${ENTITIES} moving entities (seed ${SEED})`);
    const trace = recordMovingTrace(ENTITIES, TICKS, SEED);
    // The targets' yardstick.
    const reference = msgpackrTraceCodec(true);
    const systems: TraceCodecFactory[] = [
      canopyTraceCodec({ name: "Canopy", bounds: BOUNDS, quatBits: 9, ackDelay: 6 }),
      // Position and Rotation allocated with wasmComponents: capture and apply in place (no column copies).
      canopyTraceCodec({
        name: "Canopy (components in wasm memory)",
        bounds: BOUNDS,
        quatBits: 9,
        ackDelay: 6,
        wasmComponents: true,
      }),
      canopyTraceCodec({
        name: "Canopy (no prediction)",
        bounds: BOUNDS,
        quatBits: 9,
        ackDelay: 6,
        predict: false,
      }),
      // The generated JS kernels: what runs where WebAssembly is missing or refused. Same bytes.
      canopyTraceCodec({
        name: "Canopy (JS kernels)",
        bounds: BOUNDS,
        quatBits: 9,
        ackDelay: 6,
        wasm: false,
      }),
      // The same codec without any generated kernels (the generic path: no `new Function` either).
      canopyTraceCodec({
        name: "Canopy (generic path)",
        bounds: BOUNDS,
        quatBits: 9,
        ackDelay: 6,
        kernels: false,
        wasm: false,
      }),
      // The same motion as ONE TransformTemplate field (position + rotation in one component).
      canopyTransformTraceCodec({
        name: "Canopy (Transform field)",
        transform: { ...BOUNDS, rotationBits: 9 },
        ackDelay: 6,
      }),
      reference,
      msgpackrTraceCodec(false),
      // Fairness: msgpackr reading/writing bitECS SoA components like Canopy's path does.
      msgpackrSoaTraceCodec(),
      // The speed floor: only the irreducible work, specialized by hand for this trace.
      floorTraceCodec({
        name: "floor: minimal specialized JS delta codec (no ids/masks/priorities/validation)",
        bounds: BOUNDS,
        quatBits: 9,
        ackDelay: 6,
      }),
    ];
    const throughput = new Map<TraceCodecFactory, number>();
    for (const system of systems) {
      progress(`${system.name}: ${PASSES} passes over ${TICKS} ticks`);
      const r = medianTracePasses(system, trace, TICKS, FROM, PASSES);
      let bytes = 0;
      for (let t = FROM; t < TICKS; t++) bytes += r.bytes[t] as number;
      const ticks = TICKS - FROM;
      const entitiesPerSecond = (ENTITIES * 1e6) / (r.encodeMicros + r.decodeMicros);
      throughput.set(system, entitiesPerSecond);
      record(system.name, "entities/s (encode + decode)", entitiesPerSecond, "entities/s");
      record(system.name, "bits/entity", (bytes * 8) / (ticks * ENTITIES), "bits");
      record(system.name, "encode", r.encodeMicros, "µs/tick");
      record(system.name, "decode", r.decodeMicros, "µs/tick");
      // The whole-pass figure with GC pauses and preemption in it (noisy under load).
      record(system.name, "best pass, with GC", r.bestPassMicros, "µs/tick");
      record(system.name, "max position error", r.maxPositionError * 1000, "mm");
      record(system.name, "max rotation error", r.maxRotationError, "°");
    }
    // Entities/s as a multiple of msgpackr-records' in the same run (the 5× target).
    const yardstick = throughput.get(reference) as number;
    for (const system of systems)
      record(
        system.name,
        "entities/s vs msgpackr (records)",
        (throughput.get(system) as number) / yardstick,
        "×",
      );
  },
});
