/**
 * Decoder of Prometheus remote-write 1.0 bodies (`prometheus.WriteRequest`, after snappy), from
 * prometheus/prompb/types.proto and remote.proto:
 *
 *   WriteRequest   { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
 *   TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2;
 *                    repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 *   Label          { string name = 1; string value = 2; }
 *   Sample         { double value = 1; int64 timestamp = 2; }            // timestamp in ms
 *   MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
 *
 * Each TimeSeries is read in two steps (no copies):
 *   1. one pass over its fields collects the byte spans of its Label fields (wherever they sit:
 *      labels may follow samples) and of its Sample fields, skips exemplars and native histograms
 *      (unsupported, counted);
 *   2. the label spans are interned to a series id (LabelInterner: no string decoding for a known
 *      set), then every Sample span is decoded into the caller's SampleBatch — nothing is
 *      allocated per sample, and the labels are not scanned a second time.
 *
 * A request is all or nothing: any malformed byte or invalid label set returns a 400 value, and the
 * batch's count is put back to where it was, so none of the request is applied (the sender must
 * not retry a 400, per the remote-write spec). Samples of series the resolver refused (-1) are
 * counted as dropped, not appended. One caveat: a TimeSeries' samples are only parsed after its
 * labels are interned, so `resolve` may already have registered a series of a request that a
 * later malformed Sample rejects; that series simply receives no samples.
 */
import { WireReader, decodeUtf8Strict } from '../../core/codec/index.js';
import type { MetricType } from '../../core/model/index.js';
import { INTERN_INVALID } from './label-interner.js';
import type { LabelInterner } from './label-interner.js';
import { STALE_NAN_HI, STALE_NAN_LO, growSampleBatch } from './sample-batch.js';
import type { SampleBatch } from './sample-batch.js';

/** One `MetricMetadata` of the request (Prometheus sends these rarely, per metric family). */
export interface RemoteWriteMetadata {
  readonly metricFamilyName: string;
  readonly type: MetricType;
  /** The sender's type name as in prompb.MetricMetadata.MetricType, lower case (e.g. `gaugehistogram`). */
  readonly sourceType: string;
  readonly unit: string;
  readonly help: string;
}

export interface WriteDecodeOk {
  readonly ok: true;
  /** TimeSeries in the request. */
  readonly series: number;
  /** Samples appended to the batch (stale markers included). */
  readonly samples: number;
  /** Samples of series the resolver declined (-1); not appended. */
  readonly dropped: number;
  /** Appended samples that are Prometheus stale markers (see isStaleMarker). */
  readonly staleMarkers: number;
  /** Native histogram samples skipped: not supported yet. */
  readonly unsupportedHistograms: number;
  readonly metadata: readonly RemoteWriteMetadata[];
}

export interface WriteDecodeError {
  readonly ok: false;
  readonly status: 400;
  readonly code: 'VIGIL_ERR_PROTOBUF' | 'VIGIL_ERR_LABELS';
  readonly reason: string;
}

export type WriteDecodeResult = WriteDecodeOk | WriteDecodeError;

// prompb.MetricMetadata.MetricType, by enum number.
const SOURCE_TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'] as const;
const MODEL_TYPES: readonly MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'histogram', 'summary', 'gauge', 'gauge'];
const NO_METADATA: readonly RemoteWriteMetadata[] = Object.freeze([]);

// Tags (field << 3 | wire type) of the fields we read.
const TAG_TIMESERIES = (1 << 3) | 2;
const TAG_METADATA = (3 << 3) | 2;
const TAG_LABEL = (1 << 3) | 2;
const TAG_SAMPLE = (2 << 3) | 2;
const TAG_HISTOGRAM = (4 << 3) | 2;
const TAG_VALUE = (1 << 3) | 1;
const TAG_TIMESTAMP = (2 << 3) | 0;

// Scratch state reused across calls: the decoder is synchronous and single-threaded per isolate,
// and nothing here survives a call.
const reader = new WireReader();
let spans = new Int32Array(2 * 64);
/** Content start and end of each Sample field of the current TimeSeries. */
let sampleSpans = new Int32Array(2 * 16);
let staleWords: Uint32Array | null = null;

/**
 * Counters of the request being decoded, written by decodeInto as it goes. The function holding
 * the long loop must end with nothing but `return failure`: V8 compiles that loop on-stack (OSR)
 * before the function has ever returned and keeps reusing that code, so any property access after
 * the loop has no type feedback and deoptimises at the end of every request (measured with
 * --trace-deopt: a result object built there deoptimised 405 of 525 requests).
 */
const tally = { series: 0, samples: 0, dropped: 0, staleMarkers: 0, histograms: 0, metadata: null as RemoteWriteMetadata[] | null };

function protobufError(where: string, r: WireReader): WriteDecodeError {
  return { ok: false, status: 400, code: 'VIGIL_ERR_PROTOBUF', reason: `${where}: ${r.error} (at byte ${r.errorPos})` };
}

function wireTypeError(where: string, field: string, tag: number, expected: number): WriteDecodeError {
  return { ok: false, status: 400, code: 'VIGIL_ERR_PROTOBUF', reason: `${where}.${field}: wire type ${tag & 7}, expected ${expected}` };
}

/**
 * Decodes one uncompressed WriteRequest, appending its samples to `out` (rows [out.count, …)).
 * On error, `out.count` is restored and nothing of the request remains in the batch.
 */
export function decodeWriteRequest(buf: Uint8Array, interner: LabelInterner, out: SampleBatch): WriteDecodeResult {
  const startCount = out.count;
  const failure = decodeInto(buf, interner, out);
  if (failure !== null) {
    out.count = startCount;
    return failure;
  }
  const t = tally;
  return { ok: true, series: t.series, samples: t.samples, dropped: t.dropped, staleMarkers: t.staleMarkers, unsupportedHistograms: t.histograms, metadata: t.metadata ?? NO_METADATA };
}

/** The decoding loop: appends to `out`, counts into `tally`, returns the error or null. */
function decodeInto(buf: Uint8Array, interner: LabelInterner, out: SampleBatch): WriteDecodeError | null {
  const r = reader.reset(buf);
  // Written inside the loop (after each TimeSeries), never after it: see `tally`.
  tally.series = tally.samples = tally.dropped = tally.staleMarkers = tally.histograms = 0;
  tally.metadata = null;
  let series = 0;
  let samples = 0;
  let dropped = 0;
  let staleMarkers = 0;
  let histograms = 0;
  let metadata: RemoteWriteMetadata[] | null = null;
  let failure: WriteDecodeError | null = null;
  let inSeries = false; // for error messages: was the error inside timeseries[series]?

  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === TAG_TIMESERIES) {
      const tsEnd = r.lenEnd();
      if (tsEnd < 0) break;
      inSeries = true;
      const outer = r.pushLimit(tsEnd);

      // Pass 1: label and sample spans, histograms; wire types checked.
      let labelCount = 0;
      let sampleCount = 0;
      while (r.pos < r.end) {
        const fieldStart = r.pos;
        const t = r.tag();
        if (t === TAG_LABEL) {
          const e = r.lenEnd();
          if (e < 0) break;
          if (2 * labelCount + 2 > spans.length) {
            const next = new Int32Array(spans.length * 2);
            next.set(spans);
            spans = next;
          }
          spans[2 * labelCount] = fieldStart;
          spans[2 * labelCount + 1] = e;
          labelCount++;
          r.pos = e;
        } else if (t === TAG_SAMPLE) {
          const e = r.lenEnd();
          if (e < 0) break;
          if (2 * sampleCount + 2 > sampleSpans.length) {
            const next = new Int32Array(sampleSpans.length * 2);
            next.set(sampleSpans);
            sampleSpans = next;
          }
          sampleSpans[2 * sampleCount] = r.pos;
          sampleSpans[2 * sampleCount + 1] = e;
          sampleCount++;
          r.pos = e;
        } else if (t === TAG_HISTOGRAM) {
          const e = r.lenEnd();
          if (e < 0) break;
          histograms++;
          r.pos = e;
        } else if (t < 0) {
          break;
        } else if ((t >>> 3) >= 1 && (t >>> 3) <= 4 && (t & 7) !== 2) {
          failure = wireTypeError(`timeseries[${series}]`, ['', 'labels', 'samples', 'exemplars', 'histograms'][t >>> 3], t, 2);
          break;
        } else if (!r.skip(t & 7)) break; // exemplars (3) and unknown fields
      }
      if (failure !== null || r.error !== null) break;

      // A series without samples carries nothing to apply; its labels are not interned (and so
      // not validated), as no series need exist for it.
      if (sampleCount > 0) {
        const id = interner.intern(buf, spans, labelCount);
        if (id === INTERN_INVALID) {
          failure = { ok: false, status: 400, code: 'VIGIL_ERR_LABELS', reason: `timeseries[${series}].labels: ${interner.error}` };
          break;
        }
        if (id < 0) {
          dropped += sampleCount;
        } else {
          // Pass 2: the samples, from the spans pass 1 found.
          if (out.count + sampleCount > out.ids.length) growSampleBatch(out, out.count + sampleCount);
          const ids = out.ids;
          const timesMs = out.timesMs;
          const values = out.values;
          let row = out.count;
          for (let k = 0; k < sampleCount; k++) {
            r.pos = sampleSpans[2 * k]!;
            const sOuter = r.pushLimit(sampleSpans[2 * k + 1]!);
            let value = 0;
            let timeMs = 0;
            let stale = false;
            while (r.pos < r.end) {
              const st = r.tag();
              // readDouble/readInt64 leave the number in r.value: a double returned from a call
              // would be boxed on the heap, i.e. two allocations per sample.
              if (st === TAG_VALUE) {
                if (!r.readDouble()) break;
                value = r.value;
                stale = r.lo === STALE_NAN_LO && r.hi === STALE_NAN_HI;
              } else if (st === TAG_TIMESTAMP) {
                if (!r.readInt64()) break;
                timeMs = r.value;
              } else if (st < 0) {
                break;
              } else if ((st >>> 3) === 1 || (st >>> 3) === 2) {
                failure = wireTypeError(`timeseries[${series}].samples`, st >>> 3 === 1 ? 'value' : 'timestamp', st, st >>> 3 === 1 ? 1 : 0);
                r.fail('wire type');
                break;
              } else r.skip(st & 7);
            }
            r.popLimit(sOuter);
            if (r.error !== null) break;
            ids[row] = id;
            timesMs[row] = timeMs;
            values[row] = value;
            if (stale) {
              // Write the exact bits: a NaN's payload is not guaranteed to survive a float store.
              if (staleWords === null || staleWords.buffer !== values.buffer) staleWords = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
              staleWords[2 * row] = STALE_NAN_LO;
              staleWords[2 * row + 1] = STALE_NAN_HI;
              staleMarkers++;
            }
            row++;
          }
          out.count = row;
          samples += sampleCount;
        }
      }
      r.popLimit(outer);
      r.pos = tsEnd;
      if (failure !== null || r.error !== null) break;
      inSeries = false;
      series++;
      const t = tally;
      t.series = series;
      t.samples = samples;
      t.dropped = dropped;
      t.staleMarkers = staleMarkers;
      t.histograms = histograms;
    } else if (tag === TAG_METADATA) {
      const mEnd = r.lenEnd();
      if (mEnd < 0) break;
      const m = decodeMetadata(r, mEnd, metadata === null ? 0 : metadata.length);
      if (!('metricFamilyName' in m)) {
        failure = m;
        break;
      }
      (metadata ??= []).push(m);
      tally.metadata = metadata;
    } else if (tag < 0) {
      break;
    } else if ((tag >>> 3) === 1 || (tag >>> 3) === 3) {
      failure = wireTypeError('WriteRequest', (tag >>> 3) === 1 ? 'timeseries' : 'metadata', tag, 2);
      break;
    } else if (!r.skip(tag & 7)) break;
  }

  if (failure === null && r.error !== null) {
    failure = protobufError(inSeries ? `timeseries[${series}]` : 'WriteRequest', r);
  }
  return failure;
}

function decodeMetadata(r: WireReader, mEnd: number, index: number): RemoteWriteMetadata | WriteDecodeError {
  const where = `metadata[${index}]`;
  const outer = r.pushLimit(mEnd);
  let typeNum = 0;
  let name = '';
  let help = '';
  let unit = '';
  while (r.pos < r.end) {
    const t = r.tag();
    if (t < 0) break;
    const field = t >>> 3;
    if (field === 1) {
      if ((t & 7) !== 0) return popWith(r, outer, wireTypeError(where, 'type', t, 0));
      typeNum = r.varint();
    } else if (field === 2 || field === 4 || field === 5) {
      if ((t & 7) !== 2) return popWith(r, outer, wireTypeError(where, ['', '', 'metric_family_name', '', 'help', 'unit'][field], t, 2));
      const e = r.lenEnd();
      if (e < 0) break;
      const s = decodeUtf8Strict(r.buf, r.pos, e);
      if (s === null) {
        return popWith(r, outer, { ok: false, status: 400, code: 'VIGIL_ERR_PROTOBUF', reason: `${where}.${['', '', 'metric_family_name', '', 'help', 'unit'][field]}: invalid UTF-8` });
      }
      if (field === 2) name = s;
      else if (field === 4) help = s;
      else unit = s;
      r.pos = e;
    } else if (!r.skip(t & 7)) break;
  }
  r.popLimit(outer);
  if (r.error !== null) return protobufError(where, r);
  const i = typeNum >= 0 && typeNum < SOURCE_TYPES.length ? typeNum : 0;
  return { metricFamilyName: name, type: MODEL_TYPES[i], sourceType: SOURCE_TYPES[i], unit, help };
}

function popWith(r: WireReader, outer: number, e: WriteDecodeError): WriteDecodeError {
  r.fail('stopped');
  r.popLimit(outer);
  return e;
}
