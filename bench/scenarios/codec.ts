/**
 * "codec": 100 entities that all move every tick (position + rotation), one client with acks
 * 100 ms (6 ticks) old. Throughput (entities encoded and decoded per second) and bits per entity
 * of Canopy's snapshot codec against msgpackr with records, both decoded and verified.
 *
 * Each tick the game's step (loading the trace into the server's state) runs untimed; encode and
 * decode are timed (fixtures/traceCodec.ts).
 *
 * The systems (fixtures/codecSystems.ts) are measured in PROCESSES fresh processes, one after
 * another; within a process they take turns in CODEC_ROUNDS rounds, and each measurement is per-tick
 * medians over CODEC_PASSES passes. On this shared VM memory-heavy code runs up to ≈ 1.9× slower for
 * seconds at a time, within one process (session 12) or for a whole one (sessions 9–11): one
 * measurement makes the ratio a draw. Each row here is that system's fastest round over all
 * processes (by encode + decode), the same rule for every system, so a slow spell of any system —
 * Canopy's or the yardstick's — moves nothing. "best pass, with GC" is the fastest whole pass of
 * any round.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CODEC_ENTITIES,
  CODEC_PASSES,
  CODEC_ROUNDS,
  CODEC_TICKS,
  CODEC_YARDSTICK,
  type CodecMeasurement,
} from "../fixtures/codecSystems";
import { runChild } from "../harness/isolate";
import { defineScenario } from "../harness/registry";

/** Fresh processes per run (≈ 20 s each). */
const PROCESSES = 3;

/** Runs fixtures/codecProcess.ts in a fresh process (this process's Node flags: the tsx loader). */
async function measureInProcess(out: string, tag: string): Promise<void> {
  const script = path.join(import.meta.dirname, "..", "fixtures", "codecProcess.ts");
  const code = await runChild(script, [out, tag]);
  if (code !== 0) throw new Error(`codec: measuring process ${tag} exited with ${code}.`);
}

defineScenario({
  name: "codec",
  title: `snapshot codec: ${CODEC_ENTITIES} entities all moving (position + rotation), acks 100 ms old`,
  targets: ["Canopy ≥ 5× msgpackr-records entities/s", "Canopy ≤ ⅕ msgpackr-records bits/entity"],
  async run({ record, progress }) {
    progress(
      `${PROCESSES} processes, each: ${CODEC_ROUNDS} rounds of every system ${CODEC_PASSES} passes over ${CODEC_TICKS} ticks`,
    );
    const dir = await mkdtemp(path.join(tmpdir(), "canopy-codec-"));
    const runs: CodecMeasurement[][] = [];
    try {
      for (let p = 0; p < PROCESSES; p++) {
        const out = path.join(dir, `${p}.json`);
        await measureInProcess(out, `process ${p + 1}/${PROCESSES}:`);
        const run = JSON.parse(await readFile(out, "utf8")) as CodecMeasurement[];
        runs.push(run);
        const total = (m: CodecMeasurement | undefined): number =>
          m === undefined ? Number.NaN : m.encodeMicros + m.decodeMicros;
        const yardstick = total(run.find((m) => m.name === CODEC_YARDSTICK));
        progress(
          `process ${p + 1}: ${run.map((m) => `${m.name.split(":")[0]} ${total(m).toFixed(1)}`).join(", ")} µs/tick; ` +
            `Canopy ${(yardstick / total(run[0])).toFixed(2)}× ${CODEC_YARDSTICK} in this process`,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const best = (runs[0] ?? []).map((first) => {
      const all = runs.map((run) => run.find((m) => m.name === first.name) ?? first);
      return all.reduce((a, b) =>
        b.encodeMicros + b.decodeMicros < a.encodeMicros + a.decodeMicros ? b : a,
      );
    });
    const perSecond = (m: CodecMeasurement): number =>
      (CODEC_ENTITIES * 1e6) / (m.encodeMicros + m.decodeMicros);
    for (const m of best) {
      record(m.name, "entities/s (encode + decode)", perSecond(m), "entities/s");
      record(m.name, "bits/entity", m.bitsPerEntity, "bits");
      record(m.name, "encode", m.encodeMicros, "µs/tick");
      record(m.name, "decode", m.decodeMicros, "µs/tick");
      // The whole-pass figure with GC pauses and preemption in it (noisy under load).
      record(m.name, "best pass, with GC", m.bestPassMicros, "µs/tick");
      record(m.name, "max position error", m.maxPositionError * 1000, "mm");
      record(m.name, "max rotation error", m.maxRotationError, "°");
    }
    // Entities/s as a multiple of msgpackr-records' (each at its fastest process): the 5× target.
    const yardstick = best.find((m) => m.name === CODEC_YARDSTICK);
    if (yardstick === undefined) throw new Error(`codec: no "${CODEC_YARDSTICK}" row.`);
    for (const m of best)
      record(m.name, "entities/s vs msgpackr (records)", perSecond(m) / perSecond(yardstick), "×");
  },
});
