// Tests for histogram quantiles and cumulative-to-interval differencing
// (src/core/semantics/histogram-quantile.ts): hand-computed values following Prometheus'
// histogram_quantile, its edge rules, HistogramDeltas' reset handling, and properties
// (monotone in q, result inside the bucket range).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { DEFAULT_QUANTILES, HistogramDeltas, histogramQuantile, toCumulative } from '../../../src/core/semantics/index.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

describe('histogramQuantile', () => {
  // Buckets (−∞,0.1] (0.1,0.5] (0.5,1] (1,+∞) holding 2, 5, 2, 1 observations.
  const bounds = [0.1, 0.5, 1];
  const cumulative = [2, 7, 9, 10];

  it('interpolates linearly inside the bucket holding the rank (hand-computed)', () => {
    close(histogramQuantile(0.5, bounds, cumulative), 0.1 + 0.4 * (5 - 2) / 5); // 0.34
    close(histogramQuantile(0.9, bounds, cumulative), 0.5 + 0.5 * (9 - 7) / 2); // 1.0
    close(histogramQuantile(0.1, bounds, cumulative), 0.1 * (1 / 2)); // first bucket starts at 0
    close(histogramQuantile(0.25, bounds, cumulative), 0.1 + 0.4 * (2.5 - 2) / 5);
  });

  it('returns the largest finite bound when the rank falls in the +Inf bucket', () => {
    assert.equal(histogramQuantile(0.99, bounds, cumulative), 1);
    assert.equal(histogramQuantile(1, bounds, cumulative), 1);
  });

  it('accepts the explicit +Inf layout and gives the same answers', () => {
    for (const q of [0, 0.1, 0.5, 0.9, 0.99, 1]) {
      assert.equal(histogramQuantile(q, [...bounds, Infinity], cumulative), histogramQuantile(q, bounds, cumulative));
    }
  });

  it('follows Prometheus’ edge rules', () => {
    assert.equal(histogramQuantile(-0.1, bounds, cumulative), -Infinity);
    assert.equal(histogramQuantile(1.1, bounds, cumulative), Infinity);
    assert.ok(Number.isNaN(histogramQuantile(NaN, bounds, cumulative)));
    assert.ok(Number.isNaN(histogramQuantile(0.5, bounds, [0, 0, 0, 0])), 'empty histogram');
    assert.ok(Number.isNaN(histogramQuantile(0.5, [0.1, 0.5, 1, 2], cumulative)), 'last bound not +Inf');
    assert.ok(Number.isNaN(histogramQuantile(0.5, [], [5])), 'fewer than two buckets');
    assert.ok(Number.isNaN(histogramQuantile(0.5, [0.5, 0.1, 1], cumulative)), 'bounds not increasing');
    assert.ok(Number.isNaN(histogramQuantile(0.5, [0.1, 0.5], cumulative)), 'length mismatch');
    // A first bound ≤ 0 is returned as is rather than interpolated from 0.
    assert.equal(histogramQuantile(0.1, [-1, 0, 1], [1, 2, 3, 4]), -1);
    // Decreasing cumulative counts are read as their running maximum: [2,7,6,10] ≡ [2,7,7,10].
    assert.equal(histogramQuantile(0.8, bounds, [2, 7, 6, 10]), histogramQuantile(0.8, bounds, [2, 7, 7, 10]));
  });

  it('q = 0 with an empty first bucket gives the lower edge (Prometheus: NaN)', () => {
    assert.equal(histogramQuantile(0, bounds, [0, 3, 3, 3]), 0);
  });

  it('toCumulative turns per-bucket counts into running sums', () => {
    assert.deepEqual(Array.from(toCumulative([2, 5, 2, 1], new Float64Array(4))), cumulative);
  });

  const histogram = fc
    .uniqueArray(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 12, comparator: 'SameValueZero' }) // bounds strictly increase: -0 and 0 are one bound
    .chain((b) => {
      const bounds = [...b].sort((x, y) => x - y);
      return fc.record({
        bounds: fc.constant(bounds),
        counts: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: bounds.length + 1, maxLength: bounds.length + 1 }),
      });
    })
    .filter(({ counts }) => counts.some((c) => c > 0));

  it('property: monotone in q', () => {
    fc.assert(
      fc.property(histogram, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), ({ bounds, counts }, a, b) => {
        const cum = toCumulative(counts, new Array<number>(counts.length));
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const vLo = histogramQuantile(lo, bounds, cum);
        const vHi = histogramQuantile(hi, bounds, cum);
        return !Number.isNaN(vLo) && !Number.isNaN(vHi) && vLo <= vHi;
      }),
    );
  });

  it('property: the quantile lies between the lowest edge and the largest finite bound', () => {
    fc.assert(
      fc.property(histogram, fc.double({ min: 0, max: 1, noNaN: true }), ({ bounds, counts }, q) => {
        const v = histogramQuantile(q, bounds, toCumulative(counts, new Array<number>(counts.length)));
        return v >= Math.min(0, bounds[0]!) && v <= bounds[bounds.length - 1]!;
      }),
    );
  });

  it('DEFAULT_QUANTILES are p50, p90, p99', () => {
    assert.deepEqual(DEFAULT_QUANTILES, [0.5, 0.9, 0.99]);
  });
});

describe('HistogramDeltas', () => {
  const T0 = Date.UTC(2026, 10, 21);

  it('primes on the first sample, then returns per-interval counts and the interval', () => {
    const d = new HistogramDeltas();
    const out = new Float64Array(4);
    assert.equal(d.update('h', T0, T0 - 60_000, [1, 2, 3, 0], out), 'first');
    assert.equal(d.update('h', T0 + 30_000, T0 - 60_000, [3, 7, 3, 1], out), 'delta');
    assert.deepEqual(Array.from(out), [2, 5, 0, 1]);
    assert.equal(d.intervalMs, 30_000);
    assert.equal(d.size, 1);
  });

  it('a falling count is a reset: the current counts are the interval’s', () => {
    const d = new HistogramDeltas();
    const out = new Float64Array(3);
    d.update('h', T0, 0, [10, 20, 5], out);
    assert.equal(d.update('h', T0 + 15_000, 0, [1, 2, 0], out), 'reset');
    assert.deepEqual(Array.from(out), [1, 2, 0]);
    assert.equal(d.intervalMs, 15_000);
    assert.equal(d.update('h', T0 + 30_000, 0, [2, 4, 1], out), 'delta');
    assert.deepEqual(Array.from(out), [1, 2, 1]);
  });

  it('a new start time is a reset even when counts grew; the interval runs from the new start', () => {
    const d = new HistogramDeltas();
    const out = new Float64Array(2);
    d.update('h', T0, T0 - 100_000, [1, 1], out);
    assert.equal(d.update('h', T0 + 60_000, T0 + 20_000, [4, 4], out), 'reset');
    assert.deepEqual(Array.from(out), [4, 4]);
    assert.equal(d.intervalMs, 40_000);
  });

  it('a change in the number of buckets is a reset; old or invalid samples are ignored', () => {
    const d = new HistogramDeltas();
    const out = new Float64Array(4);
    d.update('h', T0, 0, [1, 1], out);
    assert.equal(d.update('h', T0, 0, [2, 2], out), 'ignored');
    assert.equal(d.update('h', T0 + 1, 0, [2, -1], out), 'ignored');
    assert.equal(d.update('h', T0 + 1000, 0, [5, 5, 5], out), 'reset');
    assert.deepEqual(Array.from(out.subarray(0, 3)), [5, 5, 5]);
    d.forget('h');
    assert.equal(d.update('h', T0 + 2000, 0, [6, 6, 6], out), 'first');
  });
});
