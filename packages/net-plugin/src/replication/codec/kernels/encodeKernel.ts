/**
 * Generated encoder loops for one registry (see compileKernel.ts): `collect` sorts every network
 * id into despawn / spawn / update candidates exactly like `EncodePlan.collect`, and also keeps
 * each coded slot's zigzag delta (`zz`; for a rotation, `zz[first slot]` = 1 when its largest
 * component is unchanged), so `writeUpdate` only assembles codes. Bit-exact with the generic
 * `EncodePlan.collect` + `writeUpdate`.
 */
import type { ReplicationRegistry } from "../../registry";
import type { EncodePlan } from "../encodePlan";
import { K_BUCKETS } from "../fieldDelta";
import type { SnapshotState } from "../snapshotState";
import type { WordWriter } from "../wordBits";
import { compileKernel, kernelFields, type KernelField } from "./compileKernel";

/** Fills the plan's candidate lists, masks, `pred`, `zz` and k histogram (not `ks`). */
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
) => void;

/** Writes the field flags and codes of update `id` (`mask`: its fields, `changed`: those sent). */
export type WriteUpdateKernel = (
  w: WordWriter,
  id: number,
  mask: number,
  changed: number,
  cur: Int32Array,
  zz: Int32Array,
  ks: Uint8Array,
) => void;

/** The generated encoder loops of one registry. */
export interface EncodeKernels {
  readonly collect: CollectKernel;
  readonly writeUpdate: WriteUpdateKernel;
}

function collectField(f: KernelField): string {
  const o = `row + ${f.offset}`;
  const h = f.group * K_BUCKETS;
  const lines: string[] = [];
  lines.push(`if ((mask & ${f.bit}) !== 0) {`, `  const o = ${o};`);
  const moved: string[] = [];
  for (let s = 0; s < f.width; s++) {
    lines.push(`  const c${s} = cur[o + ${s}], b${s} = base[o + ${s}], e${s} = c${s} - b${s};`);
    moved.push(`e${s} > ${f.threshold} || -e${s} > ${f.threshold}`);
  }
  lines.push(`  if (${moved.join(" || ")}) {`, `    changed |= ${f.bit};`);
  const coded = (s: number, from: string): string[] => [
    `    { const d = c${s} - ${from}; const u = d >= 0 ? d * 2 : -d * 2 - 1; zz[o + ${s}] = u;`,
    `      const x = ${h} + 32 - Math.clz32(u); hist[x] = hist[x] + 1; }`,
  ];
  if (f.quat) {
    lines.push(`    if (ratio) { ${[0, 1, 2, 3].map((s) => `pred[o + ${s}] = b${s};`).join(" ")} }`);
    lines.push(`    if (c0 === b0) {`, `    zz[o] = 1;`);
    for (let s = 1; s < 4; s++) lines.push(...coded(s, `b${s}`));
    lines.push(`    } else zz[o] = 0;`);
  } else {
    for (let s = 0; s < f.width; s++) {
      lines.push(
        `    let f${s} = b${s};`,
        `    if (ratio) {`,
        `      if (predicted) {`,
        `        const step = b${s} - refV[o + ${s}];`,
        `        f${s} += unit ? step : Math.round((step * rn) / rd);`,
        `        if (f${s} < 0) f${s} = 0; else if (f${s} > ${f.slotMax[s] as number}) f${s} = ${f.slotMax[s] as number};`,
        `      }`,
        `      pred[o + ${s}] = f${s};`,
        `    }`,
        ...coded(s, `f${s}`),
      );
    }
  }
  lines.push(`  }`, `}`);
  return lines.map((l) => `      ${l}`).join("\n");
}

function collectSource(fields: readonly KernelField[], stride: number): string {
  const spawnBits = fields.map((f) => `((mask & ${f.bit}) !== 0 ? ${f.packedBits} : 0)`).join(" + ");
  return `return function collect(p, current, baseline, relevant, reference, rn, rd, versioned, hw) {
  const cur = current.values, curPresent = current.present, curMask = current.mask, curVersion = current.version;
  const hasBase = baseline !== undefined;
  const base = hasBase ? baseline.values : cur, basePresent = hasBase ? baseline.present : curPresent;
  const baseMask = hasBase ? baseline.mask : curMask, baseVersion = hasBase ? baseline.version : curVersion;
  const ratio = rd > 0, unit = rn === rd, hasRef = reference !== undefined;
  const refV = hasRef ? reference.values : cur, refPresent = hasRef ? reference.present : curPresent;
  const refMask = hasRef ? reference.mask : curMask;
  const pred = p.pred, zz = p.zz, hist = p.kCosts, selected = p.selected, respawn = p.respawn;
  const spawnIds = p.spawnIds, updateIds = p.updateIds, despawnIds = p.despawnIds;
  const changedMask = p.changedMask, cost = p.cost;
  let spawnCount = 0, updateCount = 0, despawnCount = 0, baselineCount = 0;
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
    if (!baseP || baseMask[id] !== mask) {
      cost[id] = ${fields.length}${spawnBits === "" ? "" : ` + ${spawnBits}`};
      respawn[id] = baseP ? 1 : 0;
      selected[id] = 1;
      spawnIds[spawnCount++] = id;
      continue;
    }
    if (versioned && baseVersion[id] === curVersion[id]) continue;
    const predicted = ratio && hasRef && refPresent[id] === 1 && refMask[id] === mask;
    const row = id * ${stride};
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
};`;
}

/** Appends the order-k Exp-Golomb code of `u` (an expression) to the local word (acc, n). */
function emitCode(u: string, k: string): string {
  return `{ const u = ${u}; const q = (u >>> ${k}) + 1; const nn = 31 - Math.clz32(q); const pre = 2 * nn + 1; const size = pre + ${k};
      if (size >= 32) { if (n > 0) w.writeBits(acc, n); acc = 0; n = 0; w.writeExpGolomb(u, ${k}); }
      else { const c = ((q - (1 << nn)) << (nn + 1)) | (1 << nn) | ((u & ((1 << ${k}) - 1)) << pre);
        if (n + size > 32) { w.writeBits(acc, n); acc = c; n = size; } else { acc |= c << n; n += size; } } }`;
}

function writeField(f: KernelField): string {
  const lines: string[] = [
    `if ((mask & ${f.bit}) !== 0) {`,
    `  const ch = (changed & ${f.bit}) !== 0;`,
    `  if (multi) { if (n >= 31) { w.writeBits(acc, n); acc = 0; n = 0; } if (ch) acc |= 1 << n; n++; }`,
    `  if (ch) {`,
    `    const o = row + ${f.offset};`,
    `    const k = ks[${f.group}];`,
  ];
  if (f.quat) {
    lines.push(
      `    if (n >= 31) { w.writeBits(acc, n); acc = 0; n = 0; }`,
      `    if (zz[o] === 0) {`,
      `      n++; w.writeBits(acc, n); acc = 0; n = 0;`,
      ...f.slotBits.map((b, s) => (b > 0 ? `      w.writeBits(cur[o + ${s}], ${b});` : "")),
      `    } else {`,
      `      acc |= 1 << n; n++;`,
      ...[1, 2, 3].map((s) => `      ${emitCode(`zz[o + ${s}]`, "k")}`),
      `    }`,
    );
  } else {
    for (let s = 0; s < f.width; s++) lines.push(`    ${emitCode(`zz[o + ${s}]`, "k")}`);
  }
  lines.push(`  }`, `}`);
  return lines.map((l) => `  ${l}`).join("\n");
}

function writeSource(fields: readonly KernelField[], stride: number): string {
  return `return function writeUpdate(w, id, mask, changed, cur, zz, ks) {
  const multi = (mask & (mask - 1)) !== 0;
  const row = id * ${stride};
  let acc = 0, n = 0;
${fields.map(writeField).join("\n")}
  if (n > 0) w.writeBits(acc, n);
};`;
}

/** Generates the encoder loops for `registry`; undefined when it needs the generic path. */
export function encodeKernels(registry: ReplicationRegistry): EncodeKernels | undefined {
  const fields = kernelFields(registry);
  if (fields === undefined) return undefined;
  let kernels = compiled.get(registry);
  if (kernels === undefined) {
    const collect = compileKernel<CollectKernel>([], collectSource(fields, registry.stride), []);
    const writeUpdate = compileKernel<WriteUpdateKernel>([], writeSource(fields, registry.stride), []);
    kernels = collect && writeUpdate ? { collect, writeUpdate } : null;
    compiled.set(registry, kernels);
  }
  return kernels ?? undefined;
}

/** Kernels per registry (null: code generation unavailable), compiled once. */
const compiled = new WeakMap<ReplicationRegistry, EncodeKernels | null>();

/** The generated sources (for debugging a registry's kernels). */
export function encodeKernelSources(registry: ReplicationRegistry): string[] | undefined {
  const fields = kernelFields(registry);
  return fields && [collectSource(fields, registry.stride), writeSource(fields, registry.stride)];
}
