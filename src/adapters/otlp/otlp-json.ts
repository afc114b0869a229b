/**
 * ExportMetricsServiceRequest from OTLP/JSON (OTLP/HTTP `application/json`), as the OTLP
 * specification's "JSON Protobuf Encoding" defines it: the proto3 JSON mapping with keys in
 * lowerCamelCase, 64-bit integers as decimal strings (numbers accepted too, as proto3 JSON parsers
 * do), enums as integers only (enum names are prohibited), doubles as numbers or "NaN" /
 * "Infinity" / "-Infinity", bytes as base64, `null` meaning "not set", unknown keys ignored.
 *
 * Input is the already-parsed JSON value. A wrong shape is a value, not a throw:
 * `{ ok: false, status: 400, reason: 'resourceMetrics[0].scopeMetrics[0].metrics[2].sum.dataPoints: expected an array, got object' }`.
 * Strings with lone UTF-16 surrogates (possible through `\ud800` escapes) are rejected as invalid
 * UTF-8, the same rule the protobuf path applies to bytes.
 */
import {
  DEFAULT_OTLP_LIMITS,
  otlpFailure,
  type OtlpAnyValue,
  type OtlpDecodeResult,
  type OtlpHistogramDataPoint,
  type OtlpKeyValue,
  type OtlpLimits,
  type OtlpMetric,
  type OtlpMetricData,
  type OtlpNumberDataPoint,
  type OtlpResourceMetrics,
  type OtlpScopeMetrics,
  type OtlpSummaryDataPoint,
  type OtlpValueAtQuantile,
} from './otlp-model.js';

class ShapeError extends Error {}

type Obj = Record<string, unknown>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const INT_STRING = /^-?\d+$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function fail(path: string, reason: string): never {
  throw new ShapeError(`${path}: ${reason}`);
}

function object(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, `expected an object, got ${describe(v)}`);
  return v as Obj;
}

function optObject(v: unknown, path: string): Obj | undefined {
  return v === undefined || v === null ? undefined : object(v, path);
}

function array(v: unknown, path: string): readonly unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(path, `expected an array, got ${describe(v)}`);
  return v;
}

function string(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(path, `expected a string, got ${describe(v)}`);
  if (LONE_SURROGATE.test(v)) fail(path, 'invalid UTF-8 (lone surrogate) in a string');
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') fail(path, `expected true or false, got ${describe(v)}`);
  return v;
}

/** int64 / uint64 / fixed64 / sfixed64: a decimal string (canonical) or an integral number. */
function int64(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && INT_STRING.test(v)) return Number(v);
  fail(path, `expected a 64-bit integer as a decimal string, got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : describe(v)}`);
}

function uint64(v: unknown, path: string): number {
  const n = int64(v, path);
  if (n < 0) fail(path, `expected an unsigned integer, got ${n}`);
  return n;
}

/** double: a number, or a string holding "NaN", "Infinity", "-Infinity" or a number. */
function double(v: unknown, path: string, absent = 0): number {
  if (v === undefined || v === null) return absent;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && Number.isFinite(n)) return n;
  }
  fail(path, `expected a number, got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : describe(v)}`);
}

/** Enums are integers in OTLP/JSON (the specification prohibits enum names). */
function enumInt(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  fail(path, `expected an enum as an integer (OTLP/JSON does not allow enum names), got ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : describe(v)}`);
}

/** Reads OTLP/JSON; stateless apart from the limits. */
export class OtlpJsonDecoder {
  private readonly maxValueDepth: number;

  constructor(limits: Partial<OtlpLimits> = {}) {
    this.maxValueDepth = limits.maxValueDepth ?? DEFAULT_OTLP_LIMITS.maxValueDepth;
  }

  decode(json: unknown): OtlpDecodeResult {
    try {
      const root = object(json, 'request');
      const resourceMetrics = array(root.resourceMetrics, 'resourceMetrics').map((rm, i) => this.resourceMetrics(rm, `resourceMetrics[${i}]`));
      return { ok: true, request: { resourceMetrics } };
    } catch (err) {
      if (err instanceof ShapeError) return otlpFailure(`OTLP/JSON ExportMetricsServiceRequest: ${err.message}`);
      throw err;
    }
  }

  private resourceMetrics(v: unknown, path: string): OtlpResourceMetrics {
    const o = object(v, path);
    const res = optObject(o.resource, `${path}.resource`);
    const attributes = res ? this.attributes(res.attributes, `${path}.resource.attributes`) : [];
    const scopeMetrics = array(o.scopeMetrics, `${path}.scopeMetrics`).map((sm, i) => this.scopeMetrics(sm, `${path}.scopeMetrics[${i}]`));
    return { resource: { attributes }, scopeMetrics };
  }

  private scopeMetrics(v: unknown, path: string): OtlpScopeMetrics {
    const o = object(v, path);
    const s = optObject(o.scope, `${path}.scope`);
    const scope = s ? { name: string(s.name, `${path}.scope.name`), version: string(s.version, `${path}.scope.version`) } : { name: '', version: '' };
    const metrics = array(o.metrics, `${path}.metrics`).map((m, i) => this.metric(m, `${path}.metrics[${i}]`));
    return { scope, metrics };
  }

  private metric(v: unknown, path: string): OtlpMetric {
    const o = object(v, path);
    const name = string(o.name, `${path}.name`);
    const description = string(o.description, `${path}.description`);
    const unit = string(o.unit, `${path}.unit`);
    let data: OtlpMetricData = { type: 'none' };
    const kinds = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].filter((k) => o[k] !== undefined && o[k] !== null);
    if (kinds.length > 1) fail(path, `a metric holds one of gauge, sum, histogram, exponentialHistogram, summary; got ${kinds.join(' and ')}`);
    if (o.gauge != null) {
      const g = object(o.gauge, `${path}.gauge`);
      data = { type: 'gauge', dataPoints: this.numberPoints(g.dataPoints, `${path}.gauge.dataPoints`) };
    } else if (o.sum != null) {
      const s = object(o.sum, `${path}.sum`);
      data = {
        type: 'sum',
        aggregationTemporality: enumInt(s.aggregationTemporality, `${path}.sum.aggregationTemporality`),
        isMonotonic: bool(s.isMonotonic, `${path}.sum.isMonotonic`),
        dataPoints: this.numberPoints(s.dataPoints, `${path}.sum.dataPoints`),
      };
    } else if (o.histogram != null) {
      const h = object(o.histogram, `${path}.histogram`);
      data = {
        type: 'histogram',
        aggregationTemporality: enumInt(h.aggregationTemporality, `${path}.histogram.aggregationTemporality`),
        dataPoints: array(h.dataPoints, `${path}.histogram.dataPoints`).map((p, i) => this.histogramPoint(p, `${path}.histogram.dataPoints[${i}]`)),
      };
    } else if (o.exponentialHistogram != null) {
      const h = object(o.exponentialHistogram, `${path}.exponentialHistogram`);
      data = {
        type: 'exponentialHistogram',
        aggregationTemporality: enumInt(h.aggregationTemporality, `${path}.exponentialHistogram.aggregationTemporality`),
        dataPointCount: array(h.dataPoints, `${path}.exponentialHistogram.dataPoints`).length,
      };
    } else if (o.summary != null) {
      const s = object(o.summary, `${path}.summary`);
      data = { type: 'summary', dataPoints: array(s.dataPoints, `${path}.summary.dataPoints`).map((p, i) => this.summaryPoint(p, `${path}.summary.dataPoints[${i}]`)) };
    }
    return { name, description, unit, data };
  }

  private numberPoints(v: unknown, path: string): OtlpNumberDataPoint[] {
    return array(v, path).map((p, i) => this.numberPoint(p, `${path}[${i}]`));
  }

  private numberPoint(v: unknown, path: string): OtlpNumberDataPoint {
    const o = object(v, path);
    let value = NaN;
    let hasValue = false;
    if (o.asDouble != null && o.asInt != null) fail(path, 'a data point holds asDouble or asInt, not both');
    if (o.asDouble != null) {
      value = double(o.asDouble, `${path}.asDouble`);
      hasValue = true;
    } else if (o.asInt != null) {
      value = int64(o.asInt, `${path}.asInt`);
      hasValue = true;
    }
    return {
      attributes: this.attributes(o.attributes, `${path}.attributes`),
      startTimeUnixNano: uint64(o.startTimeUnixNano, `${path}.startTimeUnixNano`),
      timeUnixNano: uint64(o.timeUnixNano, `${path}.timeUnixNano`),
      value,
      hasValue,
      flags: uint64(o.flags, `${path}.flags`),
    };
  }

  private histogramPoint(v: unknown, path: string): OtlpHistogramDataPoint {
    const o = object(v, path);
    return {
      attributes: this.attributes(o.attributes, `${path}.attributes`),
      startTimeUnixNano: uint64(o.startTimeUnixNano, `${path}.startTimeUnixNano`),
      timeUnixNano: uint64(o.timeUnixNano, `${path}.timeUnixNano`),
      count: uint64(o.count, `${path}.count`),
      sum: double(o.sum, `${path}.sum`, NaN),
      bucketCounts: array(o.bucketCounts, `${path}.bucketCounts`).map((c, i) => uint64(c, `${path}.bucketCounts[${i}]`)),
      explicitBounds: array(o.explicitBounds, `${path}.explicitBounds`).map((b, i) => double(b, `${path}.explicitBounds[${i}]`)),
      flags: uint64(o.flags, `${path}.flags`),
    };
  }

  private summaryPoint(v: unknown, path: string): OtlpSummaryDataPoint {
    const o = object(v, path);
    const quantileValues: OtlpValueAtQuantile[] = array(o.quantileValues, `${path}.quantileValues`).map((q, i) => {
      const qo = object(q, `${path}.quantileValues[${i}]`);
      return { quantile: double(qo.quantile, `${path}.quantileValues[${i}].quantile`), value: double(qo.value, `${path}.quantileValues[${i}].value`) };
    });
    return {
      attributes: this.attributes(o.attributes, `${path}.attributes`),
      startTimeUnixNano: uint64(o.startTimeUnixNano, `${path}.startTimeUnixNano`),
      timeUnixNano: uint64(o.timeUnixNano, `${path}.timeUnixNano`),
      count: uint64(o.count, `${path}.count`),
      sum: double(o.sum, `${path}.sum`, NaN),
      quantileValues,
      flags: uint64(o.flags, `${path}.flags`),
    };
  }

  private attributes(v: unknown, path: string, depth = 0): OtlpKeyValue[] {
    return array(v, path).map((kv, i) => {
      const p = `${path}[${i}]`;
      const o = object(kv, p);
      return { key: string(o.key, `${p}.key`), value: this.anyValue(o.value, `${p}.value`, depth) };
    });
  }

  private anyValue(v: unknown, path: string, depth: number): OtlpAnyValue {
    if (depth > this.maxValueDepth) fail(path, `attribute value nested deeper than ${this.maxValueDepth} levels`);
    const o = optObject(v, path);
    if (o === undefined) return { type: 'empty' };
    if (o.stringValue != null) return { type: 'string', value: string(o.stringValue, `${path}.stringValue`) };
    if (o.boolValue != null) return { type: 'bool', value: bool(o.boolValue, `${path}.boolValue`) };
    if (o.intValue != null) return { type: 'int', value: int64(o.intValue, `${path}.intValue`) };
    if (o.doubleValue != null) return { type: 'double', value: double(o.doubleValue, `${path}.doubleValue`) };
    if (o.arrayValue != null) {
      const a = object(o.arrayValue, `${path}.arrayValue`);
      return { type: 'array', values: array(a.values, `${path}.arrayValue.values`).map((x, i) => this.anyValue(x, `${path}.arrayValue.values[${i}]`, depth + 1)) };
    }
    if (o.kvlistValue != null) {
      const k = object(o.kvlistValue, `${path}.kvlistValue`);
      return { type: 'kvlist', values: this.attributes(k.values, `${path}.kvlistValue.values`, depth + 1) };
    }
    if (o.bytesValue != null) {
      const s = string(o.bytesValue, `${path}.bytesValue`);
      if (!BASE64.test(s)) fail(`${path}.bytesValue`, 'expected base64');
      return { type: 'bytes', value: new Uint8Array(Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64')) };
    }
    return { type: 'empty' };
  }
}
