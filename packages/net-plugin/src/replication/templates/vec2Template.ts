/** Vec2Template: a bounded 2D vector `{ x, y }` quantized per axis. */
import { VectorValueTemplate, type VectorTemplateOptions } from "./vectorTemplate";

/** A 2D vector value. */
export interface Vec2 {
  x: number;
  y: number;
}

/** A bounded 2D vector quantized to `precision` on each axis. */
export function Vec2Template(
  options: VectorTemplateOptions,
): VectorValueTemplate<Vec2 & Record<string, number>> {
  return new VectorValueTemplate("vec2", ["x", "y"], options);
}
