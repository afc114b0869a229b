// Tests for CounterRates (src/core/semantics/counter-rates.ts): per-second rates, Prometheus-style
// counter resets, ignored bad samples, growth, and the property that a rate is never negative.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { CounterRates } from '../../../src/core/semantics/index.js';

const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);

describe('CounterRates', () => {
  it('returns NaN for the first sample, then the increase per second', () => {
    const c = new CounterRates();
    assert.ok(Number.isNaN(c.update(0, T0, 100)));
    assert.equal(c.update(0, T0 + 10_000, 150), 5);
    assert.equal(c.update(0, T0 + 40_000, 150), 0);
  });

  it('treats a drop as a reset and counts the new value as the increase (Prometheus)', () => {
    const c = new CounterRates();
    c.update(3, T0, 1000);
    assert.equal(c.update(3, T0 + 15_000, 1300), 20);
    assert.equal(c.update(3, T0 + 30_000, 30), 2); // restarted: 30 counted since the reset
    assert.equal(c.update(3, T0 + 45_000, 60), 2);
  });

  it('ignores out-of-order, duplicate and invalid samples without disturbing the state', () => {
    const c = new CounterRates();
    c.update(0, T0, 10);
    assert.ok(Number.isNaN(c.update(0, T0, 20)));
    assert.ok(Number.isNaN(c.update(0, T0 - 1000, 20)));
    assert.ok(Number.isNaN(c.update(0, T0 + 1000, NaN)));
    assert.ok(Number.isNaN(c.update(0, T0 + 1000, -5)));
    assert.ok(Number.isNaN(c.update(0, NaN, 20)));
    assert.ok(Number.isNaN(c.update(-1, T0 + 1000, 20)));
    assert.equal(c.update(0, T0 + 2000, 30), 10);
  });

  it('keeps series apart, grows by doubling and forgets on request', () => {
    const c = new CounterRates(2);
    for (let id = 0; id < 100; id++) c.update(id, T0, id);
    assert.ok(c.capacity >= 100 && c.capacity <= 128, `capacity ${c.capacity}`);
    for (let id = 0; id < 100; id++) assert.equal(c.update(id, T0 + 1000, 2 * id), id);
    c.forget(7);
    assert.ok(Number.isNaN(c.update(7, T0 + 2000, 100)));
    assert.equal(c.update(8, T0 + 2000, 24), 8);
  });

  it('property: a rate is never negative, whatever the input', () => {
    const sample = fc.record({
      id: fc.integer({ min: 0, max: 5 }),
      dtMs: fc.oneof(fc.integer({ min: -5000, max: 60_000 }), fc.constant(0)),
      value: fc.oneof(fc.double(), fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(0)),
    });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 200 }), (samples) => {
        const c = new CounterRates(1);
        let t = T0;
        for (const s of samples) {
          t += s.dtMs;
          const r = c.update(s.id, t, s.value);
          if (!(Number.isNaN(r) || r >= 0)) return false;
        }
        return true;
      }),
    );
  });
});
