/**
 * The JS half of the WebAssembly capture kernel (wasmCapture.ts): a loop generated per registry
 * (compileKernel.ts) that fills one batch of the scratch (capturePlan.ts) with each listed
 * entity's network id (missing → `missing`, which throws, as in the JS kernel), its field mask
 * (bitECS's membership test, as the JS kernel does it), its entity id (clamped to the columns'
 * `past` element when they share one length), and the fields the wasm kernel does not quantize
 * quantized by the JS kernel's code (fieldAccess.ts) into the quantized columns. Where code
 * generation is refused, captureGatherPlain.ts's loop does the same.
 */
import type { ReplicatedField, ReplicationRegistry } from "../../registry";
import { compileKernel } from "../kernels/compileKernel";
import { bindField, quantizeSource, ROUND_SOURCE, type FieldBindings } from "../kernels/fieldAccess";
import type { CapturePlan } from "./capturePlan";
import { outside, plainGather, type Gather } from "./captureGatherPlain";

export { outside, type Gather } from "./captureGatherPlain";

function gatherSource(registry: ReplicationRegistry, plan: CapturePlan): string {
  const fields = plan.fields
    .map((field) => {
      const f = field.index;
      if (field.kind !== "generic") return `    if ((hm${f}[eid] & hf${f}) === hf${f}) mask |= ${field.bit};`;
      // Quantized here by the JS kernel's code (fieldAccess.ts: inlined, or through the binding).
      const replicated = registry.fields[f] as ReplicatedField;
      const locals = Array.from({ length: field.width }, (_, s) => `q${f}_${s} = 0`).join(", ");
      const slots = Array.from(
        { length: field.width },
        (_, s) => `i32[${plan.quantized / 4 + field.offset + s} + j * ${plan.stride}] = q${f}_${s};`,
      ).join(" ");
      return `    if ((hm${f}[eid] & hf${f}) === hf${f}) { mask |= ${field.bit}; let ${locals};
      ${quantizeSource(replicated)}
      ${slots} }`;
    })
    .join("\n");
  return `${ROUND_SOURCE}
return function gather(entities, start, end, map, seen, stamp, hasMasks, hasFlags, missing, i32, capacity) {
  ${registry.fields.map((f) => `const hm${f.index} = hasMasks[${f.index}], hf${f.index} = hasFlags[${f.index}];`).join("\n  ")}
  let top = -1, maxEid = -1;
  for (let i = start; i < end; i++) {
    const eid = entities[i];
    const netId = map.netIdOf(eid);
    if (netId < 0 || netId >= capacity) outside(eid, netId, capacity, missing);
    seen[netId] = stamp;
    const j = i - start;
    i32[${plan.ids / 4} + j] = netId;
    if (netId > top) top = netId;
    i32[${plan.eids / 4} + j] = ${plan.columnLength === undefined ? "eid" : `eid < ${plan.columnLength} ? eid : ${plan.columnLength}`};
    if (eid > maxEid) maxEid = eid;
    let mask = 0;
${fields}
    i32[${plan.masks / 4} + j] = mask;
  }
  i32[${plan.header / 4 + 2}] = maxEid;
  return top;
};`;
}

/**
 * The gather loop of `registry`'s plan: generated, or where code generation is refused (a CSP
 * without 'unsafe-eval') the plain loop of captureGatherPlain.ts — the same scratch either way.
 */
export function captureGather(registry: ReplicationRegistry, plan: CapturePlan): Gather {
  const bindings: FieldBindings = {
    names: ["outside", "tmp"],
    values: [outside, new Int32Array(Math.max(8, plan.stride))],
  };
  for (const field of plan.fields) {
    if (field.kind !== "generic") continue;
    bindField(registry.fields[field.index] as ReplicatedField, bindings);
  }
  return (
    compileKernel<Gather>(bindings.names, gatherSource(registry, plan), bindings.values) ??
    plainGather(registry, plan)
  );
}
