/**
 * Encoder of remote-write 1.0 WriteRequests (the inverse of write-request-decoder.ts), for tests,
 * benchmarks and a future forwarder. Not on the ingest path, so clarity beats speed here.
 */
import type { Labels } from '../../core/model/index.js';
import { STALE_NAN_HI, STALE_NAN_LO } from './sample-batch.js';

export interface RemoteWriteSample {
  readonly value: number;
  readonly timeMs: number;
  /** Send Prometheus' stale marker (NaN 0x7ff0000000000002) instead of `value`. */
  readonly stale?: boolean;
}

export interface RemoteWriteSeries {
  readonly labels: Labels;
  readonly samples: readonly RemoteWriteSample[];
}

export interface RemoteWriteMetadataInput {
  readonly metricFamilyName: string;
  /** prompb MetricType name: unknown, counter, gauge, histogram, gaugehistogram, summary, info, stateset. */
  readonly type: string;
  readonly unit?: string;
  readonly help?: string;
}

export interface EncodeOptions {
  /** Sort labels by name, as Prometheus does (default true); false keeps the object's key order. */
  readonly sortLabels?: boolean;
  /** Put each series' Label fields after its samples (legal protobuf; tests the decoder). */
  readonly labelsAfterSamples?: boolean;
}

const METRIC_TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

/** Append-only byte buffer that doubles as needed. */
class ByteWriter {
  buf = new Uint8Array(256);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  /** Unsigned varint of a non-negative integer up to 2^53. */
  varint(v: number): void {
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }
  /** int64 varint (two's complement for negatives, 10 bytes). */
  int64(v: number): void {
    if (v >= 0) return this.varint(v);
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  fixed64Words(lo: number, hi: number): void {
    this.ensure(8);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8);
    dv.setUint32(0, lo, true);
    dv.setUint32(4, hi, true);
    this.len += 8;
  }
  double(v: number): void {
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, v, true);
    this.len += 8;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const utf8 = new TextEncoder();

function lenField(w: ByteWriter, field: number, body: Uint8Array): void {
  w.varint((field << 3) | 2);
  w.varint(body.length);
  w.bytes(body);
}

function stringField(w: ByteWriter, field: number, s: string): void {
  lenField(w, field, utf8.encode(s));
}

function encodeSeries(s: RemoteWriteSeries, options: EncodeOptions): Uint8Array {
  const labels = new ByteWriter();
  let names = Object.keys(s.labels);
  if (options.sortLabels !== false) names = names.sort();
  for (const n of names) {
    const l = new ByteWriter();
    stringField(l, 1, n);
    stringField(l, 2, s.labels[n]);
    lenField(labels, 1, l.result());
  }
  const samples = new ByteWriter();
  for (const x of s.samples) {
    const m = new ByteWriter();
    m.byte((1 << 3) | 1);
    if (x.stale) m.fixed64Words(STALE_NAN_LO, STALE_NAN_HI);
    else m.double(x.value);
    m.byte((2 << 3) | 0);
    m.int64(x.timeMs);
    lenField(samples, 2, m.result());
  }
  const ts = new ByteWriter();
  const parts = options.labelsAfterSamples ? [samples, labels] : [labels, samples];
  for (const p of parts) ts.bytes(p.result());
  return ts.result();
}

/** Encodes a WriteRequest (uncompressed protobuf). */
export function encodeWriteRequest(
  series: readonly RemoteWriteSeries[],
  metadata: readonly RemoteWriteMetadataInput[] = [],
  options: EncodeOptions = {},
): Uint8Array {
  const w = new ByteWriter();
  for (const s of series) lenField(w, 1, encodeSeries(s, options));
  for (const m of metadata) {
    const mw = new ByteWriter();
    const t = METRIC_TYPES.indexOf(m.type);
    if (t > 0) {
      mw.byte((1 << 3) | 0);
      mw.varint(t);
    }
    stringField(mw, 2, m.metricFamilyName);
    if (m.help) stringField(mw, 4, m.help);
    if (m.unit) stringField(mw, 5, m.unit);
    lenField(w, 3, mw.result());
  }
  return w.result();
}
