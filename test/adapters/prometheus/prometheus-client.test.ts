// Tests for PrometheusClient (src/adapters/prometheus/prometheus-client.ts) against a local
// node:http fake of the Prometheus API: decoding (NaN, ±Inf, label sets, metadata), and failures as
// values with the right retryability (refused connection, timeout, 5xx, 429, 4xx with Prometheus'
// own error message, non-JSON bodies).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { PrometheusClient, parseSampleValue } from '../../../src/adapters/prometheus/index.js';
import { FakePrometheus } from './fake-prometheus.js';

const T0_MS = Date.UTC(2026, 0, 10, 12, 0, 0);

/** A raw server answering a fixed status and body, for the failure shapes the fake does not make. */
async function rawServer(status: number, body: string, delayMs = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe('PrometheusClient', () => {
  const fake = new FakePrometheus(() => T0_MS);
  let client: PrometheusClient;

  before(async () => {
    const url = await fake.listen();
    client = new PrometheusClient({ baseUrl: url + '/', bearerToken: 's3cret', timeoutMs: 2000 });
    const special = [NaN, Infinity, -Infinity, 1.5];
    fake.series.push(
      { labels: { __name__: 'up', job: 'node', instance: 'a:9100' }, fromMs: T0_MS - 60_000, untilMs: T0_MS, intervalMs: 15_000, value: () => 1 },
      { labels: { __name__: 'odd', job: 'node' }, fromMs: T0_MS - 60_000, untilMs: T0_MS, intervalMs: 15_000, value: (t) => special[((t - (T0_MS - 60_000)) / 15_000) % 4] },
    );
    fake.metadata = { up: [{ type: 'gauge', unit: '', help: 'Target up.' }], node_cpu_seconds_total: [{ type: 'counter', unit: 'seconds', help: 'CPU time.' }] };
  });
  after(async () => {
    await fake.close();
  });

  it('lists series for matchers and sends the bearer token', async () => {
    const r = await client.series(['up', '{job="none"}'], T0_MS - 60_000, T0_MS);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.value, [{ __name__: 'up', job: 'node', instance: 'a:9100' }]);
    assert.equal(fake.lastAuthorization, 'Bearer s3cret');
    const req = fake.requests.at(-1)!;
    assert.deepEqual(req.params.getAll('match[]'), ['up', '{job="none"}']);
    assert.equal(req.params.get('start'), ((T0_MS - 60_000) / 1000).toFixed(3));
  });

  it('decodes a range query into typed arrays, NaN and ±Inf included', async () => {
    const r = await client.queryRange('odd', T0_MS - 60_000, T0_MS, 15);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.length, 1);
    const s = r.value[0];
    assert.deepEqual(s.labels, { __name__: 'odd', job: 'node' });
    assert.ok(s.timesMs instanceof Float64Array && s.values instanceof Float64Array);
    assert.deepEqual([...s.timesMs], [0, 1, 2, 3, 4].map((i) => T0_MS - 60_000 + i * 15_000));
    assert.deepEqual([...s.values], [NaN, Infinity, -Infinity, 1.5, NaN]);
  });

  it('parses sample value strings the way Prometheus writes them', () => {
    assert.ok(Number.isNaN(parseSampleValue('NaN')));
    assert.equal(parseSampleValue('+Inf'), Infinity);
    assert.equal(parseSampleValue('-Inf'), -Infinity);
    assert.equal(parseSampleValue('1e-3'), 0.001);
    assert.equal(parseSampleValue('-42.5'), -42.5);
  });

  it('reads metadata and build info', async () => {
    const m = await client.metadata();
    assert.ok(m.ok, JSON.stringify(m));
    assert.deepEqual(m.value.get('node_cpu_seconds_total'), { type: 'counter', unit: 'seconds', help: 'CPU time.' });
    assert.equal(m.value.get('up')?.type, 'gauge');
    const b = await client.buildInfo();
    assert.ok(b.ok, JSON.stringify(b));
    assert.equal(b.value.version, '2.42.0-fake');
  });

  it('surfaces a 400 bad selector as non-retryable with Prometheus\' message', async () => {
    const r = await client.series(['{job="node"'], T0_MS - 60_000, T0_MS);
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.equal(r.retryable, false);
    assert.equal(r.status, 400);
    assert.equal(r.code, 'VIGIL_ERR_PROM_HTTP');
    assert.match(r.reason, /bad_data: 1:\d+: parse error/);
  });

  it('treats 503 with a Prometheus error body as retryable and says why', async () => {
    fake.failWith = { status: 503, errorType: 'unavailable', error: 'TSDB not ready' };
    try {
      const r = await client.queryRange('up', T0_MS - 60_000, T0_MS, 15);
      assert.ok(!r.ok);
      assert.equal(r.retryable, true);
      assert.equal(r.status, 503);
      assert.match(r.reason, /503: unavailable: TSDB not ready/);
    } finally {
      fake.failWith = null;
    }
  });

  it('treats 429 and a non-JSON 502 as retryable, a non-JSON 404 as not', async () => {
    for (const [status, body, retryable] of [[429, 'slow down', true], [502, '<html>bad gateway</html>', true], [404, '404 page not found', false]] as const) {
      const s = await rawServer(status, body);
      try {
        const r = await new PrometheusClient({ baseUrl: s.url }).metadata();
        assert.ok(!r.ok);
        assert.equal(r.retryable, retryable, `status ${status}`);
        assert.equal(r.status, status);
        assert.ok(r.reason.includes(body), r.reason);
      } finally {
        await s.close();
      }
    }
  });

  it('reports a refused connection as retryable', async () => {
    const s = await rawServer(200, '{}');
    await s.close();
    const r = await new PrometheusClient({ baseUrl: s.url }).buildInfo();
    assert.ok(!r.ok);
    assert.equal(r.retryable, true);
    assert.equal(r.code, 'VIGIL_ERR_PROM_UNREACHABLE');
    assert.match(r.reason, /ECONNREFUSED/);
  });

  it('reports a timeout as retryable', async () => {
    const s = await rawServer(200, '{"status":"success","data":{}}', 1000);
    try {
      const r = await new PrometheusClient({ baseUrl: s.url, timeoutMs: 100 }).metadata();
      assert.ok(!r.ok);
      assert.equal(r.retryable, true);
      assert.equal(r.code, 'VIGIL_ERR_PROM_TIMEOUT');
    } finally {
      await s.close();
    }
  });

  it('rejects a 200 answer that is not the API envelope', async () => {
    const s = await rawServer(200, '{"status":"success","data":{"resultType":"vector","result":[]}}');
    try {
      const r = await new PrometheusClient({ baseUrl: s.url }).queryRange('up', T0_MS, T0_MS, 1);
      assert.ok(!r.ok);
      assert.equal(r.code, 'VIGIL_ERR_PROM_BAD_RESPONSE');
      assert.match(r.reason, /matrix/);
    } finally {
      await s.close();
    }
  });
});
