/**
 * Codec warm-up: runs a registry's encoder and decoder (kernels or generic path, whichever this
 * process uses) once over a few synthetic snapshots that take every rare branch — values jumping
 * between a slot's bounds (the longest codes, column exceptions), rotations whose largest component
 * changes, prediction with a non-unit ratio, a budget too small for everything, bitmap and id-list
 * updates, despawns and respawns, a field exclusion (client authority). Optimized code deoptimizes the first time it reaches a branch
 * that never ran before (no type feedback); without this, the first large delta of a game (an
 * entity wrapping across its bounds, a teleport) deoptimized the client's decode kernel, which
 * then ran unoptimized — allocating ~2 KiB per update for 400 entities — until V8 optimized it
 * again. The generated kernels share type feedback per source (compileKernel.ts), so one run
 * warms every registry of the same layout.
 */
import { BitWriter } from "../../protocol/bitWriter";
import type { ReplicationRegistry } from "../registry";
import { BaselineRing } from "./baselineRing";
import { QuantizedTemplate } from "../templates/quantizedTemplate";
import { SnapshotDecoder } from "./snapshotDecoder";
import { canonicalEncodeInput, SnapshotEncoder } from "./snapshotEncoder";
import { SnapshotState } from "./snapshotState";

/** Network ids in the warm-up: enough that both update forms (bitmap and id list) get chosen. */
const WARM_IDS = 32;
/** Snapshots encoded and decoded: every id pattern below meets both bounds and both ack ages. */
const WARM_TICKS = 12;
/** Baseline ring size (a power of two above WARM_TICKS; the default 64 only costs set-up time). */
const WARM_RING = 16;
/** A budget below a full update (bytes), so the exact-cost and priority path runs too. */
const TIGHT_BUDGET_BYTES = 24;
/** Writer capacity: far above WARM_IDS full rows of any registry the codec accepts. */
const WARM_WRITER_BYTES = 64 * 1024;

/** Registries already warmed (the warm-up runs once per registry object). */
const warmed = new WeakSet<ReplicationRegistry>();
/** True until the process's first warm-up. */
let firstWarmUp = true;
/**
 * Rounds of the sequence in the process's first warm-up. V8 gives a function its feedback vector
 * only after it has run a while (lazy feedback allocation): code new to the process records
 * nothing for the rare branches it takes in a first round, and the next registry's warm-up then
 * deoptimized it (writeSnapshot at the despawn list: ~900 ticks unoptimized, 32 B per server
 * update, at every server after the first). With the wasm kernels most warm-up snapshots are
 * written by the fused wasm encode, so writeSnapshot runs rarely: 3 rounds still left it without
 * feedback there, 4 did not (~20 ms more, once per process).
 */
const FIRST_ROUNDS = 4;

/**
 * Runs the codec of `registry` (closed here) over the warm-up snapshots once; later calls for the
 * same registry return at once. Fields whose validity is more than "every slot in its range"
 * (strings, custom templates) stay out of the warm-up; a registry of only those is not warmed.
 */
export function warmUpCodec(registry: ReplicationRegistry): void {
  if (warmed.has(registry)) return;
  warmed.add(registry);
  registry.close();
  let mask = 0;
  for (const f of registry.fields) {
    const t = f.template;
    if (t instanceof QuantizedTemplate && t.isValid === QuantizedTemplate.prototype.isValid)
      mask |= 1 << f.index;
  }
  if (mask === 0) return;
  const encoder = new SnapshotEncoder(registry, WARM_IDS);
  const decoder = new SnapshotDecoder(registry, WARM_IDS);
  const server = new BaselineRing(registry, WARM_IDS, WARM_RING);
  const client = new BaselineRing(registry, WARM_IDS, WARM_RING);
  const current = new SnapshotState(registry, WARM_IDS);
  const relevant = new Uint8Array(WARM_IDS);
  const priority = new Float32Array(WARM_IDS);
  const writer = new BitWriter(WARM_WRITER_BYTES);
  // Every third id is "client 0's" with its first warmed field left out, on odd ticks.
  const exclude = { bySlot: new Int32Array(WARM_IDS), client: 0, mask: mask & -mask };
  for (let id = 0; id < WARM_IDS; id++) {
    exclude.bySlot[id] = id % 3 === 0 ? 0 : -1;
    current.setPresent(id, mask);
    priority[id] = id;
  }
  // The process's first warm-up runs the sequence FIRST_ROUNDS times (see there).
  const ticks = firstWarmUp ? FIRST_ROUNDS * WARM_TICKS : WARM_TICKS;
  firstWarmUp = false;
  for (let tick = 0; tick < ticks; tick++) {
    setValues(registry, mask, current, tick);
    current.tick = tick;
    // Half the ids drop out of relevance once (despawns), then come back (spawns again).
    for (let id = 0; id < WARM_IDS; id++) relevant[id] = tick % WARM_TICKS === 6 && id % 2 === 1 ? 0 : 1;
    const baseline = server.newestAckedState();
    writer.reset();
    const input = {
      sequence: tick,
      tick,
      current,
      baseline,
      out: server.acquire(tick),
      reference: baseline && tick % 3 !== 0 ? server.referenceFor(baseline, tick) : undefined,
      relevant,
      priority,
      ...(tick % 4 === 2 ? { budgetBytes: TIGHT_BUDGET_BYTES } : {}),
      ...(tick % 2 === 1 ? { exclude } : {}),
    };
    encoder.encode(writer, canonicalEncodeInput(input)); // one input shape (createEncodeInput)
    decoder.decode(writer.bytes, client, 0, writer.bytesWritten);
    // Acks one or two ticks late, so predictions run with unit and non-unit ratios.
    if (tick % 2 === 0) server.markAcked(tick);
    else if (tick >= 1) server.markAcked(tick - 1);
  }
}

/**
 * Slot values of tick `tick`: ids ≡ 0 (mod 4) jump between the slot bounds (a rotation's largest
 * component changes too), ≡ 1 jump with that component kept, ≡ 2 move by one step, ≡ 3 rest except
 * every third tick. On ticks ≡ 3 (mod 4) only ids 0 and 1 change (a short update id list).
 */
function setValues(registry: ReplicationRegistry, mask: number, s: SnapshotState, tick: number): void {
  const high = (tick & 1) === 1;
  for (let id = 0; id < WARM_IDS; id++) {
    const pattern = id & 3;
    if (tick % 4 === 3 && id > 1) continue;
    if (pattern === 3 && tick % 3 !== 0) continue;
    const row = id * s.stride;
    for (const f of registry.fields) {
      if ((mask & (1 << f.index)) === 0) continue;
      const t = f.template;
      for (let k = 0; k < t.width; k++) {
        const max = t.slotMax[k] as number;
        const o = row + f.offset + k;
        const isIndex = t.deltaGroups.some((g) => g.kind === "quat" && g.start === k);
        if (pattern === 2) s.values[o] = ((s.values[o] as number) + 1) % (max + 1);
        else if (isIndex && pattern === 1) s.values[o] = 0;
        else s.values[o] = high ? max : 0;
      }
    }
  }
}
