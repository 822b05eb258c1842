/**
 * Generated encoder loops for one registry (see compileKernel.ts): `collect` sorts every network
 * id into despawn / spawn / update candidates exactly like `EncodePlan.collect` (the columns'
 * bit-length histograms too), and also keeps each field's column residuals contiguous (`colz`;
 * for a rotation, `zz[first slot]` = 1 when its largest component is unchanged), so the writer
 * (writeKernel.ts) only assembles them; `fillUpdates` fills
 * the client's expected state. Bit-exact with the generic `EncodePlan.collect` and `fillOut`.
 */
import type { ReplicationRegistry } from "../../registry";
import type { EncodePlan } from "../encodePlan";
import { accumulateKCosts, writeFieldDelta } from "../fieldDelta";
import { predictField } from "../predict";
import type { SnapshotState } from "../snapshotState";
import { collectField } from "./collectSource";
import { columnParts, compileKernel, kernelFields, type KernelField } from "./compileKernel";
import { writeSource, type WriteUpdatesKernel } from "./writeKernel";

/**
 * Fills the plan's candidate lists, masks, `pred`, `colz`, rotation flags (`zz`), k and column histograms (not `ks` or
 * widths) and
 * `excludedCount`; `exBy`/`exClient`/`exMask` are a `FieldExclusion` (`exBy` undefined: none).
 */
export type CollectKernel = (
  p: EncodePlan,
  current: SnapshotState,
  baseline: SnapshotState | undefined,
  relevant: Uint8Array | undefined,
  reference: SnapshotState | undefined,
  ratioNum: number,
  ratioDen: number,
  versioned: boolean,
  hw: number,
  exBy: Int32Array | undefined,
  exClient: number,
  exMask: number,
) => void;

/**
 * Copies the changed fields of the selected updates from `current` into `out` (which holds the
 * baseline), lists them in `written` from index `count`, and gives a row the current version when
 * it now equals the current row. Returns the new count (SnapshotEncoder.fillOut's update loop).
 */
export type FillUpdatesKernel = (
  p: EncodePlan,
  current: SnapshotState,
  out: SnapshotState,
  written: Int32Array,
  count: number,
) => number;

/** The generated encoder loops of one registry. */
export interface EncodeKernels {
  readonly collect: CollectKernel;
  readonly writeUpdates: WriteUpdatesKernel;
  readonly fillUpdates: FillUpdatesKernel;
}

function collectSource(fields: readonly KernelField[], stride: number): string {
  // One cursor per column part into `colz` (EncodePlan.colz: the part's columns interleaved).
  const parts = fields.flatMap(columnParts);
  const cursors =
    parts.length === 0 ? "" : `let ${parts.map((c) => `cz${c.column} = ${c.column} * cap`).join(", ")};`;
  const spawnBits = fields
    .map(
      (f) =>
        `((mask & ${f.bit}) !== 0 ? ${f.packedBits < 0 ? `T${f.index}.packedBits(cur, row + ${f.offset})` : f.packedBits} : 0)`,
    )
    .join(" + ");
  return `const ratioValue = { num: 0, den: 0 };
return function collect(p, current, baseline, relevant, reference, rn, rd, versioned, hw, exBy, exClient, exMask) {
  ratioValue.num = rn;
  ratioValue.den = rd;
  const cur = current.values, curPresent = current.present, curMask = current.mask, curVersion = current.version;
  const hasBase = baseline !== undefined;
  const base = hasBase ? baseline.values : cur, basePresent = hasBase ? baseline.present : curPresent;
  const baseMask = hasBase ? baseline.mask : curMask, baseVersion = hasBase ? baseline.version : curVersion;
  const ratio = rd > 0, unit = rn === rd, hasRef = reference !== undefined;
  const refV = hasRef ? reference.values : cur, refPresent = hasRef ? reference.present : curPresent;
  const refMask = hasRef ? reference.mask : curMask;
  const pred = p.pred, zz = p.zz, hist = p.kCosts, chist = p.columns.hist;
  const selected = p.selected, respawn = p.respawn, colz = p.colz, cap = p.capacity;
  ${cursors}
  const spawnIds = p.spawnIds, updateIds = p.updateIds, despawnIds = p.despawnIds;
  const changedMask = p.changedMask, cost = p.cost;
  const hasEx = exBy !== undefined, exKeep = ~exMask;
  let spawnCount = 0, updateCount = 0, despawnCount = 0, baselineCount = 0, excludedCount = 0;
  for (let id = 0; id < hw; id++) {
    selected[id] = 0;
    respawn[id] = 0;
    const curP = curPresent[id] === 1 && (relevant === undefined || relevant[id] === 1);
    const baseP = hasBase && basePresent[id] === 1;
    if (baseP) baselineCount++;
    if (!curP) {
      if (baseP) despawnIds[despawnCount++] = id;
      continue;
    }
    const mask = curMask[id];
    const row = id * ${stride};
    if (!baseP || baseMask[id] !== mask) {
      cost[id] = ${fields.length}${spawnBits === "" ? "" : ` + ${spawnBits}`};
      respawn[id] = baseP ? 1 : 0;
      selected[id] = 1;
      spawnIds[spawnCount++] = id;
      continue;
    }
    if (versioned && baseVersion[id] === curVersion[id]) continue;
    const predicted = ratio && hasRef && refPresent[id] === 1 && refMask[id] === mask;
    let live = mask;
    if (hasEx && exBy[id] === exClient && (mask & exMask) !== 0) {
      live = mask & exKeep;
      excludedCount++;
    }
    let changed = 0;
${fields.map(collectField).join("\n")}
    if (changed === 0) continue;
    changedMask[id] = changed;
    selected[id] = 1;
    updateIds[updateCount++] = id;
  }
  p.spawnCount = spawnCount;
  p.updateCount = updateCount;
  p.despawnCount = despawnCount;
  p.baselineCount = baselineCount;
  p.excludedCount = excludedCount;
};`;
}

function fillSource(fields: readonly KernelField[], stride: number): string {
  const copy = fields
    .map((f) => {
      const slots = Array.from(
        { length: f.width },
        (_, s) => `dst[r + ${f.offset + s}] = cur[r + ${f.offset + s}];`,
      );
      return `    if ((changed & ${f.bit}) !== 0) { ${slots.join(" ")} }`;
    })
    .join("\n");
  const compare = fields
    .map((f) => {
      const slots = Array.from(
        { length: f.width },
        (_, s) => `dst[r + ${f.offset + s}] !== cur[r + ${f.offset + s}]`,
      );
      return `      if ((mask & ${f.bit}) !== 0 && (${slots.join(" || ")})) equal = false;`;
    })
    .join("\n");
  return `return function fillUpdates(p, current, out, written, count) {
  const cur = current.values, dst = out.values, curMask = current.mask, curVersion = current.version;
  const outVersion = out.version, updateIds = p.updateIds, selected = p.selected, changedMask = p.changedMask;
  const n = p.updateCount;
  for (let i = 0; i < n; i++) {
    const id = updateIds[i];
    if (selected[id] !== 1) continue;
    written[count++] = id;
    const changed = changedMask[id];
    const r = id * ${stride};
${copy}
    const mask = curMask[id];
    let equal = true;
    if (changed !== mask) {
${compare}
    }
    if (equal) outVersion[id] = curVersion[id];
  }
  return count;
};`;
}

/** Generates the encoder loops for `registry`; undefined when it needs the generic path. */
export function encodeKernels(registry: ReplicationRegistry): EncodeKernels | undefined {
  const fields = kernelFields(registry);
  if (fields === undefined) return undefined;
  let kernels = compiled.get(registry);
  if (kernels === undefined) {
    // Templates of generic fields, and the generic field coder they go through.
    const names = ["predictField", "accumulateKCosts", "writeFieldDelta"];
    const values: unknown[] = [predictField, accumulateKCosts, writeFieldDelta];
    for (const f of registry.fields) {
      names.push(`T${f.index}`);
      values.push(f.template);
    }
    const collect = compileKernel<CollectKernel>(names, collectSource(fields, registry.stride), values);
    const writeUpdates = compileKernel<WriteUpdatesKernel>(
      names,
      writeSource(fields, registry.stride),
      values,
    );
    const fillUpdates = compileKernel<FillUpdatesKernel>(names, fillSource(fields, registry.stride), values);
    kernels = collect && writeUpdates && fillUpdates ? { collect, writeUpdates, fillUpdates } : null;
    compiled.set(registry, kernels);
  }
  return kernels ?? undefined;
}

/** Kernels per registry (null: code generation unavailable), compiled once. */
const compiled = new WeakMap<ReplicationRegistry, EncodeKernels | null>();

/** The generated sources (for debugging a registry's kernels). */
export function encodeKernelSources(registry: ReplicationRegistry): string[] | undefined {
  const fields = kernelFields(registry);
  return (
    fields && [
      collectSource(fields, registry.stride),
      writeSource(fields, registry.stride),
      fillSource(fields, registry.stride),
    ]
  );
}
