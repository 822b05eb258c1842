/**
 * Seeded randomness. Simulation code, link conditioners and tests draw from a {@link Rng} created
 * with an explicit seed so that every run is replayable (STYLE.md: determinism is owned by the
 * scheduler; seeded randomness only).
 */

/** A small, fast, seeded pseudo-random generator (sfc32). */
export interface Rng {
  /** The seed this generator was created with (print it when a randomized test fails). */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** A float in [min, max). */
  range(min: number, max: number): number;
  /** True with probability `p` (0..1). */
  chance(p: number): boolean;
  /** A normally distributed float (mean 0, standard deviation 1). */
  gaussian(): number;
}

/** Creates a seeded {@link Rng}. The same seed always yields the same sequence. */
export function createRng(seed: number): Rng {
  return new Sfc32(seed);
}

/**
 * sfc32, seeded through splitmix32 so that small seeds still spread over all state bits. The state
 * lives in a Uint32Array: 32-bit values kept in closure variables or fields above V8's small-integer
 * range are heap numbers, one allocation per draw (≈ 28 B, and link conditioners draw per packet).
 */
class Sfc32 implements Rng {
  private readonly state = new Uint32Array(4);

  constructor(readonly seed: number) {
    let s = seed >>> 0;
    const st = this.state;
    for (let i = 0; i < 4; i++) {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      st[i] = z ^ (z >>> 16);
    }
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  private nextU32(): number {
    const st = this.state;
    const a = st[0] as number;
    const b = st[1] as number;
    const c = st[2] as number;
    const d = st[3] as number;
    const t = (a + b + d) | 0;
    st[3] = d + 1;
    st[0] = b ^ (b >>> 9);
    const c2 = ((c << 21) | (c >>> 11)) + t;
    st[1] = c + (c << 3);
    st[2] = c2;
    return t >>> 0;
  }

  next(): number {
    return this.nextU32() / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  range(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  gaussian(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
