import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseDurationMs, resolveConfig } from '../../src/app/config.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => `${p.key}: ${p.problem}`);
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('runs on embedded defaults: port 8080, ./data, localhost only without tokens', () => {
    const c = resolveConfig({}, {});
    assert.equal(c.server.port, 8080);
    assert.equal(c.resolved.host, '127.0.0.1');
    assert.match(c.resolved.storePath, /data\/vigil\.db$/);
    assert.equal(c.prometheus.warmStart, 7 * 86_400_000);
    assert.ok(Object.isFrozen(c.server));
  });

  it('names the key and the fix for each bad value', () => {
    const p = problems(() => resolveConfig({ server: { port: 'x', bogus: 1 }, prometheus: { warmStart: '7 days' }, store: { kind: 'mysql' } }, {}));
    assert.ok(p.some((l) => l.startsWith('server.port: expected number')), p.join('\n'));
    assert.ok(p.some((l) => l.startsWith('server: unknown key(s) "bogus"')), p.join('\n'));
    assert.ok(p.some((l) => l.startsWith('store.kind: must be one of "sqlite", "postgres"')), p.join('\n'));
    assert.ok(p.some((l) => l.includes('prometheus.warmStart') && l.includes('write e.g. 30s')), p.join('\n'));
  });

  it('applies file < env < flags, and resolves secrets from the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cfg-'));
    const file = join(dir, 'vigil.yaml');
    writeFileSync(file, 'server:\n  port: 9000\nauth:\n  tokens:\n    - name: ci\n      tokenEnv: VIGIL_CI_TOKEN\n      scopes: [ingest, read]\n');
    const env = { VIGIL_PORT: '9100', VIGIL_CI_TOKEN: 'x'.repeat(32) };
    assert.equal(loadConfig(file, env).server.port, 9100);
    const c = loadConfig(file, env, { port: 9200 });
    assert.equal(c.server.port, 9200);
    assert.equal(c.resolved.tokens[0]!.token, 'x'.repeat(32));
    assert.equal(c.resolved.host, '0.0.0.0');
    const missing = problems(() => loadConfig(file, {}));
    assert.match(missing[0]!, /auth\.tokens\[0\]: environment variable VIGIL_CI_TOKEN is not set/);
  });

  it('reports unreadable files and YAML errors with their source', () => {
    assert.match(problems(() => loadConfig('/nonexistent/vigil.yaml', {}))[0]!, /--config: cannot read/);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cfg-'));
    writeFileSync(join(dir, 'bad.yaml'), 'server: [\n');
    assert.match(problems(() => loadConfig(join(dir, 'bad.yaml'), {}))[0]!, /not valid YAML/);
    assert.match(problems(() => resolveConfig({ store: { kind: 'postgres' } }, {}))[0]!, /store\.url: .*VIGIL_STORE_URL/);
  });

  it('insights.forecastMinHistory: 1h by default, a duration from the file, the key named when bad', () => {
    assert.equal(resolveConfig({}, {}).insights.forecastMinHistory, 3_600_000);
    assert.equal(resolveConfig({ insights: { forecastMinHistory: '2m' } }, {}).insights.forecastMinHistory, 120_000);
    const p = problems(() => resolveConfig({ insights: { forecastMinHistory: 'an hour' } }, {}));
    assert.ok(p.some((l) => l.startsWith('insights.forecastMinHistory:') && l.includes('write e.g. 30s')), p.join('\n'));
  });

  it('parses Prometheus-style durations', () => {
    assert.equal(parseDurationMs('90s'), 90_000);
    assert.equal(parseDurationMs('1.5h'), 5_400_000);
    assert.equal(parseDurationMs('2w'), 14 * 86_400_000);
    assert.equal(parseDurationMs('7 days'), null);
  });
});

describe('config: resources and semantics', () => {
  it('checks selectors and overrides, naming the key', () => {
    const p = problems(() => resolveConfig({ resources: { applications: [{ name: 'shop', selector: '{namespace="shop"' }] }, semantics: { overrides: [{ match: '(' , kind: 'latency' }] } }, {}));
    assert.ok(p.some((l) => l.startsWith('resources.applications[0].selector')), p.join('\n'));
    assert.ok(p.some((l) => l.startsWith('semantics.overrides[0]') && l.includes('regular expression')), p.join('\n'));
    const ok = resolveConfig({ resources: { applications: [{ name: 'shop', selector: '{namespace="shop"}' }], coverage: ['{job="node"}'] } }, {});
    assert.equal(ok.resolved.resourceRules.applications[0]!.name, 'shop');
  });
});
