/**
 * Generated writer of a snapshot's updates section for one registry (see compileKernel.ts): the
 * bitmap or id list, each update's field flags and codes, gathered in a local 32-bit word and
 * stored straight into the WordWriter's buffer a word at a time (`WordWriter.reserve`). Codes come from the zigzag deltas `collect` kept (`EncodePlan.zz`);
 * fields of other templates go through `writeFieldDelta` as in the generic writer. Bit-exact with
 * `SnapshotEncoder.write` + `updateWriter.writeUpdate`.
 */
import type { EncodePlan } from "../encodePlan";
import type { SnapshotState } from "../snapshotState";
import type { WordWriter } from "../wordBits";
import type { KernelField } from "./compileKernel";
import { emitBit, emitBits, emitCode, ENSURE, SYNC_IN, SYNC_OUT, TAKE, wordsPerUpdate } from "./emitSource";

/**
 * Writes the updates section after its header: with `bitmap`, one bit per baseline entity still
 * present (not despawned or respawned) then that update's data; else `k`-coded id gaps, each
 * followed by its update's field flags and codes.
 */
export type WriteUpdatesKernel = (
  w: WordWriter,
  p: EncodePlan,
  current: SnapshotState,
  baseline: SnapshotState,
  relevant: Uint8Array | undefined,
  bitmap: boolean,
  k: number,
) => void;

function writeField(f: KernelField): string {
  const lines: string[] = [
    `if ((mask & ${f.bit}) !== 0) {`,
    `  const ch = (changed & ${f.bit}) !== 0;`,
    `  if (multi) { ${emitBit("ch")} }`,
    `  if (ch) {`,
    `    const o = row + ${f.offset};`,
  ];
  if (f.generic) {
    lines.push(
      `    ${SYNC_OUT}`,
      `    writeFieldDelta(w, T${f.index}, cur, o, deltaBase, o, ks, ${f.group});`,
      `    ${SYNC_IN}`,
    );
  } else if (f.quat) {
    lines.push(
      `    if (zz[o] === 0) {`,
      `      ${emitBit("false")}`,
      ...f.slotBits.map((b, s) =>
        b > 0 ? `      { const c = cur[o + ${s}]; ${emitBits("c", String(b))} }` : "",
      ),
      `    } else {`,
      `      ${emitBit("true")}`,
      ...[1, 2, 3].map((s) => `      ${emitCode(`zz[o + ${s}]`, `k${f.group}`)}`),
      `    }`,
    );
  } else {
    for (let s = 0; s < f.width; s++) lines.push(`    ${emitCode(`zz[o + ${s}]`, `k${f.group}`)}`);
  }
  lines.push(`  }`, `}`);
  return lines.map((l) => `      ${l}`).join("\n");
}

/** One update's flags and codes (locals: id, words, idx, acc, n, cur, zz, curMask, changedMask, k<group>). */
function updateBody(fields: readonly KernelField[], stride: number): string {
  return `      const mask = curMask[id], changed = changedMask[id];
      const multi = (mask & (mask - 1)) !== 0;
      const row = id * ${stride};
${fields.map(writeField).join("\n")}`;
}

export function writeSource(fields: readonly KernelField[], stride: number): string {
  const groups = Math.max(0, ...fields.map((f) => f.group + 1));
  const ks = Array.from({ length: groups }, (_, g) => `k${g} = ks[${g}]`).join(", ");
  // One loop and one copy of the per-entity body for both id forms (see decodeKernel.ts).
  return `return function writeUpdates(w, p, current, baseline, relevant, bitmap, k) {
  const cur = current.values, curPresent = current.present, curMask = current.mask;
  const zz = p.zz, ks = p.ks, selected = p.selected, respawn = p.respawn, changedMask = p.changedMask;
  const deltaBase = p.deltaBase;
  const basePresent = baseline.present, baseMask = baseline.mask, hw = baseline.highWater;
  const updateIds = p.updateIds, count = p.updateCount;
  ${ks === "" ? "" : `const ${ks};`}
  const per = ${wordsPerUpdate(fields)};
  ${TAKE}
  let id = -1, i = 0;
  for (;;) {
    if (bitmap) {
      // One bit per baseline entity still present and not respawned: 1 for an update.
      let isUpdate = false;
      while (!isUpdate && ++id < hw) {
        if (basePresent[id] !== 1) continue;
        if (curPresent[id] !== 1 || (relevant !== undefined && relevant[id] !== 1)) continue;
        const sel = selected[id] === 1;
        if (sel && respawn[id] === 1) continue;
        isUpdate = sel && baseMask[id] === curMask[id];
        ${emitBit("isUpdate")}
      }
      if (!isUpdate) break;
    } else {
      let next = -1;
      while (next < 0 && i < count) {
        const c = updateIds[i++];
        if (selected[c] === 1) next = c;
      }
      if (next < 0) break;
      ${emitCode("next - id - 1", "k")}
      id = next;
    }
      ${ENSURE}
${updateBody(fields, stride)}
  }
  ${SYNC_OUT}
};`;
}
