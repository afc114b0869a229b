/**
 * ExportMetricsServiceRequest from protobuf bytes (OTLP/HTTP `application/x-protobuf`), on the
 * shared allocation-light WireReader of core/codec. Field numbers are those of
 * opentelemetry-proto v1 (metrics.proto, common.proto, resource.proto); unknown fields are skipped
 * as protobuf requires, deprecated ones (int_gauge, instrumentation_library_metrics, …) too.
 *
 * Any malformed input is a value, never a throw out of this module: truncation, bad lengths, a known
 * field with the wrong wire type, invalid UTF-8 in a string, or attribute values nested too deeply
 * all give `{ ok: false, status: 400, reason }`, the reason naming the field path
 * (`resourceMetrics[0].scopeMetrics[1].metrics[3].name: invalid UTF-8`). Internally a small
 * exception unwinds the recursive descent and is caught at the top.
 */
import { WireReader, WIRE_I64, WIRE_LEN, WIRE_VARINT, decodeUtf8Strict } from '../../core/codec/index.js';
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

class DecodeError extends Error {}

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', 'type 6', 'type 7'];

/** Reusable decoder (one WireReader); not re-entrant. */
export class OtlpProtobufDecoder {
  private readonly r = new WireReader();
  /** Field path of what is being read, for error reasons; segments pushed and popped as we descend. */
  private readonly path: string[] = [];
  private readonly maxValueDepth: number;

  constructor(limits: Partial<OtlpLimits> = {}) {
    this.maxValueDepth = limits.maxValueDepth ?? DEFAULT_OTLP_LIMITS.maxValueDepth;
  }

  decode(bytes: Uint8Array): OtlpDecodeResult {
    this.r.reset(bytes);
    this.path.length = 0;
    try {
      const resourceMetrics: OtlpResourceMetrics[] = [];
      this.fields((field, wt) => {
        if (field === 1) resourceMetrics.push(this.sub(wt, `resourceMetrics[${resourceMetrics.length}]`, () => this.resourceMetrics()));
        else return false;
        return true;
      });
      this.check();
      return { ok: true, request: { resourceMetrics } };
    } catch (err) {
      if (err instanceof DecodeError) return otlpFailure(`protobuf ExportMetricsServiceRequest: ${err.message}`);
      throw err;
    } finally {
      // Drop the reference to the request body so it can be collected.
      this.r.reset(EMPTY);
    }
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private where(): string {
    return this.path.length === 0 ? 'message' : this.path.join('.');
  }

  private fail(reason: string): never {
    throw new DecodeError(`${this.where()}: ${reason}`);
  }

  private check(): void {
    const r = this.r;
    if (r.error !== null) this.fail(`${r.error} (byte ${r.errorPos})`);
  }

  /** Reads every field of the current message; `read` returns false for fields to skip. */
  private fields(read: (field: number, wireType: number) => boolean): void {
    const r = this.r;
    while (r.pos < r.end) {
      const tag = r.tag();
      if (tag < 0) break;
      const wt = tag & 7;
      if (!read(tag >>> 3, wt)) r.skip(wt);
      this.check();
    }
    this.check();
  }

  private expect(wt: number, want: number, name: string): void {
    if (wt !== want) this.fail(`field ${name} has wire type ${WIRE_NAMES[wt]}, expected ${WIRE_NAMES[want]}`);
  }

  /** Reads a length-delimited sub-message with `read`, under path segment `name`. */
  private sub<T>(wt: number, name: string, read: () => T): T {
    this.expect(wt, WIRE_LEN, name);
    const r = this.r;
    const end = r.lenEnd();
    this.check();
    this.path.push(name);
    const outer = r.pushLimit(end);
    const v = read();
    r.popLimit(outer);
    this.check();
    this.path.pop();
    return v;
  }

  private string(wt: number, name: string): string {
    this.expect(wt, WIRE_LEN, name);
    const r = this.r;
    const end = r.lenEnd();
    this.check();
    const s = decodeUtf8Strict(r.buf, r.pos, end);
    if (s === null) {
      this.path.push(name);
      this.fail('invalid UTF-8 in a string field');
    }
    r.pos = end;
    return s;
  }

  private bytes(wt: number, name: string): Uint8Array {
    this.expect(wt, WIRE_LEN, name);
    const r = this.r;
    const end = r.lenEnd();
    this.check();
    const b = r.buf.slice(r.pos, end);
    r.pos = end;
    return b;
  }

  private fixed64(wt: number, name: string): number {
    this.expect(wt, WIRE_I64, name);
    return this.r.fixed64();
  }

  private sfixed64(wt: number, name: string): number {
    this.expect(wt, WIRE_I64, name);
    const r = this.r;
    r.fixed64();
    // Two's complement from the raw halves the reader leaves behind.
    return r.hi < 0x80000000 ? r.hi * 4294967296 + r.lo : -((~r.hi >>> 0) * 4294967296 + (~r.lo >>> 0) + 1);
  }

  private double(wt: number, name: string): number {
    this.expect(wt, WIRE_I64, name);
    return this.r.double();
  }

  private varint(wt: number, name: string): number {
    this.expect(wt, WIRE_VARINT, name);
    return this.r.uint64();
  }

  /** `repeated fixed64` / `repeated double`: packed (LEN) or one value per tag (I64), both legal. */
  private repeated64(wt: number, name: string, out: number[], asDouble: boolean): void {
    const r = this.r;
    if (wt === WIRE_I64) {
      out.push(asDouble ? r.double() : r.fixed64());
      return;
    }
    this.expect(wt, WIRE_LEN, name);
    const end = r.lenEnd();
    this.check();
    if ((end - r.pos) % 8 !== 0) {
      this.path.push(name);
      this.fail('packed 64-bit field length is not a multiple of 8');
    }
    const outer = r.pushLimit(end);
    while (r.pos < r.end) out.push(asDouble ? r.double() : r.fixed64());
    r.popLimit(outer);
  }

  // ---- messages -------------------------------------------------------------------------------

  private resourceMetrics(): OtlpResourceMetrics {
    let attributes: OtlpKeyValue[] = [];
    const scopeMetrics: OtlpScopeMetrics[] = [];
    this.fields((field, wt) => {
      if (field === 1) attributes = this.sub(wt, 'resource', () => this.resource());
      else if (field === 2) scopeMetrics.push(this.sub(wt, `scopeMetrics[${scopeMetrics.length}]`, () => this.scopeMetrics()));
      else return false;
      return true;
    });
    return { resource: { attributes }, scopeMetrics };
  }

  private resource(): OtlpKeyValue[] {
    const attributes: OtlpKeyValue[] = [];
    this.fields((field, wt) => {
      if (field === 1) attributes.push(this.sub(wt, `attributes[${attributes.length}]`, () => this.keyValue(0)));
      else return false;
      return true;
    });
    return attributes;
  }

  private scopeMetrics(): OtlpScopeMetrics {
    let scope = { name: '', version: '' };
    const metrics: OtlpMetric[] = [];
    this.fields((field, wt) => {
      if (field === 1) scope = this.sub(wt, 'scope', () => this.scope());
      else if (field === 2) metrics.push(this.sub(wt, `metrics[${metrics.length}]`, () => this.metric()));
      else return false;
      return true;
    });
    return { scope, metrics };
  }

  private scope(): { name: string; version: string } {
    let name = '';
    let version = '';
    this.fields((field, wt) => {
      if (field === 1) name = this.string(wt, 'name');
      else if (field === 2) version = this.string(wt, 'version');
      else if (field === 3) this.sub(wt, 'attributes', () => this.keyValue(0)); // validated, not used
      else return false;
      return true;
    });
    return { name, version };
  }

  private metric(): OtlpMetric {
    let name = '';
    let description = '';
    let unit = '';
    let data: OtlpMetricData = { type: 'none' };
    this.fields((field, wt) => {
      switch (field) {
        case 1: name = this.string(wt, 'name'); break;
        case 2: description = this.string(wt, 'description'); break;
        case 3: unit = this.string(wt, 'unit'); break;
        case 5: data = this.sub(wt, 'gauge', () => this.numberData('gauge')); break;
        case 7: data = this.sub(wt, 'sum', () => this.numberData('sum')); break;
        case 9: data = this.sub(wt, 'histogram', () => this.histogram()); break;
        case 10: data = this.sub(wt, 'exponentialHistogram', () => this.exponentialHistogram()); break;
        case 11: data = this.sub(wt, 'summary', () => this.summary()); break;
        default: return false;
      }
      return true;
    });
    return { name, description, unit, data };
  }

  private numberData(type: 'gauge' | 'sum'): OtlpMetricData {
    const dataPoints: OtlpNumberDataPoint[] = [];
    let aggregationTemporality = 0;
    let isMonotonic = false;
    this.fields((field, wt) => {
      if (field === 1) dataPoints.push(this.sub(wt, `dataPoints[${dataPoints.length}]`, () => this.numberPoint()));
      else if (type === 'sum' && field === 2) aggregationTemporality = this.varint(wt, 'aggregationTemporality');
      else if (type === 'sum' && field === 3) isMonotonic = this.varint(wt, 'isMonotonic') !== 0;
      else return false;
      return true;
    });
    return type === 'gauge' ? { type, dataPoints } : { type, aggregationTemporality, isMonotonic, dataPoints };
  }

  private numberPoint(): OtlpNumberDataPoint {
    const attributes: OtlpKeyValue[] = [];
    let startTimeUnixNano = 0;
    let timeUnixNano = 0;
    let value = NaN;
    let hasValue = false;
    let flags = 0;
    this.fields((field, wt) => {
      switch (field) {
        case 7: attributes.push(this.sub(wt, `attributes[${attributes.length}]`, () => this.keyValue(0))); break;
        case 2: startTimeUnixNano = this.fixed64(wt, 'startTimeUnixNano'); break;
        case 3: timeUnixNano = this.fixed64(wt, 'timeUnixNano'); break;
        case 4: value = this.double(wt, 'asDouble'); hasValue = true; break;
        case 6: value = this.sfixed64(wt, 'asInt'); hasValue = true; break;
        case 8: flags = this.varint(wt, 'flags'); break;
        default: return false;
      }
      return true;
    });
    return { attributes, startTimeUnixNano, timeUnixNano, value, hasValue, flags };
  }

  private histogram(): OtlpMetricData {
    const dataPoints: OtlpHistogramDataPoint[] = [];
    let aggregationTemporality = 0;
    this.fields((field, wt) => {
      if (field === 1) dataPoints.push(this.sub(wt, `dataPoints[${dataPoints.length}]`, () => this.histogramPoint()));
      else if (field === 2) aggregationTemporality = this.varint(wt, 'aggregationTemporality');
      else return false;
      return true;
    });
    return { type: 'histogram', aggregationTemporality, dataPoints };
  }

  private histogramPoint(): OtlpHistogramDataPoint {
    const attributes: OtlpKeyValue[] = [];
    let startTimeUnixNano = 0;
    let timeUnixNano = 0;
    let count = 0;
    let sum = NaN;
    const bucketCounts: number[] = [];
    const explicitBounds: number[] = [];
    let flags = 0;
    this.fields((field, wt) => {
      switch (field) {
        case 9: attributes.push(this.sub(wt, `attributes[${attributes.length}]`, () => this.keyValue(0))); break;
        case 2: startTimeUnixNano = this.fixed64(wt, 'startTimeUnixNano'); break;
        case 3: timeUnixNano = this.fixed64(wt, 'timeUnixNano'); break;
        case 4: count = this.fixed64(wt, 'count'); break;
        case 5: sum = this.double(wt, 'sum'); break;
        case 6: this.repeated64(wt, 'bucketCounts', bucketCounts, false); break;
        case 7: this.repeated64(wt, 'explicitBounds', explicitBounds, true); break;
        case 10: flags = this.varint(wt, 'flags'); break;
        default: return false;
      }
      return true;
    });
    return { attributes, startTimeUnixNano, timeUnixNano, count, sum, bucketCounts, explicitBounds, flags };
  }

  private exponentialHistogram(): OtlpMetricData {
    let dataPointCount = 0;
    let aggregationTemporality = 0;
    this.fields((field, wt) => {
      if (field === 1) {
        this.expect(wt, WIRE_LEN, 'dataPoints');
        dataPointCount++;
        return false; // skipped: exponential histograms are counted as unsupported
      }
      if (field === 2) aggregationTemporality = this.varint(wt, 'aggregationTemporality');
      else return false;
      return true;
    });
    return { type: 'exponentialHistogram', aggregationTemporality, dataPointCount };
  }

  private summary(): OtlpMetricData {
    const dataPoints: OtlpSummaryDataPoint[] = [];
    this.fields((field, wt) => {
      if (field === 1) dataPoints.push(this.sub(wt, `dataPoints[${dataPoints.length}]`, () => this.summaryPoint()));
      else return false;
      return true;
    });
    return { type: 'summary', dataPoints };
  }

  private summaryPoint(): OtlpSummaryDataPoint {
    const attributes: OtlpKeyValue[] = [];
    let startTimeUnixNano = 0;
    let timeUnixNano = 0;
    let count = 0;
    let sum = NaN;
    const quantileValues: OtlpValueAtQuantile[] = [];
    let flags = 0;
    this.fields((field, wt) => {
      switch (field) {
        case 7: attributes.push(this.sub(wt, `attributes[${attributes.length}]`, () => this.keyValue(0))); break;
        case 2: startTimeUnixNano = this.fixed64(wt, 'startTimeUnixNano'); break;
        case 3: timeUnixNano = this.fixed64(wt, 'timeUnixNano'); break;
        case 4: count = this.fixed64(wt, 'count'); break;
        case 5: sum = this.double(wt, 'sum'); break;
        case 6: quantileValues.push(this.sub(wt, `quantileValues[${quantileValues.length}]`, () => this.valueAtQuantile())); break;
        case 8: flags = this.varint(wt, 'flags'); break;
        default: return false;
      }
      return true;
    });
    return { attributes, startTimeUnixNano, timeUnixNano, count, sum, quantileValues, flags };
  }

  private valueAtQuantile(): OtlpValueAtQuantile {
    let quantile = 0;
    let value = 0;
    this.fields((field, wt) => {
      if (field === 1) quantile = this.double(wt, 'quantile');
      else if (field === 2) value = this.double(wt, 'value');
      else return false;
      return true;
    });
    return { quantile, value };
  }

  private keyValue(depth: number): OtlpKeyValue {
    let key = '';
    let value: OtlpAnyValue = EMPTY_VALUE;
    this.fields((field, wt) => {
      if (field === 1) key = this.string(wt, 'key');
      else if (field === 2) value = this.sub(wt, 'value', () => this.anyValue(depth));
      else return false;
      return true;
    });
    return { key, value };
  }

  private anyValue(depth: number): OtlpAnyValue {
    if (depth > this.maxValueDepth) this.fail(`attribute value nested deeper than ${this.maxValueDepth} levels`);
    let value: OtlpAnyValue = EMPTY_VALUE;
    this.fields((field, wt) => {
      switch (field) {
        case 1: value = { type: 'string', value: this.string(wt, 'stringValue') }; break;
        case 2: value = { type: 'bool', value: this.varint(wt, 'boolValue') !== 0 }; break;
        case 3: {
          this.expect(wt, WIRE_VARINT, 'intValue');
          value = { type: 'int', value: this.r.int64() };
          break;
        }
        case 4: value = { type: 'double', value: this.double(wt, 'doubleValue') }; break;
        case 5: value = { type: 'array', values: this.sub(wt, 'arrayValue', () => this.valueList(depth + 1)) }; break;
        case 6: value = { type: 'kvlist', values: this.sub(wt, 'kvlistValue', () => this.keyValueList(depth + 1)) }; break;
        case 7: value = { type: 'bytes', value: this.bytes(wt, 'bytesValue') }; break;
        default: return false;
      }
      return true;
    });
    return value;
  }

  private valueList(depth: number): OtlpAnyValue[] {
    const values: OtlpAnyValue[] = [];
    this.fields((field, wt) => {
      if (field === 1) values.push(this.sub(wt, `values[${values.length}]`, () => this.anyValue(depth)));
      else return false;
      return true;
    });
    return values;
  }

  private keyValueList(depth: number): OtlpKeyValue[] {
    const values: OtlpKeyValue[] = [];
    this.fields((field, wt) => {
      if (field === 1) values.push(this.sub(wt, `values[${values.length}]`, () => this.keyValue(depth)));
      else return false;
      return true;
    });
    return values;
  }
}

const EMPTY = new Uint8Array(0);
const EMPTY_VALUE: OtlpAnyValue = Object.freeze({ type: 'empty' });
