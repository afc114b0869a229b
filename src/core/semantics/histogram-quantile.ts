/**
 * Quantiles of bucketed histograms, computed the way Prometheus' `histogram_quantile()` does
 * (promql/quantile.go, bucketQuantile): find the bucket holding rank q·total in the cumulative
 * counts and interpolate linearly inside it, assuming the lowest bucket starts at 0 (when its upper
 * bound is positive). A quantile falling in the +Inf bucket returns the largest finite bound.
 *
 *   upper bounds        0.1     0.5     1      +Inf
 *   cumulative counts     2       7     9        10      q = 0.5 → rank 5 → bucket (0.1, 0.5]
 *                                                         0.1 + 0.4 · (5 − 2) / (7 − 2) = 0.34
 *
 * OTLP histograms carry per-bucket counts (not cumulative) with one bound fewer than buckets (the
 * last bucket implicitly ends at +Inf); `toCumulative` converts, and `histogramQuantile` accepts
 * both bound layouts. `HistogramDeltas` turns a cumulative-temporality histogram (counts since the
 * process started) into per-interval counts, so the quantile describes the last interval rather
 * than the whole life of the process.
 */

/** The quantiles Vigil derives from every histogram (`<name>_p50`, `_p90`, `_p99`). */
export const DEFAULT_QUANTILES: readonly number[] = [0.5, 0.9, 0.99];

/**
 * The q-quantile of a histogram. `upperBounds` are the buckets' inclusive upper bounds in
 * increasing order, either with a final +Inf (same length as `cumulativeCounts`) or without it
 * (one shorter: the OTLP layout, last bucket implicitly +Inf). Follows Prometheus:
 *   q < 0 → −Inf, q > 1 → +Inf, q NaN → NaN;
 *   NaN when the last bound is not +Inf, bounds are not increasing, fewer than two buckets, or the
 *   histogram is empty;
 *   counts that decrease (precision loss in a sum of rates) are read as their running maximum;
 *   the quantile in the +Inf bucket is the largest finite bound; in the first bucket with a bound
 *   ≤ 0 it is that bound.
 * One deliberate difference: q = 0 with an empty first bucket gives the bucket's lower edge where
 * Prometheus computes 0/0 = NaN, so the result is monotone in q over all of [0, 1].
 * Allocates nothing.
 */
export function histogramQuantile(q: number, upperBounds: ArrayLike<number>, cumulativeCounts: ArrayLike<number>): number {
  if (q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const n = cumulativeCounts.length;
  const implicitInf = upperBounds.length === n - 1;
  if (!implicitInf && upperBounds.length !== n) return NaN;
  if (n < 2) return NaN;
  if (!implicitInf && upperBounds[n - 1] !== Infinity) return NaN;
  const finite = n - 1; // number of finite bounds
  for (let i = 0; i < finite; i++) {
    const b = upperBounds[i];
    if (b !== b || b === Infinity || (i > 0 && !(b > upperBounds[i - 1]))) return NaN;
  }
  // Total = running max over all counts (Prometheus' ensureMonotonic).
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = cumulativeCounts[i];
    if (c > total) total = c;
  }
  if (!(total > 0)) return NaN;
  const rank = q * total;
  // First finite bucket whose (monotone) cumulative count reaches rank; `finite` means +Inf.
  let b = 0;
  let prev = 0; // running max of counts before bucket b
  let cur = 0;
  for (; b < finite; b++) {
    const c = cumulativeCounts[b];
    cur = c > prev ? c : prev;
    if (cur >= rank) break;
    prev = cur;
  }
  if (b === finite) return upperBounds[finite - 1];
  if (b === 0 && upperBounds[0] <= 0) return upperBounds[0];
  const start = b === 0 ? 0 : upperBounds[b - 1];
  const end = upperBounds[b];
  const inBucket = cur - prev;
  if (!(inBucket > 0)) return start;
  const v = start + (end - start) * ((rank - prev) / inBucket);
  // Rounding must not carry the value past the bucket's end (the next bucket starts there).
  return v < end ? v : end;
}

/** Writes the running sum of per-bucket `counts` into `out` (length ≥ counts.length); returns out. */
export function toCumulative<T extends { [i: number]: number; readonly length: number }>(counts: ArrayLike<number>, out: T): T {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    sum += counts[i];
    out[i] = sum;
  }
  return out;
}

/** What `HistogramDeltas.update` did with a sample. */
export type HistogramDeltaStatus =
  /** `out` holds the per-interval counts since the previous sample. */
  | 'delta'
  /** `out` holds the counts since a reset (start time moved, a count fell, or the buckets changed). */
  | 'reset'
  /** First sample of the series: remembered, nothing written. */
  | 'first'
  /** Not after the previous sample in time, or not valid counts: ignored, nothing written. */
  | 'ignored';

interface HistogramState {
  timeMs: number;
  startTimeMs: number;
  counts: Float64Array;
}

/**
 * Previous bucket counts of every cumulative histogram series, keyed by the caller's series key, to
 * turn cumulative temporality into per-interval bucket counts. Reset-aware in the two ways OTLP and
 * Prometheus signal a restart: a new start time, or any bucket count going down. Either way the
 * current counts are the interval's counts (the histogram restarted from empty). A change in the
 * number of buckets is treated as a reset too.
 */
export class HistogramDeltas {
  private readonly series = new Map<string, HistogramState>();
  /**
   * Milliseconds covered by the counts the last 'delta' or 'reset' wrote: time since the previous
   * sample, or since the new start time after a reset when that start is known. NaN otherwise.
   */
  intervalMs = NaN;

  get size(): number {
    return this.series.size;
  }

  /**
   * Folds in one sample: per-bucket counts `bucketCounts` (as OTLP sends them; cumulative over
   * buckets works equally, deltas are taken element-wise) at `timeMs`, accumulated since
   * `startTimeMs` (0 or NaN when unknown). Writes the per-interval counts into `out` (length ≥
   * bucketCounts.length) for 'delta' and 'reset'. Reuses the series' state array, so a steady
   * stream allocates nothing.
   */
  update(key: string, timeMs: number, startTimeMs: number, bucketCounts: ArrayLike<number>, out: Float64Array): HistogramDeltaStatus {
    const n = bucketCounts.length;
    this.intervalMs = NaN;
    if (!Number.isFinite(timeMs) || n === 0 || out.length < n) return 'ignored';
    for (let i = 0; i < n; i++) {
      const c = bucketCounts[i];
      if (!(c >= 0) || c === Infinity) return 'ignored';
    }
    const start = Number.isFinite(startTimeMs) && startTimeMs > 0 ? startTimeMs : 0;
    const s = this.series.get(key);
    if (s === undefined) {
      const counts = new Float64Array(n);
      for (let i = 0; i < n; i++) counts[i] = bucketCounts[i];
      this.series.set(key, { timeMs, startTimeMs: start, counts });
      return 'first';
    }
    if (timeMs <= s.timeMs) return 'ignored';
    let reset = s.counts.length !== n || (start !== 0 && s.startTimeMs !== 0 && start !== s.startTimeMs);
    if (!reset) {
      for (let i = 0; i < n; i++) {
        if (bucketCounts[i] < s.counts[i]) {
          reset = true;
          break;
        }
      }
    }
    if (s.counts.length !== n) s.counts = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const c = bucketCounts[i];
      out[i] = reset ? c : c - s.counts[i];
      s.counts[i] = c;
    }
    this.intervalMs = reset && start !== 0 && start < timeMs ? timeMs - start : timeMs - s.timeMs;
    s.timeMs = timeMs;
    s.startTimeMs = start;
    return reset ? 'reset' : 'delta';
  }

  /** Forgets a series (retired, or its labels changed). */
  forget(key: string): void {
    this.series.delete(key);
  }
}
