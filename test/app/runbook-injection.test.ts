// Runbooks are safe with attacker-controlled insight fields: label values such as `$(rm -rf /)`,
// `; reboot` or `` `touch …` `` reach a script only as inert argv elements and environment values,
// never through a shell; dry-run executes nothing; only the allow-listed directory runs; a timeout
// kills the script and what it started. Real scripts, real processes, the real runbook engine.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';

import { resolveScript, runScript } from '../../src/adapters/runbook/index.js';
import { MemoryStore } from '../../src/adapters/store/index.js';
import { ConfigError, resolveConfig } from '../../src/app/config.js';
import { RunbookEngine } from '../../src/app/runbook-engine.js';
import type { Insight } from '../../src/core/model/index.js';
import type { RunbookRule } from '../../src/core/notify/index.js';
import type { RunbookRun } from '../../src/core/ports/index.js';
import { T0, makeInsight } from '../support/notify-fixtures.js';

const log = pino({ level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'vigil-runbook-'));
const allowed = join(root, 'allowed');
const outside = join(root, 'outside');
const canaries = join(root, 'canaries');
after(() => rmSync(root, { recursive: true, force: true }));

function script(dir: string, name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

/** Values that a shell would turn into commands creating a canary file. */
const payload = {
  dollar: `$(touch ${canaries}/dollar)`,
  semicolon: `checkout; touch ${canaries}/semicolon; reboot`,
  backtick: `\`touch ${canaries}/backtick\``,
  literal: '$(rm -rf /)',
  reboot: '; reboot',
};

function hostileInsight(id: string): Insight {
  return makeInsight(id, {
    application: payload.dollar,
    name: `${payload.semicolon} ${payload.backtick} ${payload.literal} ${payload.reboot} "quoted" 'single' \\ newline\nend`,
  });
}

async function engineWith(rules: RunbookRule[], opts: { dryRun?: boolean; insight?: Insight; transitions?: number } = {}): Promise<{ store: MemoryStore; runs: () => Promise<RunbookRun[]> }> {
  const store = new MemoryStore();
  await store.migrate();
  const insight = opts.insight ?? hostileInsight('ins-inject-1');
  await store.upsertInsights([insight]);
  for (let k = 0; k < (opts.transitions ?? 1); k++) await store.appendTransitions([{ insightId: insight.id, type: 'NEW_INSIGHT', timeMs: T0 + k, severity: 'HIGH' }]);
  const engine = new RunbookEngine({ store, log, clock: { now: () => T0 + 60_000 }, rules, scriptDir: allowed, dryRun: opts.dryRun ?? false, env: {} });
  await engine.runOnce();
  return { store, runs: () => store.listRunbookRuns() };
}

/** Running (not gone, not a zombie waiting to be reaped by an init that may not reap) after a grace period. */
async function stillRunning(pid: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    let state: string;
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0]!;
    } catch {
      return false;
    }
    if (state === 'Z' || state === 'X') return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

const rule = (name: string, path: string, args: string[], over: Partial<RunbookRule> = {}): RunbookRule => ({
  name, match: { severity: 'MEDIUM' }, action: { script: { path, args } }, timeoutMs: 10_000, rateLimit: { max: 5, perMs: 3_600_000 }, ...over,
});

describe('runbook scripts and hostile insight fields', () => {
  before(() => {
    for (const d of [allowed, outside, canaries]) mkdirSync(d, { recursive: true });
    // Writes its argv NUL-separated, and its environment (env -0), next to itself.
    script(allowed, 'record.sh', 'for a in "$@"; do printf \'%s\\000\' "$a"; done > "$PWD/argv-$VIGIL_INSIGHT_ID.out"\nenv -0 > "$PWD/env-$VIGIL_INSIGHT_ID.out"');
    script(allowed, 'dry.sh', 'touch "$PWD/dry-ran.out"');
    script(allowed, 'sleepy.sh', 'sleep 30 &\necho $! > "$PWD/grandchild.pid"\nsleep 30');
    script(allowed, 'fails.sh', 'echo "boom on stderr" >&2\nexit 3');
    script(outside, 'evil.sh', 'touch "$PWD/../canaries/outside-ran"');
    symlinkSync(join(outside, 'evil.sh'), join(allowed, 'link-out.sh'));
  });

  it('control: the same values DO run commands when a shell sees them (so the canaries can detect injection)', () => {
    const control = mkdtempSync(join(tmpdir(), 'vigil-runbook-control-'));
    try {
      const shellish = payload.dollar.replaceAll(canaries, control);
      execFileSync('sh', ['-c', `echo ${shellish}`]);
      assert.ok(existsSync(join(control, 'dollar')), 'a shell executes $(…)');
    } finally {
      rmSync(control, { recursive: true, force: true });
    }
  });

  it('passes each field as exactly one argv element and as VIGIL_* environment, verbatim, and runs nothing else', async () => {
    process.env.VIGIL_TEST_SECRET_CANARY = 'do-not-leak';
    let runs: RunbookRun[];
    try {
      const engine = await engineWith([rule('record', 'record.sh', ['{{insight.application}}', '--name={{insight.name}}', '{{insight.id}}', '{{insight.severity}}'])]);
      runs = await engine.runs();
    } finally {
      delete process.env.VIGIL_TEST_SECRET_CANARY;
    }
    const insight = hostileInsight('ins-inject-1');
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.status, 'SUCCEEDED', runs[0]!.detail);
    assert.equal(runs[0]!.action, 'script');
    assert.equal(runs[0]!.target, JSON.stringify(['record.sh', insight.application, `--name=${insight.name}`, insight.id, 'HIGH']));

    const argv = readFileSync(join(allowed, 'argv-ins-inject-1.out'), 'utf8').split('\0').slice(0, -1);
    assert.deepEqual(argv, [insight.application, `--name=${insight.name}`, 'ins-inject-1', 'HIGH']);

    const env = new Map(readFileSync(join(allowed, 'env-ins-inject-1.out'), 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    assert.equal(env.get('VIGIL_INSIGHT_APPLICATION'), insight.application);
    assert.equal(env.get('VIGIL_INSIGHT_NAME'), insight.name);
    assert.deepEqual(JSON.parse(env.get('VIGIL_INSIGHT_JSON')!), insight);
    assert.equal(env.get('VIGIL_TRANSITION'), 'NEW_INSIGHT');
    assert.equal(env.get('VIGIL_DRY_RUN'), '0');
    // Vigil's own environment (where its secrets live) does not reach the script.
    assert.equal(env.get('VIGIL_TEST_SECRET_CANARY'), undefined);
    assert.ok([...env.keys()].every((k) => k.startsWith('VIGIL_') || ['PATH', 'HOME', 'LANG', 'TZ', 'PWD', 'SHLVL', '_', 'OLDPWD'].includes(k)), [...env.keys()].join(' '));

    for (const c of ['dollar', 'semicolon', 'backtick']) assert.equal(existsSync(join(canaries, c)), false, `canary "${c}" exists: the value was executed`);
  });

  it('dry-run records DRY_RUN with what it would run, and executes nothing (globally or per rule)', async () => {
    const global = await engineWith([rule('dry', 'dry.sh', ['{{insight.application}}'])], { dryRun: true, insight: hostileInsight('ins-dry-1') });
    const perRule = await engineWith([rule('dry', 'dry.sh', ['{{insight.id}}'], { dryRun: true })], { dryRun: false, insight: hostileInsight('ins-dry-2') });
    for (const { runs } of [global, perRule]) {
      const [r] = await runs();
      assert.equal(r!.status, 'DRY_RUN');
      assert.equal(r!.dryRun, true);
      assert.match(r!.detail, /dry run, nothing executed; would run: \["dry\.sh",/);
      assert.equal(r!.durationMs, 0);
    }
    assert.equal(existsSync(join(allowed, 'dry-ran.out')), false, 'the dry-run script ran');
    // A rule's own dryRun: false wins over the global dry run.
    const live = await engineWith([rule('dry', 'dry.sh', [], { dryRun: false })], { dryRun: true, insight: hostileInsight('ins-dry-3') });
    assert.equal((await live.runs())[0]!.status, 'SUCCEEDED');
    assert.equal(existsSync(join(allowed, 'dry-ran.out')), true);
    rmSync(join(allowed, 'dry-ran.out'));
  });

  it('refuses a script outside the allow-listed directory: ../, absolute, or a symlink out', async () => {
    assert.match((await resolveScript(allowed, '../outside/evil.sh') as { reason: string }).reason, /outside the allow-listed directory/);
    assert.match((await resolveScript(allowed, join(outside, 'evil.sh')) as { reason: string }).reason, /must be relative/);
    assert.match((await resolveScript(allowed, 'link-out.sh') as { reason: string }).reason, /resolves to .*evil\.sh, outside the allow-listed directory/);
    assert.match((await resolveScript(allowed, 'missing.sh') as { reason: string }).reason, /does not exist/);
    const { runs } = await engineWith([rule('escape', 'link-out.sh', [])], { insight: hostileInsight('ins-escape') });
    const [r] = await runs();
    assert.equal(r!.status, 'FAILED');
    assert.match(r!.detail, /not run: .*outside the allow-listed directory/);
    assert.equal(existsSync(join(canaries, 'outside-ran')), false, 'the script outside the allow-list ran');
    // The configuration refuses such paths before anything runs.
    assert.throws(() => resolveConfig({ runbooks: { scriptDir: allowed, rules: [{ name: 'x', action: { script: { path: '../outside/evil.sh' } } }] } }, {}), (e: ConfigError) => {
      assert.ok(e.problems.some((p) => p.key === 'runbooks.rules[0].action.script.path' && /no "\.\." segments/.test(p.problem)), JSON.stringify(e.problems));
      return true;
    });
  });

  it('kills a script that outlives its timeout, together with the processes it started', async () => {
    const started = Date.now();
    const { runs } = await engineWith([rule('sleepy', 'sleepy.sh', [], { timeoutMs: 700 })], { insight: hostileInsight('ins-sleepy') });
    const [r] = await runs();
    assert.equal(r!.status, 'TIMED_OUT', r!.detail);
    assert.match(r!.detail, /killed after the 700 ms timeout/);
    assert.ok(Date.now() - started < 15_000, 'the engine did not wait for the 30 s sleep');
    const pid = Number(readFileSync(join(allowed, 'grandchild.pid'), 'utf8'));
    assert.equal(await stillRunning(pid), false, `the script's background child ${pid} still runs`);
  });

  it('records a failing script with its exit code and stderr, bounded', async () => {
    const r = await runScript({ scriptDir: allowed, path: 'fails.sh', argv: [], env: {}, timeoutMs: 5000, maxOutputBytes: 6 });
    assert.equal(r.status, 'FAILED');
    assert.equal(r.exitCode, 3);
    assert.match(r.detail, /^exit 3\nstderr: boom o… \(9 more bytes not kept\)$/);
  });

  it('rate-limits a runbook per its window and audits the skipped run', async () => {
    const { runs } = await engineWith([rule('once', 'dry.sh', [], { dryRun: true, rateLimit: { max: 1, perMs: 3_600_000 } })], { insight: hostileInsight('ins-rl'), transitions: 2 });
    assert.deepEqual((await runs()).map((r) => r.status), ['RATE_LIMITED', 'DRY_RUN']);
  });
});

describe('runbook HTTP actions and hostile insight fields', () => {
  let server: Server;
  const received: { method: string; url: string; auth: string | undefined; body: string }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('percent-encodes values in the URL and JSON-encodes them in the body; the token comes from the environment', async () => {
    const port = (server.address() as AddressInfo).port;
    const store = new MemoryStore();
    await store.migrate();
    const insight = hostileInsight('ins-http');
    await store.upsertInsights([insight]);
    await store.appendTransitions([{ insightId: insight.id, type: 'NEW_INSIGHT', timeMs: T0, severity: 'HIGH' }]);
    const engine = new RunbookEngine({
      store, log, clock: { now: () => T0 }, scriptDir: null, dryRun: false, env: { ARGOCD_TOKEN: 'tok-123' },
      rules: [{
        name: 'rollback', match: { eventClass: 'DEPLOYMENT', recommendationId: 'rollback-bad-deploy' }, timeoutMs: 5000, rateLimit: { max: 1, perMs: 60_000 },
        action: { http: { method: 'POST', url: `http://127.0.0.1:${port}/api/v1/applications/{{insight.application}}/rollback`, body: { name: '{{insight.application}}', reason: 'Vigil: {{insight.name}}', id: 0 }, bearerTokenEnv: 'ARGOCD_TOKEN' } },
      }],
    });
    await store.appendEvents([{ id: 'ev-1', class: 'DEPLOYMENT', source: 'argocd', name: 'v2', timeMs: T0, resources: [], application: null, attributes: {} }]);
    await engine.runOnce();
    const [run] = await store.listRunbookRuns();
    assert.equal(run!.status, 'SUCCEEDED', run!.detail);
    assert.equal(run!.action, 'http');
    assert.match(run!.detail, /^HTTP 200: \{"ok":true\}$/);
    assert.equal(received.length, 1);
    const got = received[0]!;
    assert.equal(got.method, 'POST');
    assert.equal(got.auth, 'Bearer tok-123');
    assert.equal(got.url.split('/').length, 6, got.url);
    assert.equal(decodeURIComponent(got.url.split('/')[4]!), insight.application);
    assert.deepEqual(JSON.parse(got.body), { name: insight.application, reason: `Vigil: ${insight.name}`, id: 0 });
    assert.ok(!run!.target.includes('tok-123') && !run!.detail.includes('tok-123'), 'the token is not in the audit log');
  });
});
