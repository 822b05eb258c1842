/** Summary statistics of timed samples, in the unit of the samples. */
export interface SampleStats {
  median: number;
  p99: number;
  mean: number;
  min: number;
  samples: number;
}

/** Percentile (0..100) of an ascending-sorted array, by nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Median of `values` (the mean of the middle two for an even count; sorts a copy). */
export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median, p99, mean and min of samples. */
export function summarize(samples: readonly number[]): SampleStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / Math.max(1, sorted.length);
  return {
    median: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean,
    min: sorted[0] ?? Number.NaN,
    samples: sorted.length,
  };
}

/** Options for {@link timeIt}. */
export interface TimeOptions {
  /** Untimed runs first, so the JIT has compiled the hot path (default 200). */
  warmup?: number;
  /** Timed samples (default 1000). */
  samples?: number;
  /** Calls per sample, for operations too fast to time one by one (default 1). */
  batch?: number;
  /** Called every ~10 % of samples with the fraction done. */
  onProgress?: (fraction: number) => void;
}

/**
 * Times `fn` and returns per-call statistics in microseconds. Each sample times `batch` calls
 * with `performance.now()` and divides.
 */
export function timeIt(fn: () => void, options: TimeOptions = {}): SampleStats {
  const warmup = options.warmup ?? 200;
  const count = options.samples ?? 1000;
  const batch = options.batch ?? 1;
  for (let i = 0; i < warmup; i++) fn();
  const samples = new Array<number>(count);
  const step = Math.max(1, Math.floor(count / 10));
  for (let s = 0; s < count; s++) {
    const start = performance.now();
    for (let b = 0; b < batch; b++) fn();
    samples[s] = ((performance.now() - start) * 1000) / batch;
    if (options.onProgress && (s + 1) % step === 0) options.onProgress((s + 1) / count);
  }
  return summarize(samples);
}
