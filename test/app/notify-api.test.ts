// The channels, deliveries and runbooks API (in process, app.inject): validation like the config,
// secrets never returned, API channels overriding configured ones, delete rules, admin scope, and
// a test message through the real webhook sender to a real receiver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';

import { MemoryStore } from '../../src/adapters/store/index.js';
import { resolveConfig } from '../../src/app/config.js';
import { redactUrl } from '../../src/app/notify-api.js';
import { buildServer } from '../../src/app/server.js';
import { VigilApp } from '../../src/app/vigil-app.js';
import { T0 } from '../support/notify-fixtures.js';

const ADMIN = 'a'.repeat(32);
const READ = 'r'.repeat(32);
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const json = { 'content-type': 'application/json' };

describe('notify API', () => {
  let server: FastifyInstance;
  let store: MemoryStore;
  let receiver: Server;
  let receiverUrl = '';
  const received: { headers: Record<string, unknown>; body: { id: string; type: string; insight: { name: string; severity: string } } }[] = [];
  const scriptDir = mkdtempSync(join(tmpdir(), 'vigil-notify-api-'));

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`;
    store = new MemoryStore();
    await store.migrate();
    process.env.VIGIL_TEST_PD_KEY = 'pd-routing-key-123';
    const config = resolveConfig(
      {
        auth: { tokens: [{ name: 'admin', token: ADMIN, scopes: ['admin'] }, { name: 'grafana', token: READ, scopes: ['read'] }] },
        notifications: {
          channels: [
            { name: 'pager', type: 'pagerduty', secretEnv: 'VIGIL_TEST_PD_KEY', minSeverity: 'HIGH', types: ['NEW_INSIGHT', 'CLOSED_INSIGHT'] },
            { name: 'chat', type: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXXSECRET' },
          ],
        },
        runbooks: {
          scriptDir,
          dryRun: true,
          rules: [
            { name: 'rollback', match: { severity: 'HIGH', eventClass: 'DEPLOYMENT' }, action: { http: { url: 'https://argocd.example.com/api/v1/applications/{{insight.application}}/rollback', headers: { 'x-api-key': 'hunter2' }, body: { id: 0 } } }, timeout: '20s', rateLimit: { max: 2, per: '30m' } },
            { name: 'restart', dryRun: false, action: { script: { path: 'restart.sh', args: ['{{insight.id}}'] } } },
          ],
        },
      },
      process.env,
    );
    const log = pino({ level: 'silent' });
    const app = new VigilApp({ config, store, log, clock: { now: () => T0 } });
    await app.restore();
    server = await buildServer({ app, log });
  });
  after(async () => {
    delete process.env.VIGIL_TEST_PD_KEY;
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    rmSync(scriptDir, { recursive: true, force: true });
  });

  it('lists configured channels with secrets masked: the key, a Slack webhook path, URL passwords and query values', async () => {
    const r = await server.inject({ method: 'GET', url: '/api/v1/channels', headers: auth(READ) });
    assert.equal(r.statusCode, 200);
    const { channels } = r.json() as { channels: Record<string, unknown>[] };
    assert.deepEqual(channels.map((c) => [c.name, c.source, c.type]), [['chat', 'config', 'slack'], ['pager', 'config', 'pagerduty']]);
    const pager = channels.find((c) => c.name === 'pager')!;
    assert.equal(pager.secret, '***');
    assert.equal(pager.secretEnv, 'VIGIL_TEST_PD_KEY');
    assert.equal(pager.url, 'https://events.pagerduty.com/');
    assert.equal(channels.find((c) => c.name === 'chat')!.url, 'https://hooks.slack.com/services/***');
    assert.ok(!r.body.includes('pd-routing-key-123') && !r.body.includes('XXXXSECRET'), r.body);
    assert.equal(redactUrl('https://user:pw@example.com/hook?token=abc&x=1', 'webhook'), 'https://user:***@example.com/hook?token=***&x=***');
  });

  it('PUT validates like the config and names the field', async () => {
    const put = (name: string, body: unknown, headers: Record<string, string> = auth(ADMIN)) => server.inject({ method: 'PUT', url: `/api/v1/channels/${name}`, headers: { ...json, ...headers }, payload: JSON.stringify(body) });
    const cases: [string, unknown, RegExp][] = [
      ['hook', { type: 'carrier-pigeon', url: receiverUrl }, /type/],
      ['hook', { type: 'webhook', url: 'ftp://example.com/x' }, /url must be an http/],
      ['hook', { type: 'webhook' }, /url: a webhook channel needs url/],
      ['hook', { type: 'webhook', url: receiverUrl, minSeverity: 'URGENT' }, /minSeverity/],
      ['hook', { type: 'webhook', url: receiverUrl, types: ['REOPENED'] }, /types/],
      ['hook', { type: 'webhook', url: receiverUrl, rateLimitPerMinute: 0 }, /rateLimitPerMinute/],
      ['hook', { type: 'webhook', url: receiverUrl, colour: 'red' }, /unknown key\(s\) colour/],
      ['hook', { type: 'webhook', url: receiverUrl, secretEnv: 'VIGIL_TEST_NOT_SET' }, /secretEnv: environment variable VIGIL_TEST_NOT_SET is not set/],
      ['pd2', { type: 'pagerduty' }, /PagerDuty routing key is missing/],
      ['bad name!', { type: 'webhook', url: receiverUrl }, /channel name/],
    ];
    for (const [name, body, reason] of cases) {
      const r = await put(encodeURIComponent(name), body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
      assert.equal(r.json().error.code, 'VIGIL_ERR_CHANNEL_INVALID');
      assert.match(r.json().error.reason, reason);
    }
    assert.equal((await put('hook', { type: 'webhook', url: receiverUrl }, auth(READ))).statusCode, 403, 'a read token may not change channels');
    assert.equal((await server.inject({ method: 'PUT', url: '/api/v1/channels/hook', headers: { ...auth(ADMIN), 'content-type': 'text/plain' }, payload: 'x' })).statusCode, 415);
    assert.deepEqual(await store.listChannels(), []);
  });

  it('PUT adds a channel or overrides a configured one; DELETE restores the configured one, refuses a config-only one', async () => {
    const put = (name: string, body: unknown) => server.inject({ method: 'PUT', url: `/api/v1/channels/${name}`, headers: { ...json, ...auth(ADMIN) }, payload: JSON.stringify(body) });
    const added = await put('hook', { type: 'webhook', url: receiverUrl, secret: 'hmac-key', minSeverity: 'LOW' });
    assert.equal(added.statusCode, 200, added.body);
    assert.deepEqual(added.json().channel, {
      name: 'hook', type: 'webhook', url: receiverUrl, minSeverity: 'LOW', types: ['NEW_INSIGHT', 'NEW_ASSOCIATION', 'SEVERITY_UPGRADED', 'NEW_RECOMMENDATION', 'CLOSED_INSIGHT'],
      rateLimitPerMinute: 60, source: 'api', secret: '***', secretEnv: null, problem: null,
    });
    assert.equal((await store.listChannels())[0]!.secret, 'hmac-key');
    assert.equal((await put('pager', { type: 'pagerduty', secretEnv: 'VIGIL_TEST_PD_KEY', minSeverity: 'MEDIUM' })).statusCode, 200);
    let list = (await server.inject({ method: 'GET', url: '/api/v1/channels', headers: auth(READ) })).json().channels as { name: string; source: string; minSeverity: string }[];
    assert.deepEqual(list.map((c) => [c.name, c.source, c.minSeverity]), [['chat', 'config', 'MEDIUM'], ['hook', 'api', 'LOW'], ['pager', 'api', 'MEDIUM']]);

    const del = (name: string, headers = auth(ADMIN)) => server.inject({ method: 'DELETE', url: `/api/v1/channels/${name}`, headers });
    assert.equal((await del('pager', auth(READ))).statusCode, 403);
    const restored = await del('pager');
    assert.equal(restored.statusCode, 200);
    assert.deepEqual(restored.json(), { deleted: 'pager', now: 'config', droppedMessages: 0 });
    const refused = await del('chat');
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, 'VIGIL_ERR_CONFLICT');
    assert.match(refused.json().error.reason, /defined in vigil\.yaml/);
    assert.equal((await del('nope')).statusCode, 404);
    list = (await server.inject({ method: 'GET', url: '/api/v1/channels', headers: auth(READ) })).json().channels;
    assert.deepEqual(list.map((c) => [c.name, c.source, c.minSeverity]), [['chat', 'config', 'MEDIUM'], ['hook', 'api', 'LOW'], ['pager', 'config', 'HIGH']]);
  });

  it('sends a test message through the real sender and logs it; an unknown channel is a 404', async () => {
    const r = await server.inject({ method: 'POST', url: '/api/v1/channels/hook/test', headers: auth(ADMIN) });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), { channel: 'hook', delivered: true, status: 204, reason: null });
    assert.equal(received.length, 1);
    assert.match(received[0]!.body.insight.name, /Vigil test notification for channel "hook"/);
    assert.match(String(received[0]!.headers['x-vigil-signature']), /^sha256=[0-9a-f]{64}$/, 'the stored secret signs the webhook');
    const log = (await server.inject({ method: 'GET', url: '/api/v1/deliveries?channel=hook', headers: auth(READ) })).json().deliveries as { messageId: string; outcome: string; httpStatus: number; reason: string }[];
    assert.equal(log[0]!.messageId, received[0]!.body.id);
    assert.equal(log[0]!.outcome, 'DELIVERED');
    assert.equal(log[0]!.httpStatus, 204);
    assert.equal((await server.inject({ method: 'POST', url: '/api/v1/channels/nope/test', headers: auth(ADMIN) })).statusCode, 404);
    assert.equal((await server.inject({ method: 'POST', url: '/api/v1/channels/hook/test', headers: auth(READ) })).statusCode, 403);
  });

  it('lists the delivery log with filters and a checked limit', async () => {
    await store.recordDelivery(null, { channel: 'chat', messageId: 'ins-9:4', insightId: 'ins-9', type: 'NEW_INSIGHT', attempt: 2, timeMs: T0 + 5, outcome: 'RETRY', httpStatus: 429, reason: 'slow down' });
    const byInsight = (await server.inject({ method: 'GET', url: '/api/v1/deliveries?insightId=ins-9', headers: auth(READ) })).json().deliveries;
    assert.deepEqual(byInsight, [{ channel: 'chat', messageId: 'ins-9:4', insightId: 'ins-9', type: 'NEW_INSIGHT', attempt: 2, timeMs: T0 + 5, outcome: 'RETRY', httpStatus: 429, reason: 'slow down' }]);
    assert.equal((await server.inject({ method: 'GET', url: '/api/v1/deliveries?limit=1', headers: auth(READ) })).json().deliveries.length, 1);
    for (const bad of ['0', '1001', 'x', '1.5']) assert.equal((await server.inject({ method: 'GET', url: `/api/v1/deliveries?limit=${bad}`, headers: auth(READ) })).statusCode, 400, bad);
  });

  it('lists runbooks with header values masked and the dry-run each runs with, and the audit log', async () => {
    const r = await server.inject({ method: 'GET', url: '/api/v1/runbooks', headers: auth(READ) });
    assert.equal(r.statusCode, 200);
    const body = r.json() as { scriptDir: string; dryRun: boolean; runbooks: { name: string; dryRun: boolean; timeoutMs: number; rateLimit: { max: number; perMs: number }; action: { http?: { headers: Record<string, string> } } }[] };
    assert.equal(body.dryRun, true);
    assert.equal(body.scriptDir, scriptDir);
    assert.deepEqual(body.runbooks.map((x) => [x.name, x.dryRun]), [['rollback', true], ['restart', false]]);
    assert.deepEqual(body.runbooks[0]!.action.http!.headers, { 'x-api-key': '***' });
    assert.equal(body.runbooks[0]!.timeoutMs, 20_000);
    assert.deepEqual(body.runbooks[0]!.rateLimit, { max: 2, perMs: 1_800_000 });
    assert.ok(!r.body.includes('hunter2'));
    await store.appendRunbookRun({ id: 'rollback:3', runbook: 'rollback', insightId: 'ins-3', transition: 'NEW_INSIGHT', timeMs: T0, dryRun: true, action: 'http', target: 'POST https://argocd.example.com/x', status: 'DRY_RUN', detail: 'dry run', durationMs: 0 });
    const runs = (await server.inject({ method: 'GET', url: '/api/v1/runbook-runs?insightId=ins-3', headers: auth(READ) })).json().runs as { id: string }[];
    assert.deepEqual(runs.map((x) => x.id), ['rollback:3']);
    assert.deepEqual((await server.inject({ method: 'GET', url: '/api/v1/runbook-runs?insightId=other', headers: auth(READ) })).json().runs, []);
  });
});
