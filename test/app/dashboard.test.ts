// Serving the dashboard (src/app/dashboard.ts): files, cache headers, the SPA fallback for deep
// links, JSON 404s kept for the API, the "not built" page, and no access outside the root.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { registerDashboard } from '../../src/app/dashboard.js';
import { fail } from '../../src/app/http-errors.js';
import { MemoryStore } from '../../src/adapters/store/index.js';
import { resolveConfig } from '../../src/app/config.js';
import { buildServer } from '../../src/app/server.js';
import { VigilApp } from '../../src/app/vigil-app.js';

const INDEX = '<!doctype html><title>Vigil</title><div id="root"></div>';
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** A server like buildServer's edge: JSON not-found handler, then the dashboard. */
async function serverFor(root: string): Promise<FastifyInstance> {
  const server = Fastify();
  server.setNotFoundHandler((req, reply) => fail(reply, 'VIGIL_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
  server.get('/api/v1/status', async () => ({ status: 'ok' }));
  registerDashboard(server, { root });
  await server.ready();
  return server;
}

describe('dashboard serving', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-dashboard-'));
  const outside = mkdtempSync(join(tmpdir(), 'vigil-outside-'));
  let server: FastifyInstance;
  before(async () => {
    writeFileSync(join(root, 'index.html'), INDEX);
    writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'assets', 'index-AbC123xY.js'), 'console.log(1)');
    writeFileSync(join(outside, 'secret.txt'), 'top secret');
    server = await serverFor(root);
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('serves index.html at / with no-cache and a content security policy', async () => {
    const r = await server.inject({ method: 'GET', url: '/', headers: HTML });
    assert.equal(r.statusCode, 200);
    assert.equal(r.body, INDEX);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(String(r.headers['content-security-policy']), /script-src 'self'/);
  });

  it('answers every dashboard deep link with index.html (reload keeps the view)', async () => {
    for (const url of ['/insights', '/insights/in-123?tab=x', '/events?class=DEPLOYMENT', '/resources', '/settings', '/no/such/page']) {
      const r = await server.inject({ method: 'GET', url, headers: HTML });
      assert.equal(r.statusCode, 200, url);
      assert.equal(r.body, INDEX, url);
    }
    const head = await server.inject({ method: 'HEAD', url: '/insights/abc', headers: HTML });
    assert.equal(head.statusCode, 200);
  });

  it('caches hashed assets for a year and revalidates other files', async () => {
    const js = await server.inject({ method: 'GET', url: '/assets/index-AbC123xY.js' });
    assert.equal(js.statusCode, 200);
    assert.equal(js.body, 'console.log(1)');
    assert.match(String(js.headers['content-type']), /javascript/);
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    const icon = await server.inject({ method: 'GET', url: '/favicon.svg' });
    assert.equal(icon.statusCode, 200);
    assert.equal(icon.headers['cache-control'], 'no-cache');
  });

  it('keeps JSON 404s for API paths, missing files and non-browser clients', async () => {
    for (const [url, headers] of [
      ['/api/v1/nope', HTML], ['/api', HTML], ['/v1/traces', HTML], ['/metrics/x', HTML], ['/-/nope', HTML],
      ['/assets/missing-ZZZZZZZZ.js', HTML], ['/nope', {}], ['/nope', { accept: 'application/json' }],
    ] as const) {
      const r = await server.inject({ method: 'GET', url, headers });
      assert.equal(r.statusCode, 404, `${url}: ${r.body}`);
      assert.equal(r.json().error.code, 'VIGIL_ERR_NOT_FOUND', url);
    }
    const post = await server.inject({ method: 'POST', url: '/insights', headers: HTML });
    assert.equal(post.statusCode, 404);
    assert.equal(post.json().error.code, 'VIGIL_ERR_NOT_FOUND');
    // A real route is not shadowed.
    assert.deepEqual((await server.inject({ method: 'GET', url: '/api/v1/status', headers: HTML })).json(), { status: 'ok' });
  });

  it('never serves a file outside the root', async () => {
    const rel = `../${outside.split('/').pop()}/secret.txt`;
    for (const url of [`/${rel}`, `/${encodeURIComponent(rel)}`, `/assets/..%2f..%2f${outside.split('/').pop()}%2fsecret.txt`, '/%2e%2e/%2e%2e/etc/passwd', '/..%5c..%5cetc%5cpasswd', '/%00index.html']) {
      const r = await server.inject({ method: 'GET', url, headers: HTML });
      assert.ok(!r.body.includes('top secret') && !r.body.includes('root:'), `${url} leaked: ${r.body.slice(0, 80)}`);
      assert.ok(r.statusCode === 404 || r.statusCode === 400 || r.body === INDEX, `${url}: ${r.statusCode}`);
    }
  });

  it('says how to build the dashboard when it is not built', async () => {
    const s = await serverFor(join(root, 'not-there'));
    const r = await s.inject({ method: 'GET', url: '/', headers: HTML });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /the dashboard is not built: run <code>npm run build<\/code>/);
    const api = await s.inject({ method: 'GET', url: '/api/v1/nope', headers: HTML });
    assert.equal(api.json().error.code, 'VIGIL_ERR_NOT_FOUND');
    await s.close();
  });
});

describe('dashboard in the Vigil server', () => {
  it('needs no token for the page while the API keeps its scopes', async () => {
    const READ = 'r'.repeat(32);
    const config = resolveConfig({ auth: { tokens: [{ name: 'ui', token: READ, scopes: ['read'] }] } }, {});
    const store = new MemoryStore();
    await store.migrate();
    const log = pino({ level: 'silent' });
    const app = new VigilApp({ config, store, log, clock: { now: () => Date.UTC(2026, 10, 21) } });
    await app.restore();
    const server = await buildServer({ app, log });
    const page = await server.inject({ method: 'GET', url: '/insights/x', headers: HTML });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal((await server.inject({ method: 'GET', url: '/api/v1/insights', headers: HTML })).statusCode, 401);
    assert.equal((await server.inject({ method: 'GET', url: '/api/v1/insights', headers: { ...HTML, authorization: `Bearer ${READ}` } })).statusCode, 200);
    const unknown = await server.inject({ method: 'GET', url: '/api/v1/unknown', headers: HTML });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'VIGIL_ERR_NOT_FOUND');
    await server.close();
  });
});
