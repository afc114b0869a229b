/**
 * The subset of OTLP metrics (opentelemetry/proto/collector/metrics/v1/metrics_service.proto and
 * opentelemetry/proto/metrics/v1/metrics.proto) that Vigil reads, as plain data. Both wire forms —
 * protobuf and OTLP/JSON — decode into this shape; the converter turns it into points, and the test
 * encoder writes it back to protobuf.
 *
 *   ExportMetricsServiceRequest
 *     └ resourceMetrics[]  resource.attributes
 *         └ scopeMetrics[]  scope.name / version
 *             └ metrics[]   name, unit, one of gauge | sum | histogram | exponentialHistogram | summary
 *                 └ dataPoints[]  attributes, startTimeUnixNano, timeUnixNano, value(s), flags
 *
 * Times stay nanoseconds since the epoch as JavaScript numbers (exact below 2^53 ns, i.e. within
 * ~256 ns today — Vigil keeps milliseconds). 0 means "not set", as in proto3.
 */

/** AggregationTemporality enum values. */
export const TEMPORALITY_UNSPECIFIED = 0;
export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;

/** DataPointFlags.FLAG_NO_RECORDED_VALUE: the point marks the series as stale; it has no value. */
export const FLAG_NO_RECORDED_VALUE = 1;

export type OtlpAnyValue =
  | { readonly type: 'empty' }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'bytes'; readonly value: Uint8Array }
  | { readonly type: 'array'; readonly values: readonly OtlpAnyValue[] }
  | { readonly type: 'kvlist'; readonly values: readonly OtlpKeyValue[] };

export interface OtlpKeyValue {
  readonly key: string;
  readonly value: OtlpAnyValue;
}

export interface OtlpNumberDataPoint {
  readonly attributes: readonly OtlpKeyValue[];
  readonly startTimeUnixNano: number;
  readonly timeUnixNano: number;
  /** as_double or as_int; NaN and `hasValue: false` when neither was sent. */
  readonly value: number;
  readonly hasValue: boolean;
  readonly flags: number;
}

export interface OtlpHistogramDataPoint {
  readonly attributes: readonly OtlpKeyValue[];
  readonly startTimeUnixNano: number;
  readonly timeUnixNano: number;
  readonly count: number;
  /** NaN when absent. */
  readonly sum: number;
  /** Per-bucket (not cumulative) counts; length = explicitBounds.length + 1, or 0. */
  readonly bucketCounts: readonly number[];
  readonly explicitBounds: readonly number[];
  readonly flags: number;
}

export interface OtlpValueAtQuantile {
  readonly quantile: number;
  readonly value: number;
}

export interface OtlpSummaryDataPoint {
  readonly attributes: readonly OtlpKeyValue[];
  readonly startTimeUnixNano: number;
  readonly timeUnixNano: number;
  readonly count: number;
  readonly sum: number;
  readonly quantileValues: readonly OtlpValueAtQuantile[];
  readonly flags: number;
}

export type OtlpMetricData =
  | { readonly type: 'gauge'; readonly dataPoints: readonly OtlpNumberDataPoint[] }
  | { readonly type: 'sum'; readonly aggregationTemporality: number; readonly isMonotonic: boolean; readonly dataPoints: readonly OtlpNumberDataPoint[] }
  | { readonly type: 'histogram'; readonly aggregationTemporality: number; readonly dataPoints: readonly OtlpHistogramDataPoint[] }
  /** Not converted yet; only the number of data points is kept, to report them as rejected. */
  | { readonly type: 'exponentialHistogram'; readonly aggregationTemporality: number; readonly dataPointCount: number }
  | { readonly type: 'summary'; readonly dataPoints: readonly OtlpSummaryDataPoint[] }
  | { readonly type: 'none' };

export interface OtlpMetric {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly data: OtlpMetricData;
}

export interface OtlpScopeMetrics {
  readonly scope: { readonly name: string; readonly version: string };
  readonly metrics: readonly OtlpMetric[];
}

export interface OtlpResourceMetrics {
  readonly resource: { readonly attributes: readonly OtlpKeyValue[] };
  readonly scopeMetrics: readonly OtlpScopeMetrics[];
}

export interface OtlpMetricsRequest {
  readonly resourceMetrics: readonly OtlpResourceMetrics[];
}

/** A failed decode: always a client error, with the path of the offending field in `reason`. */
export interface OtlpFailure {
  readonly ok: false;
  readonly status: 400;
  readonly code: 'VIGIL_ERR_OTLP';
  readonly reason: string;
}

export type OtlpDecodeResult = { readonly ok: true; readonly request: OtlpMetricsRequest } | OtlpFailure;

export function otlpFailure(reason: string): OtlpFailure {
  return { ok: false, status: 400, code: 'VIGIL_ERR_OTLP', reason };
}

/** Size bounds applied while decoding and converting; defaults in DEFAULT_OTLP_LIMITS. */
export interface OtlpLimits {
  /** Attributes on one data point, and on one resource. */
  readonly maxAttributes: number;
  /** UTF-8 bytes of one string (metric name, unit, attribute key or stringified value). */
  readonly maxStringBytes: number;
  /** Buckets of one histogram data point. */
  readonly maxBuckets: number;
  /** Nesting depth of array / kvlist attribute values. */
  readonly maxValueDepth: number;
  /** Data points in one request; the rest are rejected (partial success). */
  readonly maxDataPoints: number;
}

export const DEFAULT_OTLP_LIMITS: OtlpLimits = Object.freeze({
  maxAttributes: 128,
  maxStringBytes: 4096,
  maxBuckets: 512,
  maxValueDepth: 8,
  maxDataPoints: 200_000,
});
