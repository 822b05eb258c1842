/**
 * The capture gather (captureGather.ts's contract) without generated code: a plain loop over the
 * plan's fields, for where `new Function` is refused (a Content-Security-Policy with
 * 'wasm-unsafe-eval' but no 'unsafe-eval') and the wasm capture must still run. Per listed entity
 * it writes what the generated gather writes: the network id (missing or too large → `outside`,
 * as the JS kernel), the seen stamp, the entity id (clamped to the columns' `past` element when
 * they share one length), the field mask (bitECS's membership test) and each generic field
 * quantized through its binding — what the generic capture path calls, so the same integers as the
 * generated gather's inlined code (test/replication/wasm/codegenRefused.test.ts).
 */
import type { EntityMap } from "../../entityMap";
import type { ComponentBinding } from "../../componentBinding";
import type { ReplicationRegistry } from "../../registry";
import type { CapturePlan } from "./capturePlan";

/** Fills the scratch with list entries `start..end)`; returns the largest network id among them. */
export type Gather = (
  entities: ArrayLike<number>,
  start: number,
  end: number,
  map: EntityMap,
  seen: Uint32Array,
  stamp: number,
  hasMasks: readonly (readonly number[])[],
  hasFlags: readonly number[],
  missing: (eid: number) => void,
  i32: Int32Array,
  capacity: number,
) => number;

/** Throws for an unmapped entity (through `missing`) or a network id outside the state. */
export function outside(eid: number, netId: number, capacity: number, missing: (eid: number) => void): never {
  if (netId < 0) missing(eid);
  throw new RangeError(
    netId < 0
      ? `captureWorld: entity ${eid} has no network id.`
      : `captureWorld: entity ${eid} has network id ${netId}, outside the state's capacity (${capacity}); make the state larger.`,
  );
}

/** The plan's gather as a plain loop (see the file comment). */
export function plainGather(registry: ReplicationRegistry, plan: CapturePlan): Gather {
  const n = plan.fields.length;
  const index = Int32Array.from(plan.fields, (f) => f.index);
  const bits = Int32Array.from(plan.fields, (f) => f.bit);
  // Generic fields (quantized here): their binding, first slot and width; others: undefined.
  const bindings = plan.fields.map((f) =>
    f.kind === "generic" ? (registry.fields[f.index]?.binding as ComponentBinding) : undefined,
  );
  const offsets = Int32Array.from(plan.fields, (f) => f.offset);
  const widths = Int32Array.from(plan.fields, (f) => f.width);
  const row = new Int32Array(Math.max(8, plan.stride));
  const stride = plan.stride;
  const idsAt = plan.ids >> 2;
  const eidsAt = plan.eids >> 2;
  const masksAt = plan.masks >> 2;
  const rowsAt = plan.quantized >> 2;
  const maxEidAt = (plan.header >> 2) + 2;
  const past = plan.columnLength ?? -1;
  return (entities, start, end, map, seen, stamp, hasMasks, hasFlags, missing, i32, capacity) => {
    let top = -1;
    let maxEid = -1;
    for (let i = start; i < end; i++) {
      const eid = entities[i] as number;
      const netId = map.netIdOf(eid);
      if (netId < 0 || netId >= capacity) outside(eid, netId, capacity, missing);
      seen[netId] = stamp;
      const j = i - start;
      i32[idsAt + j] = netId;
      if (netId > top) top = netId;
      i32[eidsAt + j] = past < 0 || eid < past ? eid : past;
      if (eid > maxEid) maxEid = eid;
      i32[masksAt + j] = 0;
    }
    // Field by field (its membership list, bit and binding stay in registers over the batch).
    for (let k = 0; k < n; k++) {
      const f = index[k] as number;
      const flag = hasFlags[f] as number;
      const hm = hasMasks[f] as readonly number[];
      const bit = bits[k] as number;
      const binding = bindings[k];
      const at = offsets[k] as number;
      const w = widths[k] as number;
      for (let i = start; i < end; i++) {
        const eid = entities[i] as number;
        if (((hm[eid] as number) & flag) !== flag) continue;
        const j = i - start;
        i32[masksAt + j] = (i32[masksAt + j] as number) | bit;
        if (binding === undefined) continue;
        binding.quantize(eid, row, at);
        const o = rowsAt + j * stride + at;
        for (let s = 0; s < w; s++) i32[o + s] = row[at + s] as number;
      }
    }
    i32[maxEidAt] = maxEid;
    return top;
  };
}
