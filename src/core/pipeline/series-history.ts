// The recent points of every series, for evidence windows and charts: a fixed ring per series in
// two typed arrays (times as float64, values as float32 — plenty for a chart), indexed by series id.
// 128 points × 12 bytes ≈ 1.5 KB per series; appending allocates nothing.

export const DEFAULT_HISTORY_POINTS = 128;

export class SeriesHistory {
  private times: Float64Array;
  private values: Float32Array;
  private heads: Uint32Array;
  private counts: Uint32Array;
  private capacitySeries: number;

  constructor(readonly pointsPerSeries = DEFAULT_HISTORY_POINTS, initialSeries = 1024) {
    this.capacitySeries = Math.max(1, initialSeries);
    this.times = new Float64Array(this.capacitySeries * pointsPerSeries);
    this.values = new Float32Array(this.capacitySeries * pointsPerSeries);
    this.heads = new Uint32Array(this.capacitySeries);
    this.counts = new Uint32Array(this.capacitySeries);
  }

  append(id: number, timeMs: number, value: number): void {
    if (id >= this.capacitySeries) this.grow(id + 1);
    const n = this.pointsPerSeries;
    const at = id * n + this.heads[id]!;
    this.times[at] = timeMs;
    this.values[at] = value;
    const next = this.heads[id]! + 1;
    this.heads[id] = next === n ? 0 : next; // not `% n`: an integer division per sample
    if (this.counts[id]! < n) this.counts[id]!++;
  }

  /** Points of one series with fromMs <= t <= toMs, oldest first (allocates: not for the hot path). */
  points(id: number, fromMs = -Infinity, toMs = Infinity): { timesMs: number[]; values: number[] } {
    const out = { timesMs: [] as number[], values: [] as number[] };
    if (id >= this.capacitySeries) return out;
    const n = this.pointsPerSeries;
    const count = this.counts[id]!;
    const start = (this.heads[id]! - count + n) % n;
    for (let k = 0; k < count; k++) {
      const at = id * n + ((start + k) % n);
      const t = this.times[at]!;
      if (t >= fromMs && t <= toMs) {
        out.timesMs.push(t);
        out.values.push(this.values[at]!);
      }
    }
    return out;
  }

  private grow(minSeries: number): void {
    const cap = Math.max(minSeries, this.capacitySeries * 2);
    const n = this.pointsPerSeries;
    const t = new Float64Array(cap * n);
    t.set(this.times);
    const v = new Float32Array(cap * n);
    v.set(this.values);
    const h = new Uint32Array(cap);
    h.set(this.heads);
    const c = new Uint32Array(cap);
    c.set(this.counts);
    this.times = t;
    this.values = v;
    this.heads = h;
    this.counts = c;
    this.capacitySeries = cap;
  }
}
