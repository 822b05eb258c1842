/**
 * Generated capture and apply loops for one registry (see compileKernel.ts, fieldAccess.ts):
 * `capture` is `captureEntities`' per-entity loop with every field's quantization inlined;
 * `apply` is `applySnapshot`'s loop for entities that stay present with the same fields (the
 * common case), handing every other id to the generic per-entity path.
 */
import type { World } from "bitecs";
import type { EntityMap } from "../../entityMap";
import type { ReplicationRegistry } from "../../registry";
import type { SnapshotState } from "../snapshotState";
import { codecKernels, compileKernel } from "./compileKernel";
import {
  bindField,
  dequantizeSource,
  isInlined,
  quantizeSource,
  readsNumbers,
  ROUND_SOURCE,
  type FieldBindings,
} from "./fieldAccess";

/**
 * Quantizes `entities` into `out` (see captureEntities). An entity has field f when
 * `(hasMasks[f][eid] & hasFlags[f]) === hasFlags[f]` (bitECS's own membership test). `shadow`
 * (same layout as `out.values`) holds the raw channel values each inlined field was last quantized
 * from; NaN where unknown. `missing` throws for an unmapped entity.
 */
export type CaptureKernel = (
  world: World,
  entities: ArrayLike<number>,
  map: EntityMap,
  out: SnapshotState,
  seen: Uint32Array,
  stamp: number,
  hasMasks: readonly (readonly number[])[],
  hasFlags: readonly number[],
  shadow: Float64Array | Float32Array,
  missing: (eid: number) => void,
) => void;

/**
 * Applies `next` for ids `0..hw)` whose entity exists and kept its fields since `prev`; calls
 * `other(id)` for every other id present in either. Returns how many entities it updated.
 */
export type ApplyKernel = (
  prev: SnapshotState | undefined,
  next: SnapshotState,
  map: EntityMap,
  hw: number,
  other: (id: number) => void,
) => number;

/** The generated world loops of one registry. */
export interface WorldKernels {
  readonly capture: CaptureKernel;
  readonly apply: ApplyKernel;
}

function captureSource(registry: ReplicationRegistry): string {
  const stride = registry.stride;
  const fields = registry.fields
    .map((field) => {
      const f = field.index;
      const bit = f === 31 ? -0x80000000 : 1 << f;
      const width = field.template.width;
      const locals = Array.from({ length: width }, (_, s) => `q${f}_${s} = 0`).join(", ");
      const store = Array.from(
        { length: width },
        (_, s) =>
          `if (values[o + ${field.offset + s}] !== q${f}_${s}) { values[o + ${field.offset + s}] = q${f}_${s}; changed = true; }`,
      ).join("\n      ");
      const quantize = (raw: boolean): string => `let ${locals};
      ${quantizeSource(field, raw)}
      ${store}`;
      if (!isInlined(field))
        return `    if ((hm${f}[eid] & hf${f}) === hf${f}) {
      mask |= ${bit};
      ${quantize(false)}
    }`;
      // Inlined quantization is a pure function of the channel values: skip it when they equal
      // the ones last quantized into this row (resting entities cost a compare per channel).
      const raw = Array.from({ length: width }, (_, s) => `r${s} = A${f}_${s}[eid]`).join(", ");
      const same = Array.from({ length: width }, (_, s) => `r${s} !== sh[o + ${field.offset + s}]`).join(
        " || ",
      );
      // A bool or enum on a plain array: `"0"`, `null` or `false` cached as 0 would equal a later 0
      // but quantize otherwise, so a value that is not a number is cached as NaN (equal to nothing).
      const number = readsNumbers(field);
      const kept = (s: number): string => (number ? `r${s}` : `typeof r${s} === "number" ? r${s} : NaN`);
      const keep = Array.from({ length: width }, (_, s) => `sh[o + ${field.offset + s}] = ${kept(s)};`).join(
        " ",
      );
      return `    if ((hm${f}[eid] & hf${f}) === hf${f}) {
      mask |= ${bit};
      const ${raw};
      if (${same}) {
      ${keep}
      ${quantize(true)}
      }
    }`;
    })
    .join("\n");
  return `const tmp = new Int32Array(${Math.max(8, stride)});
${ROUND_SOURCE}
return function capture(world, entities, map, out, seen, stamp, hasMasks, hasFlags, sh, missing) {
  const values = out.values, present = out.present, masks = out.mask, version = out.version;
  ${registry.fields.map((f) => `const hm${f.index} = hasMasks[${f.index}], hf${f.index} = hasFlags[${f.index}];`).join("\n  ")}
  let vc = out.versionCounter, hw = out.highWater;
  const n = entities.length;
  for (let i = 0; i < n; i++) {
    const eid = entities[i];
    const netId = map.netIdOf(eid);
    if (netId < 0) missing(eid);
    seen[netId] = stamp;
    const o = netId * ${stride};
    let mask = 0;
    let changed = present[netId] !== 1;
${fields}
    if (masks[netId] !== (mask >>> 0)) changed = true;
    if (!changed) continue;
    present[netId] = 1;
    masks[netId] = mask;
    if (netId >= hw) hw = netId + 1;
    vc = (vc + 1) >>> 0 || 1;
    version[netId] = vc;
  }
  out.versionCounter = vc;
  out.highWater = hw;
};`;
}

function applySource(registry: ReplicationRegistry): string {
  const stride = registry.stride;
  const fields = registry.fields
    .map((field) => {
      const f = field.index;
      const bit = field.index === 31 ? -0x80000000 : 1 << f;
      const differs = Array.from(
        { length: field.template.width },
        (_, s) => `nv[o + ${s}] !== pv[o + ${s}]`,
      ).join(" || ");
      return `    if ((mask & ${bit}) !== 0) {
      const o = row + ${field.offset};
      if (${differs}) {
        ${dequantizeSource(field)}
        wrote = true;
      }
    }`;
    })
    .join("\n");
  return `return function apply(prev, next, map, hw, other) {
  const nv = next.values, nextPresent = next.present, nextMask = next.mask;
  const hasPrev = prev !== undefined;
  const pv = hasPrev ? prev.values : nv, prevPresent = hasPrev ? prev.present : nextPresent;
  const prevMask = hasPrev ? prev.mask : nextMask;
  let updated = 0;
  for (let id = 0; id < hw; id++) {
    const was = hasPrev && prevPresent[id] === 1;
    if (nextPresent[id] !== 1) {
      if (was) other(id);
      continue;
    }
    const eid = map.entityOf(id);
    const mask = nextMask[id];
    if (!was || eid < 0 || prevMask[id] !== mask) {
      other(id);
      continue;
    }
    const row = id * ${stride};
    let wrote = false;
${fields}
    if (wrote) updated++;
  }
  return updated;
};`;
}

/** Generates the capture and apply loops of `registry` (undefined when code generation is off or unavailable). */
export function worldKernels(registry: ReplicationRegistry): WorldKernels | undefined {
  if (!codecKernels.enabled) return undefined;
  let kernels = compiled.get(registry);
  if (kernels === undefined) {
    const bindings: FieldBindings = { names: [], values: [] };
    for (const field of registry.fields) bindField(field, bindings);
    const capture = compileKernel<CaptureKernel>(bindings.names, captureSource(registry), bindings.values);
    const apply = compileKernel<ApplyKernel>(bindings.names, applySource(registry), bindings.values);
    kernels = capture && apply ? { capture, apply } : null;
    compiled.set(registry, kernels);
  }
  return kernels ?? undefined;
}

/** Kernels per registry (null: code generation unavailable), compiled once. */
const compiled = new WeakMap<ReplicationRegistry, WorldKernels | null>();
