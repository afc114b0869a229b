/**
 * Pulls series from a Prometheus-compatible API: a warm start from history, then incremental polls.
 *
 *   every discoveryIntervalMs      /api/v1/series (selectors) + /api/v1/metadata
 *        │  new series ──────────► warm start: query_range over [now − warmStartMs, now], chunked
 *        │  vanished > goneAfterMs ► sink.onSeriesGone
 *        ▼
 *   every pollIntervalMs           query_range from each batch's covered time to now
 *        ▼
 *   sink.onSamples(labels, type, timesMs, values)   strictly after the series' last delivered point
 *
 * Why it is shaped this way:
 *  - Warm start and polling are one code path. Each series keeps `coveredUntilMs` (the end of the
 *    last range successfully asked for) and `lastDeliveredMs`; a cycle asks for (covered, now] and
 *    delivers only points after `lastDeliveredMs`. A warm start is a poll whose range is long; a
 *    catch-up after an outage is a poll that resumes where it stopped, so nothing is lost and
 *    nothing is delivered twice or out of order.
 *  - Evaluation times sit on a grid (multiples of the step since the epoch), so every query of a
 *    series lands on the same timestamps whatever the poll timing.
 *  - Prometheus refuses more than 11,000 points per series in one query_range, so long ranges
 *    are asked for in chunks, oldest first.
 *  - Series are batched by metric name: one query `{__name__="x", <labels common to the batch>}`
 *    returns every series of the batch; an oversized batch is split on its most varied label with a
 *    regex matcher. Answers are filtered to the batch, so a loose selector costs bandwidth, never
 *    correctness.
 *  - One cycle at a time: the next one is scheduled when the previous ends (no overlapping polls).
 *    Failures back off exponentially with jitter (capped), and the next success catches up.
 */
import { seriesKey, type Labels } from '../../core/model/index.js';
import type { PrometheusApi, PrometheusFailure, RangeSeries } from './prometheus-client.js';

export interface PullerSink {
  /** Points of one series, ascending, all newer than anything delivered before for it. */
  onSamples(labels: Labels, metricType: string, timesMs: Float64Array, values: Float64Array): void;
  /** The series has not been seen by discovery for goneAfterMs. */
  onSeriesGone?(labels: Labels): void;
  onStatus?(status: PullerStatus): void;
}

export interface PullerClock {
  now(): number;
}

export interface PullerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type PullerState = 'starting' | 'warming' | 'ok' | 'down' | 'stopped';

export interface PullerStatus {
  readonly state: PullerState;
  /** The failure that made the last cycle fail; kept after recovery for diagnosis, null before any. */
  readonly lastError: PrometheusFailure | null;
  readonly lastSuccessMs: number | null;
  readonly consecutiveFailures: number;
  /** Series currently followed. */
  readonly series: number;
  readonly warmStart: { readonly seriesDone: number; readonly seriesTotal: number };
  /** Clock time of the next scheduled cycle, null when none is scheduled. */
  readonly nextRunMs: number | null;
}

export interface PrometheusPullerOptions {
  readonly client: PrometheusApi;
  readonly sink: PullerSink;
  /** Series selectors for /api/v1/series; default every series. */
  readonly selectors?: readonly string[];
  /** How much history the warm start reads; default 7 days. */
  readonly warmStartMs?: number;
  /** Resolution of query_range; default 60 s. */
  readonly stepSec?: number;
  /** Default 60 s. */
  readonly pollIntervalMs?: number;
  /** Default 5 min. */
  readonly discoveryIntervalMs?: number;
  /** Discovery asks for series with samples in [now − this, now]; default 5 min (Prometheus' lookback). */
  readonly discoveryLookbackMs?: number;
  /** A series missing from discovery for this long is reported gone; default 10 min. */
  readonly goneAfterMs?: number;
  /**
   * After an outage, the catch-up reads at most this far back (older points are skipped: their
   * detector state would be stale anyway); default the larger of warmStartMs and 7 days.
   */
  readonly maxCatchUpMs?: number;
  /** Series per query_range; default 500. */
  readonly maxSeriesPerQuery?: number;
  /** Points per series per query_range; default (and Prometheus' limit) 11,000. */
  readonly maxPointsPerQuery?: number;
  /** First retry delay; default 1 s, doubling per failure. */
  readonly backoffBaseMs?: number;
  /** Default 60 s. */
  readonly backoffMaxMs?: number;
  readonly clock?: PullerClock;
  /** Injectable for tests; the real ones are unref()'d so the puller never keeps a process alive. */
  readonly timers?: PullerTimers;
  /** Jitter source in [0, 1); default Math.random. */
  readonly random?: () => number;
}

const DAY_MS = 86_400_000;
const PROMETHEUS_MAX_POINTS = 11_000;

interface SeriesState {
  readonly key: string;
  readonly labels: Labels;
  readonly name: string;
  type: string;
  /** End of the last range successfully asked for; −Infinity never. */
  coveredUntilMs: number;
  lastDeliveredMs: number;
  /** Last discovery that listed the series. */
  lastSeenMs: number;
  warmed: boolean;
}

interface Batch {
  readonly query: string;
  readonly members: Map<string, SeriesState>;
}

type CycleResult = { ok: true } | PrometheusFailure;

const realTimers: PullerTimers = {
  setTimeout(fn, ms) {
    const h = setTimeout(fn, ms);
    h.unref();
    return h;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export class PrometheusPuller {
  private readonly client: PrometheusApi;
  private readonly sink: PullerSink;
  private readonly selectors: readonly string[];
  private readonly warmStartMs: number;
  private readonly stepSec: number;
  private readonly stepMs: number;
  private readonly pollIntervalMs: number;
  private readonly discoveryIntervalMs: number;
  private readonly discoveryLookbackMs: number;
  private readonly goneAfterMs: number;
  private readonly maxCatchUpMs: number;
  private readonly maxSeriesPerQuery: number;
  private readonly maxPointsPerQuery: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly clock: PullerClock;
  private readonly timers: PullerTimers;
  private readonly random: () => number;

  private readonly seriesByKey = new Map<string, SeriesState>();
  private types = new Map<string, string>();
  private state: PullerState = 'starting';
  private lastError: PrometheusFailure | null = null;
  private lastSuccessMs: number | null = null;
  private consecutiveFailures = 0;
  private warmDone = 0;
  private warmTotal = 0;
  private nextDiscoveryMs = -Infinity;
  private timer: unknown = null;
  private nextRunMs: number | null = null;
  private inFlight: Promise<void> | null = null;
  private running = false;
  private stopped = false;

  constructor(options: PrometheusPullerOptions) {
    this.client = options.client;
    this.sink = options.sink;
    this.selectors = options.selectors ?? ['{__name__=~".+"}'];
    this.warmStartMs = options.warmStartMs ?? 7 * DAY_MS;
    this.stepSec = options.stepSec ?? 60;
    this.stepMs = Math.round(this.stepSec * 1000);
    this.pollIntervalMs = options.pollIntervalMs ?? 60_000;
    this.discoveryIntervalMs = options.discoveryIntervalMs ?? 5 * 60_000;
    this.discoveryLookbackMs = options.discoveryLookbackMs ?? 5 * 60_000;
    this.goneAfterMs = options.goneAfterMs ?? 10 * 60_000;
    this.maxCatchUpMs = options.maxCatchUpMs ?? Math.max(this.warmStartMs, 7 * DAY_MS);
    this.maxSeriesPerQuery = options.maxSeriesPerQuery ?? 500;
    this.maxPointsPerQuery = Math.min(options.maxPointsPerQuery ?? PROMETHEUS_MAX_POINTS, PROMETHEUS_MAX_POINTS);
    this.backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.backoffMaxMs = options.backoffMaxMs ?? 60_000;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.timers = options.timers ?? realTimers;
    this.random = options.random ?? Math.random;
    if (this.selectors.length === 0) throw new RangeError('PrometheusPuller: selectors must name at least one series selector');
    if (!(this.stepMs >= 1)) throw new RangeError(`PrometheusPuller: stepSec must be at least 0.001 (got ${this.stepSec})`);
    if (!(this.maxPointsPerQuery >= 2)) throw new RangeError(`PrometheusPuller: maxPointsPerQuery must be at least 2 (got ${this.maxPointsPerQuery})`);
    if (!(this.maxSeriesPerQuery >= 1)) throw new RangeError(`PrometheusPuller: maxSeriesPerQuery must be at least 1 (got ${this.maxSeriesPerQuery})`);
  }

  /** Starts the first cycle at once (discovery, warm start) and keeps polling until stop(). */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.schedule(0);
  }

  /** Cancels the next cycle and waits for the one in flight to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.nextRunMs = null;
    if (this.inFlight) await this.inFlight;
    this.state = 'stopped';
    this.emitStatus();
  }

  /** Resolves when no cycle is in flight (for tests and orderly hand-offs). */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  status(): PullerStatus {
    return {
      state: this.state,
      lastError: this.lastError,
      lastSuccessMs: this.lastSuccessMs,
      consecutiveFailures: this.consecutiveFailures,
      series: this.seriesByKey.size,
      warmStart: { seriesDone: this.warmDone, seriesTotal: this.warmTotal },
      nextRunMs: this.nextRunMs,
    };
  }

  private schedule(delayMs: number): void {
    this.nextRunMs = this.clock.now() + delayMs;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.nextRunMs = null;
      this.inFlight = this.runCycle().finally(() => {
        this.inFlight = null;
      });
    }, delayMs);
  }

  private async runCycle(): Promise<void> {
    const startedMs = this.clock.now();
    let result: CycleResult;
    try {
      result = await this.cycle();
    } catch (err) {
      // A sink that throws is a bug upstream; report it like any failure and keep the loop alive.
      result = { ok: false, retryable: true, code: 'VIGIL_ERR_PROM_BAD_RESPONSE', reason: `pull cycle failed: ${(err as Error).message ?? String(err)}` };
    }
    if (this.stopped) return;
    if (result.ok) {
      this.consecutiveFailures = 0;
      this.lastSuccessMs = this.clock.now();
      this.state = 'ok';
      // Keep the cadence (next = start + interval) without ever overlapping a slow cycle.
      this.schedule(Math.max(0, startedMs + this.pollIntervalMs - this.clock.now()));
    } else {
      this.consecutiveFailures++;
      this.lastError = result;
      this.state = 'down';
      this.schedule(this.backoffMs(this.consecutiveFailures));
    }
    this.emitStatus();
  }

  /** Exponential with "equal jitter": half fixed, half random, so retries of many pullers spread out. */
  private backoffMs(failures: number): number {
    const exp = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.min(failures - 1, 30));
    return exp / 2 + this.random() * (exp / 2);
  }

  private async cycle(): Promise<CycleResult> {
    const nowMs = this.clock.now();
    const endMs = Math.floor(nowMs / this.stepMs) * this.stepMs;
    if (nowMs >= this.nextDiscoveryMs) {
      const d = await this.discover(nowMs, endMs);
      if (!d.ok || this.stopped) return d;
    }
    const pending: SeriesState[] = [];
    const warmed: SeriesState[] = [];
    for (const s of this.seriesByKey.values()) (s.warmed ? warmed : pending).push(s);
    if (pending.length > 0) {
      if (this.lastSuccessMs === null) {
        this.state = 'warming';
        this.emitStatus();
      }
      for (const batch of this.batches(pending)) {
        const r = await this.pullBatch(batch, endMs);
        if (!r.ok || this.stopped) return r;
        for (const s of batch.members.values()) s.warmed = true;
        this.warmDone += batch.members.size;
        this.emitStatus();
      }
    }
    for (const batch of this.batches(warmed)) {
      const r = await this.pullBatch(batch, endMs);
      if (!r.ok || this.stopped) return r;
    }
    return { ok: true };
  }

  private async discover(nowMs: number, endMs: number): Promise<CycleResult> {
    const found = await this.client.series(this.selectors, nowMs - this.discoveryLookbackMs, nowMs);
    if (!found.ok) return found;
    const meta = await this.client.metadata();
    if (meta.ok) {
      this.types = new Map([...meta.value].map(([name, m]) => [name, m.type]));
    } else if (meta.retryable) {
      return meta;
    } // else: the API has no metadata endpoint (some compatible servers); types stay 'unknown'.

    // A new series starts its warm start on the grid, warmStartMs back from now.
    const warmFromMs = Math.ceil((endMs - this.warmStartMs) / this.stepMs) * this.stepMs;
    const seen = new Set<string>();
    for (const labels of found.value) {
      const key = seriesKey(labels);
      seen.add(key);
      const existing = this.seriesByKey.get(key);
      if (existing) {
        existing.lastSeenMs = nowMs;
        if (existing.type === 'unknown') existing.type = this.typeOf(existing.name);
        continue;
      }
      const name = labels.__name__ ?? '';
      this.seriesByKey.set(key, {
        key,
        labels,
        name,
        type: this.typeOf(name),
        coveredUntilMs: warmFromMs - this.stepMs,
        lastDeliveredMs: -Infinity,
        lastSeenMs: nowMs,
        warmed: false,
      });
      this.warmTotal++;
    }
    for (const s of [...this.seriesByKey.values()]) {
      if (seen.has(s.key) || nowMs - s.lastSeenMs < this.goneAfterMs) continue;
      this.seriesByKey.delete(s.key);
      if (!s.warmed) this.warmTotal--;
      this.sink.onSeriesGone?.(s.labels);
    }
    this.nextDiscoveryMs = nowMs + this.discoveryIntervalMs;
    return { ok: true };
  }

  /**
   * Metadata is keyed by metric family; a series name may carry a suffix the family lacks
   * (`_bucket`, `_sum`, `_count` of histograms and summaries; `_total` when scraped as OpenMetrics).
   */
  private typeOf(name: string): string {
    const direct = this.types.get(name);
    if (direct !== undefined) return direct;
    const m = /^(.*)_(bucket|sum|count|total|created|gcount|gsum)$/.exec(name);
    if (m) {
      const family = this.types.get(m[1]);
      if (family !== undefined) return family;
    }
    return 'unknown';
  }

  /** Groups series by metric name into queries of at most maxSeriesPerQuery series. */
  private batches(series: readonly SeriesState[]): Batch[] {
    const byName = new Map<string, SeriesState[]>();
    for (const s of series) {
      const group = byName.get(s.name);
      if (group) group.push(s);
      else byName.set(s.name, [s]);
    }
    const out: Batch[] = [];
    for (const group of byName.values()) {
      if (group.length <= this.maxSeriesPerQuery) {
        out.push(makeBatch(group, null));
        continue;
      }
      // Split on the label with the most distinct values, keeping each value inside one batch so
      // that a regex on that label returns exactly the batch's series (plus strangers, filtered out).
      const common = commonLabels(group);
      let splitLabel = '';
      let mostValues = 0;
      const names = new Set<string>();
      for (const s of group) for (const n of Object.keys(s.labels)) if (n !== '__name__' && !(n in common)) names.add(n);
      for (const n of names) {
        const distinct = new Set(group.map((s) => s.labels[n] ?? '')).size;
        if (distinct > mostValues) {
          mostValues = distinct;
          splitLabel = n;
        }
      }
      const byValue = new Map<string, SeriesState[]>();
      for (const s of group) {
        const v = s.labels[splitLabel] ?? '';
        const bucket = byValue.get(v);
        if (bucket) bucket.push(s);
        else byValue.set(v, [s]);
      }
      let members: SeriesState[] = [];
      let values: string[] = [];
      for (const [v, bucket] of byValue) {
        if (members.length > 0 && members.length + bucket.length > this.maxSeriesPerQuery) {
          out.push(makeBatch(members, { label: splitLabel, values }));
          members = [];
          values = [];
        }
        members.push(...bucket);
        values.push(v);
      }
      if (members.length > 0) out.push(makeBatch(members, { label: splitLabel, values }));
    }
    return out;
  }

  /** Asks for (earliest covered, endMs] in chunks, oldest first, delivering as each chunk arrives. */
  private async pullBatch(batch: Batch, endMs: number): Promise<CycleResult> {
    let fromMs = Infinity;
    for (const s of batch.members.values()) fromMs = Math.min(fromMs, s.coveredUntilMs + this.stepMs);
    // Bound the catch-up after a very long outage (see maxCatchUpMs).
    const floorMs = Math.ceil((endMs - this.maxCatchUpMs) / this.stepMs) * this.stepMs;
    fromMs = Math.max(fromMs, floorMs);
    const chunkSpanMs = (this.maxPointsPerQuery - 1) * this.stepMs;
    for (let chunkFrom = fromMs; chunkFrom <= endMs; ) {
      const chunkTo = Math.min(endMs, chunkFrom + chunkSpanMs);
      const r = await this.client.queryRange(batch.query, chunkFrom, chunkTo, this.stepSec);
      if (!r.ok) return r;
      this.deliver(batch, r.value);
      for (const s of batch.members.values()) if (s.coveredUntilMs < chunkTo) s.coveredUntilMs = chunkTo;
      if (this.stopped) return { ok: true };
      chunkFrom = chunkTo + this.stepMs;
    }
    return { ok: true };
  }

  private deliver(batch: Batch, result: readonly RangeSeries[]): void {
    for (const r of result) {
      const s = batch.members.get(seriesKey(r.labels));
      if (!s) continue;
      const t = r.timesMs;
      let from = 0;
      while (from < t.length && !(t[from] > s.lastDeliveredMs)) from++;
      if (from === t.length) continue;
      // Prometheus answers in time order; anything else would break the detector's contract, so
      // check once (no copy) and drop offending points only in that unexpected case.
      let ordered = true;
      for (let i = from + 1; i < t.length; i++) if (!(t[i] > t[i - 1])) ordered = false;
      let times = t.subarray(from);
      let values = r.values.subarray(from);
      if (!ordered) {
        const keepT: number[] = [];
        const keepV: number[] = [];
        let last = s.lastDeliveredMs;
        for (let i = from; i < t.length; i++) {
          if (t[i] > last) {
            keepT.push(t[i]);
            keepV.push(r.values[i]);
            last = t[i];
          }
        }
        times = Float64Array.from(keepT);
        values = Float64Array.from(keepV);
      }
      this.sink.onSamples(s.labels, s.type, times, values);
      s.lastDeliveredMs = times[times.length - 1];
    }
  }

  private emitStatus(): void {
    this.sink.onStatus?.(this.status());
  }
}

function commonLabels(group: readonly SeriesState[]): Record<string, string> {
  const common: Record<string, string> = { ...group[0].labels };
  delete common.__name__;
  for (const s of group) {
    for (const n of Object.keys(common)) if (s.labels[n] !== common[n]) delete common[n];
  }
  return common;
}

function makeBatch(members: readonly SeriesState[], split: { label: string; values: readonly string[] } | null): Batch {
  const common = commonLabels(members);
  const matchers = [`__name__=${quote(members[0].name)}`];
  for (const n of Object.keys(common).sort()) matchers.push(`${n}=${quote(common[n])}`);
  if (split !== null && !(split.label in common)) {
    matchers.push(`${split.label}=~${quote(split.values.map(escapeRegex).join('|'))}`);
  }
  return { query: `{${matchers.join(', ')}}`, members: new Map(members.map((s) => [s.key, s])) };
}

/** A PromQL double-quoted string literal. */
function quote(v: string): string {
  return '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

/** RE2 metacharacters escaped, so a label value matches only itself. */
function escapeRegex(v: string): string {
  return v.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
