// The running Vigil: store + ingest pipeline + pull sources + periodic flush and checkpoint.
// The HTTP edge (server.ts) calls into it; `vigil serve` starts and stops it.
//
//   start(): open store ─► migrate ─► restore series + checkpoint ─► listen ─► pull / watch
//   every flushInterval: new/changed series ─► store
//   every checkpoint.interval and on stop(): series ─► store, then detector state ─► store
import type { Logger } from 'pino';
import type { ResourceRecord, SeriesDescriptor, VigilEvent, Labels, MetricType } from '../core/model/index.js';
import type { Store } from '../core/ports/index.js';
import { IngestPipeline, SeriesHistory, createIngestCounts, resetIngestCounts, guessMetricType, SERIES_LIMIT, type IngestCounts, type SampleBatchLike } from '../core/pipeline/index.js';
import { InsightsEngine, type Recommender } from '../core/insights/index.js';
import { ProactiveInsights } from '../core/forecast/index.js';
import type { DetectorBatchDetails } from '../core/detect/index.js';
import type { Anomaly, Insight, FeedbackValue, Sensitivity } from '../core/model/index.js';
import type { CoverageSetting, SensitivityScope } from '../core/ports/index.js';
import { CounterRates, classifyMetric, neverNegative } from '../core/semantics/index.js';
import { ResourceRules } from '../core/resources/index.js';
import type { ResolvedConfig } from './config.js';
import { SelfMetrics } from './self-metrics.js';

export const CHECKPOINT_NAME = 'detectors';

/**
 * When a series opens an anomaly, per sensitivity — one step stricter than the tracker's own
 * defaults: measured on `npm run eval:scenarios`, the defaults opened 28 insights in 14 quiet days,
 * these open 1 while catching all 13 incidents with one insight each (docs/adr/0006-insights-engine.md).
 * `drift`: how many times its largest normal hourly change a saturation / capacity series must move
 * in an hour (slow leaks and filling volumes, which the detector follows).
 */
export const SERVE_OPEN_RULES = {
  HIGH: { extreme: 0.9999, persistent: 0.99, k: 3, n: 6, drift: 4 },
  MEDIUM: { extreme: 0.99999, persistent: 0.999, k: 4, n: 6, drift: 5 },
  LOW: { extreme: 0.999999, persistent: 0.9999, k: 4, n: 6, drift: 8 },
} as const;
const FLUSH_INTERVAL_MS = 2000;

export interface Clock {
  now(): number;
}

export interface VigilAppDeps {
  readonly config: ResolvedConfig;
  readonly store: Store;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Recommendations for an insight (the knowledge base). */
  readonly recommender?: Recommender;
  /** Caller -> callees by resource key, when known (service graph). */
  readonly dependencies?: ReadonlyMap<string, readonly string[]>;
}

export class VigilApp {
  readonly config: ResolvedConfig;
  readonly store: Store;
  readonly log: Logger;
  readonly clock: Clock;
  readonly metrics = new SelfMetrics();
  readonly startedMs: number;
  pipeline!: IngestPipeline;
  /** Metric family -> type, from remote-write metadata and Prometheus' /api/v1/metadata. */
  readonly metricTypes = new Map<string, MetricType>();
  private readonly resources = new Map<string, ResourceRecord>();
  private rules: ResourceRules;
  private readonly seriesPerResource = new Map<string, number>();
  private countedSeries = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Stream (sample) time of the newest accepted sample, for resource retirement. */
  private streamTimeMs = 0;
  readonly pullStatus: { state?: string } = {};
  /** Recent points of every series (evidence windows, charts). */
  readonly history = new SeriesHistory();
  readonly engine: InsightsEngine;
  readonly proactive: ProactiveInsights;
  private readonly recommender: Recommender | undefined;
  private readonly learningMs: number;
  private readonly proactiveRecommendations = new Map<string, Insight['recommendations']>();
  private coverageSetting: CoverageSetting;
  private readonly insightListeners = new Set<(insights: readonly Insight[]) => void>();
  private readonly stopListeners = new Set<() => void>();
  private readonly point = { score: 0, expected: NaN, lower: NaN, upper: NaN, direction: 0, cause: 0 };

  constructor(deps: VigilAppDeps) {
    this.config = deps.config;
    this.store = deps.store;
    this.log = deps.log;
    this.clock = deps.clock ?? { now: () => Date.now() };
    this.startedMs = this.clock.now();
    this.rules = new ResourceRules(this.config.resolved.resourceRules);
    this.coverageSetting = this.config.resolved.resourceRules.coverage;
    this.recommender = deps.recommender;
    this.learningMs = this.config.insights.learningPeriod;
    this.proactive = new ProactiveInsights({ minHistoryMs: this.config.insights.forecastMinHistory });
    this.engine = new InsightsEngine({ sensitivity: this.config.insights.sensitivity, tracker: { rules: SERVE_OPEN_RULES }, ...(deps.recommender ? { recommender: deps.recommender } : {}), ...(deps.dependencies ? { dependencies: deps.dependencies } : {}) });
  }

  /** The newest sample time seen (stream time), or the wall clock before any sample. */
  streamNow(): number {
    return this.streamTimeMs || this.clock.now();
  }

  /** Resources that reported at or after `sinceMs` (stream time). */
  resourcesSeenSince(sinceMs: number): number {
    let n = 0;
    for (const r of this.resources.values()) if (r.lastSeenMs >= sinceMs) n++;
    return n;
  }

  coverage(): CoverageSetting {
    return this.coverageSetting;
  }

  /** Replaces the coverage: applies to series seen from now on; stored so it survives restarts. */
  async setCoverage(coverage: CoverageSetting): Promise<void> {
    await this.store.setCoverage(coverage);
    this.applyCoverage(coverage);
  }

  private applyCoverage(coverage: CoverageSetting): void {
    this.coverageSetting = coverage;
    this.rules = new ResourceRules({ ...this.config.resolved.resourceRules, coverage });
    this.pipeline?.forgetNotCovered();
  }

  /** Records feedback in the engine and persists any sensitivity it lowered. */
  async applyFeedback(insight: Insight, value: FeedbackValue): Promise<void> {
    const r = this.engine.feedback(insight.id, value);
    if (!r.ok) {
      // The insight is no longer in memory: lower its application's sensitivity from the stored copy.
      if ((value === 'TOO_SENSITIVE' || value === 'NOISY_DATA') && insight.application) {
        const cur = this.engine.sensitivityOf(insight.application, -1);
        const next = cur === 'HIGH' ? 'MEDIUM' : 'LOW';
        this.engine.setApplicationSensitivity(insight.application, next);
        await this.store.setSensitivity(`application:${insight.application}`, next);
      }
      return;
    }
    for (const l of r.lowered) await this.store.setSensitivity(l.scope === 'application' ? `application:${l.key}` : `series:${l.key}`, l.sensitivity);
  }

  /** Scored points of each batch: history for charts, then the anomaly tracker. */
  private observe = (ids: Int32Array, timesMs: Float64Array, values: Float64Array, scores: Float64Array, d: DetectorBatchDetails, count: number): void => {
    const p = this.point;
    for (let i = 0; i < count; i++) {
      const id = ids[i]!;
      this.history.append(id, timesMs[i]!, values[i]!);
      const series = this.pipeline.descriptor(id)!;
      const t = timesMs[i]!;
      // Still learning: the score is not yet trusted enough to open an anomaly.
      if (t - series.firstSeenMs >= this.learningMs) {
        p.score = scores[i]!;
        p.expected = d.expected[i]!;
        p.lower = d.lower[i]!;
        p.upper = d.upper[i]!;
        p.direction = d.direction[i]!;
        p.cause = d.cause[i]!;
        this.engine.observe(series, t, values[i]!, p);
      }
      this.proactive.observe(series, t, values[i]!);
    }
  };

  /** Restores series and detector state from the store. */
  async restore(): Promise<void> {
    const series = await this.store.listSeries();
    const cp = await this.store.loadCheckpoint(CHECKPOINT_NAME);
    const opts = {
      place: (labels: Labels) => this.rules.resolve(labels),
      classify: (input: { name: string; unit?: string; type: MetricType; labels: Labels }) => classifyMetric(input, this.config.semantics.overrides),
      rates: new CounterRates(),
      maxSeries: this.config.ingest.maxSeries,
    };
    const coverage = await this.store.getCoverage();
    if (coverage !== null) this.applyCoverage(coverage);
    for (const s of await this.store.listSensitivity()) {
      if (s.scope.startsWith('application:')) this.engine.setApplicationSensitivity(s.scope.slice('application:'.length), s.level);
    }
    const { pipeline, restoredSeries, problem } = IngestPipeline.restore(opts, series, cp?.data ?? null);
    this.pipeline = pipeline;
    pipeline.setObserver(this.observe);
    for (const s of await this.store.listSensitivity()) {
      if (!s.scope.startsWith('series:')) continue;
      const id = series.find((x) => x.key === s.scope.slice('series:'.length))?.id;
      if (id !== undefined) this.engine.setSeriesSensitivity(id, s.level);
    }
    const since = (cp?.timeMs ?? this.clock.now()) - 6 * 3_600_000;
    for (const e of await this.store.listEvents({ fromMs: since, limit: 1000 })) this.engine.addEvent(e);
    if (problem) this.log.warn({ problem }, 'detector checkpoint not used');
    for (const s of series) this.touchResource(s);
    for (const res of await this.store.listResources({ includeRetired: true })) {
      const mine = this.resources.get(res.key);
      this.resources.set(res.key, mine ? { ...mine, firstSeenMs: Math.min(mine.firstSeenMs, res.firstSeenMs) } : res);
    }
    this.log.info({ series: series.length, restoredDetectors: restoredSeries, checkpointTimeMs: cp?.timeMs ?? null }, 'state restored');
  }

  startTimers(): void {
    this.flushTimer = setInterval(() => void this.flush().catch((err) => this.log.error({ err }, 'flush failed')), FLUSH_INTERVAL_MS);
    this.flushTimer.unref();
    this.checkpointTimer = setInterval(() => void this.checkpoint().catch((err) => this.log.error({ err }, 'checkpoint failed')), this.config.checkpoint.interval);
    this.checkpointTimer.unref();
  }

  /** Series id for a label set (registering it), or -1 when not analysed. */
  seriesId(labels: Labels, timeMs: number, type?: MetricType): number {
    const name = labels.__name__ ?? '';
    const t = type ?? this.metricTypes.get(name) ?? guessMetricType(name);
    const id = this.pipeline.seriesId(labels, t, timeMs);
    if (id === SERIES_LIMIT) {
      this.metrics.reject('series_limit', 1);
      return -1;
    }
    return id;
  }

  /** Applies a decoded batch and records the outcome in the self metrics. */
  ingest(batch: SampleBatchLike, counts: IngestCounts): void {
    this.pipeline.ingest(batch, counts);
    const m = this.metrics;
    m.samplesReceived.value += batch.count;
    m.samplesAccepted.value += counts.accepted;
    m.reject('out_of_order', counts.outOfOrder);
    m.reject('duplicate', counts.duplicate);
    m.reject('non_finite', counts.nonFinite);
    m.reject('stale_marker', counts.staleMarkers);
    m.reject('not_analysed', counts.notAnalysed);
    if (counts.accepted > 0) {
      const now = this.clock.now();
      m.newestSampleMs = now;
      // Stream time: the newest sample's own time, bounded by the wall clock.
      for (let i = batch.count - 1; i >= 0; i--) {
        const t = batch.timesMs[i]!;
        if (t > this.streamTimeMs && t <= now + 60_000) {
          this.streamTimeMs = t;
          break;
        }
      }
    }
  }

  /** Samples of one series (pull source): times ascending. */
  ingestSeries(labels: Labels, type: MetricType, timesMs: Float64Array, values: Float64Array): void {
    if (timesMs.length === 0) return;
    const id = this.seriesId(labels, timesMs[0]!, type);
    const ids = new Int32Array(timesMs.length).fill(id);
    const counts = createIngestCounts();
    this.ingest({ ids, timesMs, values, count: timesMs.length }, counts);
  }

  async appendEvents(events: readonly VigilEvent[]): Promise<number> {
    const fresh = await this.store.appendEvents(events);
    this.metrics.eventsReceived.value += fresh;
    for (const e of events) this.engine.addEvent(e);
    return fresh;
  }

  resourceCount(): number {
    let n = 0;
    for (const r of this.resources.values()) if (r.retiredMs === null) n++;
    return n;
  }

  listResources(): ResourceRecord[] {
    return [...this.resources.values()];
  }

  /** Writes new/changed series and resources to the store (serialised: one flush at a time). */
  flush(includeTouched = false): Promise<void> {
    const next = this.flushing.then(() => this.flushNow(includeTouched));
    this.flushing = next.catch(() => undefined);
    return next;
  }

  /** Persists insights, anomalies and transitions the engine changed (transitions feed notifications). */
  async persistInsights(): Promise<void> {
    this.engine.tick(this.streamNow());
    const changed = this.engine.drainChanged();
    const transitions = [...this.engine.drainTransitions(), ...this.proactive.drainTransitions()];
    const proactive = this.proactive.drainChanged().map((ins) => this.withRecommendations(ins));
    const insights = [...changed.insights, ...proactive];
    if (insights.length > 0) await this.store.upsertInsights(insights);
    if (insights.length > 0) this.publishInsights(insights);
    if (changed.anomalies.length > 0) {
      const owner = new Map<string, string>();
      for (const ins of this.engine.insights()) for (const a of ins.anomalyIds) owner.set(a, ins.id);
      const rows = changed.anomalies.filter((a) => owner.has(a.id)).map((a) => ({ insightId: owner.get(a.id)!, anomaly: finiteBand(a) }));
      if (rows.length > 0) await this.store.upsertAnomalies(rows);
    }
    if (transitions.length > 0) {
      await this.store.appendTransitions(transitions);
      for (const t of transitions) this.log.info({ insight: t.insightId, transition: t.type, severity: t.severity }, 'insight');
    }
  }

  /** Sets (or with null, clears) a sensitivity override, in the engine and the store. */
  async setSensitivity(scope: SensitivityScope, level: Sensitivity | null): Promise<void> {
    await this.store.setSensitivity(scope, level);
    const effective = level ?? this.config.insights.sensitivity;
    if (scope.startsWith('application:')) this.engine.setApplicationSensitivity(scope.slice('application:'.length), effective);
    else {
      const id = this.pipeline.idOfKey(scope.slice('series:'.length));
      if (id !== undefined) this.engine.setSeriesSensitivity(id, effective);
    }
  }

  /** Runs when the app stops or closeStreams() is called (open live streams end). */
  onStop(listener: () => void): void {
    this.stopListeners.add(listener);
  }

  offStop(listener: () => void): void {
    this.stopListeners.delete(listener);
  }

  /** Ends open live streams, so the HTTP server can close. */
  closeStreams(): void {
    for (const l of this.stopListeners) l();
    this.stopListeners.clear();
  }

  /** Tells live listeners (server-sent events) about stored insights. */
  publishInsights(insights: readonly Insight[]): void {
    for (const l of this.insightListeners) l(insights);
  }

  /** Called with the insights stored by each persist (created or changed); returns the unsubscribe. */
  onInsights(listener: (insights: readonly Insight[]) => void): () => void {
    this.insightListeners.add(listener);
    return () => this.insightListeners.delete(listener);
  }

  /** History and forecast of a proactive insight's series (for its chart), or null. */
  forecastOf(insight: Insight): { seriesKey: string; limit: number; history: { timesMs: number[]; values: (number | null)[] }; forecast: { timesMs: number[]; expected: number[]; lower: number[]; upper: number[] } | null } | null {
    const p = insight.prediction;
    if (insight.type !== 'PROACTIVE' || p === null) return null;
    const id = this.pipeline.idOfKey(p.seriesKey);
    if (id === undefined) return null;
    // The forecaster's buckets reach back days; the raw ring only the last points.
    const raw = this.history.points(id);
    const buckets = this.proactive.historyOf(id);
    const pts = buckets && buckets.timesMs.length > raw.timesMs.length ? buckets : raw;
    const lastMs = pts.timesMs.length > 0 ? pts.timesMs[pts.timesMs.length - 1]! : this.streamNow();
    // Forecast from the newest point to a little past the latest predicted crossing.
    const until = Math.max(p.latestMs, p.expectedMs) + 0.1 * Math.max(0, p.expectedMs - lastMs);
    const forecast = this.proactive.forecastCurve(id, lastMs, Math.max(until, lastMs + 60_000));
    return { seriesKey: p.seriesKey, limit: p.limit, history: { timesMs: pts.timesMs, values: pts.values.map((v) => (Number.isFinite(v) ? v : null)) }, forecast };
  }

  /** Proactive insights get their recommendations once, when first seen. */
  private withRecommendations(ins: Insight): Insight {
    if (!this.recommender) return ins;
    let recs = this.proactiveRecommendations.get(ins.id);
    if (recs === undefined) {
      recs = this.recommender(ins, [], []);
      this.proactiveRecommendations.set(ins.id, recs);
    }
    return { ...ins, recommendations: recs };
  }

  private async flushNow(includeTouched: boolean): Promise<void> {
    await this.persistInsights();
    const dirty = this.pipeline.takeDirtySeries(includeTouched);
    const changedResources = new Map<string, ResourceRecord>();
    for (const s of dirty) changedResources.set(s.resource, this.touchResource(s));
    for (const key of this.retireIdle()) changedResources.set(key, this.resources.get(key)!);
    if (dirty.length > 0) await this.store.upsertSeries(dirty);
    if (changedResources.size > 0) await this.store.upsertResources([...changedResources.values()]);
  }

  /** Series first, then the detector state taken in the same tick, so every checkpointed id is stored. */
  async checkpoint(): Promise<void> {
    const data = this.pipeline.checkpoint();
    const timeMs = this.streamTimeMs;
    await this.flush(true);
    await this.store.saveCheckpoint(CHECKPOINT_NAME, { timeMs, data });
    this.metrics.checkpoints.value++;
    this.metrics.lastCheckpointMs = this.clock.now();
    this.metrics.lastCheckpointBytes = data.byteLength;
    this.log.debug({ bytes: data.byteLength, series: this.pipeline.seriesCount }, 'checkpoint written');
  }

  /** Flush and checkpoint, then stop timers. The caller closes the store afterwards. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.closeStreams();
    clearInterval(this.flushTimer);
    clearInterval(this.checkpointTimer);
    await this.checkpoint();
  }

  private touchResource(s: SeriesDescriptor): ResourceRecord {
    const prev = this.resources.get(s.resource);
    let rec: ResourceRecord;
    if (!prev) {
      const placement = this.rules.resolve(s.labels);
      rec = {
        key: s.resource, type: placement.resource.type, application: s.application, tags: placement.resource.tags,
        firstSeenMs: s.firstSeenMs, lastSeenMs: s.lastSeenMs, seriesCount: this.countSeries(s.resource), retiredMs: null,
      };
    } else {
      const seriesCount = this.countSeries(s.resource);
      rec = { ...prev, lastSeenMs: Math.max(prev.lastSeenMs, s.lastSeenMs), seriesCount, retiredMs: null };
    }
    this.resources.set(s.resource, rec);
    return rec;
  }

  private countSeries(resource: string): number {
    const all = this.pipeline.allSeries();
    for (; this.countedSeries < all.length; this.countedSeries++) {
      const key = all[this.countedSeries]!.resource;
      this.seriesPerResource.set(key, (this.seriesPerResource.get(key) ?? 0) + 1);
    }
    return Math.max(1, this.seriesPerResource.get(resource) ?? 0);
  }

  /** Resources that stopped reporting for `resources.retireAfter` (stream time) are retired. */
  private retireIdle(): string[] {
    const limit = this.streamTimeMs - this.config.resources.retireAfter;
    const retired: string[] = [];
    if (this.streamTimeMs === 0) return retired;
    // A resource's lastSeenMs is refreshed with its series at checkpoints; before retiring one,
    // ask the pipeline for its series' newest samples (a fast replay moves stream time by days).
    let latest: Map<string, number> | undefined;
    for (const [key, r] of this.resources) {
      if (r.retiredMs !== null || r.lastSeenMs >= limit) continue;
      latest ??= this.latestSamplePerResource();
      const seen = Math.max(r.lastSeenMs, latest.get(key) ?? -Infinity);
      if (seen >= limit) {
        this.resources.set(key, { ...r, lastSeenMs: seen });
        continue;
      }
      this.resources.set(key, { ...r, retiredMs: this.streamTimeMs });
      retired.push(key);
    }
    return retired;
  }

  private latestSamplePerResource(): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.pipeline.allSeries()) {
      const t = this.pipeline.lastSampleTimeMs(s.id);
      if (Number.isFinite(t) && t > (out.get(s.resource) ?? -Infinity)) out.set(s.resource, t);
    }
    return out;
  }
}

export { createIngestCounts, resetIngestCounts };

/**
 * The band as stored and shown. One the detector had not learned yet (NaN) is the peak value itself
 * (a zero-width band). A series that cannot go below zero (a rate, a duration, a usage, a headroom)
 * has its band drawn from zero: the detector's band is symmetric in its residuals and may reach
 * below, which reads as nonsense ("expected −0.4 errors/s") in the dashboard and in messages.
 */
function finiteBand(a: Anomaly): Anomaly {
  const expected0 = Number.isFinite(a.expected) ? a.expected : a.peakValue;
  let lower = Number.isFinite(a.lower) ? a.lower : expected0;
  const upper = Number.isFinite(a.upper) ? a.upper : expected0;
  let expected = expected0;
  if (neverNegative(a.kind) && a.peakValue >= 0) {
    lower = Math.max(0, lower);
    expected = Math.max(0, expected);
  }
  if (expected === a.expected && lower === a.lower && upper === a.upper) return a;
  return { ...a, expected, lower, upper: Math.max(upper, expected) };
}
