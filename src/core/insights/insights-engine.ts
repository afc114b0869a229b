// The insights engine: scored samples and events in, reactive insights out.
//
//   observe(series, t, x, detector output) ─► AnomalyTracker ──(opened / reopened / closed)──┐
//   addEvent(e) ─► recent events per application / resource (bounded)                         │
//                          │                                                                   ▼
//                          └──────────► rankRootCauses ◄──────────── InsightCorrelator (group, grade, name, lifecycle)
//                                           │ recommender hook                                 │
//                                           ▼                                                  ▼
//                       drainTransitions() (to notify) · drainChanged() (to persist) · insights() / anomalies()
//
// Pure: time comes from the samples (and from tick(nowMs), which the caller drives from its stream
// time); nothing here reads a clock. observe() allocates nothing unless an anomaly opens or closes.
import type { Anomaly, EventClass, FeedbackValue, Insight, InsightTransition, Labels, Recommendation, SeriesDescriptor, Sensitivity, VigilEvent } from '../model/index.js';
import { AnomalyTracker, type AnomalyChange, type AnomalyTrackerOptions, type ScoredPoint } from './anomaly-tracker.js';
import { InsightCorrelator, type InsightCorrelatorOptions } from './insight-correlator.js';
import { rankRootCauses, type RootCauseOptions } from './root-cause.js';

export type Recommender = (insight: Insight, anomalies: readonly Anomaly[], events: readonly VigilEvent[]) => Recommendation[];

export interface InsightsEngineOptions {
  /** Sensitivity where no application or series override applies (default MEDIUM). */
  readonly sensitivity?: Sensitivity;
  readonly applicationSensitivity?: Readonly<Record<string, Sensitivity>>;
  readonly tracker?: AnomalyTrackerOptions;
  readonly correlator?: Omit<InsightCorrelatorOptions, 'dependencies' | 'labelsOf'>;
  readonly rootCause?: Omit<RootCauseOptions, 'dependencies' | 'labelsOf'>;
  /** Caller -> callees by resource key (service graph), used for grouping and for the likely origin. */
  readonly dependencies?: ReadonlyMap<string, readonly string[]>;
  readonly recommender?: Recommender;
  /** Recent events kept per application / resource key (default 200). */
  readonly maxEventsPerKey?: number;
  /** Events older than this (before the newest stream time) are dropped (default 6 h; at least the look-back). */
  readonly eventRetentionMs?: number;
}

export type FeedbackResult =
  | { readonly ok: true; readonly lowered: readonly { readonly scope: 'application' | 'series'; readonly key: string; readonly sensitivity: Sensitivity }[] }
  | { readonly ok: false; readonly code: 'VIGIL_ERR_INSIGHT_NOT_FOUND'; readonly reason: string };

const SENSITIVITY_RANK: Readonly<Record<Sensitivity, number>> = { LOW: 0, MEDIUM: 1, HIGH: 2 };
const SENSITIVITIES: readonly Sensitivity[] = ['LOW', 'MEDIUM', 'HIGH'];
const GLOBAL_KEY = 'global';
/**
 * Changes after which new anomalies do not join an unexplained insight that began earlier (see
 * InsightCorrelatorOptions.changeBetween). Scaling is left out: it is usually a reaction to the
 * incident itself (an autoscaler), not a new cause.
 */
const SPLITTING_CLASSES: ReadonlySet<EventClass> = new Set<EventClass>(['DEPLOYMENT', 'CONFIG_CHANGE', 'SCHEMA_CHANGE', 'INFRASTRUCTURE', 'SECURITY_CHANGE']);

function lowerOne(s: Sensitivity): Sensitivity {
  return SENSITIVITIES[Math.max(0, SENSITIVITY_RANK[s] - 1)]!;
}

function lessSensitive(a: Sensitivity, b: Sensitivity): Sensitivity {
  return SENSITIVITY_RANK[a] <= SENSITIVITY_RANK[b] ? a : b;
}

export class InsightsEngine {
  private readonly tracker: AnomalyTracker;
  private readonly correlator: InsightCorrelator;
  private readonly rootCauseOptions: RootCauseOptions;
  private readonly recommender: Recommender | undefined;
  private readonly defaultSensitivity: Sensitivity;
  private readonly appSensitivity = new Map<string, Sensitivity>();
  private readonly seriesSensitivity = new Map<number, Sensitivity>();
  private readonly feedbackByInsight = new Map<string, FeedbackValue>();
  /** Labels of series that had an anomaly, for phrases like "5xx errors". */
  private readonly labels = new Map<string, Labels>();
  private readonly events = new Map<string, VigilEvent[]>();
  private readonly maxEventsPerKey: number;
  private readonly eventRetentionMs: number;
  private readonly lookBackMs: number;
  private nowMs = -Infinity;

  constructor(options: InsightsEngineOptions = {}) {
    this.defaultSensitivity = options.sensitivity ?? 'MEDIUM';
    for (const [app, s] of Object.entries(options.applicationSensitivity ?? {})) this.appSensitivity.set(app, s);
    const labelsOf = (key: string): Labels | undefined => this.labels.get(key);
    this.tracker = new AnomalyTracker(options.tracker);
    const splitWindowMs = options.correlator?.neighbourhoodMs ?? 30 * 60_000;
    const changeBetween = (a: Anomaly, fromMs: number, toMs: number): VigilEvent | null =>
      this.recentEvents({ application: a.application, resources: [a.resource] }).find(
        (e) => SPLITTING_CLASSES.has(e.class) && e.timeMs > fromMs && e.timeMs <= toMs && toMs - e.timeMs <= splitWindowMs,
      ) ?? null;
    this.correlator = new InsightCorrelator({ ...options.correlator, dependencies: options.dependencies, labelsOf, changeBetween });
    this.rootCauseOptions = { ...options.rootCause, dependencies: options.dependencies, labelsOf };
    this.lookBackMs = options.rootCause?.lookBackMs ?? 2 * 3_600_000;
    this.recommender = options.recommender;
    this.maxEventsPerKey = options.maxEventsPerKey ?? 200;
    this.eventRetentionMs = Math.max(options.eventRetentionMs ?? 6 * 3_600_000, this.lookBackMs);
  }

  /**
   * Feeds one scored sample (the detector's output for it). Returns the anomaly change it caused, if
   * any. Hot path: two map look-ups for the sensitivity, no allocation unless an anomaly changes.
   */
  observe(series: SeriesDescriptor, timeMs: number, value: number, out: ScoredPoint): AnomalyChange | null {
    if (timeMs > this.nowMs) this.nowMs = timeMs;
    const change = this.tracker.observe(series, timeMs, value, out, this.sensitivityOf(series.application, series.id));
    if (change === null) return null;
    this.labels.set(series.key, series.labels);
    this.apply(change);
    return change;
  }

  /** Keeps an event in the bounded recent window and re-ranks the ongoing insights it may explain. */
  addEvent(e: VigilEvent): void {
    const keys = this.eventKeys(e);
    let isNew = false;
    for (const key of keys) {
      const list = this.events.get(key) ?? [];
      if (list.some((x) => x.id === e.id)) continue;
      isNew = true;
      // Keep each list in time order; most events arrive last, so insert from the end.
      let i = list.length;
      while (i > 0 && list[i - 1]!.timeMs > e.timeMs) i--;
      list.splice(i, 0, e);
      if (list.length > this.maxEventsPerKey) list.shift();
      this.events.set(key, list);
    }
    if (!isNew) return;
    if (SPLITTING_CLASSES.has(e.class) && (e.application !== null || e.resources.length > 0)) {
      // What the change's series do from now on is a new anomaly, which the change may explain.
      // Only a change that names what it touches: an unscoped one (an IAM edit somewhere in the
      // account) would end every series' cool-down and undo the flapping damping everywhere.
      const touches = (s: SeriesDescriptor): boolean => (e.application !== null && s.application === e.application) || e.resources.includes(s.resource);
      for (const change of this.tracker.interrupt(e.timeMs, touches)) this.apply(change);
    }
    for (const id of this.correlator.ongoingIds()) {
      const ins = this.correlator.insight(id)!;
      if (e.timeMs < ins.startMs - this.lookBackMs) continue;
      const related = (e.application === null && e.resources.length === 0) || (ins.application !== null && e.application === ins.application) || e.resources.some((r) => ins.resources.includes(r));
      if (related) this.analyse(id);
    }
  }

  /** Time passes without samples: closes anomalies of silent series, closes quiet insights, prunes old events. */
  tick(nowMs: number): void {
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    this.flushPeaks();
    for (const change of this.tracker.closeStale(this.nowMs)) this.apply(change);
    this.closeDue();
    this.pruneEvents();
  }

  /**
   * Feedback on an insight. TOO_SENSITIVE and NOISY_DATA lower the sensitivity one step: of the
   * insight's application, or (no application) of each of its series.
   */
  feedback(insightId: string, value: FeedbackValue): FeedbackResult {
    const ins = this.correlator.insight(insightId);
    if (ins === undefined) return { ok: false, code: 'VIGIL_ERR_INSIGHT_NOT_FOUND', reason: `no insight with id ${insightId} (it may have been closed and dropped from memory)` };
    this.feedbackByInsight.set(insightId, value);
    if (value !== 'TOO_SENSITIVE' && value !== 'NOISY_DATA') return { ok: true, lowered: [] };
    const lowered: { scope: 'application' | 'series'; key: string; sensitivity: Sensitivity }[] = [];
    if (ins.application !== null) {
      const next = lowerOne(this.appSensitivity.get(ins.application) ?? this.defaultSensitivity);
      this.appSensitivity.set(ins.application, next);
      lowered.push({ scope: 'application', key: ins.application, sensitivity: next });
    } else {
      const seen = new Set<number>();
      for (const a of this.correlator.anomalies(insightId)) {
        if (seen.has(a.seriesId)) continue;
        seen.add(a.seriesId);
        const next = lowerOne(this.sensitivityOf(null, a.seriesId));
        this.seriesSensitivity.set(a.seriesId, next);
        lowered.push({ scope: 'series', key: a.seriesKey, sensitivity: next });
      }
    }
    return { ok: true, lowered };
  }

  /** The last feedback given on an insight, if any. */
  feedbackOf(insightId: string): FeedbackValue | undefined {
    return this.feedbackByInsight.get(insightId);
  }

  /** Effective sensitivity of a series: the least sensitive of its series and application settings. */
  sensitivityOf(application: string | null, seriesId: number): Sensitivity {
    const bySeries = this.seriesSensitivity.get(seriesId);
    const byApp = application === null ? undefined : this.appSensitivity.get(application);
    if (bySeries === undefined) return byApp ?? this.defaultSensitivity;
    return byApp === undefined ? bySeries : lessSensitive(bySeries, byApp);
  }

  setApplicationSensitivity(application: string, sensitivity: Sensitivity): void {
    this.appSensitivity.set(application, sensitivity);
  }

  setSeriesSensitivity(seriesId: number, sensitivity: Sensitivity): void {
    this.seriesSensitivity.set(seriesId, sensitivity);
  }

  insights(): Insight[] {
    this.flushPeaks();
    return this.correlator.insights();
  }

  insight(id: string): Insight | undefined {
    this.flushPeaks();
    return this.correlator.insight(id);
  }

  anomalies(insightId: string): Anomaly[] {
    this.flushPeaks();
    return this.correlator.anomalies(insightId);
  }

  /** Transitions recorded since the last call, in order (for notification). */
  drainTransitions(): InsightTransition[] {
    this.flushPeaks();
    return this.correlator.drainTransitions();
  }

  /** Insights and anomalies changed since the last call (to persist). */
  drainChanged(): { insights: Insight[]; anomalies: Anomaly[] } {
    this.flushPeaks();
    return this.correlator.drainChanged();
  }

  /** Events relevant to an insight's application and resources still in the recent window. */
  recentEvents(insight: Pick<Insight, 'application' | 'resources'>): VigilEvent[] {
    const out = new Map<string, VigilEvent>();
    const keys = [GLOBAL_KEY, ...insight.resources.map((r) => 'res:' + r)];
    if (insight.application !== null) keys.push('app:' + insight.application);
    for (const key of keys) for (const e of this.events.get(key) ?? []) out.set(e.id, e);
    return [...out.values()].sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : 1));
  }

  // ---- internals

  private apply(change: AnomalyChange): void {
    this.flushPeaks();
    if (change.type === 'OPENED') this.closeDue();
    const id = this.correlator.onAnomaly(change, this.nowMs);
    if (id !== null && change.type !== 'CLOSED') this.analyse(id);
  }

  /** Peaks grow without a tracker change (no allocation per sample); fold them in before reading. */
  private flushPeaks(): void {
    for (const a of this.tracker.drainUpdated()) this.correlator.updateAnomaly(a, this.nowMs);
  }

  private closeDue(): void {
    for (const ins of this.correlator.closeDue(this.nowMs)) {
      // The insight is final: its series' next deviation must be a new anomaly, not a reopening.
      for (const a of this.correlator.anomalies(ins.id)) this.tracker.settle(a.seriesId);
    }
  }

  private analyse(id: string): void {
    const ins = this.correlator.insight(id);
    if (ins === undefined || ins.status === 'CLOSED') return;
    const anomalies = this.correlator.anomalies(id);
    const events = this.recentEvents(ins);
    const result = rankRootCauses(ins, anomalies, events, this.rootCauseOptions);
    const top = result.candidates[0];
    const topEvent = top !== undefined && top.kind === 'EVENT' ? (events.find((e) => e.id === top.ref) ?? null) : null;
    this.correlator.setAnalysis(id, { rootCauses: result.candidates, eventIds: result.eventIds, topEvent }, this.nowMs);
    const recs = this.recommender?.(this.correlator.insight(id)!, this.correlator.anomalies(id), events) ?? [];
    this.correlator.setRecommendations(id, recs, this.nowMs);
  }

  private eventKeys(e: VigilEvent): string[] {
    const keys: string[] = [];
    if (e.application !== null) keys.push('app:' + e.application);
    for (const r of e.resources) keys.push('res:' + r);
    if (keys.length === 0) keys.push(GLOBAL_KEY);
    return keys;
  }

  private pruneEvents(): void {
    // An ongoing insight is re-analysed whenever an anomaly joins it, possibly hours after it began:
    // keep the events its look-back window still needs, or its root cause would silently change.
    let cutoff = this.nowMs - this.eventRetentionMs;
    for (const id of this.correlator.ongoingIds()) cutoff = Math.min(cutoff, this.correlator.insight(id)!.startMs - this.lookBackMs);
    for (const [key, list] of this.events) {
      let i = 0;
      while (i < list.length && list[i]!.timeMs < cutoff) i++;
      if (i === list.length) this.events.delete(key);
      else if (i > 0) list.splice(0, i);
    }
  }
}
