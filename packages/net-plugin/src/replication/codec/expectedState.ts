/**
 * What a client holds once it decodes the snapshot just encoded (SnapshotEncoder's `out`): the
 * baseline plus every spawn and update that went out. Stored by sequence, it becomes the baseline
 * when the client acknowledges it.
 */
import type { EncodePlan } from "./encodePlan";
import type { EncodeSnapshotInput } from "./snapshotEncoder";
import type { FieldCodecPlan } from "./fieldDelta";
import type { FillUpdatesKernel } from "./kernels/encodeKernel";

/**
 * Fills `input.out` from the plan of the snapshot just written and lists the ids that went out
 * (spawns, then updates) in `written`; returns how many. With `whole` (everything went out, no
 * interest filter, no field exclusion left a field uncompared, and every field decodes to exactly
 * its current value: no change thresholds),
 * the client now holds exactly `current`: one copy instead of the baseline's plus the changed rows
 * (its row versions are then the current ones, equal only where the rows are equal).
 */
export function fillExpected(
  p: EncodePlan,
  codecPlan: FieldCodecPlan,
  fillKernel: FillUpdatesKernel | undefined,
  whole: boolean,
  input: EncodeSnapshotInput,
  written: Int32Array,
): number {
  const { current, baseline, out } = input;
  const versioned = current.versioned && (baseline === undefined || baseline.versioned);
  if (whole) {
    out.copyFrom(current);
    out.sequence = input.sequence & 0xffff;
    out.tick = input.tick;
    out.versioned = versioned;
    let n = 0;
    for (let i = 0; i < p.spawnCount; i++) written[n++] = p.spawnIds[i] as number;
    for (let i = 0; i < p.updateCount; i++) written[n++] = p.updateIds[i] as number;
    return n;
  }
  if (baseline !== undefined) out.copyFrom(baseline);
  else out.clear();
  out.sequence = input.sequence & 0xffff;
  out.tick = input.tick;
  out.versioned = versioned;
  const stride = current.stride;
  const cur = current.values;
  const dst = out.values;
  const { offsets, widths } = codecPlan;
  const fieldCount = offsets.length;
  for (let i = 0; i < p.despawnCount; i++) out.remove(p.despawnIds[i] as number);
  let count = 0;
  for (let i = 0; i < p.spawnCount; i++) {
    const id = p.spawnIds[i] as number;
    if (p.selected[id] !== 1) continue;
    written[count++] = id;
    out.setPresent(id, current.mask[id] as number);
    out.version[id] = current.version[id] as number;
    const row = id * stride;
    for (let s = 0; s < stride; s++) dst[row + s] = cur[row + s] as number;
  }
  if (fillKernel !== undefined) return fillKernel(p, current, out, written, count);
  for (let i = 0; i < p.updateCount; i++) {
    const id = p.updateIds[i] as number;
    if (p.selected[id] !== 1) continue;
    written[count++] = id;
    const changed = p.changedMask[id] as number;
    const row = id * stride;
    for (let f = 0; f < fieldCount; f++) {
      if ((changed & (1 << f)) === 0) continue;
      const o = row + (offsets[f] as number);
      const end = o + (widths[f] as number);
      for (let s = o; s < end; s++) dst[s] = cur[s] as number;
    }
    // The row now equals the current one unless a change under a threshold was held back.
    const mask = current.mask[id] as number;
    let equal = true;
    if (changed !== mask) {
      for (let f = 0; f < fieldCount && equal; f++) {
        if ((mask & (1 << f)) === 0) continue;
        const o = row + (offsets[f] as number);
        const end = o + (widths[f] as number);
        for (let s = o; s < end && equal; s++) equal = dst[s] === cur[s];
      }
    }
    if (equal) out.version[id] = current.version[id] as number;
  }
  return count;
}
