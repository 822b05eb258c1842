/**
 * Reads a bitECS 0.4 component's value for one entity into a template and writes it back, for the
 * component shapes people use: SoA (an object of typed arrays or arrays, `{ x: Float32Array, … }`),
 * an array of objects (`Array<{ x, y, z }>`), and a plain (typed) array for scalars. The shape is
 * detected once at registration; reading and writing allocate nothing (one scratch value).
 */
import type { SoaArray, ValueTemplate } from "./templates/valueTemplate";

/** Which storage shape a binding detected. */
export type ComponentShape = "array" | "soa" | "aos";

type NumArray = { [index: number]: unknown; length: number };
type Soa = Record<string, NumArray>;

/** Moves values between one component and its template's quantized slots. */
export interface ComponentBinding {
  readonly shape: ComponentShape;
  /** Quantizes the component value of `eid` into `out[offset …]`. */
  quantize(eid: number, out: Int32Array, offset: number): void;
  /** Writes the value the slots stand for into the component for `eid`. */
  apply(eid: number, q: Int32Array, offset: number): void;
  /** The storage arrays: one per template channel (SoA), or the one array (scalar); none for AoS. */
  readonly columns?: readonly SoaArray[];
}

function isArrayLike(v: unknown): v is NumArray {
  return Array.isArray(v) || ArrayBuffer.isView(v);
}

/**
 * Detects the component's shape for `template` and returns a binding. `fields` maps template
 * channels (or, for a scalar, the key "value") to component keys. Throws naming the fix.
 */
export function bindComponent<T>(
  component: unknown,
  template: ValueTemplate<T>,
  name: string,
  fields: Readonly<Record<string, string>> = {},
): ComponentBinding {
  const scratch = template.createValue();
  const channels = template.channels;
  if (channels === undefined) {
    let array: NumArray;
    if (isArrayLike(component)) array = component;
    else {
      const key = fields["value"];
      const soa = component as Soa | undefined;
      const candidate = key === undefined ? undefined : soa?.[key];
      if (!isArrayLike(candidate)) {
        throw new TypeError(
          `replicate(${name}): a ${template.kind} template needs the component to be an array or typed array ` +
            `(e.g. new Float32Array(n)), or pass { fields: { value: "key" } } to use one array of an SoA component.`,
        );
      }
      array = candidate;
    }
    return {
      shape: "array",
      columns: [array as unknown as SoaArray],
      quantize: (eid, out, offset) => template.quantize((array[eid] ?? scratch) as T, out, offset),
      apply: (eid, q, offset) => {
        array[eid] = template.dequantize(q, offset, scratch);
      },
    };
  }
  const keys = channels.map((c) => fields[c] ?? c);
  const value = scratch as Record<string, number>;
  if (Array.isArray(component)) {
    const objects = component as (Record<string, number> | undefined)[];
    return {
      shape: "aos",
      quantize: (eid, out, offset) => {
        const obj = objects[eid];
        for (let i = 0; i < keys.length; i++) value[channels[i] as string] = obj?.[keys[i] as string] ?? 0;
        template.quantize(scratch, out, offset);
      },
      apply: (eid, q, offset) => {
        template.dequantize(q, offset, scratch);
        let obj = objects[eid];
        if (obj === undefined) objects[eid] = obj = {};
        for (let i = 0; i < keys.length; i++) obj[keys[i] as string] = value[channels[i] as string] as number;
      },
    };
  }
  const soa = component as Soa;
  const arrays = keys.map((key) => {
    const a = typeof component === "object" && component !== null ? soa[key] : undefined;
    if (!isArrayLike(a)) {
      throw new TypeError(
        `replicate(${name}): the component has no array "${key}" for ${template.kind} channel ` +
          `"${channels[keys.indexOf(key)]}"; give SoA arrays named ${channels.join(", ")} or map them with { fields: { … } }.`,
      );
    }
    return a;
  });
  const typed = arrays as unknown as SoaArray[];
  if (template.quantizeSoa !== undefined && template.dequantizeSoa !== undefined) {
    const t = template as Required<Pick<ValueTemplate<T>, "quantizeSoa" | "dequantizeSoa">>;
    return {
      shape: "soa",
      columns: typed,
      quantize: (eid, out, offset) => t.quantizeSoa(typed, eid, out, offset),
      apply: (eid, q, offset) => t.dequantizeSoa(q, offset, typed, eid),
    };
  }
  const fast = template.quantizeSoa?.bind(template);
  const fastApply = template.dequantizeSoa?.bind(template);
  return {
    shape: "soa",
    columns: typed,
    quantize: (eid, out, offset) => {
      if (fast !== undefined) return fast(typed, eid, out, offset);
      for (let i = 0; i < arrays.length; i++)
        value[channels[i] as string] = ((arrays[i] as NumArray)[eid] as number) ?? 0;
      template.quantize(scratch, out, offset);
    },
    apply: (eid, q, offset) => {
      if (fastApply !== undefined) return fastApply(q, offset, typed, eid);
      template.dequantize(q, offset, scratch);
      for (let i = 0; i < arrays.length; i++) (arrays[i] as NumArray)[eid] = value[channels[i] as string];
    },
  };
}
