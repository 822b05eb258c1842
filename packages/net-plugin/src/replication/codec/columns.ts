/**
 * The updates section's value columns (docs/REPLICATION.md "Snapshot bytes"): every slot of a
 * `slots` field and the three small components of a smallest-three field (when its largest index
 * is unchanged) is one column. Per snapshot and column one width `w`; each listed entity's zigzag
 * residual goes into the column at `w` bits, in entity order; residuals longer than `w` are patched
 * outliers (PFOR): their low `w` bits stay in the column and they are listed after it (position in
 * the column, then the high bits at the column's exception width). One fast entity costs its own
 * bits, not a wider column. A Transform field has both: three position columns, then its
 * rotation's three. Shared by the generic path and the generated kernels: the layout,
 * the width choice from the bit-length histogram `collect` builds, and the per-value price.
 */
import type { ReplicationRegistry } from "../registry";
import { FIELD_QUAT, FIELD_SLOTS, FIELD_TRANSFORM, fieldCodecPlan } from "./fieldDelta";

/** Bits of a column's width (0..31: zigzag residuals of ≤ 30-bit slots are < 2^31). */
export const WIDTH_BITS = 5;
/** Bits of a column's exception width (1..31, and width + exception width ≤ 31). */
export const EXCEPTION_WIDTH_BITS = 5;
/** Bit-length buckets per column in the histogram (lengths 0..31). */
export const COLUMN_BUCKETS = 32;

/** Where a registry's columns are. */
export interface ColumnLayout {
  /** Per field: its first column, or −1 (fields of other templates: `writeFieldDelta`). */
  readonly colBase: Int32Array;
  /** Columns in the registry, field-major (a field's slots in order). */
  readonly columns: number;
  /** Per field: how many columns it has (0 for other fields). */
  readonly fieldColumns: Int32Array;
  /** The most columns one field has (scratch per field: this many × capacity). */
  readonly maxFieldColumns: number;
  /** Per column: its field's index. */
  readonly colField: Int32Array;
  /** Per column: its slot's offset in an entity row. */
  readonly colSlot: Int32Array;
  /** Per column: 1 when it is a smallest-three component (present only when the largest is unchanged). */
  readonly colQuat: Uint8Array;
  /** Per column: the row offset of its rotation's largest-index slot (a smallest-three column), else −1. */
  readonly colLargest: Int32Array;
  /** The coded groups (fieldDelta.codedGroupLayout) whose order k the header carries: other fields'. */
  readonly headerGroups: Int32Array;
}

/** Builds the {@link ColumnLayout} of a (closed) registry. */
export function columnLayout(registry: ReplicationRegistry): ColumnLayout {
  const plan = fieldCodecPlan(registry);
  const colBase = new Int32Array(registry.fields.length).fill(-1);
  const fieldColumns = new Int32Array(registry.fields.length);
  const field: number[] = [];
  const slot: number[] = [];
  const quat: number[] = [];
  const largest: number[] = [];
  const header: number[] = [];
  for (const f of registry.fields) {
    const code = plan.codes[f.index];
    if (code === FIELD_SLOTS || code === FIELD_QUAT || code === FIELD_TRANSFORM) {
      colBase[f.index] = field.length;
      // A Transform's rotation starts at slot 3 (its largest index), a Quat's at 0.
      const rotation = code === FIELD_QUAT ? 0 : code === FIELD_TRANSFORM ? 3 : -1;
      for (let s = 0; s < f.template.width; s++) {
        if (s === rotation) continue;
        const q = rotation >= 0 && s > rotation;
        field.push(f.index);
        slot.push(f.offset + s);
        quat.push(q ? 1 : 0);
        largest.push(q ? f.offset + rotation : -1);
      }
      fieldColumns[f.index] = field.length - (colBase[f.index] as number);
      continue;
    }
    let g = plan.groupBase[f.index] as number;
    for (const group of f.template.deltaGroups)
      if (group.kind === "slots" || group.kind === "quat") header.push(g++);
  }
  return {
    colBase,
    columns: field.length,
    fieldColumns,
    maxFieldColumns: Math.max(1, ...fieldColumns),
    colField: Int32Array.from(field),
    colSlot: Int32Array.from(slot),
    colQuat: Uint8Array.from(quat),
    colLargest: Int32Array.from(largest),
    headerGroups: Int32Array.from(header),
  };
}

/** Bits of a position in a column of `n` values (0 for one value). */
export function positionBits(n: number): number {
  return n <= 1 ? 0 : 32 - Math.clz32(n - 1);
}

/** Bits of an order-0 Exp-Golomb code of `n` (a column's exception count). */
function countBits(n: number): number {
  return 2 * (31 - Math.clz32(n + 1)) + 1;
}

/** Per-snapshot column parameters (one per encoder plan; filled by {@link chooseWidths}). */
export class ColumnChoice {
  /** Bit-length histogram per column (COLUMN_BUCKETS per column), filled by `collect`. */
  readonly hist: Int32Array;
  /** Per column: its width. */
  readonly width: Uint8Array;
  /** Per column: its exception width (0 when it has no exceptions). */
  readonly exWidth: Uint8Array;
  /** Per column: values of every update candidate (the price's position bits come from it). */
  readonly count: Int32Array;
  /** Per column: exceptions among every update candidate's values. */
  readonly exceptions: Int32Array;
  /** Per column: bits a patched value costs beyond `width` (position + exception width). */
  readonly exPrice: Int32Array;

  constructor(readonly columns: number) {
    this.hist = new Int32Array(Math.max(1, columns) * COLUMN_BUCKETS);
    this.width = new Uint8Array(columns);
    this.exWidth = new Uint8Array(columns);
    this.count = new Int32Array(columns);
    this.exceptions = new Int32Array(columns);
    this.exPrice = new Int32Array(columns);
  }
}

/**
 * Chooses each column's width from its histogram: the w with the fewest bits, n·w plus the
 * exceptions' positions and high bits (at the column's exception width, longest − w) plus their
 * count and width fields; the lowest w of equal costs.
 */
export function chooseWidths(c: ColumnChoice): void {
  const hist = c.hist;
  for (let col = 0; col < c.columns; col++) {
    const h = col * COLUMN_BUCKETS;
    let longest = COLUMN_BUCKETS - 1;
    while (longest > 0 && hist[h + longest] === 0) longest--;
    let n = 0;
    for (let l = 0; l <= longest; l++) n += hist[h + l] as number;
    c.count[col] = n;
    const pb = positionBits(n);
    // From w = longest (no exceptions) down: `above` counts the values longer than w.
    let best = longest;
    let bestBits = n * longest + 1;
    let bestE = 0;
    let above = 0;
    for (let w = longest - 1; w >= 0; w--) {
      above += hist[h + w + 1] as number;
      const bits = n * w + countBits(above) + EXCEPTION_WIDTH_BITS + above * (pb + longest - w);
      if (bits <= bestBits) {
        best = w;
        bestBits = bits;
        bestE = above;
      }
    }
    c.width[col] = best;
    c.exceptions[col] = bestE;
    c.exWidth[col] = bestE > 0 ? longest - best : 0;
    c.exPrice[col] = bestE > 0 ? pb + longest - best : 0;
  }
}

/** Bits of one column value `u` (zigzag residual) at the chosen width, its exception entry included. */
export function valueBits(c: ColumnChoice, col: number, u: number): number {
  const w = c.width[col] as number;
  return u >>> w !== 0 ? w + (c.exPrice[col] as number) : w;
}

/**
 * Bits of the columns' own fields (width, exception count and width) for the candidates of the
 * last choice: exact when every candidate is written, an upper bound for a subset.
 */
export function columnHeaderBits(c: ColumnChoice): number {
  let bits = 0;
  for (let col = 0; col < c.columns; col++) {
    if (c.count[col] === 0) continue;
    const e = c.exceptions[col] as number;
    bits += WIDTH_BITS + countBits(e) + (e > 0 ? EXCEPTION_WIDTH_BITS : 0);
  }
  return bits;
}

/**
 * Bits of one changed field's values in the columns (at the chosen widths, exceptions included)
 * and of its rotation's "same largest" bit (with the full value when the largest changed),
 * residuals of `cur[row…]` against `base[row…]`; the field's columns start at `col`.
 */
export function columnFieldBits(
  layout: ColumnLayout,
  c: ColumnChoice,
  slotBits: Int32Array,
  field: number,
  cur: Int32Array,
  base: Int32Array,
  row: number,
): number {
  const { colBase, colSlot, colLargest, fieldColumns } = layout;
  const first = colBase[field] as number;
  const end = first + (fieldColumns[field] as number);
  let bits = 0;
  for (let col = first; col < end; col++) {
    const largest = colLargest[col] as number;
    // A rotation's first column: its flag, and the full value instead of its columns when the largest changed.
    if (largest >= 0 && colSlot[col] === largest + 1) {
      bits += 1;
      if (cur[row + largest] !== base[row + largest]) {
        for (let s = largest; s < largest + 4; s++) bits += slotBits[s] as number;
        col += 2;
        continue;
      }
    }
    const o = row + (colSlot[col] as number);
    const d = (cur[o] as number) - (base[o] as number);
    bits += valueBits(c, col, (d << 1) ^ (d >> 31));
  }
  return bits;
}
