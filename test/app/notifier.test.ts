// The delivery engine's rules, on an injected clock with scripted senders: which channels get
// which messages, closes only after opens, failures that do not block the queue, dropped messages
// of a deleted channel, Alertmanager re-posts, maxAge, and runbooks from the same pass.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';

import { MemoryStore } from '../../src/adapters/store/index.js';
import { Notifier, type Sender } from '../../src/app/notifier.js';
import { RunbookEngine } from '../../src/app/runbook-engine.js';
import type { InsightTransition, Severity } from '../../src/core/model/index.js';
import type { ChannelSpec, DeliveryResult, NotificationMessage } from '../../src/core/notify/index.js';
import { T0, makeEvent, makeInsight } from '../support/notify-fixtures.js';

const log = pino({ level: 'silent' });
const RETRY = { initialDelayMs: 1000, maxDelayMs: 10_000, maxAgeMs: 600_000 };

function spec(name: string, over: Partial<ChannelSpec> = {}): ChannelSpec {
  return { name, type: 'webhook', url: `https://hooks.example.com/${name}`, minSeverity: 'MEDIUM', types: ['NEW_INSIGHT', 'NEW_ASSOCIATION', 'SEVERITY_UPGRADED', 'NEW_RECOMMENDATION', 'CLOSED_INSIGHT'], rateLimitPerMinute: 600, ...over };
}

/** A sender that records messages and answers from a script (default 200). */
class ScriptedSender implements Sender {
  readonly sent: NotificationMessage[] = [];
  answer: (m: NotificationMessage) => DeliveryResult = () => ({ ok: true, status: 200 });
  constructor(readonly resendIntervalMs: number | null = null) {}
  async send(m: NotificationMessage): Promise<DeliveryResult> {
    this.sent.push(m);
    return this.answer(m);
  }
}

async function setup(channels: ChannelSpec[], opts: { runbooks?: (store: MemoryStore) => RunbookEngine; resendIntervalMs?: number; externalUrl?: string } = {}) {
  const store = new MemoryStore();
  await store.migrate();
  let now = T0;
  const clock = { now: () => now };
  const senders = new Map<string, ScriptedSender>();
  const notifier = new Notifier({
    store, log, clock, random: () => 0.5, configChannels: channels, retry: RETRY, env: {}, externalUrl: opts.externalUrl ?? null,
    createSender: (s) => {
      const sender = senders.get(s.name) ?? new ScriptedSender(opts.resendIntervalMs ?? null);
      senders.set(s.name, sender);
      return sender;
    },
    ...(opts.runbooks ? { runbooks: opts.runbooks(store) } : {}),
  });
  const transition = async (insightId: string, type: InsightTransition['type'], severity: Severity = 'HIGH'): Promise<void> => {
    if ((await store.getInsight(insightId)) === null) await store.upsertInsights([makeInsight(insightId, { severity })]);
    await store.appendTransitions([{ insightId, type, timeMs: now, severity }]);
  };
  const tick = async (ms = 1000): Promise<void> => {
    now += ms;
    await notifier.runOnce();
  };
  return { store, notifier, senders, transition, tick, advance: (ms: number) => (now += ms) };
}

describe('notifier', () => {
  it('sends each channel what its filters want, with the insight, its anomalies and events, and a dashboard link', async () => {
    const { store, senders, transition, tick } = await setup([spec('all'), spec('high-only', { minSeverity: 'HIGH' }), spec('opens', { types: ['NEW_INSIGHT'] })], { externalUrl: 'https://vigil.example.com/' });
    await store.appendEvents([makeEvent('ev-1')]);
    await transition('ins-m', 'NEW_INSIGHT', 'MEDIUM');
    await transition('ins-h', 'NEW_INSIGHT', 'HIGH');
    await transition('ins-h', 'NEW_RECOMMENDATION', 'HIGH');
    await tick();
    const ids = (name: string) => senders.get(name)!.sent.map((m) => `${m.insight.id}/${m.type}`);
    assert.deepEqual(ids('all'), ['ins-m/NEW_INSIGHT', 'ins-h/NEW_INSIGHT', 'ins-h/NEW_RECOMMENDATION']);
    assert.deepEqual(ids('high-only'), ['ins-h/NEW_INSIGHT', 'ins-h/NEW_RECOMMENDATION']);
    assert.deepEqual(ids('opens'), ['ins-m/NEW_INSIGHT', 'ins-h/NEW_INSIGHT']);
    const m = senders.get('all')!.sent[1]!;
    const [t] = (await store.listTransitions(0)).filter((x) => x.insightId === 'ins-h');
    assert.equal(m.id, `ins-h:${t!.seq}`);
    assert.equal(m.timeMs, t!.timeMs);
    assert.equal(m.version, 1);
    assert.equal(m.dashboardUrl, 'https://vigil.example.com/insights/ins-h');
    assert.deepEqual(m.events.map((e) => e.id), ['ev-1']);
    assert.equal(await store.getState('notify.seq'), String((await store.listTransitions(0)).at(-1)!.seq));
  });

  it('sends CLOSED_INSIGHT only to channels that received the opening message', async () => {
    const { store, senders, transition, tick } = await setup([spec('ok'), spec('rejects'), spec('high-only', { minSeverity: 'HIGH' })]);
    senders.set('rejects', Object.assign(new ScriptedSender(), { answer: (m: NotificationMessage) => (m.type === 'NEW_INSIGHT' ? { ok: false, retryable: false, status: 400, reason: 'bad request' } : { ok: true, status: 200 }) }) as ScriptedSender);
    await transition('ins-1', 'NEW_INSIGHT', 'MEDIUM');
    await tick();
    await transition('ins-1', 'CLOSED_INSIGHT', 'MEDIUM');
    await tick();
    assert.deepEqual(senders.get('ok')!.sent.map((m) => m.type), ['NEW_INSIGHT', 'CLOSED_INSIGHT']);
    assert.deepEqual(senders.get('rejects')!.sent.map((m) => m.type), ['NEW_INSIGHT']);
    assert.deepEqual(senders.get('high-only')!.sent, []);
    const rejects = await store.listOutbox({ channel: 'rejects' });
    assert.deepEqual(rejects.map((r) => [r.type, r.status]), [['NEW_INSIGHT', 'FAILED'], ['CLOSED_INSIGHT', 'DROPPED']]);
    const [dropped] = await store.listDeliveries({ channel: 'rejects', limit: 1 });
    assert.equal(dropped!.outcome, 'DROPPED');
    assert.match(dropped!.reason!, /never received a message opening this insight/);
    assert.deepEqual(await store.listOutbox({ channel: 'high-only' }), []);
  });

  it('a non-retryable failure is logged FAILED and does not hold back the next message; a retryable one does', async () => {
    const { store, senders, transition, tick } = await setup([spec('hook')]);
    await transition('ins-1', 'NEW_INSIGHT');
    await transition('ins-2', 'NEW_INSIGHT');
    const sender = new ScriptedSender();
    senders.set('hook', sender);
    sender.answer = (m) => (m.insight.id === 'ins-1' ? { ok: false, retryable: false, status: 410, reason: 'gone' } : { ok: true, status: 202 });
    await tick();
    assert.deepEqual((await store.listOutbox({ channel: 'hook' })).map((r) => r.status), ['FAILED', 'DELIVERED']);
    const lines = await store.listDeliveries({ channel: 'hook' });
    assert.deepEqual(lines.map((l) => [l.insightId, l.outcome, l.httpStatus, l.attempt]), [['ins-2', 'DELIVERED', 202, 1], ['ins-1', 'FAILED', 410, 1]]);

    await transition('ins-3', 'NEW_INSIGHT');
    await transition('ins-4', 'NEW_INSIGHT');
    sender.answer = (m) => (m.insight.id === 'ins-3' ? { ok: false, retryable: true, status: 503, reason: 'unavailable', retryAfterMs: 5000 } : { ok: true, status: 200 });
    await tick();
    await tick();
    assert.deepEqual(sender.sent.map((m) => m.insight.id).slice(2), ['ins-3'], 'ins-4 waits behind ins-3 (Retry-After 5 s)');
    sender.answer = () => ({ ok: true, status: 200 });
    for (let i = 0; i < 5; i++) await tick();
    assert.deepEqual(sender.sent.map((m) => m.insight.id).slice(2), ['ins-3', 'ins-3', 'ins-4']);
  });

  it('gives up a message retried past maxAge, then moves on', async () => {
    const { store, senders, transition, tick } = await setup([spec('hook')]);
    await transition('ins-1', 'NEW_INSIGHT');
    await transition('ins-2', 'NEW_INSIGHT');
    const sender = new ScriptedSender();
    senders.set('hook', sender);
    sender.answer = (m) => (m.insight.id === 'ins-1' ? { ok: false, retryable: true, reason: 'network error: ECONNREFUSED' } : { ok: true, status: 200 });
    for (let s = 0; s < 700; s += 10) await tick(10_000);
    const rows = await store.listOutbox({ channel: 'hook' });
    assert.deepEqual(rows.map((r) => r.status), ['FAILED', 'DELIVERED']);
    assert.match(rows[0]!.lastError!, /gave up after \d+ attempts/);
  });

  it('an API channel overrides the configured one of that name; deleting a channel drops its queue', async () => {
    const { store, notifier, senders, transition, tick } = await setup([spec('hook', { minSeverity: 'HIGH' })]);
    await store.putChannel({ name: 'hook', type: 'webhook', url: 'https://other.example.com/', minSeverity: 'LOW', types: ['NEW_INSIGHT'], rateLimitPerMinute: 60, secret: null, secretEnv: null, updatedMs: T0 });
    await store.putChannel({ name: 'later', type: 'webhook', url: 'https://later.example.com/', minSeverity: 'LOW', types: ['NEW_INSIGHT'], rateLimitPerMinute: 60, secret: null, secretEnv: 'UNSET_SECRET_ENV', updatedMs: T0 });
    const channels = await notifier.channels();
    assert.deepEqual(channels.map((c) => [c.spec.name, c.source, c.spec.minSeverity]), [['hook', 'api', 'LOW']]);
    await transition('ins-low', 'NEW_INSIGHT', 'LOW');
    await tick();
    assert.deepEqual(senders.get('hook')!.sent.map((m) => m.insight.id), ['ins-low']);

    senders.get('hook')!.answer = () => ({ ok: false, retryable: true, status: 502, reason: 'bad gateway' });
    await transition('ins-2', 'NEW_INSIGHT', 'LOW');
    await transition('ins-3', 'NEW_INSIGHT', 'LOW');
    await tick();
    assert.equal(await notifier.channelRemoved('hook'), 2);
    assert.deepEqual((await store.listOutbox({ channel: 'hook' })).map((r) => r.status), ['DELIVERED', 'DROPPED', 'DROPPED']);
  });

  it('re-posts ongoing insights every resendIntervalMs (Alertmanager), and stops once the insight closes', async () => {
    const { store, senders, transition, tick, advance } = await setup([spec('am', { type: 'alertmanager' })], { resendIntervalMs: 60_000 });
    await transition('ins-1', 'NEW_INSIGHT');
    await tick();
    for (let i = 0; i < 59; i++) await tick();
    assert.equal(senders.get('am')!.sent.length, 1);
    await tick();
    assert.equal(senders.get('am')!.sent.length, 2);
    const repost = senders.get('am')!.sent[1]!;
    assert.equal(repost.id, senders.get('am')!.sent[0]!.id, 're-posted with the same id (Alertmanager deduplicates by labels)');
    const [line] = await store.listDeliveries({ channel: 'am', limit: 1 });
    assert.equal(line!.attempt, 0);
    assert.match(line!.reason!, /re-post of an ongoing insight/);
    await store.upsertInsights([makeInsight('ins-1', { status: 'CLOSED', endMs: T0 + 100_000 })]);
    await transition('ins-1', 'CLOSED_INSIGHT');
    await tick();
    assert.equal(senders.get('am')!.sent.at(-1)!.type, 'CLOSED_INSIGHT');
    const count = senders.get('am')!.sent.length;
    advance(300_000);
    await tick();
    assert.equal(senders.get('am')!.sent.length, count, 'no re-post after the close');
  });

  it('a sender that throws is a retryable failure, not a stuck channel', async () => {
    const { store, senders, transition, tick } = await setup([spec('hook')]);
    await transition('ins-1', 'NEW_INSIGHT');
    const sender = new ScriptedSender();
    senders.set('hook', sender);
    sender.answer = () => {
      throw new Error('socket exploded');
    };
    await tick();
    const [row] = await store.listOutbox({ channel: 'hook' });
    assert.equal(row!.status, 'PENDING');
    assert.match(row!.lastError!, /the sender failed: socket exploded/);
  });

  it('a test message to PagerDuty / Opsgenie / Alertmanager is followed by its close; both are logged', async () => {
    const { store, notifier, senders } = await setup([]);
    const r = await notifier.sendTest(spec('pd', { type: 'pagerduty', secret: 'k' }));
    assert.deepEqual(r, { ok: true, status: 200 });
    assert.deepEqual(senders.get('pd')!.sent.map((m) => [m.type, m.insight.status, m.insight.severity]), [['NEW_INSIGHT', 'ONGOING', 'LOW'], ['CLOSED_INSIGHT', 'CLOSED', 'LOW']]);
    assert.deepEqual((await store.listDeliveries({ channel: 'pd' })).map((l) => [l.type, l.outcome, l.reason]), [['CLOSED_INSIGHT', 'DELIVERED', 'test message'], ['NEW_INSIGHT', 'DELIVERED', 'test message']]);
    await notifier.sendTest(spec('hook'));
    assert.deepEqual(senders.get('hook')!.sent.map((m) => m.type), ['NEW_INSIGHT'], 'a webhook gets the test message only');
    assert.deepEqual(await store.listOutbox(), [], 'tests go around the outbox');
  });

  it('runs runbooks from the same pass, with their own cursor', async () => {
    const { store, transition, tick } = await setup([], {
      runbooks: (store) => new RunbookEngine({
        store, log, clock: { now: () => T0 }, scriptDir: null, dryRun: true, env: {},
        rules: [{ name: 'page-dba', match: { severity: 'HIGH' }, action: { http: { method: 'POST', url: 'https://ops.example.com/scale' } }, timeoutMs: 1000, rateLimit: { max: 10, perMs: 60_000 } }],
      }),
    });
    await transition('ins-1', 'NEW_INSIGHT');
    await tick();
    const runs = await store.listRunbookRuns();
    assert.deepEqual(runs.map((r) => [r.runbook, r.status, r.target]), [['page-dba', 'DRY_RUN', 'POST https://ops.example.com/scale']]);
    assert.equal(await store.getState('runbook.seq'), await store.getState('notify.seq'));
  });
});
