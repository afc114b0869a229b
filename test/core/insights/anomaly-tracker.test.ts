// Tests for AnomalyTracker (src/core/insights/anomaly-tracker.ts): opening on extreme or persistent
// deviation in the bad direction only, per-sensitivity thresholds, closing after a quiet period,
// flap damping, stale series, and (fast-check) anomalies of one series never overlapping.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { AnomalyTracker, DEFAULT_OPEN_RULES, type AnomalyChange, type ScoredPoint } from '../../../src/core/insights/index.js';
import type { Sensitivity } from '../../../src/core/model/index.js';
import { MIN, QUIET, T0, makeSeries, point } from './helpers.js';

const LAT = makeSeries(0, 'http_latency_p99', 'latency', 'svc/api', 'shop');

/** Feeds points at one-minute steps from `start`; returns every change with the index that caused it. */
function feed(tr: AnomalyTracker, pts: readonly ScoredPoint[], start = T0, sensitivity: Sensitivity = 'MEDIUM', s = LAT): { i: number; c: AnomalyChange }[] {
  const res: { i: number; c: AnomalyChange }[] = [];
  pts.forEach((p, i) => {
    const c = tr.observe(s, start + i * MIN, 100 + p.score * 10 * p.direction, p, sensitivity);
    if (c !== null) res.push({ i, c });
  });
  return res;
}

const rep = (p: ScoredPoint, n: number): ScoredPoint[] => Array.from({ length: n }, () => p);

describe('AnomalyTracker opening', () => {
  it('opens at once on one extreme point in the bad direction', () => {
    const changes = feed(new AnomalyTracker(), [QUIET, QUIET, point(0.99999, 1), QUIET]);
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.c.type, 'OPENED');
    assert.equal(changes[0]!.i, 2);
    const a = changes[0]!.c.anomaly;
    assert.equal(a.startMs, T0 + 2 * MIN);
    assert.equal(a.endMs, null);
    assert.equal(a.direction, 'above');
    assert.equal(a.id, `an-0-${T0 + 2 * MIN}`);
    assert.equal(a.cause, 'point');
  });

  it('ignores deviations in the harmless direction', () => {
    assert.equal(feed(new AnomalyTracker(), [point(0.999999, -1), ...rep(point(0.995, -1), 6)]).length, 0);
    const both = makeSeries(2, 'queue_depth', 'other', 'q', 'shop', 'both');
    assert.equal(feed(new AnomalyTracker(), [point(0.999999, -1)], T0, 'MEDIUM', both).length, 1);
    assert.equal(feed(new AnomalyTracker(), [point(0.999999, -1)], T0, 'MEDIUM', both)[0]!.c.context, false);
  });

  it('tracks a throughput rise as context (a traffic surge), a fall as a problem', () => {
    const down = makeSeries(1, 'requests_rate', 'throughput', 'svc/api', 'shop', 'down');
    const rise = feed(new AnomalyTracker(), [point(0.999999, 1)], T0, 'MEDIUM', down);
    assert.equal(rise.length, 1);
    assert.equal(rise[0]!.c.anomaly.direction, 'above');
    assert.equal(rise[0]!.c.context, true);
    const fall = feed(new AnomalyTracker(), [point(0.999999, -1)], T0, 'MEDIUM', down);
    assert.equal(fall[0]!.c.anomaly.direction, 'below');
    assert.equal(fall[0]!.c.context, false);
  });

  it('opens on k of the last n qualifying points and starts at the first of them', () => {
    const r = DEFAULT_OPEN_RULES.MEDIUM;
    const pts = [QUIET, point(0.995, 1), QUIET, point(0.995, 1), point(0.995, 1), QUIET];
    const changes = feed(new AnomalyTracker(), pts);
    assert.equal(r.k, 3);
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.i, 4);
    assert.equal(changes[0]!.c.anomaly.startMs, T0 + 1 * MIN);
  });

  it('does not open on qualifying points spread wider than the window', () => {
    const pts = [point(0.995, 1), ...rep(QUIET, 5), point(0.995, 1), ...rep(QUIET, 5), point(0.995, 1)];
    assert.equal(feed(new AnomalyTracker(), pts).length, 0);
  });

  it('HIGH is more sensitive than MEDIUM, MEDIUM more than LOW', () => {
    const pts = [point(0.9995, 1)];
    assert.equal(feed(new AnomalyTracker(), pts, T0, 'HIGH').length, 1);
    assert.equal(feed(new AnomalyTracker(), pts, T0, 'MEDIUM').length, 0);
    const three = rep(point(0.995, 1), 3);
    assert.equal(feed(new AnomalyTracker(), three, T0, 'MEDIUM').length, 1);
    assert.equal(feed(new AnomalyTracker(), three, T0, 'LOW').length, 0);
    for (const [hi, lo] of [['HIGH', 'MEDIUM'], ['MEDIUM', 'LOW']] as const) {
      assert.ok(DEFAULT_OPEN_RULES[hi].extreme < DEFAULT_OPEN_RULES[lo].extreme);
      assert.ok(DEFAULT_OPEN_RULES[hi].persistent <= DEFAULT_OPEN_RULES[lo].persistent);
    }
  });

  it('rejects an impossible rule', () => {
    assert.throws(() => new AnomalyTracker({ rules: { ...DEFAULT_OPEN_RULES, LOW: { extreme: 1, persistent: 0.9, k: 5, n: 40 } } }), RangeError);
  });
});

/** A point with its own band, as the detector reports it. */
function banded(score: number, direction: number, expected: number, halfWidth: number): ScoredPoint {
  return { score, expected, lower: expected - halfWidth, upper: expected + halfWidth, direction, cause: 2 };
}

describe('AnomalyTracker: the band frozen before a deviation', () => {
  // Pre-onset band 100 ± 10. The detector scores the first points of a shift high, then widens
  // its band (± 60) and lowers its scores while the values stay where the shift put them.
  const calm = banded(0.5, 1, 100, 10);
  const first = banded(0.9995, 1, 100, 10);
  const adapted = (expected: number) => banded(0.6, 1, expected, 60);

  function feedValues(tr: AnomalyTracker, pts: readonly { v: number; p: ScoredPoint }[], s = LAT): { i: number; c: AnomalyChange }[] {
    const res: { i: number; c: AnomalyChange }[] = [];
    pts.forEach(({ v, p }, i) => {
      const c = tr.observe(s, T0 + i * MIN, v, p, 'MEDIUM');
      if (c !== null) res.push({ i, c });
    });
    return res;
  }

  it('opens when values stay far outside the pre-onset band after the scores fade', () => {
    const pts = [{ v: 101, p: calm }, { v: 108, p: first }, ...Array.from({ length: 6 }, (_, k) => ({ v: 140, p: adapted(110 + 5 * k) }))];
    const changes = feedValues(new AnomalyTracker(), pts);
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.c.type, 'OPENED');
    assert.equal(changes[0]!.i, 3, 'the first point and two far-out values make 3 of 6');
    assert.equal(changes[0]!.c.anomaly.startMs, T0 + MIN, 'starts at the first qualifying point');
    assert.equal(changes[0]!.c.anomaly.peakScore, 0.9995, 'the peak is the best-scoring point, not the one that opened it');
  });

  it('does not open on values merely outside the pre-onset band (a benign burst)', () => {
    const pts = [{ v: 101, p: calm }, { v: 108, p: first }, ...Array.from({ length: 8 }, () => ({ v: 115, p: adapted(105) }))];
    assert.deepEqual(feedValues(new AnomalyTracker(), pts), []);
  });

  it('forgets the frozen band after frozenBandMs', () => {
    const pts = [{ v: 101, p: calm }, { v: 108, p: first }, ...Array.from({ length: 10 }, () => ({ v: 101, p: calm })), ...Array.from({ length: 4 }, () => ({ v: 140, p: adapted(130) }))];
    assert.deepEqual(feedValues(new AnomalyTracker({ frozenBandMs: 5 * MIN }), pts), []);
    assert.equal(feedValues(new AnomalyTracker(), pts).length, 1);
  });

  // Regression (docs/adr/0003, "blind for hours after one short spike"): after a one-minute spike
  // the detector's band stayed ~10× wider for hours, and a 3× latency regression 90 minutes later
  // opened nothing (scenario spike-then-slow-deployment).
  it('after the frozen hour, judges values by the pre-deviation width while the detector band stays inflated', () => {
    const hot = banded(0.999999, 1, 100, 10);
    const inflated = banded(0.3, 1, 100, 60);
    const recovered = banded(0.3, 1, 100, 20);
    const later = (p: ScoredPoint, v: number) => [{ v: 101, p: calm }, { v: 400, p: hot }, ...Array.from({ length: 120 }, () => ({ v: 101, p: inflated })), ...Array.from({ length: 6 }, () => ({ v, p }))];
    const opened = (tr: AnomalyTracker, pts: { v: number; p: ScoredPoint }[]) => feedValues(tr, pts).filter((c) => c.c.type === 'OPENED').map((c) => c.i);
    assert.deepEqual(opened(new AnomalyTracker(), later(inflated, 130)), [1, 124], 'the spike, then 130 (beyond 100 + 2 × 10) two hours later');
    assert.deepEqual(opened(new AnomalyTracker({ inflatedReferenceMs: 0 }), later(inflated, 130)), [1], 'off: the inflated band hides it');
    assert.deepEqual(opened(new AnomalyTracker(), later(inflated, 115)), [1], 'within twice the old width: not extreme');
    assert.deepEqual(opened(new AnomalyTracker(), later(recovered, 130)), [1], 'the detector has recovered: its own band judges');
    assert.deepEqual(opened(new AnomalyTracker({ inflatedReferenceMs: 60 * MIN }), later(inflated, 130)), [1], 'no longer than inflatedReferenceMs');
  });

  it('keeps an open anomaly open while values stay outside the frozen band', () => {
    const hot = banded(0.999999, 1, 100, 10);
    const pts = [{ v: 101, p: calm }, { v: 150, p: hot }, ...Array.from({ length: 30 }, () => ({ v: 125, p: adapted(125) })), ...Array.from({ length: 40 }, () => ({ v: 101, p: calm }))];
    const changes = feedValues(new AnomalyTracker(), pts);
    assert.deepEqual(changes.map((c) => c.c.type), ['OPENED', 'CLOSED']);
    assert.equal(changes[1]!.c.anomaly.endMs, T0 + 31 * MIN, 'ends at the last value outside the frozen band');
  });
});

describe('AnomalyTracker: slow drifts of saturation series', () => {
  const HOUR = 60 * MIN;
  const DAY = 24 * HOUR;
  /** A memory series with a daily cycle and ± 1 % noise; from `leakFromMs` on it grows `leakPerMin` a minute. */
  function memory(leakFromMs: number, leakPerMin: number, seed = 7): (t: number) => number {
    let x = seed;
    const noise = (): number => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x / 2147483648 - 0.5;
    };
    return (t) => 300 * (1 + 0.05 * Math.sin((2 * Math.PI * t) / DAY)) * (1 + 0.02 * noise()) + (t >= leakFromMs ? ((t - leakFromMs) / MIN) * leakPerMin : 0);
  }

  function replayDays(s: ReturnType<typeof makeSeries>, value: (t: number) => number, days: number, options = {}): { i: number; c: AnomalyChange }[] {
    const tr = new AnomalyTracker(options);
    const res: { i: number; c: AnomalyChange }[] = [];
    for (let i = 0; i < days * 24 * 60; i++) {
      const t = T0 + i * MIN;
      const v = value(t);
      // The detector follows a slow ramp: its band moves with the value and nothing scores high.
      const c = tr.observe(s, t, v, { score: 0.3, expected: v, lower: v - 50, upper: v + 50, direction: 1, cause: 2 }, 'MEDIUM');
      if (c !== null) res.push({ i, c });
    }
    return res;
  }

  const leakAt = T0 + 2 * DAY + 9 * HOUR;
  const mem = makeSeries(3, 'container_memory_working_set_bytes', 'saturation', 'pod/payments', 'shop');

  it('opens on a leak the detector follows, starting where the series first moved beyond any normal hour', () => {
    const changes = replayDays(mem, memory(leakAt, 1.5), 3);
    assert.equal(changes.length, 1, changes.map((c) => c.c.type).join());
    const a = changes[0]!.c.anomaly;
    assert.equal(changes[0]!.c.type, 'OPENED');
    assert.equal(a.cause, 'drift');
    const openedMs = T0 + changes[0]!.i * MIN;
    assert.ok(openedMs - leakAt <= 45 * MIN, `opened ${(openedMs - leakAt) / MIN} min after the leak began`);
    assert.ok(a.startMs >= leakAt && a.startMs - leakAt <= 10 * MIN, `starts ${(a.startMs - leakAt) / MIN} min after the leak began`);
    assert.ok(openedMs - a.startMs >= 10 * MIN, 'the start goes back to where the change first exceeded the normal envelope');
  });

  it('stays quiet on the daily cycle alone, on series that are not saturation or capacity, and when drift is off', () => {
    assert.deepEqual(replayDays(mem, memory(Infinity, 0), 4), []);
    const lat = makeSeries(4, 'http_request_duration_seconds_p99', 'latency', 'svc/payments', 'shop');
    assert.deepEqual(replayDays(lat, memory(leakAt, 1.5), 3), []);
    assert.deepEqual(replayDays(mem, memory(leakAt, 1.5), 3, { drift: false }), []);
  });

  it('a falling capacity series drifts downwards', () => {
    const disk = makeSeries(5, 'node_filesystem_avail_bytes', 'capacity', 'node/b', 'shop', 'down');
    const falling = memory(leakAt, -1.5);
    const changes = replayDays(disk, falling, 3);
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.c.anomaly.direction, 'below');
    assert.deepEqual(replayDays(disk, memory(leakAt, 1.5), 3), [], 'more free space is no drift');
  });
});

describe('AnomalyTracker closing and flapping', () => {
  it('closes after 15 quiet minutes, ending at the last qualifying point, and keeps the peak', () => {
    const tr = new AnomalyTracker();
    const pts = [point(0.99999, 1), point(0.999999, 1), point(0.995, 1), ...rep(QUIET, 20)];
    const changes = feed(tr, pts);
    assert.deepEqual(changes.map((c) => c.c.type), ['OPENED', 'CLOSED']);
    const closed = changes[1]!.c.anomaly;
    assert.equal(changes[1]!.i, 2 + 15);
    assert.equal(closed.endMs, T0 + 2 * MIN);
    assert.equal(closed.peakScore, 0.999999);
    assert.equal(closed.peakMs, T0 + MIN);
    assert.equal(closed.id, changes[0]!.c.anomaly.id);
  });

  it('needs quiet points too: a slow scrape does not close on time alone', () => {
    const tr = new AnomalyTracker();
    tr.observe(LAT, T0, 1, point(0.99999, 1), 'MEDIUM');
    assert.equal(tr.observe(LAT, T0 + 20 * MIN, 1, QUIET, 'MEDIUM'), null);
    assert.equal(tr.observe(LAT, T0 + 40 * MIN, 1, QUIET, 'MEDIUM'), null);
    assert.equal(tr.observe(LAT, T0 + 60 * MIN, 1, QUIET, 'MEDIUM')?.type, 'CLOSED');
  });

  it('a flapping series reopens the same anomaly within the cool-down, and starts a new one after it', () => {
    const tr = new AnomalyTracker();
    const burst = [point(0.99999, 1), ...rep(QUIET, 18)];
    const changes = feed(tr, [...burst, ...burst, ...burst]);
    assert.deepEqual(changes.map((c) => c.c.type), ['OPENED', 'CLOSED', 'REOPENED', 'CLOSED', 'REOPENED', 'CLOSED']);
    assert.equal(new Set(changes.map((c) => c.c.anomaly.id)).size, 1);
    assert.equal(changes[5]!.c.anomaly.startMs, T0);
    const later = feed(tr, [point(0.99999, 1)], T0 + 200 * MIN);
    assert.equal(later[0]!.c.type, 'OPENED');
    assert.notEqual(later[0]!.c.anomaly.id, changes[0]!.c.anomaly.id);
  });

  it('settle() ends the cool-down so the next deviation is a new anomaly', () => {
    const tr = new AnomalyTracker();
    const first = feed(tr, [point(0.99999, 1), ...rep(QUIET, 18)]);
    tr.settle(LAT.id);
    const next = feed(tr, [point(0.99999, 1)], T0 + 19 * MIN);
    assert.equal(next[0]!.c.type, 'OPENED');
    assert.notEqual(next[0]!.c.anomaly.id, first[0]!.c.anomaly.id);
  });

  it('closeStale closes anomalies of series that stopped reporting, and only those', () => {
    const tr = new AnomalyTracker();
    const other = makeSeries(5, 'errors_rate', 'errors', 'svc/api', 'shop');
    tr.observe(LAT, T0, 1, point(0.99999, 1), 'MEDIUM');
    tr.observe(other, T0, 1, point(0.99999, 1), 'MEDIUM');
    for (let i = 1; i <= 16; i++) tr.observe(other, T0 + i * MIN, 1, point(0.995, 1), 'MEDIUM');
    assert.deepEqual(tr.closeStale(T0 + 10 * MIN), []);
    const closed = tr.closeStale(T0 + 16 * MIN);
    assert.deepEqual(closed.map((c) => [c.type, c.anomaly.seriesId, c.anomaly.endMs]), [['CLOSED', 0, T0]]);
  });

  it('grows past its initial capacity', () => {
    const tr = new AnomalyTracker({ initialCapacity: 1 });
    const far = makeSeries(1000, 'x_p99', 'latency', 'r', null);
    assert.equal(tr.observe(far, T0, 1, point(0.99999, 1), 'MEDIUM')?.anomaly.seriesId, 1000);
    assert.equal(tr.anomalyOf(1000)?.seriesId, 1000);
    assert.equal(tr.anomalyOf(3), null);
  });
});

describe('AnomalyTracker properties', () => {
  it('anomalies of one series never overlap, and closes follow opens', () => {
    const pointArb = fc.record({
      score: fc.oneof(fc.constant(0.1), fc.constant(0.995), fc.constant(0.99999), fc.double({ min: 0, max: 1, noNaN: true })),
      direction: fc.constantFrom(-1, 0, 1),
      gapMin: fc.integer({ min: 1, max: 20 }),
    });
    fc.assert(
      fc.property(fc.array(pointArb, { maxLength: 300 }), fc.constantFrom<Sensitivity>('LOW', 'MEDIUM', 'HIGH'), (pts, sens) => {
        const s = makeSeries(0, 'x', 'other', 'r', null, 'both');
        const tr = new AnomalyTracker();
        let t = T0;
        const byId = new Map<string, { start: number; end: number | null }>();
        let openId: string | null = null;
        for (const p of pts) {
          t += p.gapMin * MIN;
          const c = tr.observe(s, t, 1, point(p.score, p.direction), sens);
          if (c === null) continue;
          const a = c.anomaly;
          if (c.type === 'OPENED') {
            assert.equal(openId, null);
            assert.ok(!byId.has(a.id));
            for (const prev of byId.values()) assert.ok(prev.end !== null && prev.end < a.startMs);
            openId = a.id;
          } else if (c.type === 'REOPENED') {
            assert.equal(openId, null);
            assert.ok(byId.has(a.id));
            openId = a.id;
          } else {
            assert.equal(openId, a.id);
            assert.ok(a.endMs !== null && a.endMs >= a.startMs);
            openId = null;
          }
          byId.set(a.id, { start: a.startMs, end: a.endMs });
        }
      }),
      { numRuns: 200 },
    );
  });
});
