/** Quaternion helpers for templates: shortest-arc nlerp and angular extrapolation, in place. */
import type { QuatLike } from "../../protocol/quantize";

/** Normalized lerp along the shorter arc from `a` to `b` into `out`. */
export function nlerpQuat(a: QuatLike, b: QuatLike, t: number, out: QuatLike): QuatLike {
  const dot = a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
  const s = dot < 0 ? -1 : 1;
  const x = a.x + (b.x * s - a.x) * t;
  const y = a.y + (b.y * s - a.y) * t;
  const z = a.z + (b.z * s - a.z) * t;
  const w = a.w + (b.w * s - a.w) * t;
  const inv = 1 / (Math.sqrt(x * x + y * y + z * z + w * w) || 1);
  out.x = x * inv;
  out.y = y * inv;
  out.z = z * inv;
  out.w = w * inv;
  return out;
}

/**
 * Continues the rotation from `a` (time ta) to `b` (time tb) up to time `t`: `b` rotated further by
 * the a→b rotation scaled to (t - tb) / (tb - ta). Returns `b` when the times coincide.
 */
export function extrapolateQuat(
  a: QuatLike,
  ta: number,
  b: QuatLike,
  tb: number,
  t: number,
  out: QuatLike,
): QuatLike {
  const span = tb - ta;
  if (!(span > 0)) {
    out.x = b.x;
    out.y = b.y;
    out.z = b.z;
    out.w = b.w;
    return out;
  }
  // d = b * conj(a)
  let dx = a.w * b.x - b.w * a.x - (b.y * a.z - b.z * a.y);
  let dy = a.w * b.y - b.w * a.y - (b.z * a.x - b.x * a.z);
  let dz = a.w * b.z - b.w * a.z - (b.x * a.y - b.y * a.x);
  let dw = b.w * a.w + b.x * a.x + b.y * a.y + b.z * a.z;
  if (dw < 0) {
    dx = -dx;
    dy = -dy;
    dz = -dz;
    dw = -dw;
  }
  const angle = 2 * Math.acos(Math.min(1, dw));
  const sinHalf = Math.sqrt(Math.max(0, 1 - dw * dw));
  if (sinHalf < 1e-9) {
    out.x = b.x;
    out.y = b.y;
    out.z = b.z;
    out.w = b.w;
    return out;
  }
  const half = (angle * ((t - tb) / span)) / 2;
  const k = Math.sin(half) / sinHalf;
  const ex = dx * k;
  const ey = dy * k;
  const ez = dz * k;
  const ew = Math.cos(half);
  // out = e * b
  const x = ew * b.x + ex * b.w + ey * b.z - ez * b.y;
  const y = ew * b.y - ex * b.z + ey * b.w + ez * b.x;
  const z = ew * b.z + ex * b.y - ey * b.x + ez * b.w;
  const w = ew * b.w - ex * b.x - ey * b.y - ez * b.z;
  out.x = x;
  out.y = y;
  out.z = z;
  out.w = w;
  return out;
}

/** Angle in radians between two unit quaternions (0..π). */
export function quatAngle(a: QuatLike, b: QuatLike): number {
  const dot = Math.abs(a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w);
  return 2 * Math.acos(Math.min(1, dot));
}
