/**
 * Source of one field's part of the generated `collect` loop (encodeKernel.ts): the change test
 * against the baseline (with the field's threshold) and, for a changed field, its prediction, its
 * column residuals (`colz`, per column part: compileKernel.columnParts) and histogram buckets, a
 * rotation's "same largest" flag (`zz`), or a generic field's template calls. Bit-exact with
 * encodePlanGeneric.collectGeneric.
 */
import { COLUMN_BUCKETS } from "../columns";
import { columnParts, type ColumnPart, type KernelField } from "./compileKernel";

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

/** One field's block of the collect loop (locals: live, row, cur, base, pred, changed, ...). */
export function collectField(f: KernelField): string {
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
