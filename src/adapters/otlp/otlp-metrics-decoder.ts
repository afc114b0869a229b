/**
 * OTLP/HTTP metrics in, Vigil points out. Decodes an ExportMetricsServiceRequest (protobuf or
 * OTLP/JSON) and flattens it into normalised points, with Prometheus naming and labels the way
 * Prometheus' own OTLP receiver builds them, so a series reads the same whether it arrived by
 * remote-write or OTLP:
 *
 *   labels   __name__ = promName(metric.name, unit, type)
 *            data-point attributes, names sanitised to [a-zA-Z0-9_] (colliding names: values
 *            joined with ';'), empty values dropped
 *            job      = service.namespace "/" service.name (or service.name) of the resource
 *            instance = service.instance.id of the resource
 *
 *   Gauge                          → gauge points
 *   Sum, monotonic, cumulative     → 'counter' points, raw running total (`_total`); the pipeline
 *                                    turns them into rates with CounterRates
 *   Sum, monotonic, delta          → gauge points holding the rate: value / (time − start) s,
 *                                    under the counter's name (`_total`)
 *   Sum, not monotonic             → gauge points
 *   Histogram (delta / cumulative) → `<name>_p50`, `_p90`, `_p99` gauges interpolated over the
 *                                    interval's buckets, and `<name>_count` as a per-second rate;
 *                                    cumulative ones are differenced per series by HistogramDeltas
 *                                    (state kept in this instance), so the first sample of a
 *                                    series only primes it
 *   Summary                        → one gauge per quantile (label `quantile`), `<name>_count` as
 *                                    a counter
 *   ExponentialHistogram           → not supported yet: rejected
 *
 * Partial success as OTLP defines it: points that cannot be used are counted in
 * `rejectedDataPoints` with a short `errorMessage`, the rest are returned. Points flagged
 * FLAG_NO_RECORDED_VALUE (staleness markers) are skipped without being counted as rejected.
 * A request that cannot be decoded at all is `{ ok: false, status: 400, code, reason }`.
 */
import { seriesKey, type Labels, type MetricType } from '../../core/model/index.js';
import {
  DEFAULT_QUANTILES,
  HistogramDeltas,
  histogramQuantile,
  promName,
  sanitizeLabelName,
  toCumulative,
} from '../../core/semantics/index.js';
import { OtlpJsonDecoder } from './otlp-json.js';
import {
  DEFAULT_OTLP_LIMITS,
  FLAG_NO_RECORDED_VALUE,
  TEMPORALITY_CUMULATIVE,
  TEMPORALITY_DELTA,
  type OtlpAnyValue,
  type OtlpFailure,
  type OtlpHistogramDataPoint,
  type OtlpKeyValue,
  type OtlpLimits,
  type OtlpMetric,
  type OtlpMetricsRequest,
  type OtlpNumberDataPoint,
  type OtlpSummaryDataPoint,
} from './otlp-model.js';
import { OtlpProtobufDecoder } from './otlp-protobuf.js';

/** One normalised sample. */
export interface OtlpPoint {
  readonly labels: Labels;
  /** All resource attributes as strings (shared by every point of one resource). */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly type: MetricType;
  /** The OTLP (UCUM) unit of the metric; '' for derived `_count` rates. */
  readonly unit: string;
  readonly timeMs: number;
  readonly value: number;
}

export interface OtlpDecodeSuccess {
  readonly ok: true;
  readonly points: OtlpPoint[];
  readonly rejectedDataPoints: number;
  /** '' when nothing was rejected. */
  readonly errorMessage: string;
}

export type OtlpMetricsResult = OtlpDecodeSuccess | OtlpFailure;

export interface OtlpMetricsDecoderOptions {
  readonly limits?: Partial<OtlpLimits>;
  /** Quantiles derived from histograms; default DEFAULT_QUANTILES (p50, p90, p99). */
  readonly quantiles?: readonly number[];
}

/** Distinct rejection reasons listed in `errorMessage`; the rest are summarised by count. */
const MAX_REASONS = 5;

function quantileSuffix(q: number): string {
  // 0.5 → p50, 0.99 → p99, 0.999 → p99_9 (rounded first: 0.99 * 100 is 99.00000000000001).
  return '_p' + String(Math.round(q * 1e6) / 1e4).replace('.', '_');
}

/** UTF-8 length of a string without encoding it (a surrogate pair is 4 bytes: 2 per half). */
function utf8Bytes(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}

function jsonOf(v: OtlpAnyValue): unknown {
  switch (v.type) {
    case 'empty': return null;
    case 'bytes': return Buffer.from(v.value).toString('base64');
    case 'array': return v.values.map(jsonOf);
    case 'kvlist': {
      const o: Record<string, unknown> = {};
      for (const kv of v.values) o[kv.key] = jsonOf(kv.value);
      return o;
    }
    case 'double': return Number.isFinite(v.value) ? v.value : String(v.value);
    default: return v.value;
  }
}

/** An attribute value as a label value: scalars as text, arrays and maps as JSON (like Prometheus). */
export function attributeValueString(v: OtlpAnyValue): string {
  switch (v.type) {
    case 'empty': return '';
    case 'string': return v.value;
    case 'bool': return v.value ? 'true' : 'false';
    case 'int':
    case 'double': return String(v.value);
    case 'bytes': return Buffer.from(v.value).toString('base64');
    default: return JSON.stringify(jsonOf(v));
  }
}

interface ResourceContext {
  readonly attributes: Readonly<Record<string, string>>;
  readonly job: string;
  readonly instance: string;
}

/**
 * Decodes OTLP metrics requests and converts them to points. Holds the cumulative-histogram state
 * and reusable decoders, so use one instance per ingest endpoint; not re-entrant.
 */
export class OtlpMetricsDecoder {
  private readonly limits: OtlpLimits;
  private readonly quantiles: readonly number[];
  private readonly protobuf: OtlpProtobufDecoder;
  private readonly json: OtlpJsonDecoder;
  private readonly deltas = new HistogramDeltas();
  private scratchIn = new Float64Array(64);
  private scratchOut = new Float64Array(64);
  private scratchCum = new Float64Array(64);

  // Per-request state.
  private points: OtlpPoint[] = [];
  private rejected = 0;
  private reasons = new Map<string, number>();
  private accepted = 0;

  constructor(options: OtlpMetricsDecoderOptions = {}) {
    this.limits = { ...DEFAULT_OTLP_LIMITS, ...options.limits };
    this.quantiles = options.quantiles ?? DEFAULT_QUANTILES;
    this.protobuf = new OtlpProtobufDecoder(this.limits);
    this.json = new OtlpJsonDecoder(this.limits);
  }

  /** Number of cumulative histogram series whose previous buckets are remembered. */
  get histogramSeries(): number {
    return this.deltas.size;
  }

  /** Forgets a cumulative histogram series by its base labels (`__name__` = the histogram's name). */
  forgetHistogram(labels: Labels): void {
    this.deltas.forget(seriesKey(labels));
  }

  decodeProtobuf(bytes: Uint8Array): OtlpMetricsResult {
    const r = this.protobuf.decode(bytes);
    return r.ok ? this.convert(r.request) : r;
  }

  /** `json` is the parsed body (JSON.parse of strict UTF-8). */
  decodeJson(json: unknown): OtlpMetricsResult {
    const r = this.json.decode(json);
    return r.ok ? this.convert(r.request) : r;
  }

  convert(request: OtlpMetricsRequest): OtlpDecodeSuccess {
    this.points = [];
    this.rejected = 0;
    this.reasons = new Map();
    this.accepted = 0;
    for (const rm of request.resourceMetrics) {
      const ctx = this.resource(rm.resource.attributes);
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          if (typeof ctx === 'string') this.reject(ctx, dataPointCount(m));
          else this.metric(m, ctx);
        }
      }
    }
    const points = this.points;
    this.points = [];
    return { ok: true, points, rejectedDataPoints: this.rejected, errorMessage: this.message() };
  }

  // ---- conversion -----------------------------------------------------------------------------

  private reject(reason: string, n = 1): void {
    if (n <= 0) return;
    this.rejected += n;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + n);
  }

  private message(): string {
    if (this.reasons.size === 0) return '';
    const parts: string[] = [];
    let i = 0;
    for (const [reason, n] of this.reasons) {
      if (i++ === MAX_REASONS) {
        parts.push(`and ${this.reasons.size - MAX_REASONS} more reason(s)`);
        break;
      }
      parts.push(n > 1 ? `${reason} (${n} data points)` : reason);
    }
    return `${this.rejected} data point(s) rejected: ${parts.join('; ')}`;
  }

  /** Resource context, or the reason every point of the resource is rejected. */
  private resource(attrs: readonly OtlpKeyValue[]): ResourceContext | string {
    const { maxAttributes, maxStringBytes } = this.limits;
    if (attrs.length > maxAttributes) return `resource has ${attrs.length} attributes, more than the limit of ${maxAttributes}`;
    const attributes: Record<string, string> = {};
    for (const kv of attrs) {
      const v = attributeValueString(kv.value);
      if (utf8Bytes(kv.key) > maxStringBytes || utf8Bytes(v) > maxStringBytes) {
        return `resource attribute "${kv.key.slice(0, 64)}" is longer than ${maxStringBytes} bytes`;
      }
      attributes[kv.key] = v;
    }
    const name = attributes['service.name'] ?? '';
    const ns = attributes['service.namespace'] ?? '';
    const job = name === '' ? '' : ns === '' ? name : `${ns}/${name}`;
    return { attributes, job, instance: attributes['service.instance.id'] ?? '' };
  }

  /** Base labels of a data point (without __name__), or the reason it is rejected. */
  private labels(metricName: string, attrs: readonly OtlpKeyValue[], ctx: ResourceContext): Record<string, string> | string {
    const { maxAttributes, maxStringBytes } = this.limits;
    if (attrs.length > maxAttributes) return `metric "${metricName}": a data point has ${attrs.length} attributes, more than the limit of ${maxAttributes}`;
    const labels: Record<string, string> = {};
    for (const kv of attrs) {
      const name = sanitizeLabelName(kv.key);
      if (name === '') return `metric "${metricName}": a data point has an attribute with an empty key`;
      const v = attributeValueString(kv.value);
      if (utf8Bytes(kv.key) > maxStringBytes || utf8Bytes(v) > maxStringBytes) {
        return `metric "${metricName}": attribute "${kv.key.slice(0, 64)}" is longer than ${maxStringBytes} bytes`;
      }
      if (v === '') continue; // an empty label is the same as no label in Prometheus
      const prev = labels[name];
      labels[name] = prev === undefined ? v : `${prev};${v}`;
    }
    // The resource's identity wins over a data-point attribute of the same name, as in Prometheus.
    if (ctx.job !== '') labels.job = ctx.job;
    if (ctx.instance !== '') labels.instance = ctx.instance;
    return labels;
  }

  /** Common checks of one data point; returns its time in ms, or a rejection reason. */
  private pointTime(metricName: string, timeUnixNano: number): number | string {
    if (this.accepted >= this.limits.maxDataPoints) return `request has more than ${this.limits.maxDataPoints} data points`;
    if (!(timeUnixNano > 0)) return `metric "${metricName}": data point without timeUnixNano`;
    this.accepted++;
    // Nearest millisecond; nanosecond times above 2^53 are already rounded to ~256 ns.
    return Math.round(timeUnixNano / 1e6);
  }

  private push(labels: Record<string, string>, name: string, ctx: ResourceContext, type: MetricType, unit: string, timeMs: number, value: number): void {
    this.points.push({ labels: { ...labels, __name__: name }, resourceAttributes: ctx.attributes, type, unit, timeMs, value });
  }

  private metric(m: OtlpMetric, ctx: ResourceContext): void {
    const n = dataPointCount(m);
    const shown = m.name.slice(0, 128);
    if (promName(m.name, '', 'gauge') === '') return this.reject(`metric without a usable name (${JSON.stringify(shown)})`, n);
    if (utf8Bytes(m.name) > this.limits.maxStringBytes || utf8Bytes(m.unit) > this.limits.maxStringBytes) {
      return this.reject(`metric "${shown.slice(0, 64)}": name or unit longer than ${this.limits.maxStringBytes} bytes`, n);
    }
    const d = m.data;
    switch (d.type) {
      case 'none':
        return;
      case 'exponentialHistogram':
        return this.reject(`metric "${shown}": exponential histograms are not supported yet`, d.dataPointCount);
      case 'gauge': {
        const name = promName(m.name, m.unit, 'gauge');
        for (const p of d.dataPoints) this.numberPoint(m, p, ctx, name, 'gauge', 'value');
        return;
      }
      case 'sum': {
        if (!d.isMonotonic) {
          const name = promName(m.name, m.unit, 'gauge');
          for (const p of d.dataPoints) this.numberPoint(m, p, ctx, name, 'gauge', 'value');
          return;
        }
        const name = promName(m.name, m.unit, 'counter');
        if (d.aggregationTemporality === TEMPORALITY_CUMULATIVE) {
          for (const p of d.dataPoints) this.numberPoint(m, p, ctx, name, 'counter', 'value');
        } else if (d.aggregationTemporality === TEMPORALITY_DELTA) {
          for (const p of d.dataPoints) this.numberPoint(m, p, ctx, name, 'gauge', 'rate');
        } else {
          this.reject(`metric "${shown}": sum with unspecified aggregationTemporality`, d.dataPoints.length);
        }
        return;
      }
      case 'histogram': {
        if (d.aggregationTemporality !== TEMPORALITY_CUMULATIVE && d.aggregationTemporality !== TEMPORALITY_DELTA) {
          return this.reject(`metric "${shown}": histogram with unspecified aggregationTemporality`, d.dataPoints.length);
        }
        const name = promName(m.name, m.unit, 'histogram');
        for (const p of d.dataPoints) this.histogramPoint(m, p, ctx, name, d.aggregationTemporality === TEMPORALITY_CUMULATIVE);
        return;
      }
      case 'summary': {
        const name = promName(m.name, m.unit, 'summary');
        for (const p of d.dataPoints) this.summaryPoint(m, p, ctx, name);
        return;
      }
    }
  }

  private numberPoint(m: OtlpMetric, p: OtlpNumberDataPoint, ctx: ResourceContext, name: string, type: MetricType, as: 'value' | 'rate'): void {
    if (p.flags & FLAG_NO_RECORDED_VALUE) return;
    const labels = this.labels(m.name, p.attributes, ctx);
    if (typeof labels === 'string') return this.reject(labels);
    if (!p.hasValue) return this.reject(`metric "${m.name}": data point without asDouble or asInt`);
    if (!Number.isFinite(p.value)) return this.reject(`metric "${m.name}": value is not a finite number`);
    const t = this.pointTime(m.name, p.timeUnixNano);
    if (typeof t === 'string') return this.reject(t);
    let value = p.value;
    if (as === 'rate') {
      // A delta sum counts what happened in (start, time]: its rate is the count over that span.
      if (!(p.startTimeUnixNano > 0 && p.startTimeUnixNano < p.timeUnixNano)) {
        this.accepted--;
        return this.reject(`metric "${m.name}": delta sum without a startTimeUnixNano before timeUnixNano cannot be turned into a rate`);
      }
      value = p.value / ((p.timeUnixNano - p.startTimeUnixNano) / 1e9);
    }
    this.push(labels, name, ctx, type, m.unit, t, value);
  }

  private histogramPoint(m: OtlpMetric, p: OtlpHistogramDataPoint, ctx: ResourceContext, name: string, cumulative: boolean): void {
    if (p.flags & FLAG_NO_RECORDED_VALUE) return;
    const labels = this.labels(m.name, p.attributes, ctx);
    if (typeof labels === 'string') return this.reject(labels);
    const nb = p.bucketCounts.length;
    const bounds = p.explicitBounds;
    if (nb > this.limits.maxBuckets) return this.reject(`metric "${m.name}": histogram has ${nb} buckets, more than the limit of ${this.limits.maxBuckets}`);
    if (nb !== 0 && nb !== bounds.length + 1) {
      return this.reject(`metric "${m.name}": histogram has ${nb} bucketCounts for ${bounds.length} explicitBounds (needs one more count than bounds)`);
    }
    for (let i = 0; i < bounds.length; i++) {
      if (!Number.isFinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) {
        return this.reject(`metric "${m.name}": histogram explicitBounds must be finite and strictly increasing`);
      }
    }
    const t = this.pointTime(m.name, p.timeUnixNano);
    if (typeof t === 'string') return this.reject(t);

    // Interval counts: buckets then the total count in the last slot.
    this.ensureScratch(nb + 1);
    const interval = this.scratchOut;
    let intervalSec: number;
    if (cumulative) {
      const input = this.scratchIn;
      for (let i = 0; i < nb; i++) input[i] = p.bucketCounts[i];
      input[nb] = p.count;
      const startMs = p.startTimeUnixNano > 0 ? p.startTimeUnixNano / 1e6 : 0;
      const status = this.deltas.update(seriesKey({ ...labels, __name__: name }), t, startMs, input.subarray(0, nb + 1), interval);
      if (status === 'first') return; // primes the series; nothing to report yet
      if (status === 'ignored') {
        this.accepted--;
        return this.reject(`metric "${m.name}": histogram sample not newer than the previous one of its series, or with invalid counts`);
      }
      intervalSec = this.deltas.intervalMs / 1000;
    } else {
      for (let i = 0; i < nb; i++) interval[i] = p.bucketCounts[i];
      interval[nb] = p.count;
      intervalSec = p.startTimeUnixNano > 0 && p.startTimeUnixNano < p.timeUnixNano ? (p.timeUnixNano - p.startTimeUnixNano) / 1e9 : NaN;
    }
    if (nb > 1) {
      const cum = toCumulative(interval.subarray(0, nb), this.scratchCum);
      const counts = cum.subarray(0, nb);
      for (const q of this.quantiles) {
        const v = histogramQuantile(q, bounds, counts);
        // An interval without observations has no quantile: leave a gap rather than a NaN.
        if (Number.isFinite(v)) this.push(labels, name + quantileSuffix(q), ctx, 'gauge', m.unit, t, v);
      }
    }
    if (intervalSec > 0) this.push(labels, name + '_count', ctx, 'gauge', '', t, interval[nb] / intervalSec);
  }

  private summaryPoint(m: OtlpMetric, p: OtlpSummaryDataPoint, ctx: ResourceContext, name: string): void {
    if (p.flags & FLAG_NO_RECORDED_VALUE) return;
    const labels = this.labels(m.name, p.attributes, ctx);
    if (typeof labels === 'string') return this.reject(labels);
    const t = this.pointTime(m.name, p.timeUnixNano);
    if (typeof t === 'string') return this.reject(t);
    for (const qv of p.quantileValues) {
      if (!(qv.quantile >= 0 && qv.quantile <= 1) || !Number.isFinite(qv.value)) continue;
      this.push({ ...labels, quantile: String(qv.quantile) }, name, ctx, 'gauge', m.unit, t, qv.value);
    }
    this.push(labels, name + '_count', ctx, 'counter', '', t, p.count);
  }

  private ensureScratch(n: number): void {
    if (this.scratchIn.length >= n) return;
    let size = this.scratchIn.length;
    while (size < n) size *= 2;
    this.scratchIn = new Float64Array(size);
    this.scratchOut = new Float64Array(size);
    this.scratchCum = new Float64Array(size);
  }
}

function dataPointCount(m: OtlpMetric): number {
  const d = m.data;
  if (d.type === 'none') return 0;
  if (d.type === 'exponentialHistogram') return d.dataPointCount;
  return d.dataPoints.length;
}
