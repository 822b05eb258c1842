/**
 * Per-registry code generation for the snapshot codec's hot loops. A registry's layout (offsets,
 * widths, slot ranges, thresholds, quantizer bounds) is fixed once it closes, so the loops over
 * entities are generated once per registry with every field unrolled and every constant inlined:
 * no per-field dispatch, closures or table loads per entity, and each generated function gets its
 * own type feedback. Fields of templates without an inline form call the template and the generic
 * field coder from the generated loop. Where code generation is unavailable (a
 * Content-Security-Policy without `unsafe-eval`), the generic path runs instead; both produce the
 * same bytes (test/replication/codecKernels.test.ts).
 */
import type { ReplicationRegistry } from "../../registry";
import { columnLayout } from "../columns";
import {
  FIELD_FLIP,
  FIELD_FULL,
  FIELD_QUAT,
  FIELD_SLOTS,
  FIELD_TRANSFORM,
  fieldCodecPlan,
} from "../fieldDelta";

/** Switch for tests and benches: false makes newly built encoders/decoders/captures use the generic path. */
export const codecKernels = { enabled: true };

/**
 * One replicated field as the generated code sees it: a `slots` or smallest-three field, coded
 * inline (its values in the snapshot's columns, columns.ts), a `flip` or `full` field coded inline
 * in the update's own bits (fieldCodecPlan.ts FIELD_FLIP/FIELD_FULL: no columns), or (`generic`)
 * any other template, for which the generated code calls the template and the generic field coder
 * (fieldDelta.ts) exactly as the generic path does.
 */
export interface KernelField {
  readonly index: number;
  readonly generic: boolean;
  readonly bit: number;
  readonly offset: number;
  readonly width: number;
  readonly quat: boolean;
  /**
   * A Transform-like field (FIELD_TRANSFORM): one changed test over its seven slots, its position
   * in three columns (a `slots` part) and its rotation from slot 3 as a Quat's ({@link columnParts}).
   */
  readonly transform: boolean;
  /** A Bool-like field: its changed flag is the update (value 1 − base). */
  readonly flip: boolean;
  /** An Enum-like field: a changed one writes each slot in full (`slotBits`) after its flag. */
  readonly full: boolean;
  readonly threshold: number;
  /** First coded group of the field in the snapshot's k table. */
  readonly group: number;
  /** First column of an inline field (columns.ts; a rotation's from its second slot), else −1. */
  readonly column: number;
  /** Ordinal of an inline field among the inline fields (its scratch lists), else −1. */
  readonly inline: number;
  readonly slotMax: readonly number[];
  readonly slotBits: readonly number[];
  /** Bits of the field packed in full (spawn cost), or −1 when they depend on the value. */
  readonly packedBits: number;
}

/** The registry's fields for the codec kernels (undefined when kernels are switched off). */
export function kernelFields(registry: ReplicationRegistry): KernelField[] | undefined {
  if (!codecKernels.enabled) return undefined;
  const plan = fieldCodecPlan(registry);
  const layout = columnLayout(registry);
  const out: KernelField[] = [];
  let inlineCount = 0;
  for (const f of registry.fields) {
    const code = plan.codes[f.index];
    const t = f.template;
    const transform = code === FIELD_TRANSFORM;
    const inline = code === FIELD_SLOTS || code === FIELD_QUAT || transform;
    const flip = code === FIELD_FLIP;
    const full = code === FIELD_FULL;
    const fixed = t.packedBits(new Int32Array(t.width), 0) === t.maxPackedBits;
    out.push({
      index: f.index,
      generic: !inline && !flip && !full,
      bit: f.index === 31 ? -0x80000000 : 1 << f.index,
      offset: f.offset,
      width: t.width,
      quat: inline && code === FIELD_QUAT,
      transform,
      flip,
      full,
      threshold: plan.thresholds[f.index] as number,
      group: plan.groupBase[f.index] as number,
      column: layout.colBase[f.index] as number,
      inline: inline ? inlineCount++ : -1,
      slotMax: t.slotMax,
      slotBits: t.slotBits,
      packedBits: fixed ? t.maxPackedBits : -1,
    });
  }
  return out;
}

/**
 * One run of an inline field's columns: `width` slots from field slot `at`, either a `slots` part
 * (every slot a column) or a rotation (`quat`: its largest index at `at`, then three columns).
 */
export interface ColumnPart {
  readonly at: number;
  readonly width: number;
  readonly quat: boolean;
  /** Its first column (columns.ts). */
  readonly column: number;
}

/** The column parts of an inline field (a Transform has two: position, then rotation); [] for others. */
export function columnParts(f: KernelField): ColumnPart[] {
  if (f.inline < 0) return [];
  if (f.transform)
    return [
      { at: 0, width: 3, quat: false, column: f.column },
      { at: 3, width: 4, quat: true, column: f.column + 3 },
    ];
  return [{ at: 0, width: f.width, quat: f.quat, column: f.column }];
}

/** A number as a source literal that reads back as exactly the same double. */
export function lit(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`codec kernel: constant ${v} is not finite.`);
  return Object.is(v, -0) ? "(-0)" : v < 0 ? `(${String(v)})` : String(v);
}

/**
 * Compiles `body` (strict JavaScript that returns the kernel function) with `names` bound to
 * `values`; undefined when code generation is not allowed here. Factories are cached by source,
 * so registries with the same layout (a server's and a client's) share one compiled function
 * literal — and with it V8's type feedback and optimized code — instead of warming up each.
 */
export function compileKernel<F>(
  names: readonly string[],
  body: string,
  values: readonly unknown[],
): F | undefined {
  const source = `"use strict";\n${body}`;
  const key = `${names.join(",")}\n${source}`;
  let factory = factories.get(key);
  if (factory === undefined) {
    try {
      // Generated from the registry's numbers only (see lit()); no user strings reach the source.
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      factory = new Function(...names, source) as (...args: unknown[]) => unknown;
    } catch {
      return undefined;
    }
    if (factories.size >= MAX_FACTORIES) factories.clear();
    factories.set(key, factory);
    // V8 gives a function its feedback vector only after a few calls; until then every closure
    // the factory returns gets feedback (and optimized code) of its own. Calling it a few times
    // now makes every kernel it returns share one: warmed up once, optimized once.
    for (let i = 0; i < FEEDBACK_CALLS; i++) factory(...values);
  }
  return factory(...values) as F;
}

/** Calls that give a new factory its feedback vector (V8's --invocation-count-for-feedback-allocation is 8). */
const FEEDBACK_CALLS = 10;

/** Cached kernel factories by source; a process has a handful of registries, this only bounds a leak. */
const MAX_FACTORIES = 256;
const factories = new Map<string, (...args: unknown[]) => unknown>();
