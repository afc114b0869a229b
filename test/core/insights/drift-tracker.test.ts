// Tests for DriftTracker (src/core/insights/drift-tracker.ts): the learning period, a ramp judged
// against the envelope of normal hourly changes, the bad side, the frozen pre-drift reference and
// its hold, and (fast-check) that ratios do not depend on the series' unit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { DriftTracker, driftWatched } from '../../../src/core/insights/index.js';
import { seededRandom } from '../../../src/core/sim/index.js';
import { MIN, T0 } from './helpers.js';

const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * A daily cycle (± 10 %) with 1 % noise around `level`; a ramp of `perMin` a minute from `rampFrom`.
 * A pure function of time (the noise is seeded per minute), so a series can be replayed.
 */
function cycle(level: number, seed: number, rampFrom = Infinity, perMin = 0): (t: number) => number {
  const noise = (t: number): number => seededRandom(seed * 1_000_003 + Math.round((t - T0) / MIN))() - 0.5;
  return (t) => level * (1 + 0.1 * Math.sin((2 * Math.PI * (t - T0)) / DAY)) * (1 + 0.02 * noise(t)) + (t >= rampFrom ? ((t - rampFrom) / MIN) * perMin : 0);
}

/** Feeds one point a minute for `minutes`; returns the ratios (NaN while learning). */
function ratios(dt: DriftTracker, value: (t: number) => number, minutes: number, bad: 'up' | 'down' | 'both' = 'up', id = 0): number[] {
  const out: number[] = [];
  for (let i = 0; i < minutes; i++) {
    dt.update(id, bad, T0 + i * MIN, value(T0 + i * MIN), true);
    out.push(dt.result[0]!);
  }
  return out;
}

describe('DriftTracker', () => {
  it('watches saturation and capacity series only', () => {
    assert.ok(driftWatched('saturation'));
    assert.ok(driftWatched('capacity'));
    assert.ok(!driftWatched('latency'));
    assert.ok(!driftWatched('throughput'));
  });

  it('says nothing during its learning period, then judges every point', () => {
    const r = ratios(new DriftTracker(), cycle(100, 1), 2 * 24 * 60);
    assert.ok(r.slice(0, 24 * 60 - 1).every(Number.isNaN));
    assert.ok(r.slice(24 * 60 + 1).every(Number.isFinite));
  });

  it('a daily cycle stays within its own envelope; a ramp leaves it within the hour', () => {
    const quiet = ratios(new DriftTracker(), cycle(100, 2), 4 * 24 * 60).filter(Number.isFinite);
    assert.ok(Math.max(...quiet) < 2, `max ratio on a plain cycle ${Math.max(...quiet)}`);
    const rampFrom = T0 + 2 * DAY + 10 * HOUR;
    const dt = new DriftTracker();
    // 30 % of the level an hour, like a leak; the cycle moves it 2.6 % an hour at most.
    const minute = (rampFrom - T0) / MIN;
    const r = ratios(dt, cycle(100, 2, rampFrom, 0.5), minute + 40);
    assert.ok(Math.max(...r.slice(0, minute).filter(Number.isFinite)) < 2);
    const firstAt4 = r.findIndex((x, i) => i >= minute && x >= 4);
    assert.ok(firstAt4 > minute && firstAt4 - minute <= 40, `ratio 4 reached ${firstAt4 - minute} min into the ramp`);
    // The excursion start is where the change first exceeded the envelope.
    const since = dt.result[1]!;
    assert.ok(since >= rampFrom && since - rampFrom <= 20 * MIN, `excursion from ${(since - rampFrom) / MIN} min`);
  });

  it('only the bad side counts', () => {
    const rampFrom = T0 + 2 * DAY;
    const falling = cycle(100, 3, rampFrom, -0.5);
    const minutes = 2 * 24 * 60 + 60;
    const down = ratios(new DriftTracker(), falling, minutes, 'down');
    const up = ratios(new DriftTracker(), falling, minutes, 'up');
    const both = ratios(new DriftTracker(), falling, minutes, 'both');
    assert.ok(down.at(-1)! > 4, `down ${down.at(-1)}`);
    assert.ok(both.at(-1)! > 4, `both ${both.at(-1)}`);
    assert.ok(up.at(-1)! < 0, `up ${up.at(-1)}`);
  });

  it('a change left alone for a window becomes part of the envelope: a new normal', () => {
    const rampFrom = T0 + 2 * DAY;
    const r = ratios(new DriftTracker(), cycle(100, 3, rampFrom, 0.5), 2 * 24 * 60 + 240);
    assert.ok(r[2 * 24 * 60 + 59]! > 4);
    assert.ok(r.at(-1)! < 1.5, `after 4 h ${r.at(-1)}`);
  });

  it('does not learn changes made while an anomaly is open, nor the run-up to one', () => {
    const rampFrom = T0 + 2 * DAY;
    const value = cycle(100, 4, rampFrom, 0.5);
    const dt = new DriftTracker();
    ratios(dt, value, 2 * 24 * 60 + 40);
    dt.freeze(0);
    for (let i = 2 * 24 * 60 + 40; i < 2 * 24 * 60 + 240; i++) dt.update(0, 'up', T0 + i * MIN, value(T0 + i * MIN), false);
    assert.ok(dt.result[0]! > 4, 'still judged against the envelope from before the ramp');
    assert.ok(dt.beyondReference(0, 1, T0 + 2 * DAY + 240 * MIN));
    assert.ok(!dt.beyondReference(0, -1, T0 + 2 * DAY + 240 * MIN));
    assert.ok(!dt.beyondReference(0, 1, T0 + 2 * DAY + 7 * HOUR), 'the reference holds 6 h at most');
    dt.release(0);
    assert.ok(!dt.beyondReference(0, 1, T0 + 2 * DAY + 240 * MIN));
  });

  it('keeps series apart and grows past its initial capacity', () => {
    const dt = new DriftTracker();
    const a = cycle(100, 5);
    const b = cycle(1e9, 6, T0 + DAY + 23 * HOUR, 5e6);
    let last = NaN;
    for (let i = 0; i < 2 * 24 * 60; i++) {
      const t = T0 + i * MIN;
      for (let id = 0; id < 100; id++) dt.update(id, 'up', t, id === 99 ? b(t) : a(t), true);
      last = dt.result[0]!;
    }
    assert.ok(last > 4, 'the ramping series (id 99)');
    dt.update(1, 'up', T0 + 2 * DAY, a(T0 + 2 * DAY), true);
    assert.ok(dt.result[0]! < 2, 'a quiet one');
  });

  it('ratios do not depend on the unit of the series (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 1e-6, max: 1e9, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), (seed, scale, perMin) => {
        const base = cycle(100, seed, T0 + DAY + 6 * HOUR, perMin);
        const minutes = 24 * 60 + 8 * 60;
        const r1 = ratios(new DriftTracker(), base, minutes);
        const r2 = ratios(new DriftTracker(), (t) => scale * base(t), minutes);
        for (let i = 0; i < minutes; i++) {
          if (Number.isNaN(r1[i]!)) assert.ok(Number.isNaN(r2[i]!));
          else assert.ok(Math.abs(r1[i]! - r2[i]!) <= 1e-6 * Math.max(1, Math.abs(r1[i]!)), `minute ${i}: ${r1[i]} vs ${r2[i]}`);
        }
      }),
      { numRuns: 15 },
    );
  });
});
