/** Vec3Template: a bounded 3D vector `{ x, y, z }` quantized per axis (Traktor's `VectorTemplate`). */
import { VectorValueTemplate, type VectorTemplateOptions } from "./vectorTemplate";

/** A 3D vector value. */
export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

/** A bounded 3D vector quantized to `precision` on each axis. */
export function Vec3Template(
  options: VectorTemplateOptions,
): VectorValueTemplate<Vec3 & Record<string, number>> {
  return new VectorValueTemplate("vec3", ["x", "y", "z"], options);
}
