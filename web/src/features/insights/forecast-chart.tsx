// A proactive insight's forecast: the history, the forecast with its interval, the limit, and the
// predicted exhaustion time (most likely, with the earliest–latest window shaded).
import { useCallback, useMemo, useRef } from 'react';
import type uPlot from 'uplot';
import type { Forecast } from '../../api/types.js';
import { UPlotChart, downloadPng, horizontalLine, safeFileName, shadeSpan, verticalMarker, type ChartColors } from '../../charts/uplot-chart.js';
import { absoluteTime, formatValue } from '../../format.js';
import { forecastChartData } from '../../charts/chart-data.js';

export function ForecastChart({ forecast: f, height = 280 }: { readonly forecast: Forecast; readonly height?: number }) {
  const chart = useRef<uPlot | null>(null);
  const data = useMemo(() => forecastChartData(f) as uPlot.AlignedData, [f]);
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
        { label: 'upper', class: 'band-edge', stroke: 'transparent', points: { show: false }, value: (_u, v) => formatValue(v) },
        { label: 'lower', class: 'band-edge', stroke: 'transparent', points: { show: false }, value: (_u, v) => formatValue(v) },
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
