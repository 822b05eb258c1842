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
import { COLUMN_BUCKETS } from "../columns";
import { accumulateKCosts, writeFieldDelta } from "../fieldDelta";
import { predictField } from "../predict";
import type { SnapshotState } from "../snapshotState";
import { columnParts, compileKernel, kernelFields, type ColumnPart, type KernelField } from "./compileKernel";
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

function collectGeneric(f: KernelField): string {
  const t = `T${f.index}`;
  return `      if ((live & ${f.bit}) !== 0) {
        const o = row + ${f.offset};
        if (${t}.changed(cur, o, base, o)) {
          changed |= ${f.bit};
          let from = base;
          if (ratio) {
            from = pred;
            if (predicted) predictField(${t}, base, o, refV, o, ratioValue, pred, o);
            else for (let s = 0; s < ${f.width}; s++) pred[o + s] = base[o + s];
          }
          accumulateKCosts(${t}, cur, o, from, o, hist, ${f.group});
        }
      }`;
}

/**
 * A `flip` or `full` field (no columns, no coded groups): its change against the baseline, and
 * with prediction its `pred` slots copied from the baseline (predictField's copy: no `slots` group).
 */
function collectFlat(f: KernelField): string {
  const moved: string[] = [];
  const copy: string[] = [];
  for (let s = 0; s < f.width; s++) {
    const e = `(cur[o + ${s}] - base[o + ${s}])`;
    moved.push(
      f.threshold === 0
        ? `cur[o + ${s}] !== base[o + ${s}]`
        : `${e} > ${f.threshold} || -${e} > ${f.threshold}`,
    );
    copy.push(`pred[o + ${s}] = base[o + ${s}];`);
  }
  return `      if ((live & ${f.bit}) !== 0) {
        const o = row + ${f.offset};
        if (${moved.join(" || ")}) {
          changed |= ${f.bit};
          if (ratio) { ${copy.join(" ")} }
        }
      }`;
}

/**
 * One column part's coding (compileKernel.columnParts) of a changed field: a `slots` part's slots
 * predicted (with a reference) and their residuals; a rotation's `pred` copy, "same largest" flag
 * (`zz`) and, when it stayed, its three residuals. Locals c/b per field slot; cursor `cz<column>`.
 */
function collectPart(f: KernelField, part: ColumnPart): string[] {
  const lines: string[] = [];
  const cz = `cz${part.column}`;
  const first = part.quat ? 1 : 0;
  // A slot's column histogram row (a rotation's columns start at its second slot).
  const h = (s: number): number => (part.column + s - part.at - first) * COLUMN_BUCKETS;
  const coded = (s: number, from: string): string[] => [
    // Branch-free zigzag (|d| < 2^30: slots are at most 30 bits).
    `    { const d = c${s} - ${from}; const u = (d << 1) ^ (d >> 31); colz[${cz} + ${s - part.at - first}] = u;`,
    `      const x = ${h(s) + 32} - Math.clz32(u); chist[x] = chist[x] + 1; }`,
  ];
  const end = part.at + part.width;
  if (part.quat) {
    const a = part.at;
    const copy = [0, 1, 2, 3].map((s) => `pred[o + ${a + s}] = b${a + s};`);
    lines.push(`    if (ratio) { ${copy.join(" ")} }`);
    lines.push(`    if (c${a} === b${a}) {`, `    zz[o + ${a}] = 1;`);
    for (let s = a + 1; s < end; s++) lines.push(...coded(s, `b${s}`));
    lines.push(`    ${cz} += 3;`, `    } else zz[o + ${a}] = 0;`);
    return lines;
  }
  for (let s = part.at; s < end; s++) {
    const max = f.slotMax[s] as number;
    lines.push(
      `    let f${s} = b${s};`,
      `    if (ratio) {`,
      `      if (predicted) {`,
      `        const step = b${s} - refV[o + ${s}];`,
      // Int32 on both arms (the rounded ratio arm clamped as a double, then truncated), so
      // the predicted value stays an int32 instead of a double phi.
      `        if (unit) f${s} += step;`,
      `        else { const g = f${s} + Math.round((step * rn) / rd); f${s} = g < 0 ? 0 : g > ${max} ? ${max} : g | 0; }`,
      `        if (f${s} < 0) f${s} = 0; else if (f${s} > ${max}) f${s} = ${max};`,
      `      }`,
      `      pred[o + ${s}] = f${s};`,
      `    }`,
      ...coded(s, `f${s}`),
    );
  }
  lines.push(`    ${cz} += ${part.width};`);
  return lines;
}

function collectField(f: KernelField): string {
  if (f.generic) return collectGeneric(f);
  if (f.flip || f.full) return collectFlat(f);
  const lines: string[] = [];
  lines.push(`if ((live & ${f.bit}) !== 0) {`, `  const o = row + ${f.offset};`);
  const moved: string[] = [];
  for (let s = 0; s < f.width; s++) {
    lines.push(`  const c${s} = cur[o + ${s}], b${s} = base[o + ${s}], e${s} = c${s} - b${s};`);
    moved.push(f.threshold === 0 ? `e${s} !== 0` : `e${s} > ${f.threshold} || -e${s} > ${f.threshold}`);
  }
  lines.push(`  if (${moved.join(" || ")}) {`, `    changed |= ${f.bit};`);
  for (const part of columnParts(f)) lines.push(...collectPart(f, part));
  lines.push(`  }`, `}`);
  return lines.map((l) => `      ${l}`).join("\n");
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
