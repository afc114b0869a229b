/**
 * Per-second rates of monotonic counters, one slot per series id, as Prometheus' `rate()` sees two
 * adjacent samples: the increase divided by the elapsed time. A drop in value is a counter reset
 * (process restart), and, as in Prometheus, the new value itself is taken as the increase since
 * the reset — the counter restarted from zero and has counted `value` since.
 *
 * State is two Float64Arrays (last time, last value) indexed by series id, grown by doubling, so
 * `update` allocates nothing on the ingest path.
 */

const INITIAL_CAPACITY = 64;

export class CounterRates {
  private lastTimeMs: Float64Array;
  private lastValue: Float64Array;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    const n = Math.max(1, initialCapacity | 0);
    this.lastTimeMs = new Float64Array(n).fill(NaN);
    this.lastValue = new Float64Array(n).fill(NaN);
  }

  /** Number of series slots currently allocated (grows by doubling). */
  get capacity(): number {
    return this.lastTimeMs.length;
  }

  /**
   * Folds in one sample of series `id` and returns the per-second rate since its previous sample,
   * or NaN when there is none to compare with: the first sample, a timestamp not after the
   * previous one (the sample is ignored), or a value that is not a finite non-negative number
   * (ignored: a counter cannot hold it). The result is never negative.
   */
  update(id: number, timeMs: number, value: number): number {
    if (id < 0 || !Number.isInteger(id)) return NaN;
    if (!Number.isFinite(timeMs) || !Number.isFinite(value) || value < 0) return NaN;
    if (id >= this.lastTimeMs.length) this.grow(id);
    const prevT = this.lastTimeMs[id];
    if (prevT !== prevT) {
      // First sample (NaN slot): remember it, nothing to compare with yet.
      this.lastTimeMs[id] = timeMs;
      this.lastValue[id] = value;
      return NaN;
    }
    if (timeMs <= prevT) return NaN;
    const prevV = this.lastValue[id];
    const increase = value >= prevV ? value - prevV : value;
    this.lastTimeMs[id] = timeMs;
    this.lastValue[id] = value;
    return increase / ((timeMs - prevT) / 1000);
  }

  /** Forgets series `id` (retired series, or a slot about to be reused). */
  forget(id: number): void {
    if (id >= 0 && id < this.lastTimeMs.length) {
      this.lastTimeMs[id] = NaN;
      this.lastValue[id] = NaN;
    }
  }

  private grow(id: number): void {
    let n = this.lastTimeMs.length;
    while (n <= id) n *= 2;
    const t = new Float64Array(n).fill(NaN);
    const v = new Float64Array(n).fill(NaN);
    t.set(this.lastTimeMs);
    v.set(this.lastValue);
    this.lastTimeMs = t;
    this.lastValue = v;
  }
}
