/**
 * SnapshotEncoder's JS snapshot writer (when the fused wasm encode did not write the snapshot:
 * budget cuts, relevance or exclusions, JS kernels): the header (sequence, tick, baseline and
 * reference, despawn and spawn id lists with each spawn's mask and packed values, the update
 * count, bitmap or id list), then the updates section — by the wasm writer (wasm/wasmWrite.ts)
 * when it fits its region, else by the generated JS kernel or the per-entity loop (updateWriter.ts).
 */
import type { ReplicatedField } from "../registry";
import { referenceAge, TICK_K, type EncodePlan } from "./encodePlan";
import { K_BITS, type FieldCodecPlan } from "./fieldDelta";
import { chooseIdK, ID_K_BITS } from "./idList";
import { REFERENCE_AGE_BITS } from "./predict";
import type { WriteUpdatesKernel } from "./kernels/writeKernel";
import type { EncodeSnapshotInput } from "./snapshotEncoder";
import { writeColumns, writeUpdate } from "./updateWriter";
import type { WordWriter } from "./wordBits";
import type { WasmWriteKernel } from "./wasm/wasmWrite";
// Module-local references: in tsx/esbuild's CommonJS output (tests, benches) every call of an
// imported function is a getter call.
const referenceAgeLocal = referenceAge;
const writeUpdateLocal = writeUpdate;
const writeColumnsLocal = writeColumns;
const chooseIdKLocal = chooseIdK;

/** What `writeSnapshot` reads of its encoder (fixed at the encoder's construction). */
export interface SnapshotWriteContext {
  readonly plan: EncodePlan;
  readonly fields: readonly ReplicatedField[];
  readonly codecPlan: FieldCodecPlan;
  /** The registry's generated updates writer, if any (kernels/writeKernel.ts). */
  readonly kernel: WriteUpdatesKernel | undefined;
  /** The wasm updates writer (with the wasm collect). */
  readonly wasmWriter: WasmWriteKernel | undefined;
}

/**
 * Writes the snapshot of the collected (and budget-selected) plan; returns its bits when the wasm
 * writer wrote it into its region (with a copy of the header `w` holds), else −1 (all in `w`).
 */
export function writeSnapshot(
  w: WordWriter,
  input: EncodeSnapshotInput,
  s: SnapshotWriteContext,
  allSelected: boolean,
): number {
  const p = s.plan;
  const { current, baseline } = input;
  const cur = current.values;
  const stride = current.stride;
  const fieldCount = s.fields.length;
  const kernel = s.kernel;
  w.writeBits(input.sequence & 0xffff, 16);
  w.writeExpGolomb(input.tick, TICK_K);
  w.writeBool(baseline !== undefined);
  if (baseline !== undefined) {
    w.writeBits(baseline.sequence & 0xffff, 16);
    const reference = p.reference;
    w.writeBool(reference !== undefined);
    if (reference !== undefined) w.writeBits(referenceAgeLocal(baseline, reference), REFERENCE_AGE_BITS);
  }

  w.writeExpGolomb(p.despawnCount, 0);
  if (p.despawnCount > 0) writeIds(w, p.despawnIds, p.despawnCount, undefined);

  let spawns = 0;
  let respawns = 0;
  for (let i = 0; i < p.spawnCount; i++) {
    const id = p.spawnIds[i] as number;
    spawns += p.selected[id] as number;
    if (p.selected[id] === 1) respawns += p.respawn[id] as number;
  }
  w.writeExpGolomb(spawns, 0);
  if (spawns > 0) {
    const k = chooseIdKLocal(p.spawnIds, p.spawnCount, p.selected) % 8;
    w.writeBits(k, ID_K_BITS);
    let prev = -1;
    for (let i = 0; i < p.spawnCount; i++) {
      const id = p.spawnIds[i] as number;
      if (p.selected[id] !== 1) continue;
      w.writeExpGolomb(id - prev - 1, k);
      prev = id;
      const mask = current.mask[id] as number;
      if (fieldCount > 0) w.writeBits(mask, fieldCount);
      const row = id * stride;
      for (const f of s.fields) if (mask & (1 << f.index)) f.template.packQuantized(w, cur, row + f.offset);
    }
  }

  let updates = allSelected ? p.updateCount : 0;
  if (!allSelected)
    for (let i = 0; i < p.updateCount; i++) updates += p.selected[p.updateIds[i] as number] as number;
  w.writeExpGolomb(updates, 0);
  if (updates === 0 || baseline === undefined) return -1;
  const bitmapBits = p.baselineCount - p.despawnCount - respawns;
  // A list costs at least ID_K_BITS + 1 bit per id: below that the bitmap wins without pricing it.
  const listChoice =
    bitmapBits < ID_K_BITS + updates ? 0 : chooseIdKLocal(p.updateIds, p.updateCount, p.selected);
  const bitmap = bitmapBits < ID_K_BITS + updates || bitmapBits < ID_K_BITS + Math.floor(listChoice / 8);
  w.writeBool(bitmap);
  const groups = p.layout.headerGroups;
  for (let i = 0; i < groups.length; i++) w.writeBits(p.ks[groups[i] as number] as number, K_BITS);
  if (kernel !== undefined) {
    if (!bitmap) w.writeBits(listChoice % 8, ID_K_BITS);
    const relevant = input.relevant;
    const all = allSelected;
    const ww = s.wasmWriter;
    if (ww !== undefined) {
      const wasmBits = ww.write(w, p, current, baseline, relevant !== undefined, bitmap, listChoice % 8, all);
      if (wasmBits >= 0) return wasmBits;
    }
    kernel(w, p, current, baseline, relevant, bitmap, listChoice % 8, all);
    return -1;
  }
  if (bitmap) {
    const hw = baseline.highWater;
    for (let id = 0; id < hw; id++) {
      if (baseline.present[id] !== 1) continue;
      if (current.present[id] !== 1 || (input.relevant !== undefined && input.relevant[id] !== 1)) continue;
      if (p.respawn[id] === 1 && p.selected[id] === 1) continue;
      const isUpdate = p.selected[id] === 1 && p.respawn[id] === 0 && baseline.mask[id] === current.mask[id];
      w.writeBool(isUpdate);
      if (isUpdate) writeUpdateLocal(w, id, current, p, s.codecPlan, s.fields);
    }
    writeColumnsLocal(w, p, current);
    return -1;
  }
  const k = listChoice % 8;
  w.writeBits(k, ID_K_BITS);
  let prev = -1;
  for (let i = 0; i < p.updateCount; i++) {
    const id = p.updateIds[i] as number;
    if (p.selected[id] !== 1) continue;
    w.writeExpGolomb(id - prev - 1, k);
    prev = id;
    writeUpdateLocal(w, id, current, p, s.codecPlan, s.fields);
  }
  writeColumnsLocal(w, p, current);
  return -1;
}

function writeIds(w: WordWriter, ids: Int32Array, count: number, keep: Uint8Array | undefined): void {
  const k = chooseIdKLocal(ids, count, keep) % 8;
  w.writeBits(k, ID_K_BITS);
  let prev = -1;
  for (let i = 0; i < count; i++) {
    const id = ids[i] as number;
    if (keep !== undefined && keep[id] !== 1) continue;
    w.writeExpGolomb(id - prev - 1, k);
    prev = id;
  }
}
