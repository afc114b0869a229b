// The HTTP edge without sockets (fastify inject) where possible; a real socket for backpressure.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { pino } from 'pino';
import { MemoryStore } from '../../src/adapters/store/index.js';
import { resolveConfig } from '../../src/app/config.js';
import { buildServer } from '../../src/app/server.js';
import { VigilApp } from '../../src/app/vigil-app.js';
import { compressSnappy, encodeWriteRequest } from '../../src/adapters/remote-write/index.js';

const INGEST = 'i'.repeat(32);
const READ = 'r'.repeat(32);
const log = pino({ level: 'silent' });

async function makeServer(raw: Record<string, unknown>, env: Record<string, string> = {}) {
  const config = resolveConfig(raw, env);
  const store = new MemoryStore();
  await store.migrate();
  const app = new VigilApp({ config, store, log, clock: { now: () => Date.UTC(2026, 10, 21) } });
  await app.restore();
  const server = await buildServer({ app, log });
  return { server, app, store };
}

const tokens = { auth: { tokens: [{ name: 'prom', token: INGEST, scopes: ['ingest'] }, { name: 'grafana', token: READ, scopes: ['read'] }] } };
const rwBody = () => Buffer.from(compressSnappy(encodeWriteRequest([{ labels: { __name__: 'up', job: 'x' }, samples: [{ timeMs: Date.UTC(2026, 10, 21), value: 1 }] }])));
const rwHeaders = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };

describe('access control', () => {
  it('binds to localhost only when no tokens are configured, to all interfaces with tokens', () => {
    assert.equal(resolveConfig({}, {}).resolved.host, '127.0.0.1');
    assert.equal(resolveConfig(tokens, {}).resolved.host, '0.0.0.0');
  });

  it('requires a bearer token with the right scope', async () => {
    const { server } = await makeServer(tokens);
    const none = await server.inject({ method: 'POST', url: '/api/v1/write', headers: rwHeaders, payload: rwBody() });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'VIGIL_ERR_UNAUTHORIZED');
    const wrong = await server.inject({ method: 'POST', url: '/api/v1/write', headers: { ...rwHeaders, authorization: `Bearer ${'x'.repeat(32)}` }, payload: rwBody() });
    assert.equal(wrong.statusCode, 401);
    const readOnly = await server.inject({ method: 'POST', url: '/api/v1/write', headers: { ...rwHeaders, authorization: `Bearer ${READ}` }, payload: rwBody() });
    assert.equal(readOnly.statusCode, 403);
    assert.match(readOnly.json().error.reason, /lacks scope "ingest"/);
    const ok = await server.inject({ method: 'POST', url: '/api/v1/write', headers: { ...rwHeaders, authorization: `Bearer ${INGEST}` }, payload: rwBody() });
    assert.equal(ok.statusCode, 204, ok.body);
    assert.equal((await server.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
    assert.equal((await server.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${READ}` } })).statusCode, 200);
    assert.equal((await server.inject({ method: 'GET', url: '/-/healthy' })).statusCode, 200);
    await server.close();
  });

  it('checks GitHub webhook signatures over the raw body', async () => {
    const secret = 'gh-secret-value';
    const { server, store } = await makeServer({}, { VIGIL_GITHUB_WEBHOOK_SECRET: secret });
    const body = JSON.stringify({
      action: 'created',
      deployment_status: { id: 42, state: 'success', environment: 'production', created_at: '2026-11-21T10:00:00Z', updated_at: '2026-11-21T10:00:00Z', creator: { login: 'dev' } },
      deployment: { id: 7, sha: 'abc1234', ref: 'v2.3.1', environment: 'production', created_at: '2026-11-21T09:59:00Z', creator: { login: 'dev' } },
      repository: { full_name: 'shop/checkout-api', name: 'checkout-api' },
    });
    const sig = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
    const headers = { 'content-type': 'application/json', 'x-github-event': 'deployment_status' };
    const bad = await server.inject({ method: 'POST', url: '/api/v1/webhooks/github', headers: { ...headers, 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) }, payload: body });
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.json().error.code, 'VIGIL_ERR_SIGNATURE');
    const missing = await server.inject({ method: 'POST', url: '/api/v1/webhooks/github', headers, payload: body });
    assert.equal(missing.statusCode, 401);
    const good = await server.inject({ method: 'POST', url: '/api/v1/webhooks/github', headers: { ...headers, 'x-hub-signature-256': sig }, payload: body });
    assert.equal(good.statusCode, 202, good.body);
    const events = await store.listEvents({});
    assert.equal(events.length, 1);
    assert.equal(events[0]!.class, 'DEPLOYMENT');
    assert.equal(events[0]!.source, 'github');
    await server.close();
  });

  it('refuses the GitHub route when no secret is configured, saying which variable to set', async () => {
    const { server } = await makeServer({});
    const r = await server.inject({ method: 'POST', url: '/api/v1/webhooks/github', headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(r.statusCode, 401);
    assert.match(r.json().error.reason, /VIGIL_GITHUB_WEBHOOK_SECRET/);
  });

  it('lists events with filters and rejects bad filters with a reason', async () => {
    const { server } = await makeServer({});
    for (const [cls, name, t] of [['DEPLOYMENT', 'v1', 1_790_000_001_000], ['CONFIG_CHANGE', 'flag', 1_790_000_002_000], ['SCALING', 'hpa', 1_790_000_003_000]] as const) {
      const r = await server.inject({ method: 'POST', url: '/api/v1/events', headers: { 'content-type': 'application/json' }, payload: { class: cls, name, time: t, application: 'shop' } });
      assert.equal(r.statusCode, 202, r.body);
    }
    const list = await server.inject({ method: 'GET', url: '/api/v1/events?class=deployment,scaling&from=1790000001500' });
    assert.deepEqual(list.json().events.map((e: { name: string }) => e.name), ['hpa']);
    const bad = await server.inject({ method: 'GET', url: '/api/v1/events?class=DEPLOY' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.reason, /DEPLOY.*DEPLOYMENT/);
    assert.equal((await server.inject({ method: 'GET', url: '/nope' })).json().error.code, 'VIGIL_ERR_NOT_FOUND');
  });
});

describe('backpressure', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => { for (const c of cleanup) await c(); });

  it('answers 429 with Retry-After when too many ingest requests are in flight, and recovers', async () => {
    const { server } = await makeServer({ server: { maxInFlightIngest: 1 } });
    await server.listen({ port: 0, host: '127.0.0.1' });
    cleanup.push(() => server.close());
    const port = (server.server.address() as { port: number }).port;
    const body = rwBody();
    // A slow sender: headers and half the body, the rest held back.
    const slow = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/write', headers: { ...rwHeaders, 'content-length': body.length } });
    const slowDone = new Promise<number>((resolve) => slow.on('response', (res) => { res.resume(); resolve(res.statusCode!); }));
    slow.write(body.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 200));
    const busy = await fetch(`http://127.0.0.1:${port}/api/v1/write`, { method: 'POST', headers: rwHeaders, body });
    assert.equal(busy.status, 429);
    assert.equal(busy.headers.get('retry-after'), '1');
    assert.equal(((await busy.json()) as { error: { code: string } }).error.code, 'VIGIL_ERR_OVERLOADED');
    slow.end(body.subarray(10));
    assert.equal(await slowDone, 204);
    const again = await fetch(`http://127.0.0.1:${port}/api/v1/write`, { method: 'POST', headers: rwHeaders, body: compressSnappy(encodeWriteRequest([{ labels: { __name__: 'up', job: 'x' }, samples: [{ timeMs: Date.UTC(2026, 10, 21) + 60_000, value: 1 }] }])) });
    assert.equal(again.status, 204);
  });
});

describe('OTLP/HTTP metrics', () => {
  it('accepts OTLP/JSON gauges and cumulative sums; resource attributes become labels and resources', async () => {
    const { server, app } = await makeServer({});
    const t = (s: number) => String(BigInt(Date.UTC(2026, 10, 21) + s * 1000) * 1_000_000n);
    const body = (s: number, count: number) => ({
      resourceMetrics: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout-api' } }, { key: 'service.instance.id', value: { stringValue: 'pod-7' } }] },
        scopeMetrics: [{
          scope: { name: 'test' },
          metrics: [
            { name: 'queue.depth', unit: '{messages}', gauge: { dataPoints: [{ timeUnixNano: t(s), asDouble: 12.5, attributes: [{ key: 'queue', value: { stringValue: 'orders' } }] }] } },
            { name: 'http.server.requests', unit: '1', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ startTimeUnixNano: t(0), timeUnixNano: t(s), asInt: String(count) }] } },
          ],
        }],
      }],
    });
    for (let i = 1; i <= 3; i++) {
      const r = await server.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json' }, payload: body(i * 60, i * 600) });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), {});
    }
    const series = app.pipeline.allSeries();
    assert.deepEqual(series.map((s) => s.name).sort(), ['http_server_requests_total', 'queue_depth']);
    const q = series.find((s) => s.name === 'queue_depth')!;
    assert.equal(q.labels.job, 'checkout-api');
    assert.equal(q.labels.instance, 'pod-7');
    assert.equal(app.pipeline.typeOf(series.find((s) => s.name === 'http_server_requests_total')!.id), 'counter');
    const bad = await server.inject({ method: 'POST', url: '/v1/metrics', headers: { 'content-type': 'application/json' }, payload: { resourceMetrics: 'nope' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'VIGIL_ERR_OTLP');
  });
});
