// vigil.yaml `notifications:` and `runbooks:`: defaults, secrets from the environment, and a
// config error naming the key and the fix for every mistake.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, loadConfig, resolveConfig } from '../../src/app/config.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function problems(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    resolveConfig(raw, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => `${p.key}: ${p.problem}`);
  }
  assert.fail('expected a ConfigError');
}

describe('notifications config', () => {
  it('has no channels, retry 1s / 5m / 24h and no runbooks by default', () => {
    const n = resolveConfig({}, {}).resolved.notifications;
    assert.deepEqual(n.channels, []);
    assert.deepEqual(n.retry, { initialDelayMs: 1000, maxDelayMs: 300_000, maxAgeMs: 86_400_000 });
    assert.deepEqual(n.runbooks, { scriptDir: null, dryRun: false, rules: [] });
  });

  it('defaults a channel to MEDIUM and all five types at 60 a minute, reads its secret from the environment, and knows PagerDuty / Opsgenie URLs', () => {
    const file = join(dir, 'vigil.yaml');
    writeFileSync(
      file,
      [
        'notifications:',
        '  channels:',
        '    - { name: hook, type: webhook, url: "https://hooks.example.com/vigil", secretEnv: HOOK_SECRET }',
        '    - { name: pager, type: pagerduty, secretEnv: PD_KEY, minSeverity: HIGH, types: [NEW_INSIGHT, CLOSED_INSIGHT], rateLimitPerMinute: 10 }',
        '    - { name: genie, type: opsgenie, secretEnv: OG_KEY }',
        '  retry: { initialDelay: 2s, maxDelay: 1m, maxAge: 2h }',
        '',
      ].join('\n'),
    );
    const c = loadConfig(file, { HOOK_SECRET: 'h', PD_KEY: 'p', OG_KEY: 'o' });
    const [hook, pager, genie] = c.resolved.notifications.channels;
    assert.deepEqual(hook, { name: 'hook', type: 'webhook', url: 'https://hooks.example.com/vigil', minSeverity: 'MEDIUM', types: ['NEW_INSIGHT', 'NEW_ASSOCIATION', 'SEVERITY_UPGRADED', 'NEW_RECOMMENDATION', 'CLOSED_INSIGHT'], rateLimitPerMinute: 60, secret: 'h' });
    assert.deepEqual(pager, { name: 'pager', type: 'pagerduty', url: 'https://events.pagerduty.com', minSeverity: 'HIGH', types: ['NEW_INSIGHT', 'CLOSED_INSIGHT'], rateLimitPerMinute: 10, secret: 'p' });
    assert.equal(genie!.url, 'https://api.opsgenie.com');
    assert.deepEqual(c.resolved.notifications.retry, { initialDelayMs: 2000, maxDelayMs: 60_000, maxAgeMs: 7_200_000 });
    assert.ok(Object.isFrozen(c.resolved.notifications.channels[0]));
  });

  it('names the key and the fix for each bad channel', () => {
    const p = problems({
      notifications: {
        channels: [
          { name: 'a', type: 'webhook', url: 'https://x.example.com', secretEnv: 'MISSING_SECRET' },
          { name: 'b', type: 'pagerduty' },
          { name: 'c', type: 'webhook' },
          { name: 'a', type: 'slack', url: 'https://hooks.slack.com/services/x' },
          { name: 'd e', type: 'fax', url: 'x', minSeverity: 'URGENT', colour: 'red' },
        ],
        retry: { initialDelay: '10s', maxDelay: '1s' },
      },
    });
    const has = (re: RegExp) => assert.ok(p.some((l) => re.test(l)), `${re} not in:\n${p.join('\n')}`);
    has(/^notifications\.channels\[4\]\.name: letters, digits/);
    has(/^notifications\.channels\[4\]\.type: must be one of "webhook", "slack", "pagerduty", "opsgenie", "alertmanager"/);
    has(/^notifications\.channels\[4\]\.minSeverity: must be one of "LOW", "MEDIUM", "HIGH"/);
    has(/^notifications\.channels\[4\]: unknown key\(s\) "colour"/);
    // Shape errors stop before resolution; fix them and the next layer is checked.
    const q = problems({ notifications: { channels: [
      { name: 'a', type: 'webhook', url: 'https://x.example.com', secretEnv: 'MISSING_SECRET' },
      { name: 'b', type: 'pagerduty' },
      { name: 'c', type: 'webhook' },
      { name: 'a', type: 'slack', url: 'https://hooks.slack.com/services/x' },
      { name: 'e', type: 'webhook', url: 'ftp://x.example.com' },
    ], retry: { initialDelay: '10s', maxDelay: '1s' } } });
    const hasQ = (re: RegExp) => assert.ok(q.some((l) => re.test(l)), `${re} not in:\n${q.join('\n')}`);
    hasQ(/^notifications\.channels\[0\]\.secretEnv: environment variable MISSING_SECRET is not set/);
    hasQ(/^notifications\.channels\[1\]: .*PagerDuty routing key is missing; set secretEnv/);
    hasQ(/^notifications\.channels\[2\]\.url: a webhook channel needs url:/);
    hasQ(/^notifications\.channels\[3\]\.name: channel name "a" is used twice/);
    hasQ(/^notifications\.channels\[4\]: .*url must be an http/);
    hasQ(/^notifications\.retry\.maxDelay: must be at least initialDelay/);
  });
});

describe('runbooks config', () => {
  it('reads rules with their timeout, rate limit and dry-run', () => {
    const scripts = mkdtempSync(join(dir, 'scripts-'));
    const c = resolveConfig({
      runbooks: {
        scriptDir: scripts,
        dryRun: true,
        rules: [
          { name: 'rollback', match: { application: 'shop', severity: 'HIGH', eventClass: 'DEPLOYMENT' }, action: { http: { method: 'POST', url: 'https://argocd.example.com/api/v1/applications/{{insight.application}}/rollback', bearerTokenEnv: 'ARGOCD_TOKEN', body: { id: 0 } } }, timeout: '15s', rateLimit: { max: 1, per: '1h' } },
          { name: 'restart', dryRun: false, match: { metricKind: 'saturation', types: ['NEW_INSIGHT', 'SEVERITY_UPGRADED'] }, action: { script: { path: 'restart.sh', args: ['{{insight.id}}', '{{insight.application}}'] } } },
        ],
      },
    }, { ARGOCD_TOKEN: 't' });
    const rb = c.resolved.notifications.runbooks;
    assert.equal(rb.scriptDir, scripts);
    assert.equal(rb.dryRun, true);
    assert.deepEqual(rb.rules[0], {
      name: 'rollback', match: { application: 'shop', severity: 'HIGH', eventClass: 'DEPLOYMENT' },
      action: { http: { method: 'POST', url: 'https://argocd.example.com/api/v1/applications/{{insight.application}}/rollback', body: { id: 0 }, bearerTokenEnv: 'ARGOCD_TOKEN' } },
      timeoutMs: 15_000, rateLimit: { max: 1, perMs: 3_600_000 },
    });
    assert.deepEqual(rb.rules[1], {
      name: 'restart', match: { metricKind: 'saturation', types: ['NEW_INSIGHT', 'SEVERITY_UPGRADED'] },
      action: { script: { path: 'restart.sh', args: ['{{insight.id}}', '{{insight.application}}'] } }, timeoutMs: 30_000, rateLimit: { max: 1, perMs: 3_600_000 }, dryRun: false,
    });
  });

  it('names the key and the fix for each bad rule', () => {
    const p = problems({
      runbooks: {
        scriptDir: join(dir, 'no-such-dir'),
        rules: [
          { name: 'a', action: { script: { path: '/usr/bin/reboot' } } },
          { name: 'b', action: { script: { path: 'x.sh', args: ['{{insight.labels.pod}}'] } } },
          { name: 'c', action: { http: { url: 'https://x.example.com/{{env.HOME}}' } } },
          { name: 'd', action: { http: { url: 'file:///etc/passwd' } } },
          { name: 'e', action: { http: { url: 'https://x.example.com', headers: { authorization: 'Bearer {{insight.id}}' }, bearerTokenEnv: 'NO_SUCH_TOKEN' } } },
          { name: 'f', action: {} },
          { name: 'g', action: { http: { url: 'https://x.example.com' }, script: { path: 'x.sh' } } },
          { name: 'a', action: { http: { url: 'https://x.example.com', body: { k: '{{insight.secret}}' } } } },
        ],
      },
    });
    const has = (re: RegExp) => assert.ok(p.some((l) => re.test(l)), `${re} not in:\n${p.join('\n')}`);
    has(/^runbooks\.scriptDir: .*no-such-dir is not a directory/);
    has(/^runbooks\.rules\[0\]\.action\.script\.path: must be relative to runbooks\.scriptDir/);
    has(/^runbooks\.rules\[1\]\.action\.script\.args\[0\]: unknown template field "\{\{insight\.labels\.pod\}\}"/);
    has(/^runbooks\.rules\[2\]\.action\.http: unknown template field "\{\{env\.HOME\}\}"/);
    has(/^runbooks\.rules\[3\]\.action\.http\.url: must be an http/);
    has(/^runbooks\.rules\[4\]\.action\.http\.headers\.authorization: headers are fixed values: no templates/);
    has(/^runbooks\.rules\[4\]\.action\.http\.bearerTokenEnv: environment variable NO_SUCH_TOKEN is not set/);
    has(/^runbooks\.rules\[5\]\.action: give exactly one of http/);
    has(/^runbooks\.rules\[6\]\.action: give exactly one of http/);
    has(/^runbooks\.rules\[7\]\.name: runbook name "a" is used twice/);
    has(/^runbooks\.rules\[7\]\.action\.http: unknown template field "\{\{insight\.secret\}\}"/);
    assert.match(problems({ runbooks: { rules: [{ name: 'x', action: { script: { path: 'x.sh' } } }] } })[0]!, /^runbooks\.rules\[0\]\.action\.script: script actions need runbooks\.scriptDir/);
    assert.match(problems({ runbooks: { rules: [{ name: 'x', timeout: 'soon', action: { script: { path: 'x.sh' } } }] } })[0]!, /^runbooks\.rules\[0\]\.timeout: "soon" is not a duration/);
  });
});
