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

/** Stores the writer's state back from the locals (before any call on `w`). */
const SYNC_OUT = "w.wordIndex = idx; w.pending = acc; w.pendingBits = n;";
/** Takes the writer's state into the locals again (after a call on `w`). */
const SYNC_IN = "words = w.reserve(bound); idx = w.wordIndex; acc = w.pending; n = w.pendingBits;";

/**
 * Appends `size` (1..31) bits `c` to the local word (acc, n < 32), storing it into `words` when
 * it fills: WordWriter.writeBits inline, on locals.
 */
function emitBits(c: string, size: string): string {
  return `if (n + ${size} >= 32) { words[idx++] = acc | (${c} << n); acc = ${c} >>> (32 - n); n = n + ${size} - 32; }
        else { acc |= ${c} << n; n += ${size}; }`;
}

/** Appends the order-`k` Exp-Golomb code of `u` (an expression); long codes go through `w`. */
function emitCode(u: string, k: string): string {
  return `{ const u = ${u}; const q = (u >>> ${k}) + 1; const nn = 31 - Math.clz32(q); const pre = 2 * nn + 1; const size = pre + ${k};
      if (size >= 32) { ${SYNC_OUT} w.writeExpGolomb(u, ${k}); ${SYNC_IN} }
      else { const c = ((q - (1 << nn)) << (nn + 1)) | (1 << nn) | ((u & ((1 << ${k}) - 1)) << pre);
        ${emitBits("c", "size")} } }`;
}

/** Appends one bit (a boolean expression) to the local word. */
function emitBit(v: string): string {
  return `if (${v}) acc |= 1 << n; if (++n === 32) { words[idx++] = acc; acc = 0; n = 0; }`;
}

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
  // Most bits one update takes in short codes (id code or bitmap bit, field flags, codes; generic
  // fields and long codes write through \`w\` and reserve again): bounds the words to reserve.
  let perUpdate = 32 + fields.length;
  for (const f of fields) {
    if (f.generic) continue;
    perUpdate += f.quat
      ? 1 +
        Math.max(
          3 * 31,
          f.slotBits.reduce((a, b) => a + b, 0),
        )
      : f.width * 31;
  }
  // One loop and one copy of the per-entity body for both id forms (see decodeKernel.ts).
  return `return function writeUpdates(w, p, current, baseline, relevant, bitmap, k) {
  const cur = current.values, curPresent = current.present, curMask = current.mask;
  const zz = p.zz, ks = p.ks, selected = p.selected, respawn = p.respawn, changedMask = p.changedMask;
  const deltaBase = p.deltaBase;
  const basePresent = baseline.present, baseMask = baseline.mask, hw = baseline.highWater;
  const updateIds = p.updateIds, count = p.updateCount;
  ${ks === "" ? "" : `const ${ks};`}
  const bound = ((hw + count * ${perUpdate}) >>> 5) + 2;
  let words = w.reserve(bound), idx = w.wordIndex, acc = w.pending, n = w.pendingBits;
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
${updateBody(fields, stride)}
  }
  ${SYNC_OUT}
};`;
}
