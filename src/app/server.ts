// The HTTP edge of `vigil serve`: ingest (remote-write, OTLP, events, webhooks), read APIs,
// /metrics and health. Error responses are always `{ error: { code, reason } }` (errors.ts).
import { gunzip } from 'node:zlib';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { EVENT_CLASSES, type EventClass, type Labels, type VigilEvent } from '../core/model/index.js';
import type { EventQuery } from '../core/ports/index.js';
import { createIngestCounts, resetIngestCounts } from '../core/pipeline/index.js';
import { fromArgoCdNotification, fromCloudTrailEventBridge, fromGenericEvent, fromGithubWebhook } from '../core/events/index.js';
import { LabelInterner, createSampleBatch, decodeWriteRequest, decompressSnappy } from '../adapters/remote-write/index.js';
import { OtlpMetricsDecoder, encodeExportMetricsServiceResponse, encodeExportMetricsServiceResponseJson } from '../adapters/otlp/index.js';
import { verifyGithubSignature, verifyHmacSha256Hex } from '../adapters/events/index.js';
import type { Scope } from './config.js';
import { TokenAuth } from './auth.js';
import type { ErrorCode } from './errors.js';
import { fail, parseTimeParam } from './http-errors.js';
import type { VigilApp } from './vigil-app.js';
import { registerInsightsApi } from './insights-api.js';
import { registerNotifyApi } from './notify-api.js';
import { DEFAULT_DASHBOARD_ROOT, registerDashboard } from './dashboard.js';
import { drainRequest } from './drain-request.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: Scope;
    ingest?: boolean;
    /** The route also accepts the bearer token as ?access_token= (server-sent events). */
    queryToken?: boolean;
  }
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}


export interface ServerOptions {
  readonly app: VigilApp;
  readonly log: Logger;
}

export async function buildServer({ app, log }: ServerOptions): Promise<FastifyInstance> {
  const cfg = app.config;
  const auth = new TokenAuth(cfg.resolved.tokens);
  const server = Fastify({
    loggerInstance: log, bodyLimit: cfg.server.bodyLimitBytes, disableRequestLogging: true, return503OnClosing: true,
    // One shared logger instead of a child per request: a child costs ~5% of remote-write ingest
    // (measured with --cpu-prof); errors still log the request through the error handler.
    childLoggerFactory: (logger) => logger,
  });

  // Bodies stay raw buffers: remote-write and OTLP protobuf are decoded by hand, and webhook
  // signatures are computed over the exact bytes received.
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  server.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail(reply, 'VIGIL_ERR_BODY_TOO_LARGE', `request body is over the limit of ${cfg.server.bodyLimitBytes} bytes (server.bodyLimitBytes)`);
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return fail(reply, 'VIGIL_ERR_CONTENT_TYPE', err.message);
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', err.message, err.statusCode);
    req.log.error({ err }, 'request failed');
    return fail(reply, 'VIGIL_ERR_INTERNAL');
  });
  server.setNotFoundHandler((req, reply) => fail(reply, 'VIGIL_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));

  // Access control and backpressure, before the body is read.
  let inFlight = 0;
  server.addHook('onRequest', async (req, reply) => {
    const scope = req.routeOptions.config?.scope;
    if (scope) {
      // EventSource cannot send headers: the live stream also takes the token as ?access_token=.
      const queryToken = req.routeOptions.config?.queryToken ? (req.query as Record<string, string | undefined>).access_token : undefined;
      const r = auth.check(req.headers.authorization ?? (queryToken ? `Bearer ${queryToken}` : undefined), scope);
      if (!r.ok) return fail(reply, r.code, r.reason);
    }
    if (req.routeOptions.config?.ingest) {
      if (inFlight >= cfg.server.maxInFlightIngest) {
        reply.header('Retry-After', '1');
        return fail(reply, 'VIGIL_ERR_OVERLOADED', `${inFlight} ingest requests in flight (server.maxInFlightIngest); retry after 1 s`);
      }
      inFlight++;
      (req as FastifyRequest & { counted?: boolean }).counted = true;
    }
    return undefined;
  });
  // An error answered before the body was read: read the rest first, so the client sees it.
  const drainLimits = { maxBytes: 4 * cfg.server.bodyLimitBytes, timeoutMs: 10_000 };
  // Callback style: no promise on the success path (every remote-write request passes here).
  server.addHook('onSend', (req, reply, payload, done) => {
    if (reply.statusCode < 400 || req.raw.complete) return done(null, payload);
    void drainRequest(req.raw, drainLimits).then(() => done(null, payload));
  });
  server.addHook('onResponse', async (req, reply) => {
    if ((req as FastifyRequest & { counted?: boolean }).counted) inFlight--;
    app.metrics.request(req.routeOptions.url ?? 'unmatched', reply.statusCode);
  });

  // ---- Prometheus remote-write 1.0 -------------------------------------------------------
  const batch = createSampleBatch(4096);
  const counts = createIngestCounts();
  let requestTimeMs = 0;
  const interner = new LabelInterner((labels: Labels) => app.seriesId(labels, requestTimeMs), {
    maxLabelCount: cfg.ingest.maxLabels,
    maxLabelValueBytes: cfg.ingest.maxLabelValueBytes,
  });
  server.post('/api/v1/write', { config: { scope: 'ingest', ingest: true } }, async (req, reply) => {
    const ct = String(req.headers['content-type'] ?? '');
    if (!ct.startsWith('application/x-protobuf')) return fail(reply, 'VIGIL_ERR_CONTENT_TYPE', `remote-write needs Content-Type: application/x-protobuf, got "${ct || 'none'}"`);
    const enc = String(req.headers['content-encoding'] ?? '');
    if (enc !== 'snappy') return fail(reply, 'VIGIL_ERR_CONTENT_TYPE', `remote-write needs Content-Encoding: snappy, got "${enc || 'none'}"`);
    const body = req.body as Buffer;
    const raw = decompressSnappyChecked(body, cfg.ingest.maxDecompressedBytes);
    if (!raw.ok) return fail(reply, raw.code, raw.reason, raw.status);
    requestTimeMs = app.clock.now();
    batch.count = 0;
    const decoded = decodeWriteRequest(raw.data, interner, batch);
    if (!decoded.ok) {
      batch.count = 0;
      return fail(reply, decoded.code as ErrorCode, decoded.reason, decoded.status);
    }
    for (const m of decoded.metadata) if (m.type !== 'unknown') app.metricTypes.set(m.metricFamilyName, m.type);
    resetIngestCounts(counts);
    app.ingest(batch, counts);
    const rejected = counts.outOfOrder + counts.duplicate;
    if (rejected > 0) {
      const s = app.pipeline.descriptor(counts.firstRejectedId);
      return fail(reply, 'VIGIL_ERR_SAMPLES_REJECTED',
        `${counts.outOfOrder} out-of-order and ${counts.duplicate} duplicate sample(s) rejected (first: ${s?.key ?? '?'}, newest accepted time ${app.pipeline.lastSampleTimeMs(counts.firstRejectedId)}); ${counts.accepted} accepted`);
    }
    return reply.code(204).send();
  });

  // ---- OTLP/HTTP metrics ------------------------------------------------------------------
  const otlp = new OtlpMetricsDecoder();
  server.post('/v1/metrics', { config: { scope: 'ingest', ingest: true } }, async (req, reply) => {
    const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const json = ct === 'application/json';
    if (!json && ct !== 'application/x-protobuf') return fail(reply, 'VIGIL_ERR_CONTENT_TYPE', `OTLP/HTTP needs Content-Type application/x-protobuf or application/json, got "${ct || 'none'}"`);
    let body = req.body as Buffer;
    const enc = String(req.headers['content-encoding'] ?? '');
    if (enc === 'gzip') {
      const r = await gunzipLimited(body, cfg.ingest.maxDecompressedBytes);
      if (!r.ok) return fail(reply, r.code, r.reason);
      body = r.data;
    } else if (enc !== '' && enc !== 'identity') return fail(reply, 'VIGIL_ERR_CONTENT_TYPE', `Content-Encoding "${enc}" is not supported; use gzip or none`);
    let result;
    if (json) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(utf8Strict(body));
      } catch (err) {
        return fail(reply, 'VIGIL_ERR_OTLP', `body is not valid UTF-8 JSON: ${(err as Error).message}`);
      }
      result = otlp.decodeJson(parsed);
    } else result = otlp.decodeProtobuf(body);
    if (!result.ok) return fail(reply, 'VIGIL_ERR_OTLP', result.reason, result.status);
    const now = app.clock.now();
    resetIngestCounts(counts);
    batch.count = 0;
    const pts = result.points;
    const ids = new Int32Array(pts.length);
    for (let i = 0; i < pts.length; i++) ids[i] = app.seriesId(pts[i]!.labels, now, pts[i]!.type);
    // Group by series in arrival order: one series' points arrive in time order within a request.
    const times = new Float64Array(pts.length);
    const values = new Float64Array(pts.length);
    for (let i = 0; i < pts.length; i++) {
      times[i] = pts[i]!.timeMs;
      values[i] = pts[i]!.value;
    }
    app.ingest({ ids, timesMs: times, values, count: pts.length }, counts);
    const rejected = result.rejectedDataPoints + counts.outOfOrder + counts.duplicate;
    const message = [result.errorMessage, counts.outOfOrder + counts.duplicate > 0 ? `${counts.outOfOrder} out-of-order and ${counts.duplicate} duplicate point(s) rejected` : '']
      .filter(Boolean).join('; ');
    if (json) return reply.code(200).type('application/json').send(encodeExportMetricsServiceResponseJson(rejected, message));
    return reply.code(200).type('application/x-protobuf').send(Buffer.from(encodeExportMetricsServiceResponse(rejected, message)));
  });

  // ---- Events -----------------------------------------------------------------------------
  const parseJsonBody = (req: FastifyRequest, reply: FastifyReply): { ok: true; body: unknown } | { ok: false } => {
    const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (ct !== 'application/json') {
      fail(reply, 'VIGIL_ERR_CONTENT_TYPE', `this endpoint needs Content-Type: application/json, got "${ct || 'none'}"`);
      return { ok: false };
    }
    try {
      return { ok: true, body: JSON.parse(utf8Strict(req.body as Buffer)) };
    } catch (err) {
      fail(reply, 'VIGIL_ERR_EVENT_INVALID', `body is not valid UTF-8 JSON: ${(err as Error).message}`);
      return { ok: false };
    }
  };
  const storeEvents = async (reply: FastifyReply, r: EventParse) => {
    if (!r.ok) return fail(reply, 'VIGIL_ERR_EVENT_INVALID', r.field ? `${r.field}: ${r.reason}` : r.reason);
    const fresh = await app.appendEvents(r.events);
    return reply.code(202).send({ accepted: r.events.length, new: fresh, ids: r.events.map((e) => e.id) });
  };

  server.post('/api/v1/events', { config: { scope: 'ingest' } }, async (req, reply) => {
    const secret = cfg.resolved.genericSecret;
    if (secret) {
      const v = verifyHmacSha256Hex(secret, req.body as Buffer, header(req, 'x-vigil-signature'));
      if (!v.ok) return fail(reply, 'VIGIL_ERR_SIGNATURE', v.reason);
    }
    const p = parseJsonBody(req, reply);
    if (!p.ok) return reply;
    return storeEvents(reply, fromGenericEvent(p.body, app.clock.now()));
  });
  server.post('/api/v1/webhooks/argocd', { config: { scope: 'ingest' } }, async (req, reply) => {
    const p = parseJsonBody(req, reply);
    if (!p.ok) return reply;
    return storeEvents(reply, fromArgoCdNotification(p.body, app.clock.now()));
  });
  server.post('/api/v1/webhooks/cloudtrail', { config: { scope: 'ingest' } }, async (req, reply) => {
    const p = parseJsonBody(req, reply);
    if (!p.ok) return reply;
    return storeEvents(reply, fromCloudTrailEventBridge(p.body));
  });
  // GitHub signs its deliveries, so this route needs no bearer token: the signature is the auth.
  server.post('/api/v1/webhooks/github', async (req, reply) => {
    const secret = cfg.resolved.githubSecret;
    if (!secret) return fail(reply, 'VIGIL_ERR_SIGNATURE', `no GitHub webhook secret is configured; set ${cfg.webhooks.githubSecretEnv} to the secret entered in GitHub`);
    const v = verifyGithubSignature(secret, req.body as Buffer, header(req, 'x-hub-signature-256'));
    if (!v.ok) return fail(reply, 'VIGIL_ERR_SIGNATURE', v.reason);
    const p = parseJsonBody(req, reply);
    if (!p.ok) return reply;
    return storeEvents(reply, fromGithubWebhook(header(req, 'x-github-event') ?? '', p.body, app.clock.now()));
  });

  server.get('/api/v1/events', { config: { scope: 'read' } }, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const query: { -readonly [K in keyof EventQuery]: EventQuery[K] } = {};
    for (const k of ['from', 'to', 'limit', 'offset'] as const) {
      if (q[k] === undefined) continue;
      const n = k === 'from' || k === 'to' ? parseTimeParam(q[k]!) : Number(q[k]);
      if (!Number.isFinite(n)) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', `query parameter ${k}="${q[k]}" is not a ${k === 'from' || k === 'to' ? 'time (RFC 3339 or epoch ms)' : 'number'}`);
      if (k === 'from') query.fromMs = n;
      else if (k === 'to') query.toMs = n;
      else if (k === 'limit') query.limit = n;
      else query.offset = n;
    }
    if (q.class) {
      const classes = q.class.split(',').map((c) => c.trim().toUpperCase());
      const bad = classes.find((c) => !(EVENT_CLASSES as readonly string[]).includes(c));
      if (bad) return fail(reply, 'VIGIL_ERR_BAD_REQUEST', `class "${bad}" is not one of ${EVENT_CLASSES.join(', ')}`);
      query.classes = classes as EventClass[];
    }
    if (q.source) query.source = q.source;
    if (q.application) query.application = q.application;
    if (q.resource) query.resource = q.resource;
    return { events: await app.store.listEvents(query) };
  });

  // ---- Read APIs, health and metrics ------------------------------------------------------
  server.get('/api/v1/status', { config: { scope: 'read' } }, async () => ({
    status: 'ok',
    startedAt: new Date(app.startedMs).toISOString(),
    series: app.pipeline.seriesCount,
    resources: app.resourceCount(),
    samplesAccepted: app.metrics.samplesAccepted.value,
    store: cfg.store.kind,
    prometheusPull: app.pullStatus.state ?? 'disabled',
    // The dashboard links each anomaly's series to this Prometheus.
    prometheusUrl: cfg.prometheus.url ?? null,
    auth: auth.open ? 'open (localhost only)' : 'bearer tokens',
  }));
  server.get('/api/v1/resources', { config: { scope: 'read' } }, async () => ({ resources: app.listResources() }));
  server.get('/api/v1/series', { config: { scope: 'read' } }, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const limit = Math.min(10_000, Math.max(1, Number(q.limit ?? 1000) || 1000));
    const offset = Math.max(0, Number(q.offset ?? 0) || 0);
    const all = app.pipeline.allSeries();
    return {
      total: all.length,
      series: all.slice(offset, offset + limit).map((s) => ({ ...s, score: app.pipeline.score(s.id), lastSampleMs: app.pipeline.lastSampleTimeMs(s.id) })),
    };
  });
  server.get('/metrics', { config: { scope: 'read' } }, async (_req, reply) => {
    const text = app.metrics.render(app.pipeline, { nowMs: app.clock.now(), startedMs: app.startedMs, pullState: app.pullStatus.state, resources: app.resourceCount() });
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });
  const parseJson = (body: unknown): { ok: true; value: unknown } | { ok: false; reason: string } => {
    try {
      return { ok: true, value: JSON.parse(utf8Strict(body as Buffer)) as unknown };
    } catch (err) {
      return { ok: false, reason: `body is not valid UTF-8 JSON: ${(err as Error).message}` };
    }
  };
  registerInsightsApi(server as unknown as FastifyInstance, app, parseJson);
  registerNotifyApi(server as unknown as FastifyInstance, app, parseJson);
  registerDashboard(server as unknown as FastifyInstance, { root: DEFAULT_DASHBOARD_ROOT });
  server.get('/-/healthy', async () => ({ status: 'ok' }));
  server.get('/-/ready', async () => ({ status: 'ready' }));
  return server as unknown as FastifyInstance;
}

type EventParse = { ok: true; events: VigilEvent[] } | { ok: false; reason: string; field?: string };

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
function utf8Strict(b: Buffer): string {
  return strictDecoder.decode(b);
}



function decompressSnappyChecked(body: Buffer | undefined, max: number) {
  if (!body || body.length === 0) return { ok: false as const, status: 400 as const, code: 'VIGIL_ERR_SNAPPY' as const, reason: 'empty body' };
  return decompressSnappy(body, max);
}

function gunzipLimited(body: Buffer, max: number): Promise<{ ok: true; data: Buffer } | { ok: false; code: ErrorCode; reason: string }> {
  return new Promise((resolve) => {
    gunzip(body, { maxOutputLength: max }, (err, data) => {
      if (err) resolve({ ok: false, code: (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'VIGIL_ERR_BODY_TOO_LARGE' : 'VIGIL_ERR_BAD_REQUEST', reason: `gzip body: ${err.message}` });
      else resolve({ ok: true, data });
    });
  });
}
