// Chart data in uPlot's column layout ([x, ...series], nulls for gaps), built from API shapes.
// Pure functions: no DOM, no uPlot.
import type { AnomalyWithSeries, Forecast } from '../api/types.js';

export type ChartColumns = [number[], ...(number | null)[][]];

/** [x, value, expected, upper, lower] for uPlot; a band given only at the peak is drawn flat. */
export function anomalyChartData(a: AnomalyWithSeries): ChartColumns {
  const s = a.series ?? { timesMs: [], values: [] };
  const n = s.timesMs.length;
  const flat = (v: number | null) => (v === null || !Number.isFinite(v) ? null : v);
  const col = (per: readonly (number | null)[] | undefined, at: number | null) => (per && per.length === n ? per.map((v) => (v === null || !Number.isFinite(v) ? null : v)) : new Array<number | null>(n).fill(flat(at)));
  return [Array.from(s.timesMs), s.values.map((v) => (v === null || !Number.isFinite(v) ? null : v)), col(s.expected, a.expected), col(s.upper, a.upper), col(s.lower, a.lower)];
}

/** [x, history, expected, upper, lower, limit]: history then forecast on one time axis. */
export function forecastChartData(f: Forecast): ChartColumns {
  const h = f.history;
  const fc = f.forecast ?? { timesMs: [], expected: [], lower: [], upper: [] };
  const x: number[] = [];
  const hist: (number | null)[] = [];
  const exp: (number | null)[] = [];
  const up: (number | null)[] = [];
  const lo: (number | null)[] = [];
  const clean = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : v);
  for (let i = 0; i < h.timesMs.length; i++) {
    x.push(h.timesMs[i]!);
    hist.push(clean(h.values[i]));
    exp.push(null);
    up.push(null);
    lo.push(null);
  }
  // The forecast starts from the last observed point, so the two lines join.
  if (x.length > 0 && fc.timesMs.length > 0 && hist[hist.length - 1] !== null) {
    exp[exp.length - 1] = hist[hist.length - 1]!;
    up[up.length - 1] = hist[hist.length - 1]!;
    lo[lo.length - 1] = hist[hist.length - 1]!;
  }
  const lastHist = x.length > 0 ? x[x.length - 1]! : -Infinity;
  for (let i = 0; i < fc.timesMs.length; i++) {
    const t = fc.timesMs[i]!;
    if (t <= lastHist) continue;
    x.push(t);
    hist.push(null);
    exp.push(clean(fc.expected[i]));
    up.push(clean(fc.upper[i]));
    lo.push(clean(fc.lower[i]));
  }
  const limit = x.map(() => f.limit);
  return [x, hist, exp, up, lo, limit];
}
