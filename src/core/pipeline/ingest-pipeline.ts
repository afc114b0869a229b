// The ingest pipeline: normalised samples -> series registry -> metric semantics -> detector bank.
//
//   decoder (remote-write / OTLP / pull) ──► SampleBatch {ids, timesMs, values}
//        │ seriesId(labels) once per new label set          │ ingest(batch) per request
//        ▼                                                   ▼
//   registry (key -> id, descriptors) ──► counters become rates ──► DetectorBank.updateBatch
//                                                                     └─► lastScore[id] (for /metrics)
//
// Pure: no clock (times come with the samples), no I/O. Per-series state lives in typed arrays
// indexed by series id, and ingest() allocates nothing per sample.
import { createDetectorBatchDetails, createDetectorOutput, DetectorBank, type DetectorBatchDetails, type DetectorOutput } from '../detect/index.js';
import { seriesKey, type BadDirection, type Labels, type MetricKind, type MetricType, type SeriesDescriptor } from '../model/index.js';

/** What resource / application a new series belongs to, and whether it is analysed at all. */
export interface SeriesPlacement {
  readonly covered: boolean;
  readonly resource: { readonly key: string; readonly type: string; readonly tags: Readonly<Record<string, string>> };
  readonly application: string | null;
}

export interface SeriesSemantics {
  readonly kind: MetricKind;
  readonly badDirection: BadDirection;
}

/** Turns a cumulative counter into a per-second rate; state indexed by series id. */
export interface RateTracker {
  update(id: number, timeMs: number, value: number): number;
}

export interface IngestPipelineOptions {
  readonly place: (labels: Labels) => SeriesPlacement;
  readonly classify: (input: { name: string; unit?: string; type: MetricType; labels: Labels }) => SeriesSemantics;
  readonly rates: RateTracker;
  /** New series beyond this many are refused (seriesId returns SERIES_LIMIT). */
  readonly maxSeries: number;
  readonly initialCapacity?: number;
}

/**
 * Sees every scored point of a batch (after counters became rates): series ids, times, the values
 * the detector saw, scores and details, for i < count. Arrays are reused: copy what you keep.
 */
export type ScoredBatchObserver = (ids: Int32Array, timesMs: Float64Array, values: Float64Array, scores: Float64Array, details: DetectorBatchDetails, count: number) => void;

/** A reusable batch of samples, as decoders fill it. */
export interface SampleBatchLike {
  ids: Int32Array;
  timesMs: Float64Array;
  values: Float64Array;
  count: number;
}

/** Per-request outcome counters; the caller resets them (no allocation per request needed). */
export interface IngestCounts {
  accepted: number;
  outOfOrder: number;
  duplicate: number;
  nonFinite: number;
  staleMarkers: number;
  notAnalysed: number;
  /** The first rejected sample's series id, for an error message (-1 if none). */
  firstRejectedId: number;
}

export function createIngestCounts(): IngestCounts {
  return { accepted: 0, outOfOrder: 0, duplicate: 0, nonFinite: 0, staleMarkers: 0, notAnalysed: 0, firstRejectedId: -1 };
}

export function resetIngestCounts(c: IngestCounts): void {
  c.accepted = c.outOfOrder = c.duplicate = c.nonFinite = c.staleMarkers = c.notAnalysed = 0;
  c.firstRejectedId = -1;
}

/** seriesId() result for a label set outside coverage. */
export const NOT_COVERED = -1;
/** seriesId() result when the active-series limit is reached. */
export const SERIES_LIMIT = -2;

const TYPE_CODES: readonly MetricType[] = ['gauge', 'counter', 'histogram', 'summary', 'unknown'];

/** Prometheus' staleness marker: a NaN with this exact bit pattern ends a series. */
const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;
const bits = new Float64Array(1);
const bitsU32 = new Uint32Array(bits.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function isStaleMarker(v: number): boolean {
  bits[0] = v;
  return LITTLE_ENDIAN ? bitsU32[1] === STALE_HI && bitsU32[0] === STALE_LO : bitsU32[0] === STALE_HI && bitsU32[1] === STALE_LO;
}

const CHECKPOINT_MAGIC = 0x56494731; // "VIG1"
const HEAD_ARRAYS = 4;

/**
 * A metric's type from its name alone, for sources that send no metadata: Prometheus naming
 * conventions (`_total`, `_count`, `_sum`, `_bucket` are cumulative counters).
 */
export function guessMetricType(name: string): MetricType {
  return /(_total|_count|_sum|_bucket)$/.test(name) ? 'counter' : 'gauge';
}

export class IngestPipeline {
  readonly bank: DetectorBank;
  private readonly byKey = new Map<string, number>();
  private readonly notCovered = new Set<string>();
  private series: SeriesDescriptor[] = [];
  private types = new Uint8Array(0);
  /** Newest sample time per series (ms); -Infinity before the first. */
  private lastTimeMs = new Float64Array(0);
  private lastScore = new Float64Array(0);
  private lastValue = new Float64Array(0);
  private dirty = new Uint8Array(0);
  private readonly out: DetectorOutput = createDetectorOutput();
  // Scratch for the detector batch (grown by doubling, never per sample).
  private upIds = new Int32Array(1024);
  private upTimes = new Float64Array(1024);
  private upValues = new Float64Array(1024);
  private upScores = new Float64Array(1024);
  private details: DetectorBatchDetails = createDetectorBatchDetails(1024);
  private observer: ScoredBatchObserver | null = null;

  constructor(private readonly opts: IngestPipelineOptions, bank?: DetectorBank) {
    this.bank = bank ?? new DetectorBank(opts.initialCapacity ?? 1024);
    this.grow(Math.max(16, opts.initialCapacity ?? 1024));
  }

  get seriesCount(): number {
    return this.series.length;
  }

  descriptor(id: number): SeriesDescriptor | undefined {
    return this.series[id];
  }

  /** Series id of a series key, or undefined when the series is not known. */
  idOfKey(key: string): number | undefined {
    return this.byKey.get(key);
  }

  allSeries(): readonly SeriesDescriptor[] {
    return this.series;
  }

  score(id: number): number {
    return this.lastScore[id]!;
  }

  lastSampleTimeMs(id: number): number {
    return this.lastTimeMs[id]!;
  }

  lastSampleValue(id: number): number {
    return this.lastValue[id]!;
  }

  /** The details (expected value, band, direction) of the most recently scored sample. */
  get lastOutput(): Readonly<DetectorOutput> {
    return this.out;
  }

  /**
   * The id of a label set, registering it on first sight. Called once per new label set by the
   * decoders (which cache the answer), never per sample. `nowMs` is the first sample's time.
   */
  seriesId(labels: Labels, type: MetricType, nowMs: number, unit?: string): number {
    const key = seriesKey(labels);
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    if (this.notCovered.has(key)) return NOT_COVERED;
    const placement = this.opts.place(labels);
    if (!placement.covered) {
      this.notCovered.add(key);
      return NOT_COVERED;
    }
    if (this.series.length >= this.opts.maxSeries) return SERIES_LIMIT;
    const name = labels.__name__ ?? '';
    const sem = this.opts.classify({ name, unit, type, labels });
    const id = this.bank.add();
    if (id !== this.series.length) throw new Error('detector bank and series registry out of step');
    this.series.push({
      id, key, name, labels, resource: placement.resource.key, application: placement.application,
      kind: sem.kind, badDirection: sem.badDirection, firstSeenMs: nowMs, lastSeenMs: nowMs,
    });
    this.byKey.set(key, id);
    if (id >= this.types.length) this.grow(this.types.length * 2);
    this.types[id] = TYPE_CODES.indexOf(type);
    this.lastTimeMs[id] = -Infinity;
    this.lastScore[id] = 0;
    this.lastValue[id] = NaN;
    this.dirty[id] = 1;
    return id;
  }

  /** Placement of a series' resource, for the resource inventory (computed again; not hot). */
  placement(id: number): SeriesPlacement {
    return this.opts.place(this.series[id]!.labels);
  }

  /**
   * Applies a batch. Samples with id < 0 were not analysed; out-of-order and duplicate samples are
   * rejected and counted; NaN / ±Inf values are accepted but not scored (Prometheus allows them);
   * a staleness marker ends nothing in the model but is counted.
   */
  ingest(batch: SampleBatchLike, counts: IngestCounts): void {
    const n = batch.count;
    if (n > this.upIds.length) this.growScratch(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      const id = batch.ids[i]!;
      if (id < 0) {
        counts.notAnalysed++;
        continue;
      }
      const t = batch.timesMs[i]!;
      let v = batch.values[i]!;
      const last = this.lastTimeMs[id]!;
      if (t < last) {
        counts.outOfOrder++;
        if (counts.firstRejectedId < 0) counts.firstRejectedId = id;
        continue;
      }
      if (t === last) {
        counts.duplicate++;
        if (counts.firstRejectedId < 0) counts.firstRejectedId = id;
        continue;
      }
      if (v !== v || v === Infinity || v === -Infinity) {
        if (isStaleMarker(v)) counts.staleMarkers++;
        else counts.nonFinite++;
        continue;
      }
      this.lastTimeMs[id] = t;
      this.lastValue[id] = v;
      if (this.dirty[id] === 0) this.dirty[id] = 2;
      counts.accepted++;
      if (this.types[id] === 1) {
        v = this.opts.rates.update(id, t, v);
        if (v !== v) continue; // the first sample of a counter has no rate yet
      }
      this.upIds[m] = id;
      this.upTimes[m] = t;
      this.upValues[m] = v;
      m++;
    }
    if (m > 0) {
      this.bank.updateBatch(this.upIds, this.upTimes, this.upValues, m, this.upScores, this.out, this.observer ? this.details : undefined);
      for (let k = 0; k < m; k++) this.lastScore[this.upIds[k]!] = this.upScores[k]!;
      if (this.observer) this.observer(this.upIds, this.upTimes, this.upValues, this.upScores, this.details, m);
    }
  }

  /**
   * Series that are new since the last call — and, with `includeTouched`, also those that only got
   * samples — with lastSeenMs brought up to date. (New series are persisted within seconds; the
   * last-seen times of all others only with each checkpoint, so steady ingest writes nothing.)
   */
  takeDirtySeries(includeTouched = true): SeriesDescriptor[] {
    const changed: SeriesDescriptor[] = [];
    for (let id = 0; id < this.series.length; id++) {
      const d = this.dirty[id];
      if (d === 0 || (d === 2 && !includeTouched)) continue;
      this.dirty[id] = 0;
      const s = this.series[id]!;
      const t = this.lastTimeMs[id]!;
      const updated = t > s.lastSeenMs ? { ...s, lastSeenMs: t } : s;
      this.series[id] = updated;
      changed.push(updated);
    }
    return changed;
  }

  /**
   * Detector state plus the per-series arrays, as bytes. With the series descriptors (kept in the
   * store as series appear) this restores the pipeline exactly: little-endian float64s
   * [magic, seriesCount, lastTimeMs…, lastScore…, lastValue…, type…] then the bank's own bytes.
   * (A counter's previous raw value is not kept: its first sample after a restore gives no rate.)
   */
  checkpoint(): Uint8Array {
    const n = this.series.length;
    const head = new Float64Array(2 + HEAD_ARRAYS * n);
    head[0] = CHECKPOINT_MAGIC;
    head[1] = n;
    head.set(this.lastTimeMs.subarray(0, n), 2);
    head.set(this.lastScore.subarray(0, n), 2 + n);
    head.set(this.lastValue.subarray(0, n), 2 + 2 * n);
    for (let id = 0; id < n; id++) head[2 + 3 * n + id] = this.types[id]!;
    const bank = this.bank.serialize();
    const out = new Uint8Array(head.byteLength + bank.byteLength);
    out.set(new Uint8Array(head.buffer), 0);
    out.set(bank, head.byteLength);
    return out;
  }

  /**
   * Rebuilds a pipeline from the stored series (ids as stored) and a checkpoint. Series newer than
   * the checkpoint start from a fresh model; a missing or unreadable checkpoint starts all fresh.
   */
  static restore(opts: IngestPipelineOptions, series: readonly SeriesDescriptor[], checkpoint: Uint8Array | null): { pipeline: IngestPipeline; restoredSeries: number; problem: string | null } {
    let bank: DetectorBank | undefined;
    let head: Float64Array | null = null;
    let n = 0;
    let problem: string | null = null;
    if (checkpoint) {
      try {
        if (checkpoint.byteLength % 8 !== 0 || checkpoint.byteLength < 16) throw new RangeError('bad length');
        const all = new Float64Array(checkpoint.slice().buffer);
        if (all[0] !== CHECKPOINT_MAGIC) throw new RangeError('not a pipeline checkpoint');
        n = all[1]!;
        head = all.subarray(0, 2 + HEAD_ARRAYS * n);
        bank = DetectorBank.deserialize(new Uint8Array(all.buffer, (2 + HEAD_ARRAYS * n) * 8));
        if (bank.size !== n) throw new RangeError('checkpoint series count disagrees with its detector state');
      } catch (err) {
        problem = `checkpoint ignored: ${(err as Error).message}`;
        bank = undefined;
        head = null;
        n = 0;
      }
    }
    const sorted = [...series].sort((a, b) => a.id - b.id);
    if (sorted.some((s, i) => s.id !== i)) {
      problem = 'stored series ids are not dense; starting the detectors fresh';
      bank = undefined;
      head = null;
      n = 0;
    }
    if (n > sorted.length) {
      problem = `checkpoint has ${n} series but the store only ${sorted.length}; starting the detectors fresh`;
      bank = undefined;
      head = null;
      n = 0;
    }
    const p = new IngestPipeline({ ...opts, initialCapacity: Math.max(opts.initialCapacity ?? 1024, sorted.length) }, bank);
    for (const s of sorted) {
      const id = s.id;
      if (id >= n) p.bank.add();
      p.series.push(s);
      p.byKey.set(s.key, id);
      if (id >= p.types.length) p.grow(p.types.length * 2);
      if (head && id < n) {
        p.types[id] = head[2 + 3 * n + id]!;
        p.lastTimeMs[id] = head[2 + id]!;
        p.lastScore[id] = head[2 + n + id]!;
        p.lastValue[id] = head[2 + 2 * n + id]!;
      } else {
        p.lastTimeMs[id] = -Infinity;
        p.lastScore[id] = 0;
        p.lastValue[id] = NaN;
        p.types[id] = TYPE_CODES.indexOf(guessMetricType(s.name));
      }
    }
    return { pipeline: p, restoredSeries: n, problem };
  }

  /** Forgets which label sets were outside coverage (after the coverage changed). */
  forgetNotCovered(): void {
    this.notCovered.clear();
  }

  /** Registers the one observer of scored points (the anomaly tracker), or null to remove it. */
  setObserver(observer: ScoredBatchObserver | null): void {
    this.observer = observer;
  }

  /** Marks a series as a counter (its samples become rates), e.g. once metadata arrives. */
  setType(id: number, type: MetricType): void {
    this.types[id] = TYPE_CODES.indexOf(type);
  }

  typeOf(id: number): MetricType {
    return TYPE_CODES[this.types[id]!] ?? 'unknown';
  }

  private grow(capacity: number): void {
    const copy = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.types = copy(this.types, (k) => new Uint8Array(k));
    this.lastTimeMs = copy(this.lastTimeMs, (k) => new Float64Array(k));
    this.lastScore = copy(this.lastScore, (k) => new Float64Array(k));
    this.lastValue = copy(this.lastValue, (k) => new Float64Array(k));
    this.dirty = copy(this.dirty, (k) => new Uint8Array(k));
  }

  private growScratch(n: number): void {
    const k = Math.max(n, this.upIds.length * 2);
    this.upIds = new Int32Array(k);
    this.upTimes = new Float64Array(k);
    this.upValues = new Float64Array(k);
    this.upScores = new Float64Array(k);
    this.details = createDetectorBatchDetails(k);
  }
}
