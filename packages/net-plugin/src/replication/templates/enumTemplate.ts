/** EnumTemplate: one of a fixed list of values, sent as its index. */
import { bitsRequired } from "../../protocol/quantize";
import { QuantizedTemplate } from "./quantizedTemplate";

/** One of `values` (numbers or strings); unknown values quantize to the first one. */
export class EnumValueTemplate<V extends string | number> extends QuantizedTemplate<V> {
  readonly kind = "enum";
  readonly descriptor: string;
  readonly channels = undefined;
  private readonly indexOf = new Map<V, number>();

  constructor(readonly values: readonly V[]) {
    if (values.length === 0) throw new RangeError("EnumTemplate: give at least one value.");
    if (new Set(values).size !== values.length) throw new RangeError("EnumTemplate: values must be unique.");
    const maxIndex = values.length - 1;
    super([maxIndex], [bitsRequired(maxIndex)], [{ kind: "full", start: 0, count: 1 }]);
    values.forEach((v, i) => this.indexOf.set(v, i));
    this.descriptor = `enum(${values.map((v) => JSON.stringify(v)).join(",")})`;
  }

  createValue(): V {
    return this.values[0] as V;
  }
  quantize(value: V, out: Int32Array, offset: number): void {
    out[offset] = this.indexOf.get(value) ?? 0;
  }
  dequantize(q: Int32Array, offset: number): V {
    return (this.values[q[offset] as number] ?? this.values[0]) as V;
  }
  interpolate(a: V, b: V, t: number): V {
    return t < 1 ? a : b;
  }
  extrapolate(_a: V, _ta: number, b: V): V {
    return b;
  }
}

/** One of `values`, sent as its index in ⌈log2(n)⌉ bits. */
export function EnumTemplate<V extends string | number>(values: readonly V[]): EnumValueTemplate<V> {
  return new EnumValueTemplate(values);
}
