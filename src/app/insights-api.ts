// Read and feedback APIs over insights (the OpenAPI document in openapi.ts is the contract).
import type { FastifyInstance } from 'fastify';
import type { FeedbackValue, InsightStatus, InsightType, Sensitivity, Severity } from '../core/model/index.js';
import type { InsightQuery, InsightSort } from '../core/ports/index.js';
import { parseSelector } from '../core/resources/index.js';
import { fail, parseTimeParam } from './http-errors.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import type { VigilApp } from './vigil-app.js';

const FEEDBACK: readonly FeedbackValue[] = ['USEFUL', 'NOT_USEFUL', 'TOO_SENSITIVE', 'NOISY_DATA', 'INCORRECT'];
const SEVERITIES: readonly Severity[] = ['LOW', 'MEDIUM', 'HIGH'];
const DAY_MS = 86_400_000;


type Query = Record<string, string | undefined>;

export function registerInsightsApi(server: FastifyInstance, app: VigilApp, parseJson: (body: unknown) => { ok: true; value: unknown } | { ok: false; reason: string }): void {
  const read = { config: { scope: 'read' as const } };

  server.get('/api/openapi.json', async () => OPENAPI_DOCUMENT);

  server.get('/api/v1/health', read, async (req, reply) => {
    const q = req.query as Query;
    const now = app.clock.now();
    const toMs = q.to ? parseTimeParam(q.to) : now;
    const fromMs = q.from ? parseTimeParam(q.from) : toMs - 30 * DAY_MS;
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', 'from / to must be RFC 3339 times or epoch milliseconds');
    const [reactive, proactive, mttrMs] = await Promise.all([
      app.store.listInsights({ status: 'ONGOING', type: 'REACTIVE', limit: 1000 }),
      app.store.listInsights({ status: 'ONGOING', type: 'PROACTIVE', limit: 1000 }),
      app.store.mttrMs(fromMs, toMs),
    ]);
    const bySeverity: Record<string, number> = { LOW: 0, MEDIUM: 0, HIGH: 0 };
    for (const i of [...reactive.items, ...proactive.items]) bySeverity[i.severity]!++;
    return { openReactiveInsights: reactive.total, openProactiveInsights: proactive.total, resourcesAnalysed: app.resourcesSeenSince(app.streamNow() - 3_600_000), mttrMs, fromMs, toMs, bySeverity };
  });

  server.get('/api/v1/applications', read, async () => {
    const ongoing = await app.store.listInsights({ status: 'ONGOING', limit: 1000 });
    const mttr = await app.store.mttrMs(app.clock.now() - 30 * DAY_MS, app.clock.now());
    const names = new Set<string>();
    for (const r of app.listResources()) if (r.application) names.add(r.application);
    for (const i of ongoing.items) if (i.application) names.add(i.application);
    return {
      applications: [...names].sort().map((name) => {
        const mine = ongoing.items.filter((i) => i.application === name);
        const reactive = mine.filter((i) => i.type === 'REACTIVE');
        const health = reactive.some((i) => i.severity === 'HIGH') ? 'UNHEALTHY' : mine.length > 0 ? 'DEGRADED' : 'HEALTHY';
        return { name, health, ongoingReactive: reactive.length, ongoingProactive: mine.length - reactive.length, resources: app.listResources().filter((r) => r.application === name && r.retiredMs === null).length, mttrMs: mttr };
      }),
    };
  });

  server.get('/api/v1/insights', read, async (req, reply) => {
    const q = req.query as Query;
    const query: { -readonly [K in keyof InsightQuery]: InsightQuery[K] } = {};
    if (q.status) {
      const s = q.status.toUpperCase();
      if (s !== 'ONGOING' && s !== 'CLOSED') return fail(reply, 'VIGIL_ERR_BAD_REQUEST', `status "${q.status}" is not ONGOING or CLOSED`);
      query.status = s as InsightStatus;
    }
    if (q.type) {
      const t = q.type.toUpperCase();
      if (t !== 'REACTIVE' && t !== 'PROACTIVE') return fail(reply, 'VIGIL_ERR_BAD_REQUEST', `type "${q.type}" is not REACTIVE or PROACTIVE`);
      query.type = t as InsightType;
    }
    if (q.severity) {
      const sev = q.severity.split(',').map((s) => s.trim().toUpperCase());
      const bad = sev.find((s) => !(SEVERITIES as readonly string[]).includes(s));
      if (bad) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', `severity "${bad}" is not one of LOW, MEDIUM, HIGH`);
      query.severity = sev as Severity[];
    }
    if (q.application) query.application = q.application;
    for (const k of ['from', 'to'] as const) {
      if (!q[k]) continue;
      const t = parseTimeParam(q[k]!);
      if (!Number.isFinite(t)) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', `${k}="${q[k]}" is not an RFC 3339 time or epoch milliseconds`);
      if (k === 'from') query.fromMs = t;
      else query.toMs = t;
    }
    for (const k of ['limit', 'offset'] as const) {
      if (q[k] === undefined) continue;
      const n = Number(q[k]);
      if (!Number.isInteger(n) || n < 0) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', `${k}="${q[k]}" must be a non-negative integer`);
      query[k] = k === 'limit' ? Math.min(n, 1000) : n;
    }
    if (q.sort) {
      if (!['startMs', 'severity', 'updatedMs'].includes(q.sort)) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', `sort "${q.sort}" is not startMs, severity or updatedMs`);
      query.sort = q.sort as InsightSort;
    }
    return app.store.listInsights(query);
  });

  server.get('/api/v1/insights/:id', read, async (req, reply) => {
    const { id } = req.params as { id: string };
    const insight = await app.store.getInsight(id);
    return insight ?? fail(reply, 'VIGIL_ERR_NOT_FOUND', `no insight "${id}"`);
  });

  server.get('/api/v1/insights/:id/anomalies', read, async (req, reply) => {
    const { id } = req.params as { id: string };
    const insight = await app.store.getInsight(id);
    if (!insight) return fail(reply, 'VIGIL_ERR_NOT_FOUND', `no insight "${id}"`);
    const anomalies = await app.store.listAnomalies(id);
    return {
      anomalies: anomalies.map((a) => {
        const pts = app.history.points(a.seriesId);
        return { ...a, series: { timesMs: pts.timesMs, values: pts.values.map((v) => (Number.isFinite(v) ? v : null)) } };
      }),
    };
  });

  server.get('/api/v1/insights/:id/feedback', read, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await app.store.getInsight(id))) return fail(reply, 'VIGIL_ERR_NOT_FOUND', `no insight "${id}"`);
    return { feedback: await app.store.listFeedback(id) };
  });

  server.post('/api/v1/insights/:id/feedback', read, async (req, reply) => {
    const { id } = req.params as { id: string };
    const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (ct !== 'application/json') return fail(reply, 'VIGIL_ERR_CONTENT_TYPE', `feedback needs Content-Type: application/json, got "${ct || 'none'}"`);
    const parsed = parseJson(req.body);
    if (!parsed.ok) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', parsed.reason);
    const body = parsed.value as { value?: unknown; comment?: unknown };
    const value = typeof body?.value === 'string' ? body.value.toUpperCase() : '';
    if (!(FEEDBACK as readonly string[]).includes(value)) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', `value must be one of ${FEEDBACK.join(', ')}`);
    if (body.comment !== undefined && (typeof body.comment !== 'string' || body.comment.length > 2000)) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', 'comment must be a string of at most 2000 characters');
    const insight = await app.store.getInsight(id);
    if (!insight) return fail(reply, 'VIGIL_ERR_NOT_FOUND', `no insight "${id}"`);
    const fb = { insightId: id, value: value as FeedbackValue, timeMs: app.clock.now(), ...(typeof body.comment === 'string' ? { comment: body.comment } : {}) };
    await app.store.addFeedback(fb);
    await app.applyFeedback(insight, fb.value);
    return reply.code(201).send({ ...fb, comment: fb.comment ?? null });
  });

  server.get('/api/v1/recommendations', read, async (req, reply) => {
    const q = req.query as Query;
    if (q.insightId) {
      const i = await app.store.getInsight(q.insightId);
      if (!i) return fail(reply, 'VIGIL_ERR_NOT_FOUND', `no insight "${q.insightId}"`);
      return { recommendations: i.recommendations.map((r) => ({ insightId: i.id, recommendation: r })) };
    }
    const page = await app.store.listInsights({ status: 'ONGOING', limit: 1000 });
    return { recommendations: page.items.flatMap((i) => i.recommendations.map((r) => ({ insightId: i.id, recommendation: r }))) };
  });

  server.get('/api/v1/insights/:id/forecast', read, async (req, reply) => {
    const { id } = req.params as { id: string };
    const insight = await app.store.getInsight(id);
    if (!insight) return fail(reply, 'VIGIL_ERR_NOT_FOUND', `no insight "${id}"`);
    if (insight.type !== 'PROACTIVE' || insight.prediction === null) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', `insight "${id}" is ${insight.type.toLowerCase()}: only proactive insights have a forecast`);
    const f = app.forecastOf(insight);
    return {
      seriesKey: insight.prediction.seriesKey, limit: insight.prediction.limit, prediction: insight.prediction,
      history: f?.history ?? { timesMs: [], values: [] }, forecast: f?.forecast ?? null,
    };
  });

  // Live updates: every created or changed insight as a server-sent event.
  server.get('/api/v1/stream', { config: { scope: 'read' as const, queryToken: true } }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 3000\n: vigil live insights\n\n');
    const off = app.onInsights((insights) => {
      for (const i of insights) res.write(`event: insight\ndata: ${JSON.stringify(i)}\n\n`);
    });
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    ping.unref();
    const close = () => {
      clearInterval(ping);
      off();
    };
    const end = () => {
      close();
      res.end();
    };
    req.raw.on('close', () => {
      close();
      app.offStop(end);
    });
    app.onStop(end);
  });

  server.get('/api/v1/sensitivity', read, async () => ({ default: app.config.insights.sensitivity, settings: await app.store.listSensitivity() }));
  server.put('/api/v1/sensitivity', { config: { scope: 'admin' as const } }, async (req, reply) => {
    const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (ct !== 'application/json') return fail(reply, 'VIGIL_ERR_CONTENT_TYPE', `sensitivity needs Content-Type: application/json, got "${ct || 'none'}"`);
    const parsed = parseJson(req.body);
    if (!parsed.ok) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', parsed.reason);
    const body = parsed.value as { scope?: unknown; level?: unknown };
    const scope = typeof body?.scope === 'string' ? body.scope : '';
    if (!/^(application|series):.+/.test(scope) || scope.length > 2000) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', 'scope must be "application:<name>" or "series:<series key>"');
    const level = body.level === null ? null : typeof body.level === 'string' ? body.level.toUpperCase() : undefined;
    if (level !== null && !(SEVERITIES as readonly (string | undefined)[]).includes(level)) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', 'level must be LOW, MEDIUM, HIGH or null (back to the default)');
    await app.setSensitivity(scope as `application:${string}`, level as Sensitivity | null);
    return { default: app.config.insights.sensitivity, settings: await app.store.listSensitivity() };
  });

  server.get('/api/v1/coverage', read, async () => ({ coverage: app.coverage() }));
  server.put('/api/v1/coverage', { config: { scope: 'admin' as const } }, async (req, reply) => {
    const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (ct !== 'application/json') return fail(reply, 'VIGIL_ERR_CONTENT_TYPE', `coverage needs Content-Type: application/json, got "${ct || 'none'}"`);
    const parsed = parseJson(req.body);
    if (!parsed.ok) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', parsed.reason);
    const c = (parsed.value as { coverage?: unknown })?.coverage;
    if (c !== 'all') {
      if (!Array.isArray(c) || c.length === 0 || c.some((s) => typeof s !== 'string')) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', 'coverage must be "all" or a non-empty list of selectors such as ["{namespace=\\"shop\\"}"]');
      for (const [i, s] of (c as string[]).entries()) {
        const r = parseSelector(s);
        if (!r.ok) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', `coverage[${i}]: ${r.reason} (at ${r.position})`);
      }
    }
    await app.setCoverage(c as 'all' | string[]);
    return { coverage: app.coverage() };
  });
}
