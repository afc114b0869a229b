// One graphed anomaly: the series' data, its expected band, the anomalous span shaded and the
// relevant events as markers. Drag to zoom (double-click or "Reset zoom" to undo), open the same
// series in Prometheus or Grafana, or save the chart as a PNG.
import { useCallback, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import type uPlot from 'uplot';
import type { AnomalyWithSeries, VigilEvent } from '../../api/types.js';
import { UPlotChart, downloadPng, safeFileName, shadeSpan, verticalMarker, type ChartColors } from '../../charts/uplot-chart.js';
import { absoluteTime, formatValue, percent } from '../../format.js';
import { grafanaExploreUrl, prometheusGraphUrl } from '../../links.js';
import { anomalyChartData } from '../../charts/chart-data.js';

export interface AnomalyChartProps {
  readonly anomaly: AnomalyWithSeries;
  readonly events: readonly VigilEvent[];
  readonly prometheusUrl: string;
  readonly grafanaUrl: string;
  readonly grafanaDatasource: string;
  readonly height?: number;
}

export function AnomalyChart({ anomaly: a, events, prometheusUrl, grafanaUrl, grafanaDatasource, height = 220 }: AnomalyChartProps) {
  const chart = useRef<uPlot | null>(null);
  const [zoomed, setZoomed] = useState(false);
  const [pngError, setPngError] = useState<string | null>(null);
  const data = useMemo(() => anomalyChartData(a) as uPlot.AlignedData, [a]);
  const times = data[0] as number[];
  const lastMs = times.length > 0 ? times[times.length - 1]! : a.endMs ?? a.startMs;
  const firstMs = times.length > 0 ? times[0]! : a.startMs;
  const perPointBand = !!(a.series?.lower && a.series.lower.length === times.length);
  // The kept history may begin after the anomaly did (the server keeps the newest points only):
  // the x axis still starts before the anomaly, so its start and the events before it show.
  const xMin = firstMs <= a.startMs ? firstMs : a.startMs - Math.max(60_000, 0.05 * (lastMs - a.startMs));

  const options = useCallback(
    (c: ChartColors): Omit<uPlot.Options, 'width' | 'height'> => ({
      ms: 1,
      legend: { live: true },
      cursor: { drag: { x: true, y: false, setScale: true } },
      scales: { x: { time: true, range: (_u, min, max) => [Math.min(min, xMin), max] } },
      axes: [
        { stroke: c.text, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 } },
        { stroke: c.text, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 }, size: 56, values: (_u, vals) => vals.map((v) => formatValue(v)) },
      ],
      series: [
        { label: 'time', value: (_u, v) => (v === null ? '—' : absoluteTime(v)) },
        { label: a.metricName, stroke: c.line, width: 1.5, points: { show: false }, value: (_u, v) => formatValue(v) },
        { label: perPointBand ? 'expected' : 'expected (at peak)', stroke: c.expected, width: 1, dash: [6, 4], points: { show: false }, value: (_u, v) => formatValue(v) },
        { label: 'upper', class: 'band-edge', stroke: 'transparent', points: { show: false }, value: (_u, v) => formatValue(v) },
        { label: 'lower', class: 'band-edge', stroke: 'transparent', points: { show: false }, value: (_u, v) => formatValue(v) },
      ],
      bands: [{ series: [3, 4], fill: c.band }],
      hooks: {
        drawClear: [(u) => shadeSpan(u, a.startMs, a.endMs ?? lastMs, c.anomaly)],
        draw: [
          (u) => {
            for (const e of events) verticalMarker(u, e.timeMs, c.marker, e.name);
          },
        ],
        setScale: [
          (u, key) => {
            if (key !== 'x') return;
            const sx = u.scales.x;
            setZoomed(sx.min !== undefined && sx.max !== undefined && (sx.min > xMin + 1 || sx.max < lastMs - 1));
          },
        ],
      },
    }),
    [a, events, perPointBand, lastMs, xMin],
  );

  const from = Math.min(firstMs, a.startMs);
  const to = Math.max(lastMs, a.endMs ?? lastMs);
  const promLink = prometheusUrl ? prometheusGraphUrl(prometheusUrl, a.seriesKey, from, to) : null;
  const grafLink = grafanaUrl ? grafanaExploreUrl(grafanaUrl, grafanaDatasource, a.seriesKey, from, to) : null;
  const title = `${a.seriesKey} — anomaly ${a.direction} expected from ${absoluteTime(a.startMs)}`;

  return (
    <figure className="card chart-card" id={`anomaly-${a.id}`} data-testid="anomaly-chart">
      <figcaption>
        <span className="chart-title">
          <span className={`role role-${a.role.toLowerCase()}`} title={a.role === 'CAUSAL' ? 'likely part of the cause' : 'a symptom or context'}>
            {a.role === 'CAUSAL' ? 'Causal' : 'Contextual'}
          </span>
          <span className="metric">{a.metricName}</span>
          <span className="sub series-key" title={a.seriesKey}>
            {a.seriesKey}
          </span>
        </span>
        <span className="chart-facts">
          <span>
            {a.direction} expected · peak {formatValue(a.peakValue)} vs {formatValue(a.expected)} ({formatValue(a.lower)}–{formatValue(a.upper)})
          </span>
          <span>score {percent(a.peakScore)}</span>
          <span>{a.endMs === null ? 'ongoing' : 'ended'}</span>
        </span>
      </figcaption>
      {times.length === 0 ? (
        <p className="note empty">No recent points of this series are kept in memory (the server restarted since); open it in Prometheus instead.</p>
      ) : (
        <UPlotChart options={options} data={data} height={height} onChart={(u) => (chart.current = u)} label={`Chart of ${a.metricName} with its expected band; the anomalous span is shaded`} />
      )}
      <div className="chart-actions">
        {zoomed ? (
          <button type="button" className="btn small" onClick={() => chart.current?.setScale('x', { min: xMin, max: lastMs })}>
            Reset zoom
          </button>
        ) : (
          <span className="hint">Drag across the chart to zoom</span>
        )}
        {promLink ? (
          <a className="btn small" href={promLink} target="_blank" rel="noopener noreferrer">
            Open in Prometheus
          </a>
        ) : (
          <Link className="btn small subtle" to="/settings#links" title="Set the Prometheus URL in Settings">
            Prometheus link…
          </Link>
        )}
        {grafLink ? (
          <a className="btn small" href={grafLink} target="_blank" rel="noopener noreferrer">
            Open in Grafana
          </a>
        ) : null}
        {times.length > 0 ? (
          <button
            type="button"
            className="btn small"
            onClick={() => {
              setPngError(null);
              if (chart.current) downloadPng(chart.current, title, `vigil-${safeFileName(a.metricName)}-${a.startMs}.png`).catch((e: Error) => setPngError(e.message));
            }}
          >
            Download PNG
          </button>
        ) : null}
        {pngError ? <span className="error-text">{pngError}</span> : null}
      </div>
    </figure>
  );
}
