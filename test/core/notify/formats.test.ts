import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ALERTMANAGER_ENDS_AFTER_MS,
  alertmanagerBody,
  channelRequest,
  channelRequestUrl,
  channelSpecProblem,
  escapeMrkdwn,
  opsgenieRequest,
  pagerDutyBody,
  pagerDutyRequest,
  resendIntervalMs,
  slackBody,
  truncate,
  webhookBody,
  webhookRequest,
  webhookSigningInput,
  type ChannelSpec,
  type NotificationMessage,
} from '../../../src/core/notify/index.js';
import { T0, closedMessage, makeAnomaly, makeEvent, makeInsight, makeMessage, withSeverity } from '../../support/notify-fixtures.js';

const NOW = T0 + 10 * 60_000;
const XSS = '<img src=x onerror=alert(1)>';
const SHELL = '$(rm -rf /)';
const LINK = '<!channel> <http://evil.example|click> & more';

type Obj = Record<string, unknown>;

/** A message whose every user-controlled string is hostile. */
function hostileMessage(): NotificationMessage {
  const insight = makeInsight('in-hostile', {
    name: `latency rose on ${XSS}`,
    application: XSS,
    resources: [SHELL, 'pod "a"\nb'],
    rootCauses: [{ rank: 1, kind: 'EVENT', ref: 'ev-x', title: SHELL, confidence: 0.5, evidence: [LINK] }],
    recommendations: [{ id: 'r', title: LINK, description: XSS, reason: SHELL, links: ['javascript:alert(1)', 'https://ok.example/doc'], relatedEventIds: [], relatedAnomalyIds: [] }],
  });
  return makeMessage(insight, 'NEW_INSIGHT', {
    anomalies: [makeAnomaly('an-x', { resource: SHELL, metricName: XSS, seriesKey: `m{app="${XSS}"}`, application: XSS })],
    events: [makeEvent('ev-x', { name: SHELL, attributes: { actor: XSS } })],
  });
}

/** Every string inside a JSON value, with its path. */
function strings(v: unknown, path = '$', out: [string, string][] = []): [string, string][] {
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) strings(x, `${path}.${k}`, out);
  return out;
}

/** Every mrkdwn text in a Slack body. */
function mrkdwnTexts(body: { text: string; blocks: unknown[] }): string[] {
  const out = [body.text];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      const o = v as Obj;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(body.blocks);
  return out;
}

describe('generic webhook body v1', () => {
  it('carries the insight, its anomalies with their series, recommendations, events and the dashboard link', () => {
    const m = makeMessage(makeInsight('in-1'));
    const req = webhookRequest(m);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '');
    assert.equal(req.headers['Content-Type'], 'application/json');
    assert.equal(req.headers['X-Vigil-Event'], 'NEW_INSIGHT');
    assert.equal(req.headers['X-Vigil-Delivery'], m.id);
    const b = JSON.parse(req.body) as Obj;
    assert.equal(b.version, 1);
    assert.equal(b.id, m.id);
    assert.equal(b.type, 'NEW_INSIGHT');
    assert.equal(b.time, new Date(m.timeMs).toISOString());
    assert.equal(b.dashboardUrl, 'https://vigil.example.com/insights/in-1');
    const ins = b.insight as Obj;
    assert.deepEqual([ins.id, ins.severity, ins.status, ins.type, ins.application, ins.end], ['in-1', 'HIGH', 'ONGOING', 'REACTIVE', 'checkout', null]);
    assert.equal(ins.start, new Date(m.insight.startMs).toISOString());
    assert.equal((ins.rootCauses as Obj[])[0]!.title, 'deployment v2.3.1 of checkout-api');
    assert.equal((ins.recommendations as Obj[])[0]!.id, 'rollback-bad-deploy');
    const an = b.anomalies as Obj[];
    assert.equal(an.length, 2);
    assert.equal(an[0]!.series, m.anomalies[0]!.seriesKey);
    assert.equal(an[0]!.role, 'CAUSAL');
    assert.equal(an[0]!.peakValue, 1.84);
    assert.equal((b.events as Obj[])[0]!.name, 'deployment v2.3.1 of checkout-api');
  });

  it('caps anomalies at 100 (causal first, strongest next) and events at 50, and gives the totals', () => {
    const anomalies = Array.from({ length: 150 }, (_, i) => makeAnomaly(`an-${i}`, { role: i === 149 ? 'CAUSAL' : 'CONTEXTUAL', peakScore: i / 150 }));
    const events = Array.from({ length: 70 }, (_, i) => makeEvent(`ev-${i}`, { timeMs: T0 + i }));
    const b = webhookBody(makeMessage(makeInsight('in-2'), 'NEW_INSIGHT', { anomalies, events })) as Obj;
    const an = b.anomalies as Obj[];
    assert.equal(an.length, 100);
    assert.equal(an[0]!.id, 'an-149');
    assert.equal(an[1]!.id, 'an-148');
    assert.equal((b.insight as Obj).anomalyCount, 150);
    assert.equal((b.events as Obj[]).length, 50);
    assert.equal((b.events as Obj[])[0]!.id, 'ev-69', 'newest events first');
    assert.equal((b.insight as Obj).eventCount, 70);
  });

  it('signs <timestamp>.<body>', () => {
    assert.equal(webhookSigningInput(1790000000, '{"a":1}'), '1790000000.{"a":1}');
  });
});

describe('hostile label values and event names', () => {
  const m = hostileMessage();

  for (const [name, body] of [
    ['webhook', () => webhookRequest(m).body],
    ['pagerduty', () => pagerDutyRequest(m, 'rk').body],
    ['opsgenie', () => opsgenieRequest(m, 'key').body],
    ['alertmanager', () => channelRequest({ ...spec('alertmanager') }, m, NOW).body],
  ] as const) {
    it(`${name}: go into JSON as data, verbatim, without adding keys`, () => {
      const parsed: unknown = JSON.parse(body());
      const values = strings(parsed).map(([, v]) => v);
      assert.ok(values.some((v) => v.includes(XSS)), 'the <img> payload survives as a string');
      assert.ok(values.some((v) => v.includes(SHELL)), 'the $(…) payload survives as a string, uninterpreted');
      for (const [path] of strings(parsed)) assert.ok(!/onerror|rm -rf/.test(path), `no key was created from user text: ${path}`);
    });
  }

  it('slack: are escaped in every mrkdwn text, so no link, mention or tag can be formed', () => {
    const b = slackBody(m);
    const texts = mrkdwnTexts(b);
    for (const t of texts) {
      // Our own date tokens are the only "<…>" allowed.
      const stripped = t.replace(/<!date\^\d+\^\{date_short_pretty\} \{time\}\|[0-9T:.Z-]+>/g, '');
      assert.ok(!/[<>]/.test(stripped), `raw < or > in mrkdwn: ${t}`);
    }
    const all = texts.join('\n');
    assert.ok(all.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(all.includes('&lt;!channel&gt; &lt;http://evil.example|click&gt; &amp; more'));
    assert.ok(all.includes(SHELL));
    // The header is plain_text: shown literally by Slack, so it keeps the raw text.
    const header = (b.blocks[0] as { text: { type: string; text: string } }).text;
    assert.equal(header.type, 'plain_text');
    assert.ok(header.text.includes(XSS));
  });

  it('only http(s) links reach PagerDuty and Alertmanager', () => {
    const pd = pagerDutyBody(m, 'rk') as { links: { href: string }[] };
    assert.deepEqual(pd.links.map((l) => l.href), ['https://vigil.example.com/insights/in-hostile', 'https://ok.example/doc']);
    const bad = makeMessage(makeInsight('in-3'), 'NEW_INSIGHT', { dashboardUrl: 'javascript:alert(1)' });
    const [alert] = alertmanagerBody(bad, NOW) as Obj[];
    assert.equal(alert!.generatorURL, undefined);
    assert.equal(slackBody(bad).blocks.some((b) => (b as Obj).type === 'actions'), false);
  });
});

describe('Slack Block Kit', () => {
  it('has a header, severity/status fields, root cause, top recommendation, a dashboard button and the insight id', () => {
    const b = slackBody(makeMessage(makeInsight('in-s')));
    const types = b.blocks.map((x) => (x as Obj).type);
    assert.deepEqual(types, ['header', 'section', 'section', 'section', 'section', 'actions', 'context']);
    const fields = ((b.blocks[1] as Obj).fields as { text: string }[]).map((f) => f.text);
    assert.ok(fields.includes('*Severity*\nHIGH'));
    assert.ok(fields.includes('*Status*\nONGOING'));
    assert.ok(JSON.stringify(b.blocks[2]).includes('Likely root cause'));
    assert.ok(JSON.stringify(b.blocks[3]).includes('Roll back the deployment'));
    const button = ((b.blocks[5] as Obj).elements as Obj[])[0]!;
    assert.equal(button.url, 'https://vigil.example.com/insights/in-s');
    assert.ok(JSON.stringify(b.blocks[6]).includes('in-s'));
    assert.ok(b.text.includes('in-s'));
  });

  it('updates quote the insight id (incoming webhooks cannot thread)', () => {
    const b = slackBody(closedMessage(makeMessage(makeInsight('in-u'))));
    const ctx = JSON.stringify(b.blocks[b.blocks.length - 1]);
    assert.match(ctx, /update to insight `in-u` \(CLOSED_INSIGHT\)/);
    assert.match(JSON.stringify(b.blocks[0]), /Insight closed/);
  });

  it('keeps within Slack limits with oversized text, and never cuts an entity in half', () => {
    const long = 'x'.repeat(400);
    const amp = '&'.repeat(5000);
    const insight = makeInsight('in-l', { name: long, application: amp, rootCauses: [{ rank: 1, kind: 'EVENT', ref: 'e', title: amp, confidence: 1, evidence: [] }], recommendations: [{ id: 'r', title: amp, description: amp, reason: '', links: [], relatedEventIds: [], relatedAnomalyIds: [] }] });
    const anomalies = Array.from({ length: 80 }, (_, i) => makeAnomaly(`a${i}`, { metricName: amp }));
    const b = slackBody(makeMessage(insight, 'NEW_INSIGHT', { anomalies }));
    assert.ok(b.blocks.length <= 50);
    const header = (b.blocks[0] as { text: { text: string } }).text.text;
    assert.ok(header.length <= 150, `header ${header.length}`);
    assert.ok(header.endsWith('…'));
    for (const block of b.blocks) {
      const o = block as { text?: { text: string }; fields?: { text: string }[] };
      if (o.text !== undefined) assert.ok(o.text.text.length <= 3000, `text ${o.text.text.length}`);
      if (o.fields !== undefined) {
        assert.ok(o.fields.length <= 10);
        for (const f of o.fields) assert.ok(f.text.length <= 2000, `field ${f.text.length}`);
      }
    }
    for (const t of mrkdwnTexts(b)) assert.ok(!/&[a-z]{0,3}…/.test(t) && !/&(?!amp;|lt;|gt;)/.test(t.replace(/<!date[^>]*>/g, '')), `broken entity in ${t.slice(-40)}`);
  });
});

describe('PagerDuty Events v2', () => {
  const open = makeMessage(makeInsight('in-pd'));

  it('triggers with dedup_key = insight id and resolves with the same key', () => {
    const trigger = JSON.parse(pagerDutyRequest(open, 'R0UTING').body) as Obj;
    const resolve = JSON.parse(pagerDutyRequest(closedMessage(open), 'R0UTING').body) as Obj;
    assert.equal(trigger.event_action, 'trigger');
    assert.equal(resolve.event_action, 'resolve');
    assert.equal(trigger.dedup_key, 'in-pd');
    assert.equal(resolve.dedup_key, trigger.dedup_key);
    assert.equal(trigger.routing_key, 'R0UTING');
    assert.deepEqual(Object.keys(resolve).sort(), ['dedup_key', 'event_action', 'routing_key']);
    assert.equal(pagerDutyRequest(open, 'x').path, '/v2/enqueue');
  });

  it('maps severity HIGH→critical, MEDIUM→warning, LOW→info and fills source, component, group, class, details, links', () => {
    const sev = (s: 'HIGH' | 'MEDIUM' | 'LOW'): unknown => ((pagerDutyBody(withSeverity(open, s, 'NEW_INSIGHT'), 'k') as Obj).payload as Obj).severity;
    assert.deepEqual([sev('HIGH'), sev('MEDIUM'), sev('LOW')], ['critical', 'warning', 'info']);
    const p = (pagerDutyBody(open, 'k') as Obj).payload as Obj;
    assert.equal(p.source, 'api-1');
    assert.equal(p.component, 'http_request_duration_seconds_p99');
    assert.equal(p.group, 'checkout');
    assert.equal(p.class, 'latency anomaly');
    assert.equal((p.custom_details as Obj).insight_id, 'in-pd');
    assert.equal(p.timestamp, new Date(open.timeMs).toISOString());
  });

  it('cuts summary to 1024 characters', () => {
    const p = (pagerDutyBody(makeMessage(makeInsight('in-long', { name: 'n'.repeat(5000) })), 'k') as Obj).payload as Obj;
    assert.equal((p.summary as string).length, 1024);
  });

  it('updates of an ongoing insight re-trigger the same alert; an acknowledge can be asked for', () => {
    for (const t of ['NEW_ASSOCIATION', 'SEVERITY_UPGRADED', 'NEW_RECOMMENDATION'] as const) {
      const b = pagerDutyBody(withSeverity(open, 'HIGH', t), 'k') as Obj;
      assert.equal(b.event_action, 'trigger');
      assert.equal(b.dedup_key, 'in-pd');
    }
    assert.deepEqual(pagerDutyBody(open, 'k', 'acknowledge'), { routing_key: 'k', event_action: 'acknowledge', dedup_key: 'in-pd' });
  });
});

describe('Opsgenie Alert API', () => {
  const open = makeMessage(makeInsight('in/og 1'));

  it('creates with alias = insight id and closes by the same alias', () => {
    const create = opsgenieRequest(open, 'KEY');
    const close = opsgenieRequest(closedMessage(open), 'KEY');
    assert.equal(create.path, '/v2/alerts');
    assert.equal(create.headers.Authorization, 'GenieKey KEY');
    assert.equal((JSON.parse(create.body) as Obj).alias, 'in/og 1');
    assert.equal(close.path, '/v2/alerts/in%2Fog%201/close?identifierType=alias');
    assert.equal(close.headers.Authorization, 'GenieKey KEY');
    assert.equal((JSON.parse(close.body) as Obj).source, 'Vigil');
  });

  it('maps priority HIGH→P1, MEDIUM→P3, LOW→P5', () => {
    const pr = (s: 'HIGH' | 'MEDIUM' | 'LOW'): unknown => (JSON.parse(opsgenieRequest(withSeverity(open, s, 'NEW_INSIGHT'), 'k').body) as Obj).priority;
    assert.deepEqual([pr('HIGH'), pr('MEDIUM'), pr('LOW')], ['P1', 'P3', 'P5']);
  });

  it('keeps message ≤ 130, description ≤ 15000, tags ≤ 20 × 50, details ≤ 8000 in total, entity ≤ 512', () => {
    const huge = 'y'.repeat(20_000);
    const insight = makeInsight('in-og2', { name: huge, application: huge, rootCauses: [{ rank: 1, kind: 'EVENT', ref: 'e', title: huge, confidence: 1, evidence: [] }], recommendations: [{ id: 'r', title: huge, description: huge, reason: '', links: [], relatedEventIds: [], relatedAnomalyIds: [] }] });
    const b = JSON.parse(opsgenieRequest(makeMessage(insight, 'NEW_ASSOCIATION'), 'k').body) as { message: string; description: string; tags: string[]; details: Record<string, string>; entity: string; note: string };
    assert.equal(b.message.length, 130);
    assert.ok(b.description.length <= 15000);
    assert.ok(b.tags.length <= 20 && b.tags.every((t) => t.length <= 50));
    assert.ok(Object.entries(b.details).reduce((n, [k, v]) => n + k.length + v.length, 0) <= 8000);
    assert.equal(b.details.insight_id, 'in-og2', 'short details survive the cut');
    assert.ok(b.entity.length <= 512);
    assert.match(b.note, /New related event/);
  });
});

describe('Alertmanager postable alerts', () => {
  const open = makeMessage(makeInsight('in-am', { severity: 'MEDIUM' }));

  it('labels the insight and keeps it firing for 4 resend intervals from now', () => {
    const [a, ...rest] = alertmanagerBody(open, NOW) as Obj[];
    assert.equal(rest.length, 0);
    assert.deepEqual(a!.labels, { alertname: 'VigilInsight', insight_id: 'in-am', severity: 'warning', insight_type: 'reactive', application: 'checkout' });
    const ann = a!.annotations as Obj;
    assert.equal(ann.summary, open.insight.name);
    assert.equal(ann.dashboard, open.dashboardUrl);
    assert.match(ann.description as string, /Likely root cause: deployment v2\.3\.1/);
    assert.equal(a!.generatorURL, open.dashboardUrl);
    assert.equal(a!.startsAt, new Date(open.insight.startMs).toISOString());
    assert.equal(a!.endsAt, new Date(NOW + ALERTMANAGER_ENDS_AFTER_MS).toISOString());
    assert.equal(resendIntervalMs('alertmanager'), 60_000);
    assert.equal(resendIntervalMs('slack'), null);
  });

  it('ends the alert when the insight closes, never after now and never before startsAt', () => {
    const closed = closedMessage(open);
    const [a] = alertmanagerBody(closed, NOW + 3_600_000) as Obj[];
    assert.equal(a!.endsAt, new Date(closed.insight.endMs!).toISOString());
    // Stream clock ahead of the wall clock (replay, demo): clamp to now.
    const [b] = alertmanagerBody(closed, T0 + 60_000) as Obj[];
    assert.equal(b!.endsAt, new Date(T0 + 60_000).toISOString());
    assert.ok(Date.parse(b!.startsAt as string) <= Date.parse(b!.endsAt as string));
  });

  it('a severity upgrade ends the alerts of the lower severities (their label sets differ)', () => {
    const up = alertmanagerBody(withSeverity(open, 'HIGH'), NOW) as { labels: Obj; endsAt: string }[];
    assert.deepEqual(up.map((a) => a.labels.severity), ['critical', 'info', 'warning']);
    assert.equal(up[0]!.endsAt, new Date(NOW + ALERTMANAGER_ENDS_AFTER_MS).toISOString());
    assert.equal(up[1]!.endsAt, new Date(NOW).toISOString());
    assert.equal(up[2]!.endsAt, new Date(NOW).toISOString());
  });

  it('leaves the application label out when the insight has none', () => {
    const [a] = alertmanagerBody(makeMessage(makeInsight('in-na', { application: null })), NOW) as { labels: Obj }[];
    assert.equal('application' in a!.labels, false);
  });
});

function spec(type: ChannelSpec['type'], fields: Partial<ChannelSpec> = {}): ChannelSpec {
  return { name: `c-${type}`, type, minSeverity: 'MEDIUM', types: ['NEW_INSIGHT', 'CLOSED_INSIGHT'], rateLimitPerMinute: 60, url: 'https://x.example', secret: 's', ...fields };
}

describe('channel URLs and spec checks', () => {
  it('appends the API path to the channel URL, keeping a prefix and not doubling a pasted API path', () => {
    assert.equal(channelRequestUrl(spec('alertmanager', { url: 'http://am:9093/' }), '/api/v2/alerts'), 'http://am:9093/api/v2/alerts');
    assert.equal(channelRequestUrl(spec('alertmanager', { url: 'http://proxy/alertmanager' }), '/api/v2/alerts'), 'http://proxy/alertmanager/api/v2/alerts');
    assert.equal(channelRequestUrl(spec('alertmanager', { url: 'http://am:9093/api/v2/alerts' }), '/api/v2/alerts'), 'http://am:9093/api/v2/alerts');
    assert.equal(channelRequestUrl(spec('pagerduty', { url: 'https://events.pagerduty.com/v2/enqueue' }), '/v2/enqueue'), 'https://events.pagerduty.com/v2/enqueue');
    assert.equal(channelRequestUrl(spec('opsgenie', { url: 'https://api.eu.opsgenie.com/v2/alerts' }), '/v2/alerts/a/close?identifierType=alias'), 'https://api.eu.opsgenie.com/v2/alerts/a/close?identifierType=alias');
    assert.equal(channelRequestUrl(spec('slack', { url: 'https://hooks.slack.com/services/T/B/X' }), ''), 'https://hooks.slack.com/services/T/B/X');
    assert.equal(channelRequestUrl(spec('webhook'), 'https://other.example/x'), 'https://other.example/x');
  });

  it('names what is wrong with a channel spec', () => {
    assert.equal(channelSpecProblem(spec('slack')), null);
    assert.equal(channelSpecProblem(spec('webhook', { secret: undefined })), null);
    assert.match(channelSpecProblem(spec('pagerduty', { secret: '' }))!, /routing key is missing; set secretEnv/);
    assert.match(channelSpecProblem(spec('opsgenie', { secret: undefined }))!, /Opsgenie API key/);
    assert.match(channelSpecProblem(spec('slack', { url: 'ftp://x' }))!, /url must be an http/);
    assert.match(channelSpecProblem(spec('slack', { types: ['NOPE' as never] }))!, /unknown message type "NOPE"/);
    assert.match(channelSpecProblem(spec('slack', { rateLimitPerMinute: 0 }))!, /rateLimitPerMinute/);
    assert.match(channelSpecProblem(spec('nope' as never))!, /type must be one of/);
  });
});

describe('text helpers (properties)', () => {
  it('truncate stays within max and never leaves a lone surrogate', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 1, max: 200 }), (s, max) => {
      const t = truncate(s, max);
      assert.ok(t.length <= max);
      if (s.length <= max) assert.equal(t, s);
      else assert.ok(t.endsWith('…'));
      assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(t), 'lone high surrogate');
    }));
  });

  it('escapeMrkdwn leaves no < or > and round-trips', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
      const e = escapeMrkdwn(s);
      assert.ok(!/[<>]/.test(e));
      assert.equal(e.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'), s);
    }));
  });
});
