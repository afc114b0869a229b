// Channels, the delivery log and runbooks over HTTP (the OpenAPI document in openapi.ts is the
// contract). Secrets never leave: channel secrets show as "***", Slack webhook paths, URL
// passwords and query values are masked, runbook header values too.
import type { FastifyInstance } from 'fastify';
import type { ChannelRecord, DeliveryQuery, RunbookRunQuery } from '../core/ports/index.js';
import type { ChannelSpec, RunbookRule } from '../core/notify/index.js';
import { fail } from './http-errors.js';
import { Notifier } from './notifier.js';
import { channelBodySchema, resolveChannel, resolveChannelRecord } from './notify-config.js';
import { RunbookEngine } from './runbook-engine.js';
import type { VigilApp } from './vigil-app.js';

type Query = Record<string, string | undefined>;
type ParseJson = (body: unknown) => { ok: true; value: unknown } | { ok: false; reason: string };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const notifiers = new WeakMap<VigilApp, Notifier>();

/** The app's notifier (one per app), built from its configuration on first use; serve starts it. */
export function notifierFor(app: VigilApp, env: NodeJS.ProcessEnv = process.env): Notifier {
  let n = notifiers.get(app);
  if (n === undefined) {
    const cfg = app.config.resolved.notifications;
    const runbooks = new RunbookEngine({ store: app.store, log: app.log, clock: app.clock, rules: cfg.runbooks.rules, scriptDir: cfg.runbooks.scriptDir, dryRun: cfg.runbooks.dryRun, env });
    n = new Notifier({
      store: app.store, log: app.log, clock: app.clock, configChannels: cfg.channels, retry: cfg.retry, env, runbooks,
      externalUrl: app.config.server.externalUrl ?? null,
    });
    notifiers.set(app, n);
  }
  return n;
}

/** A URL with what may be a credential masked: the password, query values, a Slack webhook's path. */
export function redactUrl(url: string, type: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    for (const k of [...u.searchParams.keys()]) u.searchParams.set(k, '***');
    if (type === 'slack' && u.pathname.startsWith('/services/')) u.pathname = '/services/***';
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return '***';
  }
}

interface ChannelView {
  name: string;
  type: string;
  url: string;
  minSeverity: string;
  types: readonly string[];
  rateLimitPerMinute: number;
  source: 'config' | 'api';
  secret: '***' | null;
  secretEnv: string | null;
  /** Why the channel cannot be used (an API channel whose secretEnv is unset), or null. */
  problem: string | null;
}

function viewOfSpec(spec: ChannelSpec, secretEnv: string | null): ChannelView {
  return {
    name: spec.name, type: spec.type, url: redactUrl(spec.url, spec.type), minSeverity: spec.minSeverity, types: spec.types, rateLimitPerMinute: spec.rateLimitPerMinute,
    source: 'config', secret: spec.secret !== undefined ? '***' : null, secretEnv, problem: null,
  };
}

function viewOfRecord(r: ChannelRecord, problem: string | null): ChannelView {
  return {
    name: r.name, type: r.type, url: redactUrl(r.url, r.type), minSeverity: r.minSeverity, types: r.types, rateLimitPerMinute: r.rateLimitPerMinute,
    source: 'api', secret: r.secret !== null ? '***' : null, secretEnv: r.secretEnv, problem,
  };
}

function viewOfRule(rule: RunbookRule, dryRun: boolean): unknown {
  const action = 'http' in rule.action
    ? { http: { ...rule.action.http, ...(rule.action.http.headers ? { headers: Object.fromEntries(Object.keys(rule.action.http.headers).map((k) => [k, '***'])) } : {}) } }
    : { script: { path: rule.action.script.path, args: rule.action.script.args ?? [] } };
  return { name: rule.name, match: rule.match, action, timeoutMs: rule.timeoutMs, rateLimit: rule.rateLimit, dryRun };
}

function limitParam(q: Query): number | { error: string } | undefined {
  if (q.limit === undefined) return undefined;
  const n = Number(q.limit);
  if (!/^\d+$/.test(q.limit) || n < 1 || n > 1000) return { error: `limit="${q.limit}" must be a whole number from 1 to 1000` };
  return n;
}

export function registerNotifyApi(server: FastifyInstance, app: VigilApp, parseJson: ParseJson): void {
  const read = { config: { scope: 'read' as const } };
  const admin = { config: { scope: 'admin' as const } };
  const configured = app.config.resolved.notifications.channels;
  const configSecretEnv = new Map(app.config.notifications.channels.map((c) => [c.name, c.secretEnv ?? null]));

  const listViews = async (): Promise<ChannelView[]> => {
    const out = new Map<string, ChannelView>();
    for (const spec of configured) out.set(spec.name, viewOfSpec(spec, configSecretEnv.get(spec.name) ?? null));
    for (const r of await app.store.listChannels()) {
      const res = resolveChannelRecord(r, process.env);
      out.set(r.name, viewOfRecord(r, res.ok ? null : res.problems.map((p) => p.problem).join('; ')));
    }
    return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  };

  server.get('/api/v1/channels', read, async () => ({ channels: await listViews() }));

  server.put('/api/v1/channels/:name', admin, async (req, reply) => {
    const { name } = req.params as { name: string };
    if (!NAME.test(name)) return fail(reply, 'VIGIL_ERR_CHANNEL_INVALID', `channel name "${name}" must be letters, digits, ".", "_" and "-" (at most 64, starting with a letter or digit)`);
    const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (ct !== 'application/json') return fail(reply, 'VIGIL_ERR_CONTENT_TYPE', `a channel needs Content-Type: application/json, got "${ct || 'none'}"`);
    const parsed = parseJson(req.body);
    if (!parsed.ok) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', parsed.reason);
    const body = channelBodySchema.safeParse(parsed.value);
    if (!body.success) {
      const issues = body.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}` : i.message}`);
      return fail(reply, 'VIGIL_ERR_CHANNEL_INVALID', issues.join('; '));
    }
    const input = { ...body.data, name };
    const res = resolveChannel(input, process.env, 'channel');
    if (!res.ok) return fail(reply, 'VIGIL_ERR_CHANNEL_INVALID', res.problems.map((p) => `${p.key.replace(/^channel\.?/, '') || 'channel'}: ${p.problem}`).join('; '));
    const record: ChannelRecord = {
      name, type: input.type, url: res.spec.url, minSeverity: input.minSeverity, types: res.spec.types, rateLimitPerMinute: input.rateLimitPerMinute,
      secret: input.secret ?? null, secretEnv: input.secretEnv ?? null, updatedMs: app.clock.now(),
    };
    await app.store.putChannel(record);
    app.log.info({ channel: name, type: record.type }, 'channel set through the API');
    return { channel: viewOfRecord(record, null) };
  });

  server.delete('/api/v1/channels/:name', admin, async (req, reply) => {
    const { name } = req.params as { name: string };
    const inConfig = configured.some((c) => c.name === name);
    const deleted = await app.store.deleteChannel(name);
    if (!deleted) {
      if (inConfig) return fail(reply, 'VIGIL_ERR_CONFLICT', `channel "${name}" is defined in vigil.yaml (notifications.channels); remove it there. Only channels set through the API (or API overrides of configured ones) can be deleted here`);
      return fail(reply, 'VIGIL_ERR_NOT_FOUND', `no channel "${name}"`);
    }
    // Back to the configured channel when there is one; otherwise its queued messages are dropped.
    const dropped = inConfig ? 0 : await notifierFor(app).channelRemoved(name);
    app.log.info({ channel: name, dropped, restored: inConfig }, 'channel deleted through the API');
    return { deleted: name, now: inConfig ? 'config' : 'none', droppedMessages: dropped };
  });

  server.post('/api/v1/channels/:name/test', admin, async (req, reply) => {
    const { name } = req.params as { name: string };
    const channel = (await notifierFor(app).channels()).find((c) => c.spec.name === name);
    if (channel === undefined) {
      const view = (await listViews()).find((v) => v.name === name);
      if (view?.problem) return fail(reply, 'VIGIL_ERR_CHANNEL_INVALID', `channel "${name}" cannot be used: ${view.problem}`);
      return fail(reply, 'VIGIL_ERR_NOT_FOUND', `no channel "${name}"`);
    }
    const result = await notifierFor(app).sendTest(channel.spec);
    return result.ok
      ? { channel: name, delivered: true, status: result.status, reason: null }
      : { channel: name, delivered: false, status: result.status ?? null, reason: result.reason };
  });

  server.get('/api/v1/deliveries', read, async (req, reply) => {
    const q = req.query as Query;
    const limit = limitParam(q);
    if (typeof limit === 'object') return fail(reply, 'VIGIL_ERR_BAD_REQUEST', limit.error);
    const query: DeliveryQuery = { ...(q.channel ? { channel: q.channel } : {}), ...(q.insightId ? { insightId: q.insightId } : {}), ...(limit !== undefined ? { limit } : {}) };
    return { deliveries: await app.store.listDeliveries(query) };
  });

  server.get('/api/v1/runbooks', read, async () => {
    const rb = app.config.resolved.notifications.runbooks;
    return { scriptDir: rb.scriptDir, dryRun: rb.dryRun, runbooks: rb.rules.map((r) => viewOfRule(r, r.dryRun ?? rb.dryRun)) };
  });

  server.get('/api/v1/runbook-runs', read, async (req, reply) => {
    const q = req.query as Query;
    const limit = limitParam(q);
    if (typeof limit === 'object') return fail(reply, 'VIGIL_ERR_BAD_REQUEST', limit.error);
    const query: RunbookRunQuery = { ...(q.insightId ? { insightId: q.insightId } : {}), ...(q.runbook ? { runbook: q.runbook } : {}), ...(limit !== undefined ? { limit } : {}) };
    return { runs: await app.store.listRunbookRuns(query) };
  });
}
