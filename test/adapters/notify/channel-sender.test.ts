// How a sender turns HTTP outcomes into DeliveryResult values, against a real local HTTP server.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createChannelSender, parseRetryAfter } from '../../../src/adapters/notify/index.js';
import type { ChannelSpec } from '../../../src/core/notify/index.js';
import { freePort } from '../../support/peers.js';
import { makeInsight, makeMessage } from '../../support/notify-fixtures.js';
import { startRecordingServer, type Answer, type RecordingServer } from '../../support/recording-server.js';

const message = makeMessage(makeInsight('in-send'));

function spec(url: string, fields: Partial<ChannelSpec> = {}): ChannelSpec {
  return { name: 'ops', type: 'slack', minSeverity: 'MEDIUM', types: ['NEW_INSIGHT'], rateLimitPerMinute: 60, url, ...fields };
}

describe('channel sender results', { timeout: 60_000 }, () => {
  const servers: RecordingServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });
  async function answering(a: Answer): Promise<RecordingServer> {
    const s = await startRecordingServer(() => a);
    servers.push(s);
    return s;
  }

  it('2xx is delivered', async () => {
    const s = await answering({ status: 200, body: 'ok' });
    assert.deepEqual(await createChannelSender(spec(`${s.url}/services/x`)).send(message), { ok: true, status: 200 });
    assert.equal(s.requests.length, 1);
    assert.equal(s.requests[0]!.url, '/services/x');
  });

  it('5xx is retryable and honours Retry-After in seconds', async () => {
    const s = await answering({ status: 503, headers: { 'retry-after': '7' }, body: 'rollup_error' });
    const r = await createChannelSender(spec(s.url)).send(message);
    assert.deepEqual(r, { ok: false, retryable: true, status: 503, reason: 'slack channel "ops" answered 503: rollup_error', retryAfterMs: 7000 });
  });

  it('429 is retryable and honours Retry-After as an HTTP date', async () => {
    const now = Date.UTC(2026, 10, 21, 12, 0, 0);
    const s = await answering({ status: 429, headers: { 'retry-after': new Date(now + 30_000).toUTCString() } });
    const r = await createChannelSender(spec(s.url), { nowMs: () => now }).send(message);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, true);
    assert.equal(!r.ok && r.retryAfterMs, 30_000);
  });

  it('other 4xx is not retryable and says what the receiver said', async () => {
    const s = await answering({ status: 400, body: 'invalid_blocks\n' });
    const r = await createChannelSender(spec(s.url)).send(message);
    assert.deepEqual(r, { ok: false, retryable: false, status: 400, reason: 'slack channel "ops" answered 400: invalid_blocks' });
    const gone = await answering({ status: 410, body: 'channel_is_archived' });
    const g = await createChannelSender(spec(gone.url)).send(message);
    assert.equal(!g.ok && g.retryable, false);
  });

  it('a redirect is not followed (the key would go to another host) and is not retryable', async () => {
    const target = await answering({ status: 200, body: 'ok' });
    const s = await answering({ status: 307, headers: { location: `${target.url}/elsewhere` } });
    const r = await createChannelSender(spec(s.url, { type: 'pagerduty', secret: 'routing-key' })).send(message);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, false);
    assert.match(!r.ok ? r.reason : '', /answered 307 \(redirect to http:\/\/127\.0\.0\.1:\d+\/elsewhere\); configure the final URL/);
    assert.equal(target.requests.length, 0);
  });

  it('a refused connection is retryable', async () => {
    const port = await freePort();
    const r = await createChannelSender(spec(`http://127.0.0.1:${port}/hook`)).send(message);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.retryable, true);
    assert.match(!r.ok ? r.reason : '', /network error: ECONNREFUSED/);
  });

  it('no answer within the timeout is retryable', async () => {
    const s = await answering({ status: 200, hang: true });
    const t0 = Date.now();
    const r = await createChannelSender(spec(s.url), { timeoutMs: 300 }).send(message);
    assert.ok(Date.now() - t0 < 10_000);
    assert.deepEqual(r, { ok: false, retryable: true, reason: 'slack channel "ops": no answer within 300 ms' });
  });

  it('uses an injected fetch, and exposes the resend hint per channel type', async () => {
    const calls: string[] = [];
    const fake = (async (url: string | URL | Request) => {
      calls.push(String(url));
      return new Response(null, { status: 202 });
    }) as typeof fetch;
    const am = createChannelSender(spec('http://am.example:9093', { type: 'alertmanager' }), { fetch: fake });
    assert.deepEqual(await am.send(message), { ok: true, status: 202 });
    assert.deepEqual(calls, ['http://am.example:9093/api/v2/alerts']);
    assert.equal(am.resendIntervalMs, 60_000);
    assert.equal(createChannelSender(spec('https://hooks.slack.com/services/a')).resendIntervalMs, null);
  });

  it('refuses an unusable spec at construction, naming the fix', () => {
    assert.throws(() => createChannelSender(spec('https://events.pagerduty.com', { type: 'pagerduty' })), /routing key is missing; set secretEnv/);
    assert.throws(() => createChannelSender(spec('file:///etc/passwd')), /url must be an http/);
  });

  it('parses Retry-After forms and ignores garbage', () => {
    assert.equal(parseRetryAfter(null, 0), undefined);
    assert.equal(parseRetryAfter('soon', 0), undefined);
    assert.equal(parseRetryAfter('0', 0), 0);
    assert.equal(parseRetryAfter('120', 0), 120_000);
    assert.equal(parseRetryAfter(new Date(5_000).toUTCString(), 10_000), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('999999', 0), 3_600_000, 'clamped to an hour');
  });
});
