/**
 * The clock filter: a ring of ping/pong samples and the estimate drawn from it (docs/TIME-SYNC.md).
 * Per direction it keeps the fastest legs — the lowest `t1 − t0` (uplink) and the highest
 * `t2 − t3` (downlink) — since queueing and jitter only ever add delay; the clock offset is the
 * mean of the two filtered legs. Preallocated: nothing is allocated per sample.
 */
import type { ResolvedTimeSyncOptions } from "./constants";
import { TimeSyncDefaults } from "./constants";

/** One exchange: client send t0, server receive t1, server send t2, client receive t3 (seconds). */
export interface ClockSample {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
}

/** Output of the filter (seconds). */
export interface ClockEstimate {
  /** Server time minus local time. */
  offset: number;
  /** Server time at arrival minus local send time (offset + one-way uplink delay). */
  uplinkOffset: number;
  /** Server send time minus local arrival time (offset − one-way downlink delay). */
  downlinkOffset: number;
}

/** Ring of samples with a min-delay filter per direction. */
export class ClockFilter {
  private readonly up: Float64Array; // t1 − t0
  private readonly down: Float64Array; // t2 − t3
  private readonly scratch: Float64Array;
  private readonly history: Float64Array; // recent estimates, for the variance
  private head = 0;
  private historyHead = 0;
  private historyCount = 0;
  private misfits = 0;
  /** Samples in the window. */
  count = 0;
  /** Times the window was reset because samples stopped fitting (a clock jump). */
  resets = 0;
  readonly estimate: ClockEstimate = { offset: 0, uplinkOffset: 0, downlinkOffset: 0 };

  constructor(private readonly options: ResolvedTimeSyncOptions) {
    const n = options.windowSize;
    this.up = new Float64Array(n);
    this.down = new Float64Array(n);
    this.scratch = new Float64Array(n);
    this.history = new Float64Array(options.minSamples);
  }

  /** Forgets every sample. */
  clear(): void {
    this.count = 0;
    this.head = 0;
    this.historyCount = 0;
    this.historyHead = 0;
    this.misfits = 0;
  }

  /** Adds one exchange and updates {@link estimate}; false if it is impossible (negative RTT). */
  add(s: Readonly<ClockSample>): boolean {
    // Each leg is computed once: this runs once per pong, which V8 may never optimize, and there
    // every double loaded or computed is a heap number (21 per sample before, 9 now).
    const up = s.t1 - s.t0;
    const down = s.t2 - s.t3;
    const rtt = up - down; // (t3 − t0) − (t2 − t1)
    if (!(rtt >= 0)) return false;
    const offset = (up + down) / 2;
    if (this.count >= this.options.minSamples && !this.fits(offset, rtt)) {
      // Held out of the window: one misfit is noise; several in a row mean the clock jumped.
      if (++this.misfits < TimeSyncDefaults.jumpSamples) return true;
      this.clear();
      this.resets++;
    }
    this.misfits = 0;
    const i = this.head;
    this.up[i] = up;
    this.down[i] = down;
    this.head = (i + 1) % this.up.length;
    if (this.count < this.up.length) this.count++;
    this.refresh();
    return true;
  }

  /** Standard deviation (seconds) of the last `minSamples` estimates; Infinity until there are that many. */
  get variance(): number {
    const n = this.historyCount;
    if (n < this.history.length) return Infinity;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += this.history[i] as number;
    mean /= n;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += ((this.history[i] as number) - mean) ** 2;
    return Math.sqrt(sq / n);
  }

  /**
   * One-way latencies of the window under the current offset (symmetric-base assumption):
   * uplink `t1 − t0 − offset`, downlink `t3 − t2 + offset`, each clamped at 0.
   */
  latencies(out: {
    upAverage: number;
    upBest: number;
    upWorst: number;
    downAverage: number;
    downBest: number;
    downWorst: number;
  }): void {
    const n = this.count;
    const off = this.estimate.offset;
    let upSum = 0;
    let downSum = 0;
    let upBest = Infinity;
    let upWorst = 0;
    let downBest = Infinity;
    let downWorst = 0;
    for (let i = 0; i < n; i++) {
      const u = Math.max(0, (this.up[i] as number) - off);
      const d = Math.max(0, off - (this.down[i] as number));
      upSum += u;
      downSum += d;
      if (u < upBest) upBest = u;
      if (u > upWorst) upWorst = u;
      if (d < downBest) downBest = d;
      if (d > downWorst) downWorst = d;
    }
    out.upAverage = n > 0 ? upSum / n : 0;
    out.downAverage = n > 0 ? downSum / n : 0;
    out.upBest = n > 0 ? upBest : 0;
    out.upWorst = upWorst;
    out.downBest = n > 0 ? downBest : 0;
    out.downWorst = downWorst;
  }

  /**
   * Whether a sample is possible for the current estimate: its offset differs from the true one
   * by at most half its round trip, plus slack for frame quantization.
   */
  private fits(offset: number, rtt: number): boolean {
    return Math.abs(offset - this.estimate.offset) <= rtt / 2 + TimeSyncDefaults.jumpSlackSeconds;
  }

  private refresh(): void {
    const n = this.count;
    const k = Math.max(1, Math.min(n, Math.ceil(n * this.options.bestFraction)));
    // Uplink: median of the k smallest t1 − t0. Downlink: median of the k largest t2 − t3.
    const up = this.lowMedian(this.up, n, k, 1);
    const down = -this.lowMedian(this.down, n, k, -1);
    const e = this.estimate;
    e.uplinkOffset = up;
    e.downlinkOffset = down;
    e.offset = (up + down) / 2;
    this.history[this.historyHead] = e.offset;
    this.historyHead = (this.historyHead + 1) % this.history.length;
    if (this.historyCount < this.history.length) this.historyCount++;
  }

  /** Median of the k smallest of `sign × values[0..n)` (insertion sort into scratch; n ≤ 1024). */
  private lowMedian(values: Float64Array, n: number, k: number, sign: number): number {
    const s = this.scratch;
    for (let i = 0; i < n; i++) {
      const v = sign * (values[i] as number);
      let j = i - 1;
      while (j >= 0 && (s[j] as number) > v) {
        s[j + 1] = s[j] as number;
        j--;
      }
      s[j + 1] = v;
    }
    const mid = (k - 1) / 2;
    return ((s[Math.floor(mid)] as number) + (s[Math.ceil(mid)] as number)) / 2;
  }
}
