// Delivery rules: backoff with full jitter, the token bucket, the ordering rule, which channels
// are owed a transition, and the state an attempt leaves an outbox row in.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import {
  afterAttempt,
  backoffCeilingMs,
  backoffDelayMs,
  channelOwes,
  closeWithoutOpen,
  createTokenBucket,
  msUntilToken,
  nextDue,
  takeToken,
  type RetryPolicy,
} from '../../../src/core/notify/index.js';
import type { OutboxEntry } from '../../../src/core/ports/index.js';
import { seededRandom } from '../../../src/core/sim/index.js';

const POLICY: RetryPolicy = { initialDelayMs: 1000, maxDelayMs: 60_000, maxAgeMs: 3_600_000 };
const T0 = 1_800_000_000_000;

function entry(seq: number, over: Partial<OutboxEntry> = {}): OutboxEntry {
  return { channel: 'hook', seq, insightId: 'ins-1', type: 'NEW_INSIGHT', status: 'PENDING', attempts: 0, nextAttemptMs: T0, createdMs: T0, lastError: null, deliveredMs: null, ...over };
}

describe('backoff', () => {
  it('doubles the ceiling from initialDelay and caps it at maxDelay', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeilingMs(n, POLICY)), [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    assert.equal(backoffCeilingMs(5000, POLICY), 60_000); // 2^4999 is Infinity; still capped
    assert.equal(backoffCeilingMs(0, POLICY), 1000);
  });

  it('draws a full-jitter delay in [0, ceiling) from the injected random', () => {
    assert.equal(backoffDelayMs(3, POLICY, () => 0), 0);
    assert.equal(backoffDelayMs(3, POLICY, () => 0.5), 2000);
    assert.equal(backoffDelayMs(3, POLICY, () => 0.999_999), 3999);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (n, r) => {
        const d = backoffDelayMs(n, POLICY, () => r);
        return Number.isInteger(d) && d >= 0 && d < backoffCeilingMs(n, POLICY);
      }),
    );
  });

  it('spreads retries: a thousand failed senders do not retry in the same second', () => {
    const random = seededRandom(7);
    const seconds = new Set(Array.from({ length: 1000 }, () => Math.floor(backoffDelayMs(6, POLICY, random) / 1000)));
    assert.ok(seconds.size >= 30, `only ${seconds.size} distinct seconds`);
  });
});

describe('token bucket', () => {
  it('allows a burst of a sixth of the rate, then one token per 60000/rate ms', () => {
    const b = createTokenBucket(60, T0);
    assert.equal(b.capacity, 10);
    let sent = 0;
    while (takeToken(b, T0)) sent++;
    assert.equal(sent, 10);
    assert.equal(msUntilToken(b, T0), 1000);
    assert.equal(takeToken(b, T0 + 999), false);
    assert.equal(takeToken(b, T0 + 1000), true);
    assert.equal(takeToken(b, T0 + 1000), false);
  });

  it('never exceeds rate × window + burst over any window (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 300 }), (rate, gaps) => {
        const b = createTokenBucket(rate, T0);
        let t = T0;
        let sent = 0;
        for (const g of gaps) {
          t += g;
          if (takeToken(b, t)) sent++;
        }
        return sent <= b.capacity + Math.floor(((t - T0) * rate) / 60_000) + 1;
      }),
    );
  });

  it('a rate of 1 per minute gives one send, then waits a minute', () => {
    const b = createTokenBucket(1, T0);
    assert.equal(takeToken(b, T0), true);
    assert.equal(msUntilToken(b, T0 + 30_000), 30_000);
    assert.equal(takeToken(b, T0 + 60_000), true);
  });
});

describe('ordering', () => {
  it('sends the oldest pending row only once it is due; newer rows wait behind it', () => {
    const head = entry(3, { nextAttemptMs: T0 + 5000, attempts: 2 });
    const newer = entry(4, { nextAttemptMs: T0 });
    assert.equal(nextDue([head, newer], T0), null);
    assert.equal(nextDue([head, newer], T0 + 5000), head);
    assert.equal(nextDue([], T0), null);
  });
});

describe('which channels are owed a transition', () => {
  const spec = { minSeverity: 'MEDIUM' as const, types: ['NEW_INSIGHT', 'SEVERITY_UPGRADED', 'CLOSED_INSIGHT'] as const };

  it('filters by severity and type; by default (MEDIUM, all types) LOW is not sent', () => {
    assert.equal(channelOwes(spec, 'NEW_INSIGHT', 'HIGH', []), true);
    assert.equal(channelOwes(spec, 'NEW_INSIGHT', 'LOW', []), false);
    assert.equal(channelOwes(spec, 'NEW_RECOMMENDATION', 'HIGH', []), false);
  });

  it('owes a CLOSED_INSIGHT only to a channel with an earlier message about the insight, whatever the severity', () => {
    assert.equal(channelOwes(spec, 'CLOSED_INSIGHT', 'HIGH', []), false);
    assert.equal(channelOwes(spec, 'CLOSED_INSIGHT', 'LOW', [{ type: 'NEW_INSIGHT' }]), true);
    assert.equal(channelOwes({ ...spec, types: ['NEW_INSIGHT'] }, 'CLOSED_INSIGHT', 'HIGH', [{ type: 'NEW_INSIGHT' }]), false);
  });

  it('drops a close at send time unless an earlier message was delivered', () => {
    assert.equal(closeWithoutOpen([{ type: 'NEW_INSIGHT', status: 'DELIVERED' }]), null);
    assert.match(closeWithoutOpen([{ type: 'NEW_INSIGHT', status: 'FAILED' }]) ?? '', /never received/);
    assert.match(closeWithoutOpen([]) ?? '', /never received/);
  });
});

describe('after an attempt', () => {
  const now = T0 + 10_000;

  it('marks a 2xx DELIVERED with the time', () => {
    const r = afterAttempt(entry(1), { ok: true, status: 204 }, now, POLICY, () => 0.5);
    assert.deepEqual(r, { update: { channel: 'hook', seq: 1, attempts: 1, status: 'DELIVERED', nextAttemptMs: T0, lastError: null, deliveredMs: now }, outcome: 'DELIVERED', reason: null, httpStatus: 204 });
  });

  it('schedules a retryable failure after the jittered backoff, or after Retry-After when that is longer', () => {
    const r = afterAttempt(entry(1, { attempts: 2 }), { ok: false, retryable: true, reason: 'answered 503', status: 503 }, now, POLICY, () => 0.5);
    assert.equal(r.update.status, 'PENDING');
    assert.equal(r.update.attempts, 3);
    assert.equal(r.update.nextAttemptMs, now + 2000); // ceiling 4000 × 0.5
    assert.equal(r.outcome, 'RETRY');
    assert.equal(r.httpStatus, 503);
    assert.equal(r.update.lastError, 'answered 503');
    const later = afterAttempt(entry(1), { ok: false, retryable: true, reason: '429', status: 429, retryAfterMs: 30_000 }, now, POLICY, () => 0.5);
    assert.equal(later.update.nextAttemptMs, now + 30_000);
    const net = afterAttempt(entry(1), { ok: false, retryable: true, reason: 'ECONNREFUSED' }, now, POLICY, () => 0);
    assert.equal(net.httpStatus, null);
    assert.equal(net.update.nextAttemptMs, now);
  });

  it('fails a non-retryable answer at once, and a retryable one past maxAge', () => {
    const bad = afterAttempt(entry(1), { ok: false, retryable: false, reason: 'answered 400: invalid_blocks', status: 400 }, now, POLICY, () => 0.5);
    assert.equal(bad.update.status, 'FAILED');
    assert.equal(bad.outcome, 'FAILED');
    const old = afterAttempt(entry(1, { attempts: 40 }), { ok: false, retryable: true, reason: 'answered 503', status: 503 }, T0 + POLICY.maxAgeMs, POLICY, () => 0.5);
    assert.equal(old.update.status, 'FAILED');
    assert.match(old.reason!, /gave up after 41 attempts/);
  });
});
