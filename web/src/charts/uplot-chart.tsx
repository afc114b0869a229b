// A uPlot chart as a React component: created once per (options, data), resized with its box,
// rebuilt when the theme changes (canvas colours come from CSS custom properties).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useTheme } from '../theme.js';

export interface ChartColors {
  readonly text: string;
  readonly grid: string;
  readonly line: string;
  readonly expected: string;
  readonly band: string;
  readonly anomaly: string;
  readonly marker: string;
  readonly limit: string;
  readonly forecast: string;
  readonly background: string;
}

export function chartColors(el: Element = document.documentElement): ChartColors {
  const s = getComputedStyle(el);
  const v = (name: string, fallback: string) => s.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--text-muted', '#667'),
    grid: v('--chart-grid', 'rgba(128,128,128,0.18)'),
    line: v('--chart-line', '#2f6fd6'),
    expected: v('--chart-expected', '#8a8f98'),
    band: v('--chart-band', 'rgba(120,140,170,0.18)'),
    anomaly: v('--chart-anomaly', 'rgba(220,60,60,0.14)'),
    marker: v('--chart-marker', '#b26bd6'),
    limit: v('--chart-limit', '#d64545'),
    forecast: v('--chart-forecast', '#d68a1f'),
    background: v('--surface', '#ffffff'),
  };
}

export interface UPlotChartProps {
  /** Builds the options for a width and the current colours (height and width are set here). */
  readonly options: (colors: ChartColors) => Omit<uPlot.Options, 'width' | 'height'>;
  readonly data: uPlot.AlignedData;
  readonly height: number;
  /** Receives the live chart (for PNG export, zoom reset) and null when it goes away. */
  readonly onChart?: (chart: uPlot | null) => void;
  readonly label: string;
}

export function UPlotChart({ options, data, height, onChart, label }: UPlotChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useTheme();
  const onChartRef = useRef(onChart);
  onChartRef.current = onChart;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(280, Math.floor(el.clientWidth));
    const chart = new uPlot({ ...options(chartColors()), width, height }, data, el);
    onChartRef.current?.(chart);
    let lastWidth = width;
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, Math.floor(el.clientWidth));
      if (w !== lastWidth) {
        lastWidth = w;
        chart.setSize({ width: w, height });
      }
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      onChartRef.current?.(null);
      chart.destroy();
    };
  }, [options, data, height, theme.resolved]);

  return <div ref={box} className="chart" role="img" aria-label={label} />;
}

/** Shades [fromMs, toMs] over the plot area (drawn under the series). */
export function shadeSpan(u: uPlot, fromMs: number, toMs: number, fill: string): void {
  const { ctx, bbox } = u;
  const x0 = Math.max(bbox.left, u.valToPos(fromMs, 'x', true));
  const x1 = Math.min(bbox.left + bbox.width, u.valToPos(toMs, 'x', true));
  if (!(x1 > x0)) return;
  ctx.save();
  ctx.fillStyle = fill;
  ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
  ctx.restore();
}

/** A dashed vertical line at `ms` with a short text label at the top (canvas text: never HTML). */
export function verticalMarker(u: uPlot, ms: number, color: string, text?: string): void {
  const { ctx, bbox } = u;
  const x = u.valToPos(ms, 'x', true);
  if (x < bbox.left || x > bbox.left + bbox.width) return;
  const dpr = window.devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5 * dpr;
  ctx.setLineDash([4 * dpr, 3 * dpr]);
  ctx.beginPath();
  ctx.moveTo(x, bbox.top);
  ctx.lineTo(x, bbox.top + bbox.height);
  ctx.stroke();
  if (text) {
    ctx.setLineDash([]);
    ctx.fillStyle = color;
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    const w = ctx.measureText(text).width;
    const tx = x + 4 * dpr + w > bbox.left + bbox.width ? x - 4 * dpr - w : x + 4 * dpr;
    ctx.fillText(text.length > 60 ? text.slice(0, 57) + '…' : text, tx, bbox.top + 12 * dpr);
  }
  ctx.restore();
}

/** A horizontal line at value `y` (a limit). */
export function horizontalLine(u: uPlot, y: number, color: string, text?: string): void {
  const { ctx, bbox } = u;
  const py = u.valToPos(y, 'y', true);
  if (py < bbox.top || py > bbox.top + bbox.height) return;
  const dpr = window.devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5 * dpr;
  ctx.beginPath();
  ctx.moveTo(bbox.left, py);
  ctx.lineTo(bbox.left + bbox.width, py);
  ctx.stroke();
  if (text) {
    ctx.fillStyle = color;
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    // At the left: the right end is where a forecast crosses the limit and its marker stands.
    // (uPlot leaves its own text alignment on the context: set ours.)
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText(text, bbox.left + 10 * dpr, py - 5 * dpr);
  }
  ctx.restore();
}

/** Saves the chart (axes and plot) as a PNG with a title line and an opaque background. */
export function downloadPng(u: uPlot, title: string, fileName: string): Promise<void> {
  const src = u.ctx.canvas;
  const dpr = window.devicePixelRatio || 1;
  const head = Math.round(28 * dpr);
  const out = document.createElement('canvas');
  out.width = src.width;
  out.height = src.height + head;
  const ctx = out.getContext('2d')!;
  const c = chartColors();
  ctx.fillStyle = c.background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--text').trim() || '#111';
  ctx.font = `600 ${13 * dpr}px system-ui, sans-serif`;
  ctx.fillText(title.length > 120 ? title.slice(0, 117) + '…' : title, 8 * dpr, 19 * dpr);
  ctx.drawImage(src, 0, head);
  return new Promise((resolve, reject) => {
    out.toBlob((blob) => {
      if (!blob) return reject(new Error('the browser could not encode the PNG'));
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
      resolve();
    }, 'image/png');
  });
}

/** A file name made only of safe characters. */
export function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'chart';
}
