// Tests for the OTLP/HTTP metrics decoder (src/adapters/otlp/), through its public API:
//
//   * an OTLP/JSON request shaped like the OTLP specification's examples/metrics.json, converted
//     to points with Prometheus names and labels;
//   * protobuf: the test encoder and the decoder round-trip (fixed cases and fast-check), and the
//     same request as JSON and as protobuf gives the same points;
//   * semantics: cumulative counter with a reset (through CounterRates), delta sums as rates,
//     cumulative and delta histograms to p50/p90/p99 vs hand-computed values, summaries,
//     unsupported exponential histograms, partial success;
//   * bad input: malformed protobuf, invalid UTF-8, wrong wire types, wrong JSON shapes → 400 with
//     a reason naming the field; arbitrary bytes never throw.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { WireReader } from '../../../src/core/codec/index.js';
import { CounterRates, histogramQuantile } from '../../../src/core/semantics/index.js';
import {
  OtlpMetricsDecoder,
  OtlpProtobufDecoder,
  TEMPORALITY_CUMULATIVE,
  TEMPORALITY_DELTA,
  encodeExportMetricsServiceRequest,
  encodeExportMetricsServiceResponse,
  encodeExportMetricsServiceResponseJson,
  type OtlpAnyValue,
  type OtlpHistogramDataPoint,
  type OtlpKeyValue,
  type OtlpMetric,
  type OtlpMetricsRequest,
  type OtlpMetricsResult,
  type OtlpNumberDataPoint,
  type OtlpPoint,
} from '../../../src/adapters/otlp/index.js';

// ---------------------------------------------------------------------------------------------
// helpers

const T0_MS = Date.UTC(2026, 10, 21, 10, 0, 0);
const ns = (ms: number): number => ms * 1e6;
const nsStr = (ms: number): string => `${ms}000000`;

function str(key: string, value: string): OtlpKeyValue {
  return { key, value: { type: 'string', value } };
}

function numberPoint(timeMs: number, value: number, attributes: OtlpKeyValue[] = [], startMs = 0): OtlpNumberDataPoint {
  return { attributes, startTimeUnixNano: startMs ? ns(startMs) : 0, timeUnixNano: ns(timeMs), value, hasValue: true, flags: 0 };
}

function histPoint(timeMs: number, bucketCounts: number[], explicitBounds: number[], startMs = 0, attributes: OtlpKeyValue[] = []): OtlpHistogramDataPoint {
  const count = bucketCounts.reduce((a, b) => a + b, 0);
  return { attributes, startTimeUnixNano: startMs ? ns(startMs) : 0, timeUnixNano: ns(timeMs), count, sum: NaN, bucketCounts, explicitBounds, flags: 0 };
}

function request(metrics: OtlpMetric[], resource: OtlpKeyValue[] = [str('service.name', 'checkout')]): OtlpMetricsRequest {
  return { resourceMetrics: [{ resource: { attributes: resource }, scopeMetrics: [{ scope: { name: 'test', version: '1' }, metrics }] }] };
}

function ok(r: OtlpMetricsResult): { points: OtlpPoint[]; rejectedDataPoints: number; errorMessage: string } {
  if (!r.ok) assert.fail(`expected success, got ${r.reason}`);
  return r;
}

function fail(r: OtlpMetricsResult): string {
  if (r.ok) assert.fail('expected a 400');
  assert.equal(r.status, 400);
  assert.equal(r.code, 'VIGIL_ERR_OTLP');
  return r.reason;
}

function byName(points: OtlpPoint[], name: string): OtlpPoint[] {
  return points.filter((p) => p.labels.__name__ === name);
}

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-9, msg ?? `${a} != ${b}`);

// ---------------------------------------------------------------------------------------------

describe('OTLP/JSON', () => {
  // Shaped like opentelemetry-proto's examples/metrics.json: camelCase keys, int64 as strings,
  // enums as integers, a resource with service attributes, one scope, every common metric type.
  const example = {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'my.service' } },
            { key: 'service.namespace', value: { stringValue: 'shop' } },
            { key: 'service.instance.id', value: { stringValue: 'pod-7f9c' } },
            { key: 'host.cpus', value: { intValue: '8' } },
          ],
        },
        scopeMetrics: [
          {
            scope: { name: 'my.library', version: '1.0.0', attributes: [{ key: 'my.scope.attribute', value: { stringValue: 'some scope attribute' } }] },
            metrics: [
              {
                name: 'my.counter',
                unit: '1',
                description: 'I am a Counter',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      asDouble: 5,
                      startTimeUnixNano: nsStr(T0_MS - 60_000),
                      timeUnixNano: nsStr(T0_MS),
                      attributes: [{ key: 'my.counter.attr', value: { stringValue: 'some value' } }],
                    },
                  ],
                },
              },
              {
                name: 'my.gauge',
                unit: 'By',
                description: 'I am a Gauge',
                gauge: {
                  dataPoints: [
                    { asInt: '10', timeUnixNano: nsStr(T0_MS), attributes: [{ key: 'my.gauge.attr', value: { boolValue: true } }, { key: 'ratio', value: { doubleValue: 0.25 } }] },
                  ],
                },
              },
              {
                name: 'my.histogram',
                unit: 's',
                description: 'I am a Histogram',
                histogram: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      startTimeUnixNano: nsStr(T0_MS - 10_000),
                      timeUnixNano: nsStr(T0_MS),
                      count: '10',
                      sum: 4.2,
                      bucketCounts: ['2', '5', '2', '1'],
                      explicitBounds: [0.1, 0.5, 1],
                      min: 0.01,
                      max: 3,
                      attributes: [{ key: 'http.route', value: { stringValue: '/cart' } }],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };

  it('decodes the specification-shaped example into Prometheus-named points', () => {
    const r = ok(new OtlpMetricsDecoder().decodeJson(example));
    assert.equal(r.rejectedDataPoints, 0);
    assert.equal(r.errorMessage, '');
    const resourceAttributes = { 'service.name': 'my.service', 'service.namespace': 'shop', 'service.instance.id': 'pod-7f9c', 'host.cpus': '8' };
    const [counter] = byName(r.points, 'my_counter_total');
    assert.deepEqual(counter, {
      labels: { __name__: 'my_counter_total', my_counter_attr: 'some value', job: 'shop/my.service', instance: 'pod-7f9c' },
      resourceAttributes,
      type: 'counter',
      unit: '1',
      timeMs: T0_MS,
      value: 5,
    });
    const [gauge] = byName(r.points, 'my_gauge_bytes');
    assert.deepEqual(gauge!.labels, { __name__: 'my_gauge_bytes', my_gauge_attr: 'true', ratio: '0.25', job: 'shop/my.service', instance: 'pod-7f9c' });
    assert.equal(gauge!.type, 'gauge');
    assert.equal(gauge!.value, 10);

    // Delta histogram, buckets 2/5/2/1 over bounds 0.1/0.5/1 in 10 s.
    const p50 = byName(r.points, 'my_histogram_seconds_p50');
    const p90 = byName(r.points, 'my_histogram_seconds_p90');
    const p99 = byName(r.points, 'my_histogram_seconds_p99');
    const count = byName(r.points, 'my_histogram_seconds_count');
    assert.equal(p50.length, 1);
    close(p50[0]!.value, 0.1 + 0.4 * (5 - 2) / 5);
    close(p90[0]!.value, 0.5 + 0.5 * (9 - 7) / 2);
    assert.equal(p99[0]!.value, 1); // in the +Inf bucket: the largest finite bound
    assert.equal(count[0]!.value, 10 / 10);
    assert.equal(p50[0]!.labels.http_route, '/cart');
    assert.equal(p50[0]!.type, 'gauge');
    assert.equal(r.points.length, 6);
  });

  it('accepts proto3 JSON variants: numbers for int64, "NaN"/"Infinity" doubles, null for absent', () => {
    const r = ok(
      new OtlpMetricsDecoder().decodeJson({
        resourceMetrics: [
          {
            resource: null,
            scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ asDouble: '1.5', timeUnixNano: ns(T0_MS) }, { asDouble: 'Infinity', timeUnixNano: ns(T0_MS) }] } }] }],
          },
        ],
      }),
    );
    assert.equal(r.points.length, 1);
    assert.equal(r.points[0]!.value, 1.5);
    assert.deepEqual(r.points[0]!.labels, { __name__: 'g' });
    assert.equal(r.rejectedDataPoints, 1);
    assert.match(r.errorMessage, /not a finite number/);
  });

  it('rejects wrong shapes with a 400 naming the field', () => {
    const d = new OtlpMetricsDecoder();
    assert.match(fail(d.decodeJson([])), /request: expected an object, got array/);
    assert.match(fail(d.decodeJson({ resourceMetrics: {} })), /resourceMetrics: expected an array, got object/);
    const withMetric = (metric: unknown) => ({ resourceMetrics: [{ scopeMetrics: [{ metrics: [metric] }] }] });
    assert.match(fail(d.decodeJson(withMetric({ name: 'x', sum: { dataPoints: {} } }))), /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.sum\.dataPoints: expected an array/);
    assert.match(fail(d.decodeJson(withMetric({ name: 'x', sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE' } }))), /enum as an integer/);
    assert.match(fail(d.decodeJson(withMetric({ name: 'x', gauge: { dataPoints: [{ asInt: '12x', timeUnixNano: '1' }] } }))), /asInt: expected a 64-bit integer/);
    assert.match(fail(d.decodeJson(withMetric({ name: 42 }))), /metrics\[0\]\.name: expected a string, got number/);
    assert.match(fail(d.decodeJson(withMetric({ name: 'x', gauge: {}, sum: {} }))), /one of gauge, sum/);
    assert.match(fail(d.decodeJson(withMetric({ name: 'bad\ud800name' }))), /metrics\[0\]\.name: invalid UTF-8/);
  });

  it('rejects attribute values nested deeper than the limit', () => {
    let v: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 20; i++) v = { arrayValue: { values: [v] } };
    const body = { resourceMetrics: [{ resource: { attributes: [{ key: 'deep', value: v }] } }] };
    assert.match(fail(new OtlpMetricsDecoder().decodeJson(body)), /nested deeper than 8 levels/);
  });
});

describe('protobuf', () => {
  const mixed = request(
    [
      { name: 'http.server.request.duration', description: 'd', unit: 's', data: { type: 'histogram', aggregationTemporality: TEMPORALITY_DELTA, dataPoints: [histPoint(T0_MS, [2, 5, 2, 1], [0.1, 0.5, 1], T0_MS - 10_000, [str('http.route', '/cart')])] } },
      { name: 'queue.depth', description: '', unit: '{item}', data: { type: 'gauge', dataPoints: [numberPoint(T0_MS, -42, [{ key: 'shard', value: { type: 'int', value: -3 } }]), numberPoint(T0_MS, 0.5)] } },
      { name: 'requests', description: '', unit: '{request}', data: { type: 'sum', aggregationTemporality: TEMPORALITY_CUMULATIVE, isMonotonic: true, dataPoints: [numberPoint(T0_MS, 1234, [str('code', '500')], T0_MS - 3_600_000)] } },
      { name: 'rpc.latency', description: '', unit: 'ms', data: { type: 'summary', dataPoints: [{ attributes: [], startTimeUnixNano: 0, timeUnixNano: ns(T0_MS), count: 7, sum: 70, quantileValues: [{ quantile: 0.5, value: 8 }, { quantile: 0.99, value: 31 }], flags: 0 }] } },
    ],
    [str('service.name', 'checkout'), { key: 'tags', value: { type: 'array', values: [{ type: 'string', value: 'a' }, { type: 'bool', value: false }] } }, { key: 'blob', value: { type: 'bytes', value: new Uint8Array([1, 2, 250]) } }],
  );

  it('round-trips the encoder and the decoder', () => {
    const r = new OtlpProtobufDecoder().decode(encodeExportMetricsServiceRequest(mixed));
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.deepEqual(r.request, mixed);
  });

  it('gives the same points as the equivalent JSON', () => {
    const viaProto = ok(new OtlpMetricsDecoder().decodeProtobuf(encodeExportMetricsServiceRequest(mixed)));
    const json = {
      resourceMetrics: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'checkout' } },
              { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { boolValue: false }] } } },
              { key: 'blob', value: { bytesValue: Buffer.from([1, 2, 250]).toString('base64') } },
            ],
          },
          scopeMetrics: [
            {
              scope: { name: 'test', version: '1' },
              metrics: [
                { name: 'http.server.request.duration', description: 'd', unit: 's', histogram: { aggregationTemporality: 1, dataPoints: [{ attributes: [{ key: 'http.route', value: { stringValue: '/cart' } }], startTimeUnixNano: nsStr(T0_MS - 10_000), timeUnixNano: nsStr(T0_MS), count: '10', bucketCounts: ['2', '5', '2', '1'], explicitBounds: [0.1, 0.5, 1] }] } },
                { name: 'queue.depth', unit: '{item}', gauge: { dataPoints: [{ asInt: '-42', timeUnixNano: nsStr(T0_MS), attributes: [{ key: 'shard', value: { intValue: '-3' } }] }, { asDouble: 0.5, timeUnixNano: nsStr(T0_MS) }] } },
                { name: 'requests', unit: '{request}', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: '1234', startTimeUnixNano: nsStr(T0_MS - 3_600_000), timeUnixNano: nsStr(T0_MS), attributes: [{ key: 'code', value: { stringValue: '500' } }] }] } },
                { name: 'rpc.latency', unit: 'ms', summary: { dataPoints: [{ timeUnixNano: nsStr(T0_MS), count: '7', sum: 70, quantileValues: [{ quantile: 0.5, value: 8 }, { quantile: 0.99, value: 31 }] }] } },
              ],
            },
          ],
        },
      ],
    };
    const viaJson = ok(new OtlpMetricsDecoder().decodeJson(json));
    assert.deepEqual(viaProto, viaJson);
    // And the points are what the mapping promises.
    assert.deepEqual(
      viaProto.points.map((p) => `${p.labels.__name__}:${p.type}:${p.value}`),
      [
        'http_server_request_duration_seconds_p50:gauge:0.33999999999999997',
        'http_server_request_duration_seconds_p90:gauge:1',
        'http_server_request_duration_seconds_p99:gauge:1',
        'http_server_request_duration_seconds_count:gauge:1',
        'queue_depth:gauge:-42',
        'queue_depth:gauge:0.5',
        'requests_total:counter:1234',
        'rpc_latency_milliseconds:gauge:8',
        'rpc_latency_milliseconds:gauge:31',
        'rpc_latency_milliseconds_count:counter:7',
      ],
    );
    assert.equal(viaProto.points[4]!.labels.shard, '-3');
    assert.equal(viaProto.points[7]!.labels.quantile, '0.5');
    assert.equal(viaProto.points[0]!.resourceAttributes.tags, '["a",false]');
    assert.equal(viaProto.points[0]!.resourceAttributes.blob, 'AQL6');
  });

  it('reads unpacked repeated fields too (both encodings are legal protobuf)', () => {
    // HistogramDataPoint with bucket_counts (6) and explicit_bounds (7) as one I64 field each.
    const hp: number[] = [];
    const f64 = (field: number, v: number, dbl: boolean) => {
      hp.push((field << 3) | 1);
      const b = new DataView(new ArrayBuffer(8));
      if (dbl) b.setFloat64(0, v, true);
      else b.setBigUint64(0, BigInt(v), true);
      hp.push(...new Uint8Array(b.buffer));
    };
    f64(3, ns(T0_MS), false);
    f64(6, 3, false);
    f64(6, 1, false);
    f64(7, 0.25, true);
    const wrap = (field: number, body: number[]) => [(field << 3) | 2, body.length, ...body];
    const histogram = [...wrap(1, hp), 0x10, 0x01]; // delta temporality
    const metric = [...wrap(1, [0x78]), ...wrap(9, histogram)]; // name "x"
    const bytes = new Uint8Array(wrap(1, wrap(2, wrap(2, metric))));
    const r = new OtlpProtobufDecoder().decode(bytes);
    assert.ok(r.ok, r.ok ? '' : r.reason);
    const m = r.request.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!;
    assert.equal(m.data.type, 'histogram');
    if (m.data.type === 'histogram') {
      assert.deepEqual(m.data.dataPoints[0]!.bucketCounts, [3, 1]);
      assert.deepEqual(m.data.dataPoints[0]!.explicitBounds, [0.25]);
    }
  });

  it('property: any request the encoder can write decodes back to itself', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 });
    const time = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    // Plain prototypes, so deepEqual compares them with the decoder's object literals.
    const rec = <T extends object>(m: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> => fc.record(m, { noNullPrototype: true }) as fc.Arbitrary<T>;
    const anyValue: fc.Arbitrary<OtlpAnyValue> = fc.letrec<{ v: OtlpAnyValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constant({ type: 'empty' } as const),
        text.map((value) => ({ type: 'string', value }) as const),
        fc.boolean().map((value) => ({ type: 'bool', value }) as const),
        fc.maxSafeInteger().map((value) => ({ type: 'int', value }) as const),
        fc.double().map((value) => ({ type: 'double', value }) as const),
        fc.uint8Array({ maxLength: 8 }).map((value) => ({ type: 'bytes', value }) as const),
        fc.array(tie('v'), { maxLength: 3 }).map((values) => ({ type: 'array', values }) as const),
        fc.array(rec({ key: text, value: tie('v') }), { maxLength: 3 }).map((values) => ({ type: 'kvlist', values }) as const),
      ),
    })).v;
    const attrs = fc.array(rec({ key: text, value: anyValue }), { maxLength: 3 });
    const value = fc.oneof(fc.double(), fc.maxSafeInteger());
    const nPoint = rec({ attributes: attrs, startTimeUnixNano: time, timeUnixNano: time, value, hasValue: fc.constant(true), flags: fc.nat(3) });
    const noValue = rec({ attributes: attrs, startTimeUnixNano: time, timeUnixNano: time, value: fc.constant(NaN), hasValue: fc.constant(false), flags: fc.nat(3) });
    const nPoints = fc.array(fc.oneof(nPoint, noValue), { maxLength: 3 });
    const hPoint = rec({
      attributes: attrs, startTimeUnixNano: time, timeUnixNano: time, count: time, sum: fc.double(),
      bucketCounts: fc.array(time, { maxLength: 4 }), explicitBounds: fc.array(fc.double(), { maxLength: 3 }), flags: fc.nat(3),
    });
    const sPoint = rec({
      attributes: attrs, startTimeUnixNano: time, timeUnixNano: time, count: time, sum: fc.double(),
      quantileValues: fc.array(rec({ quantile: fc.double(), value: fc.double() }), { maxLength: 3 }), flags: fc.nat(3),
    });
    const data = fc.oneof(
      nPoints.map((dataPoints) => ({ type: 'gauge', dataPoints }) as const),
      rec({ type: fc.constant('sum' as const), aggregationTemporality: fc.nat(2), isMonotonic: fc.boolean(), dataPoints: nPoints }),
      rec({ type: fc.constant('histogram' as const), aggregationTemporality: fc.nat(2), dataPoints: fc.array(hPoint, { maxLength: 2 }) }),
      rec({ type: fc.constant('exponentialHistogram' as const), aggregationTemporality: fc.nat(2), dataPointCount: fc.nat(3) }),
      rec({ type: fc.constant('summary' as const), dataPoints: fc.array(sPoint, { maxLength: 2 }) }),
      fc.constant({ type: 'none' } as const),
    );
    const metric = rec({ name: text, description: text, unit: text, data });
    const req: fc.Arbitrary<OtlpMetricsRequest> = rec({
      resourceMetrics: fc.array(
        rec({
          resource: rec({ attributes: attrs }),
          scopeMetrics: fc.array(rec({ scope: rec({ name: text, version: text }), metrics: fc.array(metric, { maxLength: 3 }) }), { maxLength: 2 }),
        }),
        { maxLength: 2 },
      ),
    });
    const decoder = new OtlpProtobufDecoder({ maxValueDepth: 64 });
    fc.assert(
      fc.property(req, (r) => {
        const back = decoder.decode(encodeExportMetricsServiceRequest(r));
        assert.ok(back.ok, back.ok ? '' : back.reason);
        assert.deepEqual(back.request, r);
      }),
      { numRuns: 200 },
    );
  });

  it('turns malformed protobuf into a 400 with a reason', () => {
    const d = new OtlpMetricsDecoder();
    const good = encodeExportMetricsServiceRequest(mixed);
    assert.match(fail(d.decodeProtobuf(good.subarray(0, good.length - 3))), /truncated|longer than the rest/);
    assert.match(fail(d.decodeProtobuf(new Uint8Array([0x0a, 0xff]))), /protobuf ExportMetricsServiceRequest/);
    assert.match(fail(d.decodeProtobuf(new Uint8Array([0x2f]))), /unknown wire type/); // field 5, wire type 7
    assert.match(fail(d.decodeProtobuf(new Uint8Array([0x0f]))), /resourceMetrics\[0\] has wire type type 7/);
    // resource_metrics (field 1) sent as a varint instead of a message.
    assert.match(fail(d.decodeProtobuf(new Uint8Array([0x08, 0x01]))), /resourceMetrics\[0\] has wire type varint, expected length-delimited/);
  });

  it('rejects invalid UTF-8 in a string field, naming it', () => {
    const marker = 'QXQXQ';
    const bytes = encodeExportMetricsServiceRequest(request([{ name: marker, description: '', unit: '', data: { type: 'gauge', dataPoints: [numberPoint(T0_MS, 1)] } }]));
    const at = Buffer.from(bytes).indexOf(marker);
    assert.ok(at > 0);
    bytes.set([0xc3, 0x28, 0xff, 0xfe, 0x41], at); // broken 2-byte sequence, then bytes never valid in UTF-8
    const reason = fail(new OtlpMetricsDecoder().decodeProtobuf(bytes));
    assert.match(reason, /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.name: invalid UTF-8/);
  });

  it('property: arbitrary bytes and truncations never throw', () => {
    const d = new OtlpMetricsDecoder();
    const good = encodeExportMetricsServiceRequest(mixed);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = d.decodeProtobuf(bytes);
        return r.ok || (r.status === 400 && r.reason.length > 0);
      }),
    );
    for (let n = 0; n < good.length; n++) {
      const r = d.decodeProtobuf(good.subarray(0, n));
      assert.ok(r.ok || r.reason.length > 0);
    }
  });
});

describe('conversion semantics', () => {
  it('cumulative counter: raw totals out, and CounterRates handles the reset like Prometheus', () => {
    const d = new OtlpMetricsDecoder();
    const rates = new CounterRates();
    const values = [100, 150, 20, 50];
    const got: number[] = [];
    values.forEach((v, i) => {
      const t = T0_MS + i * 10_000;
      const r = ok(d.decodeProtobuf(encodeExportMetricsServiceRequest(request([
        { name: 'jobs.processed', description: '', unit: '{job}', data: { type: 'sum', aggregationTemporality: TEMPORALITY_CUMULATIVE, isMonotonic: true, dataPoints: [numberPoint(t, v, [], T0_MS - 1000)] } },
      ]))));
      assert.equal(r.points.length, 1);
      const p = r.points[0]!;
      assert.equal(p.type, 'counter');
      assert.equal(p.labels.__name__, 'jobs_processed_total');
      assert.equal(p.value, v);
      got.push(rates.update(0, p.timeMs, p.value));
    });
    assert.ok(Number.isNaN(got[0]!));
    assert.deepEqual(got.slice(1), [5, 2, 3]); // 50/10 s, reset: 20/10 s, 30/10 s
  });

  it('delta monotonic sum becomes a per-second rate under the counter name; non-monotonic sum a gauge', () => {
    const r = ok(new OtlpMetricsDecoder().decodeJson({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [
        { name: 'bytes.sent', unit: 'By', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: '6000', startTimeUnixNano: nsStr(T0_MS - 60_000), timeUnixNano: nsStr(T0_MS) }, { asInt: '5', timeUnixNano: nsStr(T0_MS) }] } },
        { name: 'active.requests', unit: '{request}', sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: [{ asInt: '17', timeUnixNano: nsStr(T0_MS) }] } },
      ] }] }],
    }));
    assert.deepEqual(r.points.map((p) => [p.labels.__name__, p.type, p.value]), [['bytes_sent_total', 'gauge', 100], ['active_requests', 'gauge', 17]]);
    assert.equal(r.rejectedDataPoints, 1);
    assert.match(r.errorMessage, /delta sum without a startTimeUnixNano/);
  });

  it('cumulative histogram: first sample primes, then quantiles of the interval; a reset starts over', () => {
    const d = new OtlpMetricsDecoder();
    const bounds = [0.05, 0.1, 0.25, 0.5];
    const send = (tMs: number, counts: number[], startMs = T0_MS - 60_000) =>
      ok(d.decodeProtobuf(encodeExportMetricsServiceRequest(request([
        { name: 'http.server.request.duration', description: '', unit: 's', data: { type: 'histogram', aggregationTemporality: TEMPORALITY_CUMULATIVE, dataPoints: [histPoint(tMs, counts, bounds, startMs, [str('http.route', '/pay')])] } },
      ]))));
    const first = send(T0_MS, [10, 20, 5, 0, 0]);
    assert.equal(first.points.length, 0);
    assert.equal(first.rejectedDataPoints, 0);
    assert.equal(d.histogramSeries, 1);

    // Interval: 0, 0, 15, 5, 0 observations in 15 s.
    const second = send(T0_MS + 15_000, [10, 20, 20, 5, 0]);
    const q = (name: string, pts: OtlpPoint[]) => byName(pts, `http_server_request_duration_seconds_${name}`)[0]!.value;
    close(q('p50', second.points), 0.1 + 0.15 * (10 - 0) / 15);
    close(q('p90', second.points), 0.25 + 0.25 * (18 - 15) / 5);
    close(q('p99', second.points), 0.25 + 0.25 * (19.8 - 15) / 5);
    close(q('count', second.points), 20 / 15);
    // The same answers as histogramQuantile on the hand-made interval histogram.
    close(q('p90', second.points), histogramQuantile(0.9, bounds, [0, 0, 15, 20, 20]));

    // The process restarted: counts fell and the start time moved; the new counts are the interval.
    const third = send(T0_MS + 30_000, [4, 0, 0, 0, 0], T0_MS + 25_000);
    close(q('p50', third.points), 0.05 * 0.5);
    close(q('count', third.points), 4 / 5); // since the new start, 5 s earlier

    // An interval without observations: no quantiles (a gap, not NaN), a zero count rate.
    const fourth = send(T0_MS + 45_000, [4, 0, 0, 0, 0], T0_MS + 25_000);
    assert.deepEqual(fourth.points.map((p) => [p.labels.__name__, p.value]), [['http_server_request_duration_seconds_count', 0]]);

    // Out of order: rejected with a reason.
    const stale = send(T0_MS + 40_000, [5, 0, 0, 0, 0], T0_MS + 25_000);
    assert.equal(stale.rejectedDataPoints, 1);
    assert.match(stale.errorMessage, /not newer than the previous one/);
  });

  it('rejects exponential histograms and malformed histograms, keeping the rest (partial success)', () => {
    const r = ok(new OtlpMetricsDecoder().decodeJson({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [
        { name: 'exp', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{ scale: 2 }, { scale: 3 }] } },
        { name: 'h', histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: nsStr(T0_MS), bucketCounts: ['1', '2'], explicitBounds: [1, 2] }] } },
        { name: 'h2', histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: nsStr(T0_MS), bucketCounts: ['1', '2', '0'], explicitBounds: [2, 1] }] } },
        { name: 'h3', histogram: { aggregationTemporality: 0, dataPoints: [{ timeUnixNano: nsStr(T0_MS) }] } },
        { name: 'ok', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: nsStr(T0_MS) }, { asDouble: 2 }, { asDouble: 3, timeUnixNano: nsStr(T0_MS), flags: 1 }] } },
      ] }] }],
    }));
    assert.deepEqual(r.points.map((p) => p.labels.__name__), ['ok']);
    // 2 exponential + 3 bad histograms + 1 gauge without time; the flagged (stale) point is skipped.
    assert.equal(r.rejectedDataPoints, 6);
    assert.match(r.errorMessage, /^6 data point\(s\) rejected: /);
    assert.match(r.errorMessage, /exponential histograms are not supported yet \(2 data points\)/);
    assert.match(r.errorMessage, /needs one more count than bounds/);
    assert.match(r.errorMessage, /strictly increasing/);
    assert.match(r.errorMessage, /unspecified aggregationTemporality/);
    assert.match(r.errorMessage, /without timeUnixNano/);
  });

  it('builds labels like Prometheus: sanitised names, collisions joined, job/instance from the resource', () => {
    const r = ok(new OtlpMetricsDecoder().decodeProtobuf(encodeExportMetricsServiceRequest(request(
      [{ name: 'g', description: '', unit: '', data: { type: 'gauge', dataPoints: [numberPoint(T0_MS, 1, [str('http.method', 'GET'), str('a.b', 'x'), str('a_b', 'y'), str('9lives', 'cat'), str('job', 'overridden'), str('empty', '')])] } }],
      [str('service.name', 'api'), str('service.instance.id', '10.0.0.7:8080')],
    ))));
    assert.deepEqual(r.points[0]!.labels, { __name__: 'g', http_method: 'GET', a_b: 'x;y', key_9lives: 'cat', job: 'api', instance: '10.0.0.7:8080' });
  });

  it('enforces attribute count and string size limits per data point and per resource', () => {
    const d = new OtlpMetricsDecoder({ limits: { maxAttributes: 2, maxStringBytes: 16 } });
    const many = [str('a', '1'), str('b', '2'), str('c', '3')];
    const r = ok(d.decodeProtobuf(encodeExportMetricsServiceRequest(request([
      { name: 'g', description: '', unit: '', data: { type: 'gauge', dataPoints: [numberPoint(T0_MS, 1, many), numberPoint(T0_MS, 2, [str('long', 'x'.repeat(17))]), numberPoint(T0_MS, 3)] } },
    ]))));
    assert.deepEqual(r.points.map((p) => p.value), [3]);
    assert.equal(r.rejectedDataPoints, 2);
    assert.match(r.errorMessage, /3 attributes, more than the limit of 2/);
    assert.match(r.errorMessage, /longer than 16 bytes/);

    const big = ok(d.decodeProtobuf(encodeExportMetricsServiceRequest(request(
      [{ name: 'g', description: '', unit: '', data: { type: 'gauge', dataPoints: [numberPoint(T0_MS, 1), numberPoint(T0_MS, 2)] } }],
      many,
    ))));
    assert.equal(big.points.length, 0);
    assert.equal(big.rejectedDataPoints, 2);
    assert.match(big.errorMessage, /resource has 3 attributes/);
  });

  it('caps the data points of one request', () => {
    const d = new OtlpMetricsDecoder({ limits: { maxDataPoints: 3 } });
    const points = Array.from({ length: 5 }, (_, i) => numberPoint(T0_MS, i));
    const r = ok(d.decodeProtobuf(encodeExportMetricsServiceRequest(request([{ name: 'g', description: '', unit: '', data: { type: 'gauge', dataPoints: points } }]))));
    assert.deepEqual(r.points.map((p) => p.value), [0, 1, 2]);
    assert.equal(r.rejectedDataPoints, 2);
    assert.match(r.errorMessage, /more than 3 data points/);
  });
});

describe('ExportMetricsServiceResponse', () => {
  it('full success is the empty message, in protobuf and JSON', () => {
    assert.equal(encodeExportMetricsServiceResponse(0, '').length, 0);
    assert.deepEqual(encodeExportMetricsServiceResponseJson(0, ''), {});
  });

  it('partial success carries rejected_data_points and error_message', () => {
    const bytes = encodeExportMetricsServiceResponse(300, 'too many attributes');
    const r = new WireReader(bytes);
    assert.equal(r.tag(), (1 << 3) | 2);
    const end = r.lenEnd();
    assert.equal(end, bytes.length);
    assert.equal(r.tag(), (1 << 3) | 0);
    assert.equal(r.int64(), 300);
    assert.equal(r.tag(), (2 << 3) | 2);
    const sEnd = r.lenEnd();
    assert.equal(Buffer.from(bytes.subarray(r.pos, sEnd)).toString('utf8'), 'too many attributes');
    assert.equal(sEnd, bytes.length);
    assert.deepEqual(encodeExportMetricsServiceResponseJson(300, 'too many attributes'), { partialSuccess: { rejectedDataPoints: '300', errorMessage: 'too many attributes' } });
  });
});
