// The detector's `phase(t, period)` replaces `((t % period) + period) % period` on its hot path
// (a float `%` is a slow x87 loop in V8). It must agree bit for bit, or checkpointed state and
// scores would drift from what the expression gives: compared with Object.is (so -0 and NaN count).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { phase } from '../../../src/core/detect/index.js';

const DAY_SEC = 86_400;
const WEEK_SEC = 7 * DAY_SEC;
const periods = [DAY_SEC, WEEK_SEC];

function expression(t: number, period: number): number {
  return ((t % period) + period) % period;
}

function same(t: number, period: number): void {
  const want = expression(t, period);
  const got = phase(t, period);
  assert.ok(Object.is(got, want), `phase(${t}, ${period}) = ${got}, expression gives ${want}`);
}

describe('phase', () => {
  it('equals the % expression for any double', () => {
    fc.assert(fc.property(fc.double({ noNaN: true }), fc.constantFrom(...periods), (t, p) => same(t, p)), { numRuns: 20_000 });
  });

  it('equals it for epoch seconds with milliseconds (the detector`s input)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -4e12, max: 4e12 }), fc.constantFrom(...periods, 3 * DAY_SEC), (ms, p) => same(ms / 1000, p)),
      { numRuns: 50_000 },
    );
  });

  it('equals it next to multiples of the period, where the quotient rounds across an integer', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2e8, max: 2e8 }), fc.integer({ min: -64, max: 64 }), fc.constantFrom(...periods), (k, ulps, p) => {
        let t = k * p;
        // Step `ulps` doubles away from the multiple.
        for (let i = 0; i < Math.abs(ulps); i++) t = nextDouble(t, Math.sign(ulps));
        same(t, p);
      }),
      { numRuns: 50_000 },
    );
  });

  it('equals it at the edges: zeros, tiny, 2^52 and beyond, infinities', () => {
    const edges = [0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, 1e-300, -1e-300, 2 ** 52 - 1, -(2 ** 52 - 1), 2 ** 52, -(2 ** 52), 2 ** 53 + 2, 1e300, -1e300, Number.MAX_VALUE, Infinity, -Infinity, NaN];
    for (const p of periods) {
      for (const t of edges) same(t, p);
      for (let k = -3; k <= 3; k++) same(k * p, p);
    }
  });
});

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
/** The adjacent double towards +∞ (dir 1) or −∞ (dir −1). */
function nextDouble(x: number, dir: number): number {
  if (x === 0) return dir > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  f64[0] = x;
  u64[0] += (x > 0) === dir > 0 ? 1n : -1n;
  return f64[0]!;
}
