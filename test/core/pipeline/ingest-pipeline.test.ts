import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IngestPipeline, createIngestCounts, guessMetricType, NOT_COVERED, SERIES_LIMIT, type IngestPipelineOptions } from '../../../src/core/pipeline/index.js';
import { CounterRates } from '../../../src/core/semantics/index.js';
import type { Labels, SeriesDescriptor } from '../../../src/core/model/index.js';

function options(maxSeries = 100): IngestPipelineOptions {
  return {
    place: (labels: Labels) => ({ covered: labels.skip === undefined, resource: { key: `instance:${labels.instance ?? '?'}`, type: 'host', tags: {} }, application: labels.app ?? null }),
    classify: () => ({ kind: 'other', badDirection: 'both' }),
    rates: new CounterRates(),
    maxSeries,
  };
}

function batchOf(rows: [number, number, number][]) {
  return { ids: Int32Array.from(rows.map((r) => r[0])), timesMs: Float64Array.from(rows.map((r) => r[1])), values: Float64Array.from(rows.map((r) => r[2])), count: rows.length };
}

const T0 = Date.UTC(2026, 0, 1);

describe('IngestPipeline', () => {
  it('gives one id per label set whatever the label order, refuses uncovered series and series over the limit', () => {
    const p = new IngestPipeline(options(2));
    const a = p.seriesId({ __name__: 'up', instance: 'a', job: 'node' }, 'gauge', T0);
    assert.equal(p.seriesId({ job: 'node', instance: 'a', __name__: 'up' }, 'gauge', T0), a);
    assert.equal(p.seriesId({ __name__: 'up', skip: '1' }, 'gauge', T0), NOT_COVERED);
    assert.equal(p.seriesId({ __name__: 'up', instance: 'b' }, 'gauge', T0), 1);
    assert.equal(p.seriesId({ __name__: 'up', instance: 'c' }, 'gauge', T0), SERIES_LIMIT);
    assert.equal(p.seriesCount, 2);
  });

  it('rejects out-of-order and duplicate samples, skips NaN / ±Inf and stale markers, keeps the rest', () => {
    const p = new IngestPipeline(options());
    const id = p.seriesId({ __name__: 'x' }, 'gauge', T0);
    const c = createIngestCounts();
    const b = batchOf([[id, T0, 1], [id, T0 + 1000, 2], [id, T0 + 500, 3], [id, T0 + 1000, 4], [id, T0 + 2000, NaN], [id, T0 + 3000, Infinity], [id, T0 + 4000, 0], [-1, T0, 1], [id, T0 + 5000, 5]]);
    // Prometheus' stale marker, written bit-exact (a JS array would canonicalise the NaN).
    new Uint32Array(b.values.buffer, 6 * 8, 2).set([2, 0x7ff00000]);
    p.ingest(b, c);
    assert.deepEqual({ ...c }, { accepted: 3, outOfOrder: 1, duplicate: 1, nonFinite: 2, staleMarkers: 1, notAnalysed: 1, firstRejectedId: id });
    assert.equal(p.lastSampleTimeMs(id), T0 + 5000);
    assert.equal(p.lastSampleValue(id), 5);
  });

  it('turns counters into rates before detection', () => {
    const p = new IngestPipeline(options());
    const id = p.seriesId({ __name__: 'reqs_total' }, 'counter', T0);
    const c = createIngestCounts();
    for (let i = 0; i < 200; i++) p.ingest(batchOf([[id, T0 + i * 60_000, i * 600]]), c); // 10/s steadily
    assert.ok(Math.abs(p.lastOutput.expected - 10) < 0.5, `expected rate ≈ 10/s, model says ${p.lastOutput.expected}`);
    p.ingest(batchOf([[id, T0 + 200 * 60_000, 200 * 600 + 60 * 1000]]), c); // a burst: 1010/s
    assert.ok(p.score(id) > 0.999, `a 100x rate jump scores high, got ${p.score(id)}`);
  });

  it('restores from a checkpoint bit for bit and continues identically', () => {
    const run = (p: IngestPipeline, from: number, to: number, scores: number[]) => {
      const c = createIngestCounts();
      for (let i = from; i < to; i++) {
        const ids = [p.seriesId({ __name__: 'a' }, 'gauge', T0), p.seriesId({ __name__: 'b_total' }, 'counter', T0)];
        p.ingest(batchOf([[ids[0]!, T0 + i * 60_000, Math.sin(i / 10) * 5 + (i === 450 ? 40 : 0)], [ids[1]!, T0 + i * 60_000, i * i]]), c);
        scores.push(p.score(ids[0]!), p.score(ids[1]!));
      }
    };
    const a = new IngestPipeline(options());
    const straight: number[] = [];
    run(a, 0, 500, straight);
    const b = new IngestPipeline(options());
    const resumed: number[] = [];
    run(b, 0, 300, resumed);
    const stored: SeriesDescriptor[] = b.takeDirtySeries();
    const cp = b.checkpoint();
    // The counter's last raw value is not checkpointed: feed one sample to re-prime it on both sides.
    const { pipeline: c, restoredSeries, problem } = IngestPipeline.restore(options(), stored, cp);
    assert.equal(problem, null);
    assert.equal(restoredSeries, 2);
    assert.equal(c.typeOf(1), 'counter');
    assert.deepEqual(c.checkpoint(), cp);
    run(c, 300, 500, resumed);
    const gauge = (xs: number[]) => xs.filter((_, i) => i % 2 === 0);
    assert.deepEqual(gauge(resumed), gauge(straight));
    assert.ok(Math.max(...gauge(straight)) > 0.999, 'the injected spike is found');
  });

  it('ignores a corrupt checkpoint and says why', () => {
    const p = new IngestPipeline(options());
    p.seriesId({ __name__: 'a' }, 'gauge', T0);
    const stored = p.takeDirtySeries();
    const bad = p.checkpoint().slice(0, 40);
    const r = IngestPipeline.restore(options(), stored, bad);
    assert.match(r.problem ?? '', /checkpoint ignored/);
    assert.equal(r.pipeline.seriesCount, 1);
    assert.equal(r.restoredSeries, 0);
  });

  it('guesses counters from Prometheus naming', () => {
    assert.equal(guessMetricType('http_requests_total'), 'counter');
    assert.equal(guessMetricType('node_memory_MemAvailable_bytes'), 'gauge');
  });
});
