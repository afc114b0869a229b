// The store contract, part three: what notifications and runbooks keep (schema v3) — the outbox
// (one row per channel and transition seq), the delivery log, API-defined channels and the runbook
// audit. Called from storeContract() in contract.ts, so it runs on memory, SQLite and PostgreSQL.
//
// Semantics pinned here: enqueueing is idempotent by (channel, seq) and moves its cursor in the same
// write; the outbox lists by seq then channel; the delivery log and runbook runs list newest first
// (log ties: the later write first; run ties: id descending); a refused write changes nothing.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { ChannelRecord, DeliveryLogEntry, NewOutboxEntry, RunbookRun, Store } from '../../../src/core/ports/index.js';
import type { ContractContext } from './insights-contract.js';

const T0_MS = Date.UTC(2026, 3, 1, 9, 0, 0);
const HOSTILE = ['$(rm -rf /)', '; reboot', '`touch /tmp/pwned`', "Robert'); DROP TABLE outbox;--", '日本語 🚀 "quote" \\ \n'];

function row(channel: string, seq: number, over: Partial<NewOutboxEntry> = {}): NewOutboxEntry {
  return { channel, seq, insightId: `ins-${seq}`, type: 'NEW_INSIGHT', createdMs: T0_MS + seq, nextAttemptMs: T0_MS + seq, ...over };
}

function logEntry(channel: string, seq: number, attempt: number, timeMs: number, over: Partial<DeliveryLogEntry> = {}): DeliveryLogEntry {
  return { channel, messageId: `ins-${seq}:${seq}`, insightId: `ins-${seq}`, type: 'NEW_INSIGHT', attempt, timeMs, outcome: 'RETRY', httpStatus: 503, reason: 'HTTP 503', ...over };
}

function channel(name: string, over: Partial<ChannelRecord> = {}): ChannelRecord {
  return { name, type: 'webhook', url: `https://hooks.example.com/${name}`, minSeverity: 'MEDIUM', types: ['NEW_INSIGHT', 'CLOSED_INSIGHT'], rateLimitPerMinute: 60, secret: null, secretEnv: 'HOOK_SECRET', updatedMs: T0_MS, ...over };
}

function run(id: string, timeMs: number, over: Partial<RunbookRun> = {}): RunbookRun {
  return {
    id, runbook: id.split(':')[0]!, insightId: 'ins-1', transition: 'NEW_INSIGHT', timeMs, dryRun: false, action: 'script',
    target: '["rollback.sh","shop"]', status: 'SUCCEEDED', detail: 'exit 0', durationMs: 42, ...over,
  };
}

async function rejectsInvalid(p: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string; reason?: string }) => {
    assert.equal(e.code, 'VIGIL_ERR_STORE_INVALID', e.message);
    assert.match(e.reason ?? '', reason);
    return true;
  });
}

export function notifyContract({ fresh, reopen }: ContractContext): void {
  describe('notification outbox', () => {
    it('starts the notifier and runbook cursors at 0 on a new database', async () => {
      const store = await fresh();
      assert.equal(await store.getState('notify.seq'), '0');
      assert.equal(await store.getState('runbook.seq'), '0');
    });

    it('enqueues PENDING rows idempotently by (channel, seq), moving the cursor in the same write', async () => {
      const store = await fresh();
      assert.deepEqual(await store.listOutbox(), []);
      assert.equal(await store.enqueueOutbox([row('b', 2), row('a', 2), row('a', 1)], { key: 'notify.seq', value: '2' }), 3);
      assert.equal(await store.getState('notify.seq'), '2');
      // A notifier that died before its cursor moved enqueues the same rows again: nothing changes.
      await store.recordDelivery({ channel: 'a', seq: 1, status: 'DELIVERED', attempts: 1, nextAttemptMs: T0_MS, lastError: null, deliveredMs: T0_MS + 5 }, null);
      assert.equal(await store.enqueueOutbox([row('a', 1), row('a', 3, { type: 'CLOSED_INSIGHT', insightId: 'ins-1' })], { key: 'notify.seq', value: '3' }), 1);
      assert.equal(await store.getState('notify.seq'), '3');
      const all = await store.listOutbox();
      assert.deepEqual(all.map((e) => [e.channel, e.seq]), [['a', 1], ['a', 2], ['b', 2], ['a', 3]]);
      assert.deepEqual(all[0], { channel: 'a', seq: 1, insightId: 'ins-1', type: 'NEW_INSIGHT', status: 'DELIVERED', attempts: 1, nextAttemptMs: T0_MS, createdMs: T0_MS + 1, lastError: null, deliveredMs: T0_MS + 5 });
      assert.deepEqual(all[1], { channel: 'a', seq: 2, insightId: 'ins-2', type: 'NEW_INSIGHT', status: 'PENDING', attempts: 0, nextAttemptMs: T0_MS + 2, createdMs: T0_MS + 2, lastError: null, deliveredMs: null });
      // An empty batch with a cursor still moves the cursor (transitions no channel wanted).
      assert.equal(await store.enqueueOutbox([], { key: 'notify.seq', value: '9' }), 0);
      assert.equal(await store.getState('notify.seq'), '9');
    });

    it('filters by channel, insight and statuses, oldest seq first, with a limit', async () => {
      const store = await fresh();
      await store.enqueueOutbox([row('a', 1), row('a', 2), row('a', 3, { insightId: 'ins-1' }), row('b', 1), row('b', 4)]);
      await store.recordDelivery({ channel: 'a', seq: 1, status: 'DELIVERED', attempts: 1, nextAttemptMs: T0_MS, lastError: null, deliveredMs: T0_MS }, null);
      await store.recordDelivery({ channel: 'b', seq: 1, status: 'FAILED', attempts: 2, nextAttemptMs: T0_MS, lastError: 'HTTP 400', deliveredMs: null }, null);
      const pendingA = await store.listOutbox({ channel: 'a', statuses: ['PENDING'] });
      assert.deepEqual(pendingA.map((e) => e.seq), [2, 3]);
      assert.deepEqual((await store.listOutbox({ channel: 'a', statuses: ['PENDING'], limit: 1 })).map((e) => e.seq), [2]);
      assert.deepEqual((await store.listOutbox({ insightId: 'ins-1' })).map((e) => [e.channel, e.seq, e.status]), [['a', 1, 'DELIVERED'], ['b', 1, 'FAILED'], ['a', 3, 'PENDING']]);
      assert.deepEqual((await store.listOutbox({ statuses: ['FAILED', 'DELIVERED'] })).map((e) => e.channel + e.seq), ['a1', 'b1']);
      assert.deepEqual((await store.listOutbox({ statuses: [] })).length, 5);
      assert.deepEqual(await store.listOutbox({ limit: 0 }), []);
      assert.equal((await store.listOutbox({ channel: 'b', statuses: ['FAILED'] }))[0]!.lastError, 'HTTP 400');
      await rejectsInvalid(store.listOutbox({ statuses: ['LOST' as 'PENDING'] }), /statuses/);
    });

    it('records an attempt and its log line together; refuses bad values and writes nothing', async () => {
      const store = await fresh();
      await store.enqueueOutbox([row('a', 1)]);
      await store.recordDelivery({ channel: 'a', seq: 1, status: 'PENDING', attempts: 1, nextAttemptMs: T0_MS + 2000, lastError: 'HTTP 503', deliveredMs: null }, logEntry('a', 1, 1, T0_MS + 1000));
      await rejectsInvalid(
        store.recordDelivery({ channel: 'a', seq: 1, status: 'DELIVERED', attempts: 2, nextAttemptMs: T0_MS, lastError: null, deliveredMs: T0_MS + 1.5 }, logEntry('a', 1, 2, T0_MS + 2000, { outcome: 'DELIVERED' })),
        /deliveredMs/,
      );
      await rejectsInvalid(
        store.recordDelivery({ channel: 'a', seq: 1, status: 'DELIVERED', attempts: 2, nextAttemptMs: T0_MS, lastError: null, deliveredMs: T0_MS }, logEntry('a', 1, 2, T0_MS + 2000, { outcome: 'MAYBE' as 'DELIVERED' })),
        /outcome/,
      );
      await rejectsInvalid(store.recordDelivery({ channel: 'a', seq: 1, status: 'SENT' as 'DELIVERED', attempts: 2, nextAttemptMs: T0_MS, lastError: null, deliveredMs: null }, null), /status/);
      const [e] = await store.listOutbox();
      assert.equal(e!.status, 'PENDING');
      assert.equal(e!.attempts, 1);
      assert.equal(e!.nextAttemptMs, T0_MS + 2000);
      assert.equal(e!.lastError, 'HTTP 503');
      assert.deepEqual(await store.listDeliveries(), [logEntry('a', 1, 1, T0_MS + 1000)]);
      await rejectsInvalid(store.enqueueOutbox([row('a', 5), row('a', 0)]), /seq/);
      await rejectsInvalid(store.enqueueOutbox([row('a', 6, { type: 'REOPENED' as 'NEW_INSIGHT' })]), /type/);
      assert.equal((await store.listOutbox()).length, 1);
    });

    it('drops the pending rows of one channel and leaves the rest', async () => {
      const store = await fresh();
      await store.enqueueOutbox([row('a', 1), row('a', 2), row('b', 2)]);
      await store.recordDelivery({ channel: 'a', seq: 1, status: 'DELIVERED', attempts: 1, nextAttemptMs: T0_MS, lastError: null, deliveredMs: T0_MS }, null);
      assert.equal(await store.dropPendingOutbox('a', 'channel "a" was deleted'), 1);
      const rows = await store.listOutbox();
      assert.deepEqual(rows.map((r) => [r.channel, r.seq, r.status, r.lastError]), [
        ['a', 1, 'DELIVERED', null],
        ['a', 2, 'DROPPED', 'channel "a" was deleted'],
        ['b', 2, 'PENDING', null],
      ]);
      assert.equal(await store.dropPendingOutbox('nope', 'x'), 0);
    });

    it('two stores enqueueing the same rows at once keep each row once', async () => {
      const a = await fresh();
      const b = await fresh();
      const rows = Array.from({ length: 40 }, (_, i) => row(i % 2 === 0 ? 'x' : 'y', i + 1));
      const [na, nb] = await Promise.all([a.enqueueOutbox(rows, { key: 'notify.seq', value: '40' }), b.enqueueOutbox([...rows].reverse(), { key: 'notify.seq', value: '40' })]);
      assert.equal(na + nb, 40);
      assert.equal((await a.listOutbox({ limit: 1000 })).length, 40);
    });
  });

  describe('delivery log', () => {
    it('lists newest first (same millisecond: the later write first), filtered by channel and insight, with a limit', async () => {
      const store = await fresh();
      await store.enqueueOutbox([row('a', 1), row('b', 2)]);
      const u = { status: 'PENDING' as const, attempts: 1, nextAttemptMs: T0_MS, lastError: null, deliveredMs: null };
      await store.recordDelivery({ ...u, channel: 'a', seq: 1 }, logEntry('a', 1, 1, T0_MS + 10));
      await store.recordDelivery({ ...u, channel: 'b', seq: 2 }, logEntry('b', 2, 1, T0_MS + 10));
      await store.recordDelivery({ ...u, channel: 'a', seq: 1 }, logEntry('a', 1, 2, T0_MS + 30, { outcome: 'DELIVERED', httpStatus: 200, reason: null }));
      await store.recordDelivery({ ...u, channel: 'a', seq: 1 }, logEntry('a', 1, 0, T0_MS + 20, { outcome: 'DROPPED', httpStatus: null, reason: HOSTILE.join(' | ') }));
      const all = await store.listDeliveries();
      assert.deepEqual(all.map((l) => [l.channel, l.attempt, l.timeMs - T0_MS]), [['a', 2, 30], ['a', 0, 20], ['b', 1, 10], ['a', 1, 10]]);
      assert.equal(all[1]!.reason, HOSTILE.join(' | '));
      assert.equal(all[1]!.httpStatus, null);
      assert.equal(all[0]!.httpStatus, 200);
      assert.deepEqual((await store.listDeliveries({ channel: 'a' })).map((l) => l.attempt), [2, 0, 1]);
      assert.deepEqual((await store.listDeliveries({ insightId: 'ins-2' })).map((l) => l.channel), ['b']);
      assert.deepEqual((await store.listDeliveries({ channel: 'a', limit: 2 })).map((l) => l.attempt), [2, 0]);
      assert.deepEqual(await store.listDeliveries({ channel: 'zzz' }), []);
    });
  });

  describe('API-defined channels', () => {
    it('puts, replaces, lists by name and deletes; text and secrets round-trip', async () => {
      const store = await fresh();
      assert.deepEqual(await store.listChannels(), []);
      await store.putChannel(channel('pager', { type: 'pagerduty', secret: 'R0UT1NG-KEY', secretEnv: null, minSeverity: 'HIGH', types: ['NEW_INSIGHT'] }));
      await store.putChannel(channel('hook'));
      await store.putChannel(channel('hook', { url: `https://hooks.example.com/${encodeURIComponent(HOSTILE[0]!)}`, rateLimitPerMinute: 5, updatedMs: T0_MS + 1 }));
      const list = await store.listChannels();
      assert.deepEqual(list.map((c) => c.name), ['hook', 'pager']);
      assert.deepEqual(list[0], channel('hook', { url: `https://hooks.example.com/${encodeURIComponent(HOSTILE[0]!)}`, rateLimitPerMinute: 5, updatedMs: T0_MS + 1 }));
      assert.equal(list[1]!.secret, 'R0UT1NG-KEY');
      assert.equal(await store.deleteChannel('hook'), true);
      assert.equal(await store.deleteChannel('hook'), false);
      assert.deepEqual((await store.listChannels()).map((c) => c.name), ['pager']);
      await rejectsInvalid(store.putChannel(channel('bad', { minSeverity: 'URGENT' as 'HIGH' })), /minSeverity/);
      await rejectsInvalid(store.putChannel(channel('bad', { rateLimitPerMinute: 0 })), /rateLimitPerMinute/);
      await rejectsInvalid(store.putChannel(channel('')), /name/);
    });
  });

  describe('runbook runs', () => {
    it('records a run once by id and lists newest first, filtered by insight and runbook', async () => {
      const store = await fresh();
      assert.equal(await store.appendRunbookRun(run('rollback:1', T0_MS)), true);
      assert.equal(await store.appendRunbookRun(run('rollback:1', T0_MS + 99, { status: 'FAILED' })), false);
      await store.appendRunbookRun(run('scale:1', T0_MS, { action: 'http', target: 'POST https://k8s.example.com/scale', dryRun: true, status: 'DRY_RUN' }));
      await store.appendRunbookRun(run('rollback:7', T0_MS + 60_000, { insightId: 'ins-2', status: 'TIMED_OUT', detail: HOSTILE.join('\n'), durationMs: 30_000 }));
      await store.appendRunbookRun(run('rollback:8', T0_MS + 60_000, { insightId: 'ins-2', status: 'RATE_LIMITED' }));
      const all = await store.listRunbookRuns();
      assert.deepEqual(all.map((r) => r.id), ['rollback:8', 'rollback:7', 'scale:1', 'rollback:1']);
      assert.deepEqual(all[3], run('rollback:1', T0_MS));
      assert.equal(all[2]!.dryRun, true);
      assert.equal(all[2]!.action, 'http');
      assert.equal(all[1]!.detail, HOSTILE.join('\n'));
      assert.deepEqual((await store.listRunbookRuns({ insightId: 'ins-1' })).map((r) => r.id), ['scale:1', 'rollback:1']);
      assert.deepEqual((await store.listRunbookRuns({ runbook: 'rollback', limit: 2 })).map((r) => r.id), ['rollback:8', 'rollback:7']);
      await rejectsInvalid(store.appendRunbookRun(run('x:1', T0_MS, { status: 'DONE' as 'SUCCEEDED' })), /status/);
      await rejectsInvalid(store.appendRunbookRun(run('x:2', T0_MS, { action: 'shell' as 'script' })), /action/);
      assert.equal((await store.listRunbookRuns()).length, 4);
    });
  });

  describe('notifications durability', () => {
    it('keeps outbox, delivery log, channels, runs and the cursor across close and reopen', async () => {
      let store: Store = await fresh();
      await store.enqueueOutbox([row('a', 1), row('a', 2)], { key: 'notify.seq', value: '2' });
      await store.recordDelivery({ channel: 'a', seq: 1, status: 'DELIVERED', attempts: 3, nextAttemptMs: T0_MS, lastError: null, deliveredMs: T0_MS + 9 }, logEntry('a', 1, 3, T0_MS + 9, { outcome: 'DELIVERED', httpStatus: 204, reason: null }));
      await store.putChannel(channel('hook'));
      await store.appendRunbookRun(run('rollback:2', T0_MS));
      store = await reopen(store);
      assert.equal(await store.getState('notify.seq'), '2');
      assert.deepEqual((await store.listOutbox()).map((e) => [e.seq, e.status, e.attempts]), [[1, 'DELIVERED', 3], [2, 'PENDING', 0]]);
      assert.deepEqual(await store.listDeliveries(), [logEntry('a', 1, 3, T0_MS + 9, { outcome: 'DELIVERED', httpStatus: 204, reason: null })]);
      assert.deepEqual(await store.listChannels(), [channel('hook')]);
      assert.deepEqual(await store.listRunbookRuns(), [run('rollback:2', T0_MS)]);
    });
  });
}
