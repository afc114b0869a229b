// A proactive insight's forecast: the history, the forecast with its interval, the limit, and the
// predicted exhaustion time (most likely, with the earliest–latest window shaded).
import { useCallback, useMemo, useRef } from 'react';
import type uPlot from 'uplot';
import type { Forecast } from '../../api/types.js';
import { UPlotChart, downloadPng, horizontalLine, safeFileName, shadeSpan, verticalMarker, type ChartColors } from '../../charts/uplot-chart.js';
import { absoluteTime, formatValue } from '../../format.js';

/** [x, history, expected, upper, lower, limit]: history then forecast on one time axis. */
export function forecastChartData(f: Forecast): uPlot.AlignedData {
  const h = f.history;
  const fc = f.forecast;
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
  return [x, hist, exp, up, lo, limit] as uPlot.AlignedData;
}

export function ForecastChart({ forecast: f, height = 280 }: { readonly forecast: Forecast; readonly height?: number }) {
  const chart = useRef<uPlot | null>(null);
  const data = useMemo(() => forecastChartData(f), [f]);
  const p = f.prediction;
  const xs = data[0] as number[];
  const xMax = Math.max(xs[xs.length - 1] ?? p.latestMs, p.latestMs);

  const options = useCallback(
    (c: ChartColors): Omit<uPlot.Options, 'width' | 'height'> => ({
      ms: 1,
      legend: { live: true },
      cursor: { drag: { x: true, y: false, setScale: true } },
      scales: { x: { time: true, range: (_u, min) => [min, xMax] } },
      axes: [
        { stroke: c.text, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 } },
        { stroke: c.text, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 }, size: 56, values: (_u, vals) => vals.map((v) => formatValue(v)) },
      ],
      series: [
        { label: 'time', value: (_u, v) => (v === null ? '—' : absoluteTime(v)) },
        { label: 'observed', stroke: c.line, width: 1.5, points: { show: false }, value: (_u, v) => formatValue(v) },
        { label: 'forecast', stroke: c.forecast, width: 1.5, dash: [6, 4], points: { show: false }, value: (_u, v) => formatValue(v) },
        { label: 'upper', stroke: 'transparent', points: { show: false }, value: (_u, v) => formatValue(v) },
        { label: 'lower', stroke: 'transparent', points: { show: false }, value: (_u, v) => formatValue(v) },
        { label: 'limit', stroke: 'transparent', points: { show: false }, value: (_u, v) => formatValue(v) },
      ],
      bands: [{ series: [3, 4], fill: c.band }],
      hooks: {
        drawClear: [(u) => shadeSpan(u, p.earliestMs, p.latestMs, c.anomaly)],
        draw: [
          (u) => {
            horizontalLine(u, f.limit, c.limit, `limit ${formatValue(f.limit)}`);
            verticalMarker(u, p.expectedMs, c.limit, 'predicted exhaustion');
          },
        ],
      },
    }),
    [f, p, xMax],
  );

  return (
    <figure className="card chart-card" data-testid="forecast-chart">
      <figcaption>
        <span className="chart-title">
          <span className="metric">Forecast</span>
          <span className="sub series-key" title={f.seriesKey}>
            {f.seriesKey}
          </span>
        </span>
      </figcaption>
      <UPlotChart options={options} data={data} height={height} onChart={(u) => (chart.current = u)} label={`Forecast of ${f.seriesKey} reaching ${formatValue(f.limit)}`} />
      <div className="chart-actions">
        <span className="hint">Shaded: the window in which the limit is reached (earliest to latest)</span>
        <button type="button" className="btn small" onClick={() => chart.current && void downloadPng(chart.current, `${f.seriesKey} — forecast`, `vigil-forecast-${safeFileName(f.seriesKey)}.png`)}>
          Download PNG
        </button>
      </div>
    </figure>
  );
}
