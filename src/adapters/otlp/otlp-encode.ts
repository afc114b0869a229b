/**
 * Protobuf and JSON encoders for OTLP metrics:
 *   - ExportMetricsServiceResponse with partial_success, the reply of every OTLP/HTTP request
 *     (protobuf, and the OTLP/JSON equivalent);
 *   - ExportMetricsServiceRequest for the subset Vigil reads (otlp-model.ts), used by tests and
 *     tools to produce real protobuf payloads.
 *
 * A tiny writer: nested messages are encoded into their own byte arrays first and then embedded
 * with a length prefix. That allocates per message, which is fine off the hot path (responses are
 * a few bytes; the request encoder is for tests).
 */
import {
  type OtlpAnyValue,
  type OtlpHistogramDataPoint,
  type OtlpKeyValue,
  type OtlpMetric,
  type OtlpMetricsRequest,
  type OtlpNumberDataPoint,
  type OtlpSummaryDataPoint,
} from './otlp-model.js';

const TWO_32 = 4294967296;
const textEncoder = new TextEncoder();

/** Append-only protobuf writer. */
class ProtoWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  /** Unsigned varint of a non-negative integer up to 2^64 (exact below 2^53). */
  varint(n: number): this {
    this.ensure(10);
    let hi = Math.floor(n / TWO_32);
    let lo = n >>> 0;
    while (hi > 0 || lo > 0x7f) {
      this.buf[this.len++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi = Math.floor(hi / 128);
    }
    this.buf[this.len++] = lo;
    return this;
  }

  /** int64 varint: negatives in ten-byte two's complement. */
  int64(n: number): this {
    if (n >= 0) return this.varint(n);
    const mag = -n;
    let hi = ~Math.floor(mag / TWO_32) >>> 0;
    let lo = ~(mag >>> 0) >>> 0;
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
    this.ensure(10);
    for (let i = 0; i < 9; i++) {
      this.buf[this.len++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi = hi >>> 7;
    }
    this.buf[this.len++] = lo & 0x01;
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  fixed64(n: number): this {
    this.ensure(8);
    const neg = n < 0;
    let hi: number;
    let lo: number;
    if (!neg) {
      hi = Math.floor(n / TWO_32) >>> 0;
      lo = n >>> 0;
    } else {
      const mag = -n;
      hi = ~Math.floor(mag / TWO_32) >>> 0;
      lo = ~(mag >>> 0) >>> 0;
      lo = (lo + 1) >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
    }
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8);
    v.setUint32(0, lo, true);
    v.setUint32(4, hi, true);
    this.len += 8;
    return this;
  }

  double(n: number): this {
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, n, true);
    this.len += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  // Field helpers; proto3 leaves default values out.
  fString(field: number, s: string): this {
    return s === '' ? this : this.tag(field, 2).bytes(textEncoder.encode(s));
  }
  fMessage(field: number, b: Uint8Array): this {
    return this.tag(field, 2).bytes(b);
  }
  fVarint(field: number, n: number): this {
    return n === 0 ? this : this.tag(field, 0).varint(n);
  }
  fFixed64(field: number, n: number): this {
    return n === 0 ? this : this.tag(field, 1).fixed64(n);
  }
  fDouble(field: number, n: number): this {
    return this.tag(field, 1).double(n);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

// ---- response -----------------------------------------------------------------------------------

/**
 * ExportMetricsServiceResponse { partial_success = 1 { rejected_data_points = 1; error_message = 2 } }.
 * Full success (0 rejected, no message) is the empty message, as the OTLP specification asks.
 */
export function encodeExportMetricsServiceResponse(rejectedDataPoints: number, errorMessage: string): Uint8Array {
  if (rejectedDataPoints === 0 && errorMessage === '') return new Uint8Array(0);
  const partial = new ProtoWriter().fVarint(1, rejectedDataPoints).fString(2, errorMessage).finish();
  return new ProtoWriter().fMessage(1, partial).finish();
}

export interface ExportMetricsServiceResponseJson {
  partialSuccess?: { rejectedDataPoints?: string; errorMessage?: string };
}

/** The OTLP/JSON response: int64 as a decimal string, defaults omitted. */
export function encodeExportMetricsServiceResponseJson(rejectedDataPoints: number, errorMessage: string): ExportMetricsServiceResponseJson {
  if (rejectedDataPoints === 0 && errorMessage === '') return {};
  const partialSuccess: { rejectedDataPoints?: string; errorMessage?: string } = {};
  if (rejectedDataPoints !== 0) partialSuccess.rejectedDataPoints = String(rejectedDataPoints);
  if (errorMessage !== '') partialSuccess.errorMessage = errorMessage;
  return { partialSuccess };
}

// ---- request --------------------------------------------------------------------------------------

function anyValue(v: OtlpAnyValue): Uint8Array {
  const w = new ProtoWriter();
  switch (v.type) {
    case 'empty': break;
    case 'string': w.tag(1, 2).bytes(textEncoder.encode(v.value)); break;
    case 'bool': w.tag(2, 0).varint(v.value ? 1 : 0); break;
    case 'int': w.tag(3, 0).int64(v.value); break;
    case 'double': w.fDouble(4, v.value); break;
    case 'array': {
      const list = new ProtoWriter();
      for (const x of v.values) list.fMessage(1, anyValue(x));
      w.fMessage(5, list.finish());
      break;
    }
    case 'kvlist': {
      const list = new ProtoWriter();
      for (const kv of v.values) list.fMessage(1, keyValue(kv));
      w.fMessage(6, list.finish());
      break;
    }
    case 'bytes': w.tag(7, 2).bytes(v.value); break;
  }
  return w.finish();
}

function keyValue(kv: OtlpKeyValue): Uint8Array {
  return new ProtoWriter().fString(1, kv.key).fMessage(2, anyValue(kv.value)).finish();
}

function numberPoint(p: OtlpNumberDataPoint, asInt: boolean): Uint8Array {
  const w = new ProtoWriter();
  w.fFixed64(2, p.startTimeUnixNano).fFixed64(3, p.timeUnixNano);
  if (p.hasValue) {
    if (asInt) w.tag(6, 1).fixed64(p.value);
    else w.fDouble(4, p.value);
  }
  for (const kv of p.attributes) w.fMessage(7, keyValue(kv));
  w.fVarint(8, p.flags);
  return w.finish();
}

function histogramPoint(p: OtlpHistogramDataPoint): Uint8Array {
  const w = new ProtoWriter();
  w.fFixed64(2, p.startTimeUnixNano).fFixed64(3, p.timeUnixNano).fFixed64(4, p.count);
  if (!Number.isNaN(p.sum)) w.fDouble(5, p.sum);
  if (p.bucketCounts.length > 0) {
    const packed = new ProtoWriter();
    for (const c of p.bucketCounts) packed.fixed64(c);
    w.fMessage(6, packed.finish());
  }
  if (p.explicitBounds.length > 0) {
    const packed = new ProtoWriter();
    for (const b of p.explicitBounds) packed.double(b);
    w.fMessage(7, packed.finish());
  }
  for (const kv of p.attributes) w.fMessage(9, keyValue(kv));
  w.fVarint(10, p.flags);
  return w.finish();
}

function summaryPoint(p: OtlpSummaryDataPoint): Uint8Array {
  const w = new ProtoWriter();
  w.fFixed64(2, p.startTimeUnixNano).fFixed64(3, p.timeUnixNano).fFixed64(4, p.count);
  if (!Number.isNaN(p.sum)) w.fDouble(5, p.sum);
  for (const q of p.quantileValues) w.fMessage(6, new ProtoWriter().fDouble(1, q.quantile).fDouble(2, q.value).finish());
  for (const kv of p.attributes) w.fMessage(7, keyValue(kv));
  w.fVarint(8, p.flags);
  return w.finish();
}

function isIntegral(p: OtlpNumberDataPoint): boolean {
  return p.hasValue && Number.isSafeInteger(p.value) && !Object.is(p.value, -0);
}

function metric(m: OtlpMetric): Uint8Array {
  const w = new ProtoWriter().fString(1, m.name).fString(2, m.description).fString(3, m.unit);
  const d = m.data;
  switch (d.type) {
    case 'gauge': {
      const g = new ProtoWriter();
      for (const p of d.dataPoints) g.fMessage(1, numberPoint(p, isIntegral(p)));
      w.fMessage(5, g.finish());
      break;
    }
    case 'sum': {
      const s = new ProtoWriter();
      for (const p of d.dataPoints) s.fMessage(1, numberPoint(p, isIntegral(p)));
      s.fVarint(2, d.aggregationTemporality).fVarint(3, d.isMonotonic ? 1 : 0);
      w.fMessage(7, s.finish());
      break;
    }
    case 'histogram': {
      const h = new ProtoWriter();
      for (const p of d.dataPoints) h.fMessage(1, histogramPoint(p));
      h.fVarint(2, d.aggregationTemporality);
      w.fMessage(9, h.finish());
      break;
    }
    case 'exponentialHistogram': {
      // Only the shape survives in the model: empty data points, enough to be counted.
      const h = new ProtoWriter();
      for (let i = 0; i < d.dataPointCount; i++) h.fMessage(1, new Uint8Array(0));
      h.fVarint(2, d.aggregationTemporality);
      w.fMessage(10, h.finish());
      break;
    }
    case 'summary': {
      const s = new ProtoWriter();
      for (const p of d.dataPoints) s.fMessage(1, summaryPoint(p));
      w.fMessage(11, s.finish());
      break;
    }
    case 'none':
      break;
  }
  return w.finish();
}

/**
 * ExportMetricsServiceRequest as protobuf bytes. Integral number values are written as `as_int`
 * (sfixed64), others as `as_double`; 64-bit integers are exact below 2^53.
 */
export function encodeExportMetricsServiceRequest(request: OtlpMetricsRequest): Uint8Array {
  const w = new ProtoWriter();
  for (const rm of request.resourceMetrics) {
    const rmw = new ProtoWriter();
    const res = new ProtoWriter();
    for (const kv of rm.resource.attributes) res.fMessage(1, keyValue(kv));
    rmw.fMessage(1, res.finish());
    for (const sm of rm.scopeMetrics) {
      const smw = new ProtoWriter();
      smw.fMessage(1, new ProtoWriter().fString(1, sm.scope.name).fString(2, sm.scope.version).finish());
      for (const m of sm.metrics) smw.fMessage(2, metric(m));
      rmw.fMessage(2, smw.finish());
    }
    w.fMessage(1, rmw.finish());
  }
  return w.finish();
}
