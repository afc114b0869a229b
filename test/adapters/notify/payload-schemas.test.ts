// Recorded payloads of the real senders, validated against JSON Schemas written from each
// receiver's published API (test/fixtures/schemas/*.schema.json; each names its source). Local
// HTTP receivers stand in for Slack, PagerDuty, Opsgenie, Alertmanager and a webhook consumer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { createChannelSender } from '../../../src/adapters/notify/index.js';
import type { ChannelSpec, ChannelType, NotificationMessage } from '../../../src/core/notify/index.js';
import { closedMessage, makeAnomaly, makeEvent, makeInsight, makeMessage, withSeverity } from '../../support/notify-fixtures.js';
import { startRecordingServer, type RecordedRequest, type RecordingServer } from '../../support/recording-server.js';

// ajv-formats is CommonJS with a default export; under NodeNext the import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

// Strict, except "required" inside anyOf / if-then (standard JSON Schema idioms Ajv's strict mode flags).
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
function schema(name: string): ValidateFunction {
  const s = JSON.parse(readFileSync(new URL(`../../fixtures/schemas/${name}.schema.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
  assert.match(String(s.$comment), /\S{20,}/, `${name} names its source document`);
  return ajv.compile(s);
}
const SLACK = schema('slack-incoming-webhook');
const PAGERDUTY = schema('pagerduty-events-v2');
const OPSGENIE_CREATE = schema('opsgenie-create-alert');
const OPSGENIE_CLOSE = schema('opsgenie-close-alert');
const ALERTMANAGER = schema('alertmanager-postable-alerts');

function valid(check: ValidateFunction, body: unknown, what: string): void {
  assert.ok(check(body), `${what}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(body).slice(0, 800)}`);
}

const XSS = '<img src=x onerror=alert(1)>';
const SHELL = '$(rm -rf /)';

/** NEW_INSIGHT, the three updates, CLOSED_INSIGHT — and the same with hostile text. */
function lifecycle(id: string, hostile = false): NotificationMessage[] {
  const insight = hostile
    ? makeInsight(id, { severity: 'MEDIUM', name: `errors rose on ${XSS}`, application: XSS, rootCauses: [{ rank: 1, kind: 'EVENT', ref: 'ev', title: SHELL, confidence: 0.4, evidence: [] }] })
    : makeInsight(id, { severity: 'MEDIUM' });
  const open = makeMessage(insight, 'NEW_INSIGHT', hostile ? { anomalies: [makeAnomaly('a', { resource: SHELL, metricName: XSS })], events: [makeEvent('ev', { name: SHELL })] } : {});
  return [
    open,
    { ...open, id: `${id}:2`, type: 'NEW_ASSOCIATION' },
    withSeverity(open, 'HIGH'),
    { ...withSeverity(open, 'HIGH', 'NEW_RECOMMENDATION') },
    closedMessage(withSeverity(open, 'HIGH')),
  ];
}

function spec(type: ChannelType, url: string, secret?: string): ChannelSpec {
  return { name: `test-${type}`, type, minSeverity: 'LOW', types: ['NEW_INSIGHT', 'NEW_ASSOCIATION', 'SEVERITY_UPGRADED', 'NEW_RECOMMENDATION', 'CLOSED_INSIGHT'], rateLimitPerMinute: 60, url, ...(secret !== undefined ? { secret } : {}) };
}

const json = (r: RecordedRequest): unknown => JSON.parse(r.body.toString('utf8'));

describe('the schemas reject what the services reject', () => {
  const header = (n: number): unknown => ({ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(n) } });
  const cases: [string, ValidateFunction, unknown][] = [
    ['PagerDuty resolve without dedup_key', PAGERDUTY, { routing_key: 'k', event_action: 'resolve' }],
    ['PagerDuty trigger without payload', PAGERDUTY, { routing_key: 'k', event_action: 'trigger', dedup_key: 'd' }],
    ['PagerDuty severity "high"', PAGERDUTY, { routing_key: 'k', event_action: 'trigger', payload: { summary: 's', source: 's', severity: 'high' } }],
    ['PagerDuty summary of 1025', PAGERDUTY, { routing_key: 'k', event_action: 'trigger', payload: { summary: 's'.repeat(1025), source: 's', severity: 'info' } }],
    ['PagerDuty dedup_key of 256', PAGERDUTY, { routing_key: 'k', event_action: 'resolve', dedup_key: 'd'.repeat(256) }],
    ['Opsgenie message of 131', OPSGENIE_CREATE, { message: 'm'.repeat(131) }],
    ['Opsgenie priority P0', OPSGENIE_CREATE, { message: 'm', priority: 'P0' }],
    ['Opsgenie 21 tags', OPSGENIE_CREATE, { message: 'm', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
    ['Opsgenie non-string detail', OPSGENIE_CREATE, { message: 'm', details: { n: 1 } }],
    ['Opsgenie close with unknown field', OPSGENIE_CLOSE, { reason: 'x' }],
    ['Alertmanager alert without labels', ALERTMANAGER, [{ labels: {} }]],
    ['Alertmanager label name with a dash', ALERTMANAGER, [{ labels: { 'insight-id': 'x' } }]],
    ['Alertmanager endsAt not a date-time', ALERTMANAGER, [{ labels: { a: 'b' }, endsAt: 'tomorrow' }]],
    ['Slack header of 151', SLACK, { text: 't', blocks: [header(151)] }],
    ['Slack 51 blocks', SLACK, { text: 't', blocks: Array.from({ length: 51 }, () => header(5)) }],
    ['Slack section of 3001', SLACK, { text: 't', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } }] }],
    ['Slack 11 fields', SLACK, { text: 't', blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }] }],
    ['Slack button text of 76', SLACK, { text: 't', blocks: [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, url: 'https://x.example' }] }] }],
    ['Slack mrkdwn header', SLACK, { text: 't', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] }],
  ];
  for (const [what, check, body] of cases) {
    it(what, () => assert.equal(check(body), false));
  }
});

describe('channel payloads against the published schemas', { timeout: 60_000 }, () => {
  let server: RecordingServer;
  before(async () => {
    // Each path answers like the real service does on success.
    server = await startRecordingServer((req) => {
      if (req.url.startsWith('/slack/')) return { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };
      if (req.url === '/pd/v2/enqueue') return { status: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: (json(req) as { dedup_key: string }).dedup_key }) };
      if (req.url.startsWith('/og/v2/alerts')) return { status: 202, headers: { 'content-type': 'application/json' }, body: '{"result":"Request will be processed","took":0.1,"requestId":"43a29c5c-3dbf-4fa4-9c26-f4f71023e120"}' };
      if (req.url === '/am/api/v2/alerts') return { status: 200, body: '' };
      if (req.url === '/hook') return { status: 204 };
      return { status: 404, body: 'no such path' };
    });
  });
  after(() => server.close());

  async function sendAll(s: ChannelSpec, messages: NotificationMessage[]): Promise<RecordedRequest[]> {
    const sender = createChannelSender(s, { timeoutMs: 10_000 });
    const from = server.requests.length;
    for (const m of messages) {
      const r = await sender.send(m);
      assert.deepEqual(r.ok, true, `${s.type} ${m.type}: ${JSON.stringify(r)}`);
    }
    return server.requests.slice(from);
  }

  for (const hostile of [false, true]) {
    const tag = hostile ? ' (hostile label values and event names)' : '';

    it(`Slack: Block Kit messages for every transition${tag}`, async () => {
      const recs = await sendAll(spec('slack', `${server.url}/slack/T000/B000/XXXX`), lifecycle('in-slack', hostile));
      assert.equal(recs.length, 5);
      for (const r of recs) {
        assert.equal(r.method, 'POST');
        assert.equal(r.url, '/slack/T000/B000/XXXX');
        assert.equal(r.headers['content-type'], 'application/json');
        valid(SLACK, json(r), 'slack');
      }
      if (hostile) {
        for (const r of recs) {
          const mrkdwn = JSON.stringify(json(r), (k, v: unknown) => v).match(/"type":"mrkdwn","text":"(?:[^"\\]|\\.)*"/g) ?? [];
          assert.ok(mrkdwn.length > 0);
          for (const t of mrkdwn) assert.ok(!t.includes('<img'), `unescaped user text in mrkdwn: ${t}`);
          assert.ok(mrkdwn.some((t) => t.includes('&lt;img src=x onerror=alert(1)&gt;')), 'escaped form is shown');
        }
      }
    });

    it(`PagerDuty: trigger → resolve pairs share the dedup key${tag}`, async () => {
      const id = hostile ? 'in-pd-h' : 'in-pd';
      const recs = await sendAll(spec('pagerduty', `${server.url}/pd`, 'R0UTINGKEY0000000000000000000000'), lifecycle(id, hostile));
      const bodies = recs.map((r) => json(r) as { event_action: string; dedup_key: string; routing_key: string });
      for (const [i, b] of bodies.entries()) {
        assert.equal(recs[i]!.url, '/pd/v2/enqueue');
        valid(PAGERDUTY, b, `pagerduty ${b.event_action}`);
        assert.ok(recs[i]!.body.length < 512 * 1024, 'Events API payloads are limited to 512 KB');
        assert.equal(b.routing_key, 'R0UTINGKEY0000000000000000000000');
      }
      assert.deepEqual(bodies.map((b) => b.event_action), ['trigger', 'trigger', 'trigger', 'trigger', 'resolve']);
      assert.ok(bodies.every((b) => b.dedup_key === id), 'every event of the insight shares dedup_key = insight id');
    });

    it(`Opsgenie: create → close pairs share the alias${tag}`, async () => {
      const id = hostile ? 'in-og/h 1' : 'in-og';
      const recs = await sendAll(spec('opsgenie', `${server.url}/og`, 'og-api-key'), lifecycle(id, hostile));
      const creates = recs.slice(0, 4);
      const close = recs[4]!;
      for (const r of creates) {
        assert.equal(r.url, '/og/v2/alerts');
        assert.equal(r.headers.authorization, 'GenieKey og-api-key');
        const b = json(r) as { alias: string; details: Record<string, string> };
        valid(OPSGENIE_CREATE, b, 'opsgenie create');
        assert.equal(b.alias, id);
        assert.ok(Object.entries(b.details).reduce((n, [k, v]) => n + k.length + v.length, 0) <= 8000, 'details ≤ 8000 characters in total');
      }
      const m = /^\/og\/v2\/alerts\/([^/?]+)\/close\?identifierType=alias$/.exec(close.url);
      assert.ok(m, `close URL: ${close.url}`);
      assert.equal(decodeURIComponent(m[1]!), id, 'close uses the alias of the create');
      assert.equal(close.headers.authorization, 'GenieKey og-api-key');
      valid(OPSGENIE_CLOSE, json(close), 'opsgenie close');
    });

    it(`Alertmanager: postable alerts, ended on close${tag}`, async () => {
      const recs = await sendAll(spec('alertmanager', `${server.url}/am/`), lifecycle('in-am', hostile));
      for (const r of recs) {
        assert.equal(r.url, '/am/api/v2/alerts');
        const alerts = json(r) as { startsAt: string; endsAt: string; labels: Record<string, string> }[];
        valid(ALERTMANAGER, alerts, 'alertmanager');
        for (const a of alerts) assert.ok(Date.parse(a.startsAt) <= Date.parse(a.endsAt), 'startsAt ≤ endsAt');
        assert.equal(alerts[0]!.labels.insight_id, 'in-am');
      }
      const last = (json(recs[4]!) as { endsAt: string }[])[0]!;
      assert.ok(Date.parse(last.endsAt) <= Date.now(), 'the closing post ends the alert');
    });

    it(`webhook: body v1 signed with HMAC-SHA256 over timestamp and exact body${tag}`, async () => {
      const secret = 'whsec-' + (hostile ? 'h' : 'n');
      const recs = await sendAll(spec('webhook', `${server.url}/hook`, secret), lifecycle('in-wh', hostile));
      for (const r of recs) {
        const ts = String(r.headers['x-vigil-timestamp']);
        assert.match(ts, /^\d{10}$/);
        assert.ok(Math.abs(Date.now() / 1000 - Number(ts)) < 300, 'timestamp is the sending time');
        const sig = String(r.headers['x-vigil-signature']);
        assert.match(sig, /^sha256=[0-9a-f]{64}$/);
        // What a receiver does: recompute over the raw bytes, compare in constant time.
        const expected = createHmac('sha256', secret).update(`${ts}.`).update(r.body).digest();
        assert.ok(timingSafeEqual(expected, Buffer.from(sig.slice(7), 'hex')), 'signature verifies');
        const wrong = createHmac('sha256', 'other-secret').update(`${ts}.`).update(r.body).digest();
        assert.ok(!timingSafeEqual(wrong, Buffer.from(sig.slice(7), 'hex')), 'and does not verify with another secret');
        const b = json(r) as { version: number; id: string; type: string };
        assert.equal(b.version, 1);
        assert.equal(r.headers['x-vigil-delivery'], b.id);
        assert.equal(r.headers['x-vigil-event'], b.type);
      }
      if (hostile) {
        const b = json(recs[0]!) as { insight: { application: string }; events: { name: string }[] };
        assert.equal(b.insight.application, XSS);
        assert.equal(b.events[0]!.name, SHELL);
      }
    });
  }
});
