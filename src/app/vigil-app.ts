// The running Vigil: store + ingest pipeline + pull sources + periodic flush and checkpoint.
// The HTTP edge (server.ts) calls into it; `vigil serve` starts and stops it.
//
//   start(): open store ─► migrate ─► restore series + checkpoint ─► listen ─► pull / watch
//   every flushInterval: new/changed series ─► store
//   every checkpoint.interval and on stop(): series ─► store, then detector state ─► store
import type { Logger } from 'pino';
import type { ResourceRecord, SeriesDescriptor, VigilEvent, Labels, MetricType } from '../core/model/index.js';
import type { Store } from '../core/ports/index.js';
import { IngestPipeline, createIngestCounts, resetIngestCounts, guessMetricType, SERIES_LIMIT, type IngestCounts, type SampleBatchLike } from '../core/pipeline/index.js';
import { CounterRates, classifyMetric } from '../core/semantics/index.js';
import { ResourceRules } from '../core/resources/index.js';
import type { ResolvedConfig } from './config.js';
import { SelfMetrics } from './self-metrics.js';

export const CHECKPOINT_NAME = 'detectors';
const FLUSH_INTERVAL_MS = 2000;

export interface Clock {
  now(): number;
}

export interface VigilAppDeps {
  readonly config: ResolvedConfig;
  readonly store: Store;
  readonly log: Logger;
  readonly clock?: Clock;
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
  private readonly rules: ResourceRules;
  private readonly seriesPerResource = new Map<string, number>();
  private countedSeries = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Stream (sample) time of the newest accepted sample, for resource retirement. */
  private streamTimeMs = 0;
  readonly pullStatus: { state?: string } = {};

  constructor(deps: VigilAppDeps) {
    this.config = deps.config;
    this.store = deps.store;
    this.log = deps.log;
    this.clock = deps.clock ?? { now: () => Date.now() };
    this.startedMs = this.clock.now();
    this.rules = new ResourceRules(this.config.resolved.resourceRules);
  }

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
    const { pipeline, restoredSeries, problem } = IngestPipeline.restore(opts, series, cp?.data ?? null);
    this.pipeline = pipeline;
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

  private async flushNow(includeTouched: boolean): Promise<void> {
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
    for (const [key, r] of this.resources) {
      if (r.retiredMs === null && r.lastSeenMs < limit) {
        this.resources.set(key, { ...r, retiredMs: this.streamTimeMs });
        retired.push(key);
      }
    }
    return retired;
  }
}

export { createIngestCounts, resetIngestCounts };
