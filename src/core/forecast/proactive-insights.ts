/**
 * Proactive insights: a capacity-like series predicted to reach its limit inside the horizon
 * (DevOps Guru's ProactiveInsight with a PredictionTimeRange; devops-guru.md).
 *
 *   sample ─► capacityTarget (once per series) ─► CapacityForecaster.update       per sample, O(1)
 *          every `evaluateEverySamples` samples of that series:
 *          ─► trend significant and heading for the limit?  enough history?
 *          ─► exhaustion inside the horizon?  ─► open / update (NEW_INSIGHT, SEVERITY_UPGRADED)
 *          ─► no risk for `closeAfterQuietEvaluations` evaluations ─► CLOSED (CLOSED_INSIGHT)
 *
 * Noise guards, each because a forecast that flags everything gets muted:
 * - at least `minHistoryMs` of data and `minPoints` buckets;
 * - the slope must be `minTStat` standard errors from zero, the standard error inflated for
 *   autocorrelated residuals (see capacity-forecaster.ts);
 * - before two days of history the daily cycle is unknown, so a crossing is only believed when it
 *   is predicted within EXTRAPOLATION_RATIO × the history seen (one extrapolates about as far as one
 *   has looked back); after that the full horizon applies;
 * - a jump in the good direction well outside the interval (a cleanup, a resize, a renewal) twice
 *   in a row resets the series' history, so the old trend stops predicting a crossing.
 * Time comes only from the samples.
 */
import type { Insight, InsightPrediction, InsightTransition, SeriesDescriptor, Severity } from '../model/index.js';
import { CapacityForecaster } from './capacity-forecaster.js';
import { GROWTH_FACTOR, capacityTarget, hostOf, type CapacityContext, type CapacityTarget } from './capacity-target.js';

/** The subset of SeriesDescriptor proactive insights need. */
export type ProactiveSeries = Pick<SeriesDescriptor, 'id' | 'key' | 'name' | 'labels' | 'resource' | 'application' | 'kind' | 'badDirection'>;

export interface ProactiveInsightsOptions {
  /** How far ahead an exhaustion opens an insight (default 28 days). */
  readonly horizonMs?: number;
  /** Re-evaluate a series every this many of its samples (default 10). */
  readonly evaluateEverySamples?: number;
  /** History needed before a forecast may open an insight (default 1 hour). */
  readonly minHistoryMs?: number;
  /** Non-empty forecaster buckets needed (default 8). */
  readonly minPoints?: number;
  /** |slope| / standard error needed (default 4). */
  readonly minTStat?: number;
  /** Consecutive evaluations without risk before an insight closes (default 3). */
  readonly closeAfterQuietEvaluations?: number;
  /** Prediction interval half-width in σ (default 1.96). */
  readonly intervalZ?: number;
  /** Closed insights kept for insights() (default 256, oldest dropped first). */
  readonly keepClosed?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Before the daily profile is known, believe crossings at most this many history-spans ahead. */
export const EXTRAPOLATION_RATIO = 0.25;
/** A good-direction jump must exceed this many interval half-widths, and JUMP_HEADROOM of the headroom. */
const JUMP_HALF_WIDTHS = 2;
const JUMP_HEADROOM = 0.02;
const JUMP_STRIKES = 2;
/** Recent windows tried when the whole window shows no risk; their trend needs RECENT_EXTRA_T more standard errors. */
const RECENT_WINDOWS_MS = [4 * HOUR_MS, 8 * HOUR_MS, 16 * HOUR_MS, 32 * HOUR_MS] as const;
const RECENT_EXTRA_T = 2;
/** A recent window's trend is believed this many window lengths ahead. */
const RECENT_EXTRAPOLATION = 8;
/** Series ids below this are remembered in `skip` (series ids are dense, from 0). */
const MAX_SKIP_ID = 1 << 24;
const SEVERITY_RANK: Readonly<Record<Severity, number>> = { LOW: 0, MEDIUM: 1, HIGH: 2 };

interface Track {
  readonly series: ProactiveSeries;
  readonly target: CapacityTarget;
  /** Forecaster id, -1 for deadline series. */
  readonly fid: number;
  samples: number;
  quiet: number;
  jumpStrikes: number;
  /** The recent window the open prediction came from (null: the whole window). */
  windowFromMs: number | null;
  open: Insight | null;
}

export class ProactiveInsights {
  readonly forecaster: CapacityForecaster;
  private readonly horizonMs: number;
  private readonly every: number;
  private readonly minHistoryMs: number;
  private readonly minPoints: number;
  private readonly minTStat: number;
  private readonly closeAfter: number;
  private readonly keepClosed: number;
  /** By series id; null: looked at, not capacity-like. */
  private readonly tracks = new Map<number, Track | null>();
  /**
   * By series id, 1: looked at and not capacity-like — most series, so `observe` answers them from
   * a typed array instead of a Map lookup per sample (measured: docs/adr/0005, throughput attempts).
   */
  private skip = new Uint8Array(1024);
  private readonly openById = new Map<string, Insight>();
  /**
   * Open insight id by what it is about (rule, resource, subject): node_exporter reports a
   * filesystem as both free and available bytes, and one disk filling is one insight.
   */
  private readonly openBySubject = new Map<string, string>();
  private closed: Insight[] = [];
  private transitions: InsightTransition[] = [];
  private changed = new Map<string, Insight>();

  constructor(options: ProactiveInsightsOptions = {}) {
    this.horizonMs = options.horizonMs ?? 28 * DAY_MS;
    this.every = Math.max(1, Math.floor(options.evaluateEverySamples ?? 10));
    this.minHistoryMs = options.minHistoryMs ?? HOUR_MS;
    this.minPoints = Math.max(3, options.minPoints ?? 8);
    this.minTStat = options.minTStat ?? 4;
    this.closeAfter = Math.max(1, options.closeAfterQuietEvaluations ?? 3);
    this.keepClosed = options.keepClosed ?? 256;
    this.forecaster = new CapacityForecaster({ intervalZ: options.intervalZ });
  }

  /**
   * Feeds one sample of a series (any series: non-capacity ones are remembered and skipped in
   * O(1)). `context.maxValue` is a known `_max` sibling (pool size), read on the first sample.
   */
  observe(series: ProactiveSeries, timeMs: number, value: number, context?: CapacityContext): void {
    const id = series.id;
    if (id < this.skip.length && this.skip[id] === 1) return;
    let track = this.tracks.get(id);
    if (track === undefined) {
      if (!Number.isFinite(value)) return;
      const target = capacityTarget(series, value, context);
      track = target === null ? null : { series, target, fid: target.mode === 'deadline' ? -1 : this.forecaster.add(), samples: 0, quiet: 0, jumpStrikes: 0, windowFromMs: null, open: null };
      this.tracks.set(id, track);
      if (track === null && Number.isInteger(id) && id >= 0 && id < MAX_SKIP_ID) this.markSkipped(id);
    }
    if (track === null || !Number.isFinite(value)) return;
    if (track.fid >= 0) this.forecaster.update(track.fid, timeMs, value);
    track.samples++;
    if (track.samples % this.every !== 1 % this.every) return;
    const prediction = track.target.mode === 'deadline' ? this.deadlineRisk(track, timeMs, value) : this.forecastRisk(track, timeMs, value);
    this.apply(track, timeMs, prediction);
  }

  private markSkipped(id: number): void {
    if (id >= this.skip.length) {
      let n = this.skip.length * 2;
      while (n <= id) n *= 2;
      const next = new Uint8Array(n);
      next.set(this.skip);
      this.skip = next;
    }
    this.skip[id] = 1;
  }

  /** Ongoing insights, then the most recently closed ones. */
  insights(): Insight[] {
    return [...this.openById.values(), ...this.closed];
  }

  /** The forecaster's bucketed history of a series (days, where the raw history keeps hours), or null. */
  historyOf(seriesId: number): { timesMs: number[]; values: number[] } | null {
    const track = this.tracks.get(seriesId);
    return track && track.fid >= 0 ? this.forecaster.history(track.fid) : null;
  }

  /**
   * The fitted forecast of a series from `fromMs` to `toMs` in `points` steps (for charts), or null
   * when the series is not forecast (not capacity-like, a deadline, or not enough data yet).
   */
  forecastCurve(seriesId: number, fromMs: number, toMs: number, points = 120): { timesMs: number[]; expected: number[]; lower: number[]; upper: number[] } | null {
    const track = this.tracks.get(seriesId);
    if (!track || track.fid < 0 || !(toMs > fromMs)) return null;
    const n = Math.max(2, Math.min(2000, Math.floor(points)));
    this.forecaster.setWindowStart(track.fid, track.windowFromMs);
    const out = { timesMs: [] as number[], expected: [] as number[], lower: [] as number[], upper: [] as number[] };
    for (let i = 0; i < n; i++) {
      const t = fromMs + ((toMs - fromMs) * i) / (n - 1);
      const p = this.forecaster.forecast(track.fid, t);
      if (p === null) return null;
      out.timesMs.push(t);
      out.expected.push(p.value);
      out.lower.push(p.lower);
      out.upper.push(p.upper);
    }
    return out;
  }

  /** Transitions since the last call, in the order they happened. */
  drainTransitions(): InsightTransition[] {
    const out = this.transitions;
    this.transitions = [];
    return out;
  }

  /** Insights opened, updated or closed since the last call (latest version of each). */
  drainChanged(): Insight[] {
    const out = [...this.changed.values()];
    this.changed = new Map();
    return out;
  }

  private deadlineRisk(track: Track, nowMs: number, value: number): InsightPrediction | null {
    // probe_ssl_earliest_cert_expiry and x509_cert_not_after are unix seconds; tolerate ms, and a
    // small value is read as seconds remaining (some exporters report that).
    const deadlineMs = value >= 1e11 ? value : value >= 1e8 ? value * 1000 : nowMs + value * 1000;
    if (deadlineMs - nowMs > this.horizonMs) return null;
    return { seriesKey: track.series.key, earliestMs: deadlineMs, expectedMs: deadlineMs, latestMs: deadlineMs, limit: track.target.limit };
  }

  private forecastRisk(track: Track, nowMs: number, value: number): InsightPrediction | null {
    const f = this.forecaster;
    f.setWindowStart(track.fid, null);
    track.windowFromMs = null;
    const full = this.fullWindowRisk(track, nowMs, value);
    if (full !== null) return full;
    const trend = f.trend(track.fid);
    // Only once the daily profile is known: a few hours of an unmodelled daily swing look like a trend.
    if (trend === null || !trend.seasonal) return null;
    // A recent regime the whole window averages away (a disk that began filling hours ago after
    // days of calm): the last 4, 8, 16 and 32 hours (up to half the window), with a stricter t.
    for (const windowMs of RECENT_WINDOWS_MS) {
      if (windowMs < this.minHistoryMs || windowMs > trend.spanMs / 2) continue;
      f.setWindowStart(track.fid, trend.lastMs - windowMs);
      const p = this.riskFromFit(track, nowMs, this.minTStat + RECENT_EXTRA_T, RECENT_EXTRAPOLATION * windowMs);
      if (p !== null) {
        track.windowFromMs = trend.lastMs - windowMs;
        return p;
      }
    }
    f.setWindowStart(track.fid, null);
    return null;
  }

  private fullWindowRisk(track: Track, nowMs: number, value: number): InsightPrediction | null {
    const f = this.forecaster;
    const { target } = track;
    const trend = f.trend(track.fid);
    if (trend === null) return null;
    const limit = target.mode === 'growth' ? GROWTH_FACTOR * trend.typical : target.limit;
    if (!Number.isFinite(limit) || (target.mode === 'growth' && !(trend.typical > 0))) return null;
    const down = target.direction === 'down';
    // A cleanup / resize / renewal: the value left the interval on the good side, far.
    const fc = f.forecast(track.fid, nowMs);
    if (fc !== null) {
      const half = fc.upper - fc.value;
      const gain = down ? value - fc.value : fc.value - value;
      if (gain > JUMP_HALF_WIDTHS * half && gain > JUMP_HEADROOM * Math.abs(fc.value - limit)) {
        if (++track.jumpStrikes >= JUMP_STRIKES) {
          track.jumpStrikes = 0;
          f.reset(track.fid);
          f.update(track.fid, nowMs, value);
          return null;
        }
      } else {
        track.jumpStrikes = 0;
      }
    }
    return this.riskFromFit(track, nowMs, this.minTStat, trend.seasonal ? this.horizonMs : EXTRAPOLATION_RATIO * trend.spanMs);
  }

  /** Exhaustion inside min(horizon, maxAheadMs) by the forecaster's current fit, if the trend is significant. */
  private riskFromFit(track: Track, nowMs: number, minT: number, maxAheadMs: number): InsightPrediction | null {
    const f = this.forecaster;
    const { target } = track;
    const trend = f.trend(track.fid);
    if (trend === null) return null;
    const limit = target.mode === 'growth' ? GROWTH_FACTOR * trend.typical : target.limit;
    if (!Number.isFinite(limit) || (target.mode === 'growth' && !(trend.typical > 0))) return null;
    const down = target.direction === 'down';
    if (trend.spanMs < this.minHistoryMs || trend.points < this.minPoints) return null;
    const heading = down ? trend.slopePerMs < 0 : trend.slopePerMs > 0;
    if (!heading || Math.abs(trend.tStat) < minT) return null;
    const horizon = Math.min(this.horizonMs, maxAheadMs);
    const ex = f.exhaustion(track.fid, nowMs, limit, target.direction, horizon);
    if (ex === null) return null;
    return { seriesKey: track.series.key, earliestMs: Math.round(ex.earliestMs), expectedMs: Math.round(ex.expectedMs), latestMs: Math.round(ex.latestMs), limit };
  }

  private apply(track: Track, nowMs: number, prediction: InsightPrediction | null): void {
    const open = track.open;
    if (prediction === null) {
      if (open === null) return;
      if (++track.quiet < this.closeAfter) return;
      const closed: Insight = { ...open, status: 'CLOSED', endMs: nowMs, updatedMs: nowMs };
      track.open = null;
      track.quiet = 0;
      this.openById.delete(open.id);
      if (this.openBySubject.get(subjectKey(track)) === open.id) this.openBySubject.delete(subjectKey(track));
      this.closed.push(closed);
      if (this.closed.length > this.keepClosed) this.closed = this.closed.slice(this.closed.length - this.keepClosed);
      this.record(closed, 'CLOSED_INSIGHT', nowMs);
      return;
    }
    track.quiet = 0;
    const severity = severityFor(track.target, prediction.expectedMs - nowMs);
    const name = insightName(track.series, track.target, prediction.expectedMs - nowMs);
    if (open === null) {
      const subject = subjectKey(track);
      if (this.openBySubject.has(subject)) return; // another series of the same disk already has it
      const insight: Insight = {
        id: proactiveInsightId(track.series.key, nowMs),
        type: 'PROACTIVE',
        name,
        severity,
        status: 'ONGOING',
        application: track.series.application,
        startMs: nowMs,
        endMs: null,
        updatedMs: nowMs,
        resources: [track.series.resource],
        anomalyIds: [],
        eventIds: [],
        rootCauses: [],
        recommendations: [],
        prediction,
      };
      track.open = insight;
      this.openById.set(insight.id, insight);
      this.openBySubject.set(subject, insight.id);
      this.record(insight, 'NEW_INSIGHT', nowMs);
      return;
    }
    // Severity only rises while an insight is open (an upgrade is notified, a wobble back is not).
    const upgraded = SEVERITY_RANK[severity] > SEVERITY_RANK[open.severity];
    const old = open.prediction;
    const toGo = Math.max(1, (old?.expectedMs ?? nowMs) - nowMs);
    const moved = old === null || Math.abs(prediction.expectedMs - old.expectedMs) > 0.1 * toGo;
    if (!upgraded && !moved && name === open.name) return;
    const next: Insight = { ...open, name, severity: upgraded ? severity : open.severity, updatedMs: nowMs, prediction };
    track.open = next;
    this.openById.set(next.id, next);
    if (upgraded) this.record(next, 'SEVERITY_UPGRADED', nowMs);
    else this.changed.set(next.id, next);
  }

  private record(insight: Insight, type: InsightTransition['type'], timeMs: number): void {
    this.transitions.push({ insightId: insight.id, type, timeMs, severity: insight.severity });
    this.changed.set(insight.id, insight);
  }
}

/** What an insight is about: one per rule, resource and filled-in subject ("Disk /data" on db-1). */
function subjectKey(track: Track): string {
  return `${track.target.rule}\u0000${track.series.resource}\u0000${track.target.subject}`;
}

/** Severity by time to exhaustion, with the thresholds of the series' rule (default < 1 d HIGH, < 7 d MEDIUM). */
export function severityFor(target: Pick<CapacityTarget, 'highBelowMs' | 'mediumBelowMs'>, toGoMs: number): Severity {
  if (toGoMs < target.highBelowMs) return 'HIGH';
  if (toGoMs < target.mediumBelowMs) return 'MEDIUM';
  return 'LOW';
}

/** "Disk /data on db-1 predicted to fill in 3 days", "TLS certificate for api.example.com expires in 9 days". */
export function insightName(series: Pick<ProactiveSeries, 'labels' | 'resource'>, target: Pick<CapacityTarget, 'subject' | 'outcome' | 'located'>, toGoMs: number): string {
  let out = target.subject;
  if (!target.located) {
    const l = series.labels;
    const where = (l.instance ? hostOf(l.instance) : '') || l.node || l.host || l.hostname || l.pod || series.resource;
    if (where) out += ' on ' + where;
  }
  return `${out} ${target.outcome} ${toGoMs <= 0 ? 'now' : 'in ' + formatDuration(toGoMs)}`;
}

/** Rounded, in the largest unit that reads naturally: "45 minutes", "5 hours", "3 days". */
export function formatDuration(ms: number): string {
  const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms < 90 * 60_000) return plural(Math.max(1, Math.round(ms / 60_000)), 'minute');
  if (ms < 48 * HOUR_MS) return plural(Math.round(ms / HOUR_MS), 'hour');
  return plural(Math.round(ms / DAY_MS), 'day');
}

/** Deterministic: the same series opening at the same stream time always gets the same id. */
export function proactiveInsightId(seriesKey: string, startMs: number): string {
  // FNV-1a, 32 bits twice with different offsets: short, stable, no crypto module in core.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < seriesKey.length; i++) {
    const c = seriesKey.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193);
  }
  const hex = (h: number): string => (h >>> 0).toString(16).padStart(8, '0');
  return `proactive-${hex(h1)}${hex(h2)}-${Math.floor(startMs).toString(36)}`;
}
