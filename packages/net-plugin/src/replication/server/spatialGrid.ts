/**
 * A uniform 2D grid over network ids for interest management: rebuilt every tick from entity
 * positions (an intrusive linked list per hashed cell, so nothing allocates), queried per client
 * with a circle. Hash collisions only cost a distance check.
 */

/** Hashed cells; a power of two. */
const DEFAULT_BUCKETS = 4096;
/**
 * How much priority falls from the viewpoint to the edge of the radius: nearness goes from 1 to
 * 1 − NEAR_FALLOFF, so the far edge is refreshed about a third as often (Traktor sends full state
 * every 0.1 s near and 0.3 s far).
 */
export const NEAR_FALLOFF = 2 / 3;

/** Spatial hash of network ids. */
export class SpatialGrid {
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private readonly mask: number;

  constructor(
    capacity: number,
    readonly cellSize: number,
    buckets = DEFAULT_BUCKETS,
  ) {
    if (!(cellSize > 0))
      throw new RangeError(`SpatialGrid: cellSize must be > 0 world units, got ${cellSize}.`);
    this.head = new Int32Array(buckets).fill(-1);
    this.mask = buckets - 1;
    this.next = new Int32Array(capacity);
    this.xs = new Float64Array(capacity);
    this.ys = new Float64Array(capacity);
  }

  /** Empties the grid. */
  clear(): void {
    this.head.fill(-1);
  }

  /** Puts network id `id` at (x, y). */
  insert(id: number, x: number, y: number): void {
    const b = this.bucket(Math.floor(x / this.cellSize), Math.floor(y / this.cellSize));
    this.xs[id] = x;
    this.ys[id] = y;
    this.next[id] = this.head[b] as number;
    this.head[b] = id;
  }

  /**
   * Sets `out[id] = 1` for every id within `radius` of (x, y); with `near`, also raises
   * `near[id]` to its nearness (1 at the point, 1 − NEAR_FALLOFF at the radius).
   */
  mark(x: number, y: number, radius: number, out: Uint8Array, near?: Float32Array): void {
    const c = this.cellSize;
    const r2 = radius * radius;
    const x0 = Math.floor((x - radius) / c);
    const x1 = Math.floor((x + radius) / c);
    const y0 = Math.floor((y - radius) / c);
    const y1 = Math.floor((y + radius) / c);
    for (let cx = x0; cx <= x1; cx++) {
      for (let cy = y0; cy <= y1; cy++) {
        for (let id = this.head[this.bucket(cx, cy)] as number; id >= 0; id = this.next[id] as number) {
          const dx = (this.xs[id] as number) - x;
          const dy = (this.ys[id] as number) - y;
          const d2 = dx * dx + dy * dy;
          if (d2 > r2) continue;
          out[id] = 1;
          if (near === undefined) continue;
          const f = radius > 0 ? 1 - (NEAR_FALLOFF * Math.sqrt(d2)) / radius : 1;
          if (f > (near[id] as number)) near[id] = f;
        }
      }
    }
  }

  private bucket(cx: number, cy: number): number {
    return (Math.imul(cx, 73856093) ^ Math.imul(cy, 19349663)) & this.mask;
  }
}
