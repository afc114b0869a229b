// Contract tests generated from the OpenAPI document: every operation it lists is called, and every
// response — success and error — is validated against the schema the document declares for its
// status. Every error response must carry a code and a reason.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { MemoryStore } from '../../src/adapters/store/index.js';
import { compressSnappy, encodeWriteRequest } from '../../src/adapters/remote-write/index.js';
import { resolveConfig } from '../../src/app/config.js';
import { OPENAPI_DOCUMENT } from '../../src/app/openapi.js';
import { buildServer } from '../../src/app/server.js';
import { VigilApp } from '../../src/app/vigil-app.js';
import type { Anomaly, Insight } from '../../src/core/model/index.js';

type Doc = typeof OPENAPI_DOCUMENT;
type Operation = { operationId: string; parameters?: { name: string; in: string }[]; requestBody?: unknown; responses: Record<string, { content?: Record<string, { schema: object }> }> };

const NOW = Date.UTC(2026, 10, 21, 12);
const ajv = new Ajv({ strict: false, allErrors: true });
const rewrite = (o: unknown): unknown => (Array.isArray(o) ? o.map(rewrite) : o && typeof o === 'object'
  ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === '$ref' ? `openapi${v as string}` : rewrite(v)])) : o);
ajv.addSchema({ $id: 'openapi', components: rewrite(OPENAPI_DOCUMENT.components) });

function operations(doc: Doc): { path: string; method: string; op: Operation }[] {
  const out: { path: string; method: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) out.push({ path, method: method.toUpperCase(), op: op as unknown as Operation });
  return out;
}

function validate(op: Operation, status: number, contentType: string | undefined, body: string): void {
  const declared = op.responses[String(status)];
  assert.ok(declared, `${op.operationId}: status ${status} is not declared in the OpenAPI document (body: ${body.slice(0, 300)})`);
  const media = declared.content && Object.keys(declared.content)[0];
  if (!media || !contentType?.startsWith('application/json')) return;
  const schema = rewrite(declared.content![media]!.schema) as object;
  const check = ajv.compile(schema);
  const ok = check(JSON.parse(body));
  assert.ok(ok, `${op.operationId} ${status}: ${ajv.errorsText(check.errors)}\n${body.slice(0, 500)}`);
  if (status >= 400) {
    const e = JSON.parse(body) as { error: { code: string; reason: string } };
    assert.match(e.error.code, /^VIGIL_ERR_/);
    assert.ok(e.error.reason.length > 0);
  }
}

const INSIGHT: Insight = {
  id: 'in-test-1', type: 'REACTIVE', name: 'p99 latency rose on checkout-api after deployment v2.3.1', severity: 'HIGH', status: 'ONGOING',
  application: 'shop', startMs: NOW - 600_000, endMs: null, updatedMs: NOW, resources: ['service:checkout-api'], anomalyIds: ['an-0-1'], eventIds: [],
  rootCauses: [{ rank: 1, kind: 'ANOMALY', ref: 'an-0-1', title: 'latency on checkout-api', confidence: 0.8, evidence: ['earliest onset'] }],
  recommendations: [{ id: 'rollback', title: 'Roll back', description: 'Roll back the deployment', reason: 'latency rose after a deployment', links: ['https://argo-cd.readthedocs.io/'], relatedEventIds: [], relatedAnomalyIds: ['an-0-1'] }],
  prediction: null,
};
const ANOMALY: Anomaly = {
  id: 'an-0-1', seriesId: 0, seriesKey: 'http_latency_p99{job="checkout-api"}', metricName: 'http_latency_p99', resource: 'service:checkout-api', application: 'shop', kind: 'latency',
  direction: 'above', startMs: NOW - 600_000, endMs: null, peakScore: 0.9999, peakMs: NOW - 500_000, peakValue: 2.5, expected: 0.3, lower: 0.1, upper: 0.6, role: 'CAUSAL', cause: 'point',
};

const PROACTIVE: Insight = {
  ...INSIGHT, id: 'in-test-2', type: 'PROACTIVE', name: 'Disk / on db-1 predicted to fill in 3 days', severity: 'MEDIUM', anomalyIds: [], rootCauses: [], recommendations: [],
  prediction: { seriesKey: 'node_filesystem_avail_bytes{instance="db-1:9100",mountpoint="/"}', earliestMs: NOW + 2 * 86_400_000, expectedMs: NOW + 3 * 86_400_000, latestMs: NOW + 4 * 86_400_000, limit: 0 },
};

/** A valid call per operation: path with ids filled in, and a body where one is needed. */
/** Channels set through the API before the calls: PUT replaces the first, DELETE removes the second. */
const CHANNELS = ['ops-hook', 'old-hook'];

function validCall(path: string, method: string): { url: string; headers: Record<string, string>; payload?: string | Buffer } {
  const url = path.replace('{id}', path.endsWith('/forecast') ? PROACTIVE.id : INSIGHT.id).replace('{name}', method === 'DELETE' ? CHANNELS[1]! : CHANNELS[0]!);
  // Port 9 (discard) refuses connections: the test message is answered with delivered: false.
  if (path === '/api/v1/channels/{name}' && method === 'PUT') return { url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'webhook', url: 'http://127.0.0.1:9/hook', minSeverity: 'HIGH' }) };
  if (path === '/api/v1/sensitivity' && method === 'PUT') return { url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ scope: 'application:shop', level: 'LOW' }) };
  if (path === '/api/v1/write') return { url, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, payload: Buffer.from(compressSnappy(encodeWriteRequest([{ labels: { __name__: 'up', job: 'x' }, samples: [{ timeMs: NOW, value: 1 }] }]))) };
  if (path === '/v1/metrics') return { url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ resourceMetrics: [] }) };
  if (path === '/api/v1/events' && method === 'POST') return { url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ class: 'DEPLOYMENT', name: 'v2.3.1', time: NOW - 900_000, application: 'shop' }) };
  if (path.endsWith('/feedback') && method === 'POST') return { url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ value: 'USEFUL', comment: 'spot on' }) };
  if (path === '/api/v1/coverage' && method === 'PUT') return { url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ coverage: 'all' }) };
  return { url, headers: {} };
}

async function server(raw: Record<string, unknown> = {}): Promise<{ server: FastifyInstance; store: MemoryStore; app: VigilApp }> {
  const store = new MemoryStore();
  await store.migrate();
  await store.upsertInsights([INSIGHT, PROACTIVE]);
  await store.upsertAnomalies([{ insightId: INSIGHT.id, anomaly: ANOMALY }]);
  for (const name of CHANNELS) {
    await store.putChannel({ name, type: 'webhook', url: 'http://127.0.0.1:9/hook', minSeverity: 'MEDIUM', types: ['NEW_INSIGHT'], rateLimitPerMinute: 60, secret: 'shh', secretEnv: null, updatedMs: NOW });
  }
  const log = pino({ level: 'silent' });
  const app = new VigilApp({ config: resolveConfig(raw, {}), store, log, clock: { now: () => NOW } });
  await app.restore();
  return { server: await buildServer({ app, log }), store, app };
}

describe('API contract (from /api/openapi.json)', () => {
  let s: FastifyInstance;
  before(async () => ({ server: s } = await server()));

  it('serves the document it is tested against', async () => {
    const r = await s.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    assert.equal(r.json().openapi, '3.1.0');
  });

  for (const { path, method, op } of operations(OPENAPI_DOCUMENT)) {
    if ((op as { 'x-event-stream'?: boolean })['x-event-stream']) {
      it(`${method} ${path} (${op.operationId}): streams text/event-stream and sends each stored insight as an event`, async () => {
        const { server: live, app } = await server();
        await live.listen({ port: 0, host: '127.0.0.1' });
        try {
          const ac = new AbortController();
          const res = await fetch(`http://127.0.0.1:${(live.server.address() as { port: number }).port}${path}`, { signal: ac.signal });
          assert.equal(res.status, 200);
          assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
          const reader = res.body!.getReader();
          let text = new TextDecoder().decode((await reader.read()).value);
          // An insight stored by the app reaches the open stream.
          app.publishInsights([INSIGHT]);
          while (!text.includes('event: insight')) text += new TextDecoder().decode((await reader.read()).value);
          assert.match(text, /data: \{"id":"in-test-1"/);
          ac.abort();
        } finally {
          (await live.close());
        }
      });
      continue;
    }
    it(`${method} ${path} (${op.operationId}): a valid call answers a declared status with a conforming body`, async () => {
      const call = validCall(path, method);
      const r = await s.inject({ method: method as 'GET', url: call.url, headers: call.headers, ...(call.payload !== undefined ? { payload: call.payload } : {}) });
      assert.ok(r.statusCode < 400, `${op.operationId}: ${r.statusCode} ${r.body.slice(0, 300)}`);
      validate(op, r.statusCode, r.headers['content-type'] as string | undefined, r.body);
    });

    if (path.includes('{id}')) {
      it(`${method} ${path}: an unknown id is a 404 with code and reason`, async () => {
        const call = validCall(path, method);
        const r = await s.inject({ method: method as 'GET', url: call.url.replace(/in-test-[0-9]/, 'in-nope'), headers: call.headers, ...(call.payload !== undefined ? { payload: call.payload } : {}) });
        assert.equal(r.statusCode, 404);
        validate(op, 404, r.headers['content-type'] as string, r.body);
      });
    }
    const bad = (op.parameters ?? []).find((p) => p.in === 'query' && ['limit', 'from', 'severity', 'status', 'class', 'sort'].includes(p.name));
    if (bad && op.responses['400']) {
      it(`${method} ${path}: a bad ${bad.name} is a 400 with code and reason`, async () => {
        const r = await s.inject({ method: method as 'GET', url: `${path}?${bad.name}=bogus!` });
        assert.equal(r.statusCode, 400, r.body);
        validate(op, 400, r.headers['content-type'] as string, r.body);
      });
    }
    if (op.requestBody && op.responses['415']) {
      it(`${method} ${path}: a wrong content type is a 415 with code and reason`, async () => {
        const r = await s.inject({ method: method as 'POST', url: validCall(path, method).url, headers: { 'content-type': 'text/plain' }, payload: 'x' });
        assert.equal(r.statusCode, 415, r.body);
        validate(op, 415, r.headers['content-type'] as string, r.body);
      });
    }
  }

  it('feedback persists and appears in the list', async () => {
    const r = await s.inject({ method: 'GET', url: `/api/v1/insights/${INSIGHT.id}/feedback` });
    assert.ok(r.json().feedback.some((f: { value: string; comment: string }) => f.value === 'USEFUL' && f.comment === 'spot on'));
  });

  it('with tokens configured, every secured operation answers 401 without one', async () => {
    const { server: locked } = await server({ auth: { tokens: [{ name: 'x', token: 'x'.repeat(32), scopes: ['read'] }] } });
    for (const { path, method, op } of operations(OPENAPI_DOCUMENT)) {
      if ((op as { security?: unknown[] }).security?.length === 0) continue;
      const call = validCall(path, method);
      const r = await locked.inject({ method: method as 'GET', url: call.url, headers: call.headers, ...(call.payload !== undefined ? { payload: call.payload } : {}) });
      assert.equal(r.statusCode, 401, `${op.operationId}: ${r.statusCode}`);
      validate(op, 401, r.headers['content-type'] as string, r.body);
    }
  });
});
