// How the dashboard words times, durations and values.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { duration, formatValue, relativeTime } from '../../web/src/format.js';

const NOW = Date.UTC(2026, 10, 21, 12);
const MIN = 60_000;

describe('relativeTime', () => {
  it('reads like a person says it, past and future', () => {
    assert.equal(relativeTime(NOW - 10_000, NOW), 'just now');
    assert.equal(relativeTime(NOW - 12 * MIN, NOW), '12 min ago');
    assert.equal(relativeTime(NOW + 3 * 60 * MIN, NOW), 'in 3 h');
    assert.equal(relativeTime(NOW - 90 * MIN, NOW), '1.5 h ago');
    assert.equal(relativeTime(NOW - 5 * 24 * 60 * MIN, NOW), '5 d ago');
    assert.equal(relativeTime(NOW + 33 * 60 * MIN, NOW), 'in 1.4 d');
  });
});

describe('duration', () => {
  it('is short and whole', () => {
    assert.equal(duration(45_000), '45 s');
    assert.equal(duration(12 * MIN), '12 min');
    assert.equal(duration(200 * MIN), '3 h 20 min');
    assert.equal(duration(52 * 60 * MIN), '2 d 4 h');
    assert.equal(duration(null), '—');
    assert.equal(duration(NaN), '—');
  });
});

describe('formatValue', () => {
  it('keeps three or four significant digits with SI suffixes', () => {
    assert.equal(formatValue(0.000123456), '0.000123');
    assert.equal(formatValue(0.183), '0.183');
    assert.equal(formatValue(42.4242), '42.42');
    assert.equal(formatValue(12_345), '12.3k');
    assert.equal(formatValue(53_687_091_200), '53.7G');
    assert.equal(formatValue(-2_500_000), '-2.50M');
    assert.equal(formatValue(0), '0');
    assert.equal(formatValue(null), '—');
    assert.equal(formatValue(Infinity), '—');
  });
});
