// Tests for the remote-write 1.0 decoder and label interner (src/adapters/remote-write/), through
// the folder's public API:
//
//   * round trip (fast-check): encodeWriteRequest -> decodeWriteRequest gives back every sample
//     and label set, labels before or after samples, sorted or not, batch growing from capacity 1;
//   * every truncation of a valid body returns a value (never throws), an error unless the cut
//     falls between two top-level fields, and leaves the batch as it was;
//   * arbitrary and corrupted bytes never throw;
//   * label validation: invalid UTF-8 in name and value, bad names, oversize value (10 MB),
//     duplicate names, missing __name__, too many labels — 400 VIGIL_ERR_LABELS naming the series;
//   * stale markers counted and kept bit for bit; resolve -1 drops and is cached;
//   * interner: same id whatever the label order, resolve once per label set, forget and clear;
//     the same label bytes meet the same entry at any offset, contiguous or interleaved with
//     samples; sets differing in one byte at any position stay apart.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import {
  INTERN_INVALID,
  LabelInterner,
  createSampleBatch,
  decodeWriteRequest,
  encodeWriteRequest,
  isStaleMarker,
  type RemoteWriteSeries,
  type WriteDecodeResult,
} from '../../../src/adapters/remote-write/index.js';
import { seriesKey, type Labels } from '../../../src/core/model/index.js';

// ---- helpers ----------------------------------------------------------------------------------

/** A resolver that numbers label sets in order of first sight and records every call. */
function registry(drop: (labels: Labels) => boolean = () => false) {
  const ids = new Map<string, number>();
  const byId: Labels[] = [];
  let calls = 0;
  const resolve = (labels: Labels): number => {
    calls++;
    if (drop(labels)) return -1;
    const key = seriesKey(labels);
    let id = ids.get(key);
    if (id === undefined) {
      id = byId.length;
      ids.set(key, id);
      byId.push(labels);
    }
    return id;
  };
  return { resolve, byId, calls: () => calls };
}

function expectError(res: WriteDecodeResult, code: string, fragment: string | RegExp): void {
  assert.equal(res.ok, false, 'expected an error');
  if (res.ok) return;
  assert.equal(res.status, 400);
  assert.equal(res.code, code);
  if (typeof fragment === 'string') assert.ok(res.reason.includes(fragment), `reason ${JSON.stringify(res.reason)} lacks ${JSON.stringify(fragment)}`);
  else assert.match(res.reason, fragment);
}

const enc = new TextEncoder();

/** Hand-built protobuf pieces, for bodies the encoder will not produce. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
function len(field: number, body: ArrayLike<number>): number[] {
  return [(field << 3) | 2, ...varint(body.length), ...Array.from(body)];
}
function rawLabel(name: ArrayLike<number>, value: ArrayLike<number>): number[] {
  return len(1, [...len(1, name), ...len(2, value)]);
}
function sample(value: number, timeMs: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, value, true);
  return len(2, [0x09, ...b, 0x10, ...varint(timeMs)]);
}
function request(...series: number[][]): Uint8Array {
  return Uint8Array.from(series.flatMap((s) => len(1, s)));
}

const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/).filter((n) => n !== '__name__');
const metricName = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/);
const labelValue = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
const labelsArb: fc.Arbitrary<Labels> = fc
  .tuple(metricName, fc.dictionary(labelName, labelValue, { maxKeys: 6 }))
  .map(([name, rest]) => Object.freeze(Object.assign(Object.create(null) as Record<string, string>, rest, { __name__: name })));
const sampleArb = fc.record({
  value: fc.double({ noNaN: true }),
  timeMs: fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
});
const seriesArb: fc.Arbitrary<RemoteWriteSeries> = fc.record({ labels: labelsArb, samples: fc.array(sampleArb, { minLength: 1, maxLength: 4 }) });

// ---- round trip -------------------------------------------------------------------------------

describe('decodeWriteRequest: round trip', () => {
  it('gives back every sample of every series, in order, whatever the label placement', () => {
    fc.assert(
      fc.property(fc.array(seriesArb, { maxLength: 12 }), fc.boolean(), fc.boolean(), (series, sortLabels, labelsAfterSamples) => {
        const reg = registry();
        const interner = new LabelInterner(reg.resolve);
        const batch = createSampleBatch(1);
        const body = encodeWriteRequest(series, [], { sortLabels, labelsAfterSamples });
        const res = decodeWriteRequest(body, interner, batch);
        assert.ok(res.ok, res.ok ? '' : res.reason);
        assert.equal(res.series, series.length);
        const expected = series.flatMap((s) => s.samples.map((x) => ({ key: seriesKey(s.labels), ...x })));
        assert.equal(res.samples, expected.length);
        assert.equal(batch.count, expected.length);
        for (let i = 0; i < expected.length; i++) {
          assert.equal(seriesKey(reg.byId[batch.ids[i]]), expected[i].key);
          assert.ok(Object.is(batch.values[i], expected[i].value));
          assert.equal(batch.timesMs[i], expected[i].timeMs);
        }
        // Decoding again hits the cache: no new resolve calls, the same rows appended again.
        const calls = reg.calls();
        const again = decodeWriteRequest(body, interner, batch);
        assert.ok(again.ok);
        assert.equal(reg.calls(), calls);
        assert.equal(batch.count, 2 * expected.length);
        assert.deepEqual(Array.from(batch.ids.subarray(expected.length, batch.count)), Array.from(batch.ids.subarray(0, expected.length)));
      }),
      { numRuns: 150 },
    );
  });

  it('decodes metadata', () => {
    const body = encodeWriteRequest([], [
      { metricFamilyName: 'http_requests_total', type: 'counter', help: 'Requests. ✓', unit: '' },
      { metricFamilyName: 'latency_seconds', type: 'gaugehistogram', unit: 'seconds' },
      { metricFamilyName: 'x', type: 'unknown' },
    ]);
    const res = decodeWriteRequest(body, new LabelInterner(() => 0), createSampleBatch());
    assert.ok(res.ok);
    assert.deepEqual(res.metadata, [
      { metricFamilyName: 'http_requests_total', type: 'counter', sourceType: 'counter', unit: '', help: 'Requests. ✓' },
      { metricFamilyName: 'latency_seconds', type: 'histogram', sourceType: 'gaugehistogram', unit: 'seconds', help: '' },
      { metricFamilyName: 'x', type: 'unknown', sourceType: 'unknown', unit: '', help: '' },
    ]);
  });

  it('counts and keeps stale markers bit for bit, and counts native histograms as unsupported', () => {
    const body = encodeWriteRequest([
      { labels: { __name__: 'up', job: 'a' }, samples: [{ value: 1, timeMs: 1000 }, { value: 0, timeMs: 2000, stale: true }] },
    ]);
    const withHistogram = Uint8Array.from([...body.subarray(0, 1), ...varint(body.length - 2 + 4), ...body.subarray(2), ...len(4, [0x08, 0x01])]);
    assert.equal(body[1], body.length - 2, 'test assumes a one-byte length');
    const batch = createSampleBatch();
    const res = decodeWriteRequest(withHistogram, new LabelInterner(() => 7), batch);
    assert.ok(res.ok, res.ok ? '' : res.reason);
    assert.equal(res.staleMarkers, 1);
    assert.equal(res.unsupportedHistograms, 1);
    assert.equal(batch.count, 2);
    assert.equal(isStaleMarker(batch, 0), false);
    assert.equal(isStaleMarker(batch, 1), true);
    const words = new Uint32Array(batch.values.buffer, 8, 2);
    assert.deepEqual([words[0], words[1]], [2, 0x7ff00000]);
    // An ordinary NaN is not a stale marker.
    const nan = decodeWriteRequest(encodeWriteRequest([{ labels: { __name__: 'up' }, samples: [{ value: NaN, timeMs: 1 }] }]), new LabelInterner(() => 0), batch);
    assert.ok(nan.ok);
    assert.equal(nan.staleMarkers, 0);
    assert.equal(isStaleMarker(batch, 2), false);
  });

  it('drops the samples of series the resolver declines, and caches the -1', () => {
    const reg = registry((l) => l.job === 'skip');
    const interner = new LabelInterner(reg.resolve);
    const body = encodeWriteRequest([
      { labels: { __name__: 'up', job: 'skip' }, samples: [{ value: 1, timeMs: 1 }, { value: 1, timeMs: 2 }] },
      { labels: { __name__: 'up', job: 'keep' }, samples: [{ value: 3, timeMs: 3 }] },
    ]);
    const batch = createSampleBatch();
    for (let round = 1; round <= 3; round++) {
      const res = decodeWriteRequest(body, interner, batch);
      assert.ok(res.ok);
      assert.equal(res.dropped, 2);
      assert.equal(res.samples, 1);
      assert.equal(batch.count, round);
      assert.equal(reg.calls(), 2, 'resolve runs once per label set, -1 included');
    }
    assert.equal(interner.size, 2);
  });
});

// ---- malformed input --------------------------------------------------------------------------

describe('decodeWriteRequest: malformed input', () => {
  it('every truncation returns a value, an error unless cut between series, and restores the batch', () => {
    fc.assert(
      fc.property(fc.array(seriesArb, { minLength: 1, maxLength: 4 }), (series) => {
        const parts = series.map((s) => encodeWriteRequest([s]));
        const boundaries = new Set<number>([0]);
        let at = 0;
        for (const p of parts) boundaries.add((at += p.length));
        const body = encodeWriteRequest(series);
        assert.equal(body.length, at);
        const interner = new LabelInterner(registry().resolve);
        const batch = createSampleBatch(2);
        batch.count = 1; // rows already in the batch must survive a rejected request
        for (let cut = 0; cut < body.length; cut++) {
          const res = decodeWriteRequest(body.subarray(0, cut), interner, batch);
          if (boundaries.has(cut)) {
            assert.ok(res.ok);
            batch.count = 1;
          } else {
            assert.equal(res.ok, false, `cut at ${cut} of ${body.length} was accepted`);
            if (!res.ok) assert.ok(['VIGIL_ERR_PROTOBUF', 'VIGIL_ERR_LABELS'].includes(res.code));
            assert.equal(batch.count, 1);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('arbitrary bytes and single-byte corruptions never throw', () => {
    const body = encodeWriteRequest([{ labels: { __name__: 'node_cpu_seconds_total', cpu: '0', mode: 'idle' }, samples: [{ value: 1.5, timeMs: 1e12 }] }]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(body.length - 1), fc.integer({ min: 0, max: 255 }), (junk, i, b) => {
        const batch = createSampleBatch();
        const interner = new LabelInterner(() => 0);
        decodeWriteRequest(junk, interner, batch);
        const bad = Uint8Array.from(body);
        bad[i] = b;
        const res = decodeWriteRequest(bad, interner, batch);
        if (!res.ok) assert.equal(batch.count, 0);
      }),
    );
  });

  it('reports bad protobuf with the position', () => {
    const interner = new LabelInterner(() => 0);
    // timeseries with a length past the end
    expectError(decodeWriteRequest(Uint8Array.from([0x0a, 0x7f, 0x0a]), interner, createSampleBatch()), 'VIGIL_ERR_PROTOBUF', /WriteRequest: length-delimited field .* \(at byte 1\)/);
    // samples field with wire type 0
    expectError(decodeWriteRequest(request([...rawLabel(enc.encode('__name__'), enc.encode('up')), 0x10, 0x01]), interner, createSampleBatch()), 'VIGIL_ERR_PROTOBUF', 'timeseries[0].samples: wire type 0, expected 2');
    // a timeseries field with wire type 1
    expectError(decodeWriteRequest(Uint8Array.from([0x09, 1, 2, 3, 4, 5, 6, 7, 8]), interner, createSampleBatch()), 'VIGIL_ERR_PROTOBUF', 'WriteRequest.timeseries: wire type 1');
    // a Sample whose value has wire type 0
    expectError(decodeWriteRequest(request([...rawLabel(enc.encode('__name__'), enc.encode('up')), ...len(2, [0x08, 0x01])]), interner, createSampleBatch()), 'VIGIL_ERR_PROTOBUF', 'timeseries[0].samples.value: wire type 0, expected 1');
  });
});

// ---- labels -----------------------------------------------------------------------------------

describe('decodeWriteRequest: label validation rejects the whole request', () => {
  const good = [...rawLabel(enc.encode('__name__'), enc.encode('up')), ...sample(1, 1)];
  function check(bad: number[], fragment: string | RegExp): void {
    const batch = createSampleBatch();
    let resolved = 0;
    const interner = new LabelInterner(() => resolved++);
    const res = decodeWriteRequest(request(good, bad), interner, batch);
    expectError(res, 'VIGIL_ERR_LABELS', fragment);
    assert.equal(batch.count, 0, 'nothing of a rejected request stays in the batch');
    if (!res.ok) assert.ok(res.reason.startsWith('timeseries[1].labels: '), res.reason);
  }
  const name = rawLabel(enc.encode('__name__'), enc.encode('m'));

  it('invalid UTF-8 in a label name or value', () => {
    check([...name, ...rawLabel([0x6a, 0xff], enc.encode('x')), ...sample(1, 1)], 'invalid UTF-8 in label name');
    check([...name, ...rawLabel(enc.encode('job'), [0x61, 0xc3, 0x28]), ...sample(1, 1)], "invalid UTF-8 in label value of 'job'");
  });

  it('names outside Prometheus syntax, and a bad metric name', () => {
    check([...name, ...rawLabel(enc.encode('1abc'), enc.encode('x')), ...sample(1, 1)], "label name '1abc' is not a valid Prometheus label name");
    check([...name, ...rawLabel(enc.encode('a-b'), enc.encode('x')), ...sample(1, 1)], "'a-b'");
    check([...name, ...rawLabel(enc.encode('é'), enc.encode('x')), ...sample(1, 1)], "'é'");
    check([...rawLabel(enc.encode('__name__'), enc.encode('a b')), ...sample(1, 1)], "metric name 'a b' is not a valid");
  });

  it('an oversize label value (10 MB) is refused by its length', () => {
    const big = new Uint8Array(10 * 1024 * 1024).fill(0x61);
    check([...name, ...rawLabel(enc.encode('foo'), big), ...sample(1, 1)], "label value of 'foo' is 10485760 bytes; the limit is 16384");
    // The limit is an option.
    const small = new LabelInterner(() => 0, { maxLabelValueBytes: 4 });
    expectError(decodeWriteRequest(request([...name, ...rawLabel(enc.encode('a'), enc.encode('12345')), ...sample(1, 1)]), small, createSampleBatch()), 'VIGIL_ERR_LABELS', 'is 5 bytes; the limit is 4');
    assert.ok(decodeWriteRequest(request([...name, ...rawLabel(enc.encode('a'), enc.encode('1234')), ...sample(1, 1)]), small, createSampleBatch()).ok);
  });

  it('duplicate names, missing __name__, too many labels', () => {
    check([...name, ...rawLabel(enc.encode('a'), enc.encode('1')), ...rawLabel(enc.encode('a'), enc.encode('2')), ...sample(1, 1)], "duplicate label name 'a'");
    check([...rawLabel(enc.encode('a'), enc.encode('1')), ...sample(1, 1)], 'no __name__ label');
    check([...sample(1, 1)], 'no __name__ label');
    const many = Array.from({ length: 64 }, (_, i) => rawLabel(enc.encode(`l${i}`), enc.encode('v'))).flat();
    check([...name, ...many, ...sample(1, 1)], '65 labels; the limit is 64');
  });
});

// ---- interner ---------------------------------------------------------------------------------

describe('LabelInterner', () => {
  function spansOf(body: Uint8Array): { spans: Int32Array; n: number } {
    // body is one Label field after another
    const spans: number[] = [];
    let p = 0;
    while (p < body.length) {
      let n = 0;
      let shift = 0;
      let q = p + 1;
      for (;;) {
        const b = body[q++];
        n += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (b < 0x80) break;
      }
      spans.push(p, q + n);
      p = q + n;
    }
    return { spans: Int32Array.from(spans), n: spans.length / 2 };
  }

  it('returns the same id for the same label set in any order, resolving once', () => {
    fc.assert(
      fc.property(labelsArb, fc.integer(), (labels, seed) => {
        const reg = registry();
        const interner = new LabelInterner(reg.resolve);
        const names = Object.keys(labels);
        const shuffled = [...names].sort((a, b) => ((hash(a, seed) - hash(b, seed)) || (a < b ? -1 : 1)));
        const a = Uint8Array.from(names.flatMap((n) => rawLabel(enc.encode(n), enc.encode(labels[n]))));
        const b = Uint8Array.from(shuffled.flatMap((n) => rawLabel(enc.encode(n), enc.encode(labels[n]))));
        const sa = spansOf(a);
        const sb = spansOf(b);
        const id1 = interner.intern(a, sa.spans, sa.n);
        const id2 = interner.intern(b, sb.spans, sb.n);
        const id3 = interner.intern(a, sa.spans, sa.n);
        assert.ok(id1 >= 0);
        assert.equal(id2, id1);
        assert.equal(id3, id1);
        assert.equal(reg.calls(), 1);
        assert.deepEqual({ ...reg.byId[id1] }, { ...labels });
      }),
    );
  });

  it('forget and clear make label sets resolve again; the table survives growth and compaction', () => {
    const reg = registry((l) => l.job === 'x');
    const interner = new LabelInterner(reg.resolve);
    const N = 5000;
    const bodies = Array.from({ length: N }, (_, i) => Uint8Array.from([...rawLabel(enc.encode('__name__'), enc.encode('m')), ...rawLabel(enc.encode('i'), enc.encode(String(i)))]));
    const ids = bodies.map((b) => {
      const s = spansOf(b);
      return interner.intern(b, s.spans, s.n);
    });
    assert.equal(new Set(ids).size, N);
    assert.equal(interner.size, N);
    for (let i = 0; i < N; i += 2) assert.equal(interner.forget(ids[i]), 1);
    assert.equal(interner.size, N / 2);
    const calls = reg.calls();
    bodies.forEach((b, i) => {
      const s = spansOf(b);
      assert.equal(interner.intern(b, s.spans, s.n), ids[i], `series ${i}`);
    });
    assert.equal(reg.calls(), calls + N / 2, 'only the forgotten sets were resolved again');
    interner.clear();
    assert.equal(interner.size, 0);
    const s = spansOf(bodies[1]);
    assert.equal(interner.intern(bodies[1], s.spans, s.n), ids[1]);
    assert.equal(reg.calls(), calls + N / 2 + 1);
  });

  it('matches label bytes wherever they sit: any offset, contiguous or interleaved with samples', () => {
    // The known-set path hashes and compares 4 bytes at a time over one range, and joins spans
    // that are not contiguous first: the same bytes must meet the same entry in every case.
    fc.assert(
      fc.property(labelsArb, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 6 }), (labels, pad, cut) => {
        const reg = registry();
        const interner = new LabelInterner(reg.resolve);
        const fields = Object.keys(labels).map((n) => rawLabel(enc.encode(n), enc.encode(labels[n])));
        const contiguous = Uint8Array.from([...new Array<number>(pad).fill(0), ...fields.flat()]);
        const sc = spansOf(contiguous.subarray(pad));
        for (let k = 0; k < sc.spans.length; k++) sc.spans[k] += pad;
        const id = interner.intern(contiguous, sc.spans, sc.n);
        assert.ok(id >= 0);
        // The same fields with a sample between them, through the decoder.
        const at = Math.min(cut, fields.length);
        const interleaved = request([...fields.slice(0, at).flat(), ...sample(1, 1000), ...fields.slice(at).flat()]);
        const batch = createSampleBatch(1);
        const res = decodeWriteRequest(interleaved, interner, batch);
        assert.ok(res.ok);
        assert.equal(batch.ids[0], id);
        assert.equal(interner.size, 1, 'same bytes, same key');
        assert.equal(reg.calls(), 1);
      }),
    );
  });

  it('tells apart label sets that differ in one byte at any position', () => {
    const reg = registry();
    const interner = new LabelInterner(reg.resolve);
    const base = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const bodies: Uint8Array[] = [];
    for (let i = 0; i < base.length; i++) {
      for (const c of 'AZ_9') {
        const v = base.slice(0, i) + c + base.slice(i + 1);
        bodies.push(Uint8Array.from([...rawLabel(enc.encode('__name__'), enc.encode('m')), ...rawLabel(enc.encode('v'), enc.encode(v))]));
      }
    }
    const ids = bodies.map((b) => {
      const s = spansOf(b);
      return interner.intern(b, s.spans, s.n);
    });
    assert.equal(new Set(ids).size, bodies.length);
    bodies.forEach((b, i) => {
      const s = spansOf(b);
      assert.equal(interner.intern(b, s.spans, s.n), ids[i]);
    });
    assert.equal(reg.calls(), bodies.length);
  });

  it('reports invalid sets as INTERN_INVALID with a reason, and does not cache them', () => {
    let calls = 0;
    const interner = new LabelInterner(() => calls++);
    const b = Uint8Array.from(rawLabel(enc.encode('a'), enc.encode('1')));
    const s = spansOf(b);
    assert.equal(interner.intern(b, s.spans, s.n), INTERN_INVALID);
    assert.equal(interner.error, 'no __name__ label (metric name)');
    assert.equal(interner.size, 0);
    assert.equal(calls, 0);
  });

  it('keeps a label called __proto__ and treats empty values as absent', () => {
    const reg = registry();
    const interner = new LabelInterner(reg.resolve);
    const b = Uint8Array.from([...rawLabel(enc.encode('__name__'), enc.encode('m')), ...rawLabel(enc.encode('__proto__'), enc.encode('p')), ...rawLabel(enc.encode('e'), [])]);
    const s = spansOf(b);
    const id = interner.intern(b, s.spans, s.n);
    assert.deepEqual(Object.keys(reg.byId[id]).sort(), ['__name__', '__proto__']);
    assert.equal(reg.byId[id]['__proto__'], 'p');
  });
});

function hash(s: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}
