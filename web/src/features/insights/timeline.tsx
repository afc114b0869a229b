// The aggregated timeline of an insight: one row per anomalous metric with its anomaly span, and the
// relevant events as markers on the same time axis (DevOps Guru's "aggregated metrics" view).
// Plain HTML positioned in percent, so it reflows on any screen and every label is real text.
import type { AnomalyWithSeries, VigilEvent } from '../../api/types.js';
import { absoluteTime, shortTime, titleCase } from '../../format.js';

export interface TimelineProps {
  readonly anomalies: readonly AnomalyWithSeries[];
  readonly events: readonly VigilEvent[];
  /** Where an open anomaly's span ends (the newest data). */
  readonly nowMs: number;
}

export function timelineWindow(anomalies: readonly AnomalyWithSeries[], events: readonly VigilEvent[], nowMs: number): { fromMs: number; toMs: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of anomalies) {
    lo = Math.min(lo, a.startMs);
    hi = Math.max(hi, a.endMs ?? nowMs);
  }
  for (const e of events) {
    lo = Math.min(lo, e.timeMs);
    hi = Math.max(hi, e.timeMs);
  }
  if (!Number.isFinite(lo)) return { fromMs: nowMs - 3_600_000, toMs: nowMs };
  if (hi - lo < 10 * 60_000) {
    const mid = (lo + hi) / 2;
    lo = mid - 5 * 60_000;
    hi = mid + 5 * 60_000;
  }
  const pad = (hi - lo) * 0.06;
  return { fromMs: lo - pad, toMs: hi + pad };
}

function ticks(fromMs: number, toMs: number, count: number): number[] {
  const steps = [60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 7 * 86_400_000];
  const step = steps.find((s) => (toMs - fromMs) / s <= count) ?? steps[steps.length - 1]!;
  const out: number[] = [];
  for (let t = Math.ceil(fromMs / step) * step; t <= toMs; t += step) out.push(t);
  return out;
}

export function Timeline({ anomalies, events, nowMs }: TimelineProps) {
  const { fromMs, toMs } = timelineWindow(anomalies, events, nowMs);
  const frac = (t: number) => (t - fromMs) / (toMs - fromMs);
  const pct = (t: number) => `${(frac(t) * 100).toFixed(3)}%`;
  const sorted = [...anomalies].sort((a, b) => a.startMs - b.startMs);
  // Event labels take lanes so that close events do not write over each other.
  const lanes: number[] = [];
  const laneOf = new Map<string, number>();
  for (const e of [...events].sort((a, b) => a.timeMs - b.timeMs)) {
    let lane = lanes.findIndex((lastFrac) => frac(e.timeMs) - lastFrac > 0.3);
    if (lane === -1) lane = lanes.length < 3 ? lanes.length : 0;
    lanes[lane] = frac(e.timeMs);
    laneOf.set(e.id, lane);
  }
  return (
    <div className="timeline" data-testid="timeline">
      <div className="tl-row tl-events-row" style={{ minHeight: `${16 + 22 * Math.max(1, lanes.length)}px` }}>
        <div className="tl-label">
          Events <span className="count">{events.length}</span>
        </div>
        <div className="tl-track">
          {events.map((e) => (
            <a
              key={e.id}
              href={`#event-${encodeURIComponent(e.id)}`}
              // Labels of events in the right half extend to the left, so they stay inside the track.
              className={`tl-event ev-${e.class.toLowerCase()}${frac(e.timeMs) > 0.55 ? ' flip' : ''}`}
              style={{ top: `${4 + 22 * (laneOf.get(e.id) ?? 0)}px`, ...(frac(e.timeMs) > 0.55 ? { right: `${((1 - frac(e.timeMs)) * 100).toFixed(3)}%` } : { left: pct(e.timeMs) }) }} title={`${titleCase(e.class)}: ${e.name} — ${absoluteTime(e.timeMs)}`} data-testid="timeline-event">
              <span className="tl-diamond" aria-hidden="true" />
              <span className="tl-event-name">{e.name}</span>
            </a>
          ))}
        </div>
      </div>
      <div className="tl-body">
        {sorted.map((a) => {
          const end = a.endMs ?? nowMs;
          return (
            <div key={a.id} className="tl-row">
              <div className="tl-label" title={a.seriesKey}>
                <a href={`#anomaly-${encodeURIComponent(a.id)}`}>{a.metricName}</a>
                <span className="sub">{a.resource}</span>
              </div>
              <div className="tl-track">
                <span
                  className={`tl-span ${a.role === 'CAUSAL' ? 'causal' : 'contextual'}${a.endMs === null ? ' open' : ''}`}
                  style={{ left: pct(a.startMs), width: `max(4px, calc(${pct(end)} - ${pct(a.startMs)}))` }}
                  title={`${a.metricName} ${a.direction} expected, ${absoluteTime(a.startMs)} – ${a.endMs === null ? 'ongoing' : absoluteTime(a.endMs)}`}
                />
              </div>
            </div>
          );
        })}
        <div className="tl-markers" aria-hidden="true">
          {events.map((e) => (
            <span key={e.id} className="tl-line" style={{ left: pct(e.timeMs) }} />
          ))}
        </div>
      </div>
      <div className="tl-row tl-axis" aria-hidden="true">
        <div className="tl-label" />
        <div className="tl-track">
          {ticks(fromMs, toMs, 6).map((t) => (
            <span key={t} className="tl-tick" style={{ left: pct(t) }}>
              {shortTime(t)}
            </span>
          ))}
        </div>
      </div>
    </div>
  );
}
