// Tests for the capacity forecaster (src/core/forecast/capacity-forecaster.ts), public API only:
//   * a disk filling linearly under a daily cycle and noise: exhaustion within ±10 % of the truth;
//   * flat noise and a pure daily cycle: no significant trend, no exhaustion;
//   * bucket merging keeps the data (a long stream and a short one agree on the slope);
//   * properties (fast-check): the interval contains the point forecast and widens with horizon.
// All random data comes from a seeded PRNG, so every run sees the same numbers.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { BUCKETS, CapacityForecaster } from '../../../src/core/forecast/index.js';
import { seededRandom } from '../../../src/core/sim/index.js';

const MIN_MS = 60_000;
const HOUR_MS = 60 * MIN_MS;
const DAY_MS = 24 * HOUR_MS;
const T0_MS = Date.UTC(2026, 0, 5);

function gaussian(seed: number): () => number {
  const u = seededRandom(seed);
  return () => {
    let u1 = u();
    while (u1 === 0) u1 = u();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u());
  };
}

/** Feeds f(t) + noise every `stepMs` for `durationMs`; returns the time of the last sample. */
function feed(fx: CapacityForecaster, id: number, durationMs: number, stepMs: number, f: (tMs: number) => number, sigma: number, seed: number): number {
  const g = gaussian(seed);
  let t = T0_MS;
  for (; t <= T0_MS + durationMs; t += stepMs) fx.update(id, t, f(t - T0_MS) + sigma * g());
  return t - stepMs;
}

const daily = (amp: number) => (t: number) => amp * Math.sin((2 * Math.PI * t) / DAY_MS);

describe('CapacityForecaster', () => {
  it('predicts when a linearly filling disk with a daily cycle runs out, within ±10 %', () => {
    for (const seed of [1, 2, 3]) {
      const fx = new CapacityForecaster();
      const id = fx.add();
      // 80 GB free, 8 GB/day written, ±3 GB daily swing, 0.5 GB noise: empty at day 10.
      const GB = 1e9;
      const free = (t: number): number => 80 * GB - (8 * GB * t) / DAY_MS + daily(3 * GB)(t);
      const now = feed(fx, id, 3 * DAY_MS, 5 * MIN_MS, free, 0.5 * GB, seed);
      // Truth: the first minute the noise-free signal reaches 0 (a daily trough, before day 10).
      let truthMs = now;
      while (free(truthMs - T0_MS) > 0) truthMs += MIN_MS;
      assert.ok(truthMs > T0_MS + 9 * DAY_MS && truthMs < T0_MS + 10 * DAY_MS);
      const ex = fx.exhaustion(id, now, 0, 'down', 28 * DAY_MS);
      assert.ok(ex, 'an exhaustion is predicted');
      const toGo = truthMs - now;
      assert.ok(Math.abs(ex.expectedMs - truthMs) <= 0.1 * toGo, `expected ${(ex.expectedMs - T0_MS) / DAY_MS} d vs ${(truthMs - T0_MS) / DAY_MS} d`);
      assert.ok(ex.earliestMs <= ex.expectedMs && ex.expectedMs <= ex.latestMs);
      assert.ok(ex.earliestMs < truthMs && truthMs < ex.latestMs, 'the range holds the truth');
      const trend = fx.trend(id)!;
      assert.ok(trend.seasonal, 'three days: the daily profile is fitted');
      assert.ok(trend.tStat < -4, `significant fall, t=${trend.tStat}`);
    }
  });

  it('rising to a ratio limit works the same way (direction up)', () => {
    const fx = new CapacityForecaster();
    const id = fx.add();
    // 0.2 → 1 at +4 h: 0.2 per hour.
    const now = feed(fx, id, 2 * HOUR_MS, 15_000, (t) => 0.2 + (0.2 * t) / HOUR_MS, 0.005, 7);
    const ex = fx.exhaustion(id, now, 1, 'up', DAY_MS);
    assert.ok(ex);
    const truth = T0_MS + 4 * HOUR_MS;
    assert.ok(Math.abs(ex.expectedMs - truth) <= 0.1 * (truth - now));
  });

  it('predicts nothing for a flat noisy series', () => {
    for (const seed of [11, 12, 13]) {
      const fx = new CapacityForecaster();
      const id = fx.add();
      const now = feed(fx, id, 5 * DAY_MS, 5 * MIN_MS, () => 50, 5, seed);
      assert.equal(fx.exhaustion(id, now, 0, 'down', 28 * DAY_MS), null);
      assert.ok(Math.abs(fx.trend(id)!.tStat) < 4);
    }
  });

  it('finds no significant trend in a daily cycle that does not trend', () => {
    const fx = new CapacityForecaster();
    const id = fx.add();
    const now = feed(fx, id, 6 * DAY_MS, 5 * MIN_MS, (t) => 50 + daily(20)(t), 1, 21);
    const trend = fx.trend(id)!;
    assert.ok(trend.seasonal);
    assert.ok(Math.abs(trend.tStat) < 4, `t=${trend.tStat}`);
    assert.equal(fx.exhaustion(id, now, 0, 'down', 28 * DAY_MS), null);
    // The seasonal forecast follows the cycle a day ahead.
    const f = fx.forecast(id, now + DAY_MS / 4)!;
    const truth = 50 + daily(20)(now + DAY_MS / 4 - T0_MS);
    assert.ok(Math.abs(f.value - truth) < 4, `${f.value} vs ${truth}`);
  });

  it('keeps a week of data in fixed memory while buckets merge and slide', () => {
    const fx = new CapacityForecaster();
    const id = fx.add();
    const before = fx.state.length;
    // 10 days at 15 s: buckets double up to 32 min, then the ring slides.
    const now = feed(fx, id, 10 * DAY_MS, 15_000, (t) => 1000 - t / HOUR_MS, 0.5, 31);
    assert.equal(fx.state.length, before);
    const trend = fx.trend(id)!;
    assert.ok(Math.abs(trend.slopePerMs * HOUR_MS + 1) < 0.01, `slope ${trend.slopePerMs * HOUR_MS}/h`);
    assert.ok(trend.spanMs > 6.5 * DAY_MS && trend.spanMs < 8 * DAY_MS, `window ${trend.spanMs / DAY_MS} d`);
    assert.ok(trend.lastMs === now);
  });

  it('ignores out-of-order and non-finite samples; reset forgets', () => {
    const fx = new CapacityForecaster();
    const id = fx.add();
    feed(fx, id, HOUR_MS, MIN_MS, (t) => t / MIN_MS, 0, 1);
    const n = fx.samples(id);
    fx.update(id, T0_MS, 1e9);
    fx.update(id, T0_MS + 2 * HOUR_MS, NaN);
    assert.equal(fx.samples(id), n);
    fx.reset(id);
    assert.equal(fx.samples(id), 0);
    assert.equal(fx.forecast(id, T0_MS), null);
  });

  it('property: the interval contains the point forecast and widens with the horizon', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 3, maxLength: 300 }),
        fc.integer({ min: 20_000, max: 3 * HOUR_MS }),
        fc.double({ min: 0, max: 30 * DAY_MS, noNaN: true }),
        fc.double({ min: 0, max: 30 * DAY_MS, noNaN: true }),
        (values, stepMs, h1, h2) => {
          const fx = new CapacityForecaster();
          const id = fx.add();
          let t = T0_MS;
          for (const v of values) fx.update(id, (t += stepMs), v);
          const a = fx.forecast(id, t + Math.min(h1, h2));
          const b = fx.forecast(id, t + Math.max(h1, h2));
          assert.ok(a !== null && b !== null, "three buckets give a forecast");
          for (const p of [a, b]) assert.ok(p.lower <= p.value && p.value <= p.upper, JSON.stringify(p));
          const wa = a.upper - a.lower;
          const wb = b.upper - b.lower;
          assert.ok(wb >= wa * (1 - 1e-9), `${wa} then ${wb}`);
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('CapacityForecaster.history', () => {
  it('returns the bucket means of the window, oldest first, spanning days in at most BUCKETS points', () => {
    const f = new CapacityForecaster();
    const id = f.add();
    assert.deepEqual(f.history(id), { timesMs: [], values: [] });
    const t0 = Date.UTC(2026, 0, 5);
    // Four days of a line falling 1 per minute, one sample a minute.
    for (let m = 0; m < 4 * 1440; m++) f.update(id, t0 + m * 60_000, 10_000 - m);
    const h = f.history(id);
    assert.ok(h.timesMs.length > 100 && h.timesMs.length <= BUCKETS, `${h.timesMs.length} points`);
    assert.ok(h.timesMs.every((t, i) => i === 0 || t > h.timesMs[i - 1]!), 'times increase');
    assert.ok(h.timesMs[0]! - t0 < 86_400_000 && t0 + 4 * 86_400_000 - h.timesMs.at(-1)! < 3_600_000, 'spans the days seen');
    // A bucket mean of a line is the line at the bucket's mean time.
    for (let i = 0; i < h.timesMs.length; i++) assert.ok(Math.abs(h.values[i]! - (10_000 - (h.timesMs[i]! - t0) / 60_000)) < 1e-6 * 10_000);
  });
});
