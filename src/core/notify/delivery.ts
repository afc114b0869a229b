/**
 * Delivery rules of the notifier, pure: which transitions a channel is owed, which message it
 * sends next, how long to wait after a failure, and how fast a channel may be sent to. The app
 * layer (src/app/notifier.ts) does the I/O and passes time and randomness in.
 *
 *   transition ─► channelOwes? ─► outbox row (PENDING)
 *   per channel: nextDue(oldest PENDING) ─► takeToken ─► send ─► afterAttempt ─► DELIVERED | PENDING(+backoff) | FAILED
 */
import type { NotificationType, Severity } from '../model/index.js';
import type { DeliveryOutcome, OutboxEntry, OutboxUpdate } from '../ports/index.js';
import { channelWants, type ChannelSpec, type DeliveryResult } from './types.js';

export interface RetryPolicy {
  /** The ceiling of the first retry's delay. */
  readonly initialDelayMs: number;
  /** The ceiling never grows past this. */
  readonly maxDelayMs: number;
  /** A message still undelivered this long after it was enqueued is given up (FAILED). */
  readonly maxAgeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialDelayMs: 1000, maxDelayMs: 300_000, maxAgeMs: 86_400_000 };

/** The exponential ceiling after `failures` failed attempts (1, 2, …): initial · 2^(failures−1), capped. */
export function backoffCeilingMs(failures: number, policy: RetryPolicy): number {
  const n = Math.max(1, Math.floor(failures));
  // 2^n overflows to Infinity long after the cap is reached; min() takes care of it.
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (n - 1));
}

/**
 * "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015): a uniform delay in
 * [0, ceiling). Senders that failed together do not retry together, which matters when one
 * receiver comes back to a queue of Vigils (or channels) all waiting on it.
 * `random` returns values in [0, 1).
 */
export function backoffDelayMs(failures: number, policy: RetryPolicy, random: () => number): number {
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * backoffCeilingMs(failures, policy));
}

/** A token bucket on injected time: `capacity` tokens, refilled continuously at `refillPerMs`. */
export interface TokenBucket {
  readonly capacity: number;
  readonly refillPerMs: number;
  tokens: number;
  updatedMs: number;
}

/**
 * At most `perMinute` sends a minute on average, with a burst of a sixth of that (ten seconds'
 * worth, at least one): a backlog after an outage drains steadily instead of all at once.
 */
export function createTokenBucket(perMinute: number, nowMs: number, burst = Math.max(1, Math.ceil(perMinute / 6))): TokenBucket {
  const capacity = Math.max(1, burst);
  return { capacity, refillPerMs: Math.max(0, perMinute) / 60_000, tokens: capacity, updatedMs: nowMs };
}

function refill(b: TokenBucket, nowMs: number): void {
  if (nowMs > b.updatedMs) {
    b.tokens = Math.min(b.capacity, b.tokens + (nowMs - b.updatedMs) * b.refillPerMs);
    b.updatedMs = nowMs;
  }
}

/** Takes a token when one is there (true), else leaves the bucket as it is (false). */
export function takeToken(b: TokenBucket, nowMs: number): boolean {
  refill(b, nowMs);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

/** How long until a token is there (0: now). */
export function msUntilToken(b: TokenBucket, nowMs: number): number {
  refill(b, nowMs);
  if (b.tokens >= 1) return 0;
  return b.refillPerMs === 0 ? Infinity : Math.ceil((1 - b.tokens) / b.refillPerMs);
}

/**
 * The ordering rule: a channel sends in transition order, so its next message is its oldest
 * PENDING row — and only once that row is due. A newer row never overtakes an older one waiting on
 * a retry, which is what makes a receiver that comes back after an outage get every message in
 * order. `pending` must be the channel's PENDING rows, oldest seq first (listOutbox's order).
 */
export function nextDue(pending: readonly OutboxEntry[], nowMs: number): OutboxEntry | null {
  const head = pending[0];
  return head !== undefined && head.status === 'PENDING' && head.nextAttemptMs <= nowMs ? head : null;
}

/**
 * Does `channel` owe a message for this transition? Severity and type filters (channelWants), and
 * one rule on top: CLOSED_INSIGHT only to a channel that was told the insight opened — which it
 * was when it has an earlier row for the insight (`earlier`: the channel's outbox rows of this
 * insight before this transition). The close then passes the severity filter regardless: an
 * insight the channel heard about must be closed there too.
 */
export function channelOwes(
  spec: Pick<ChannelSpec, 'minSeverity' | 'types'>,
  type: NotificationType,
  severity: Severity,
  earlier: readonly Pick<OutboxEntry, 'type'>[],
): boolean {
  if (type === 'CLOSED_INSIGHT') return spec.types.includes('CLOSED_INSIGHT') && earlier.length > 0;
  return channelWants(spec, type, severity);
}

/**
 * At send time, a CLOSED_INSIGHT goes out only if one of the channel's earlier messages about
 * the insight was actually delivered (they all went first: ordering). Otherwise the reason to drop it.
 */
export function closeWithoutOpen(earlier: readonly Pick<OutboxEntry, 'type' | 'status'>[]): string | null {
  if (earlier.some((e) => e.status === 'DELIVERED')) return null;
  return 'the channel never received a message opening this insight (its NEW_INSIGHT was not delivered)';
}

export interface AttemptOutcome {
  readonly update: OutboxUpdate;
  readonly outcome: DeliveryOutcome;
  readonly reason: string | null;
  readonly httpStatus: number | null;
}

/**
 * The row's next state after one attempt: DELIVERED; PENDING again after a backoff delay (at
 * least the receiver's Retry-After); or FAILED — a non-retryable answer, or a retryable one for a
 * message older than maxAge.
 */
export function afterAttempt(entry: OutboxEntry, result: DeliveryResult, nowMs: number, policy: RetryPolicy, random: () => number): AttemptOutcome {
  const attempts = entry.attempts + 1;
  const base = { channel: entry.channel, seq: entry.seq, attempts };
  if (result.ok) {
    return { update: { ...base, status: 'DELIVERED', nextAttemptMs: entry.nextAttemptMs, lastError: null, deliveredMs: nowMs }, outcome: 'DELIVERED', reason: null, httpStatus: result.status };
  }
  const httpStatus = result.status ?? null;
  if (!result.retryable) {
    return { update: { ...base, status: 'FAILED', nextAttemptMs: entry.nextAttemptMs, lastError: result.reason, deliveredMs: null }, outcome: 'FAILED', reason: result.reason, httpStatus };
  }
  if (nowMs - entry.createdMs >= policy.maxAgeMs) {
    const reason = `${result.reason}; gave up after ${attempts} attempts (older than notifications.retry.maxAge)`;
    return { update: { ...base, status: 'FAILED', nextAttemptMs: entry.nextAttemptMs, lastError: reason, deliveredMs: null }, outcome: 'FAILED', reason, httpStatus };
  }
  const delay = Math.max(backoffDelayMs(attempts, policy, random), Math.max(0, result.retryAfterMs ?? 0));
  return {
    update: { ...base, status: 'PENDING', nextAttemptMs: nowMs + delay, lastError: result.reason, deliveredMs: null },
    outcome: 'RETRY',
    reason: result.reason,
    httpStatus,
  };
}

/** NotificationMessage.id for a transition: `<insightId>:<seq>` (types.ts). */
export function messageId(insightId: string, seq: number): string {
  return `${insightId}:${seq}`;
}
