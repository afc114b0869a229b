// The OpenAPI 3 document of Vigil's HTTP API, served at /api/openapi.json. It is the contract:
// test/app/api-contract.test.ts calls every operation listed here and validates each response
// (success and error) against these schemas.

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (items: object) => ({ type: 'array', items });
const str = { type: 'string' };
const num = { type: 'number' };
const int = { type: 'integer' };
const nullable = (t: string) => ({ type: [t, 'null'] });
const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { description: 'error', content: { 'application/json': { schema: ref('Error') } } }]));
const ok = (schema: object, description = 'ok') => ({ description, content: { 'application/json': { schema } } });
const q = (name: string, schema: object, description: string) => ({ name, in: 'query', required: false, schema, description });
const idParam = { name: 'id', in: 'path', required: true, schema: str };
const severity = { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'] };
const messageType = { type: 'string', enum: ['NEW_INSIGHT', 'NEW_ASSOCIATION', 'SEVERITY_UPGRADED', 'NEW_RECOMMENDATION', 'CLOSED_INSIGHT'] };
const channelType = { type: 'string', enum: ['webhook', 'slack', 'pagerduty', 'opsgenie', 'alertmanager'] };
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } };

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'Vigil API', version: '1.0.0', description: 'Operations insights: ingest, insights, events, resources, feedback. Errors are always {"error": {"code", "reason"}} (docs/errors.md).' },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'reason'], properties: { code: { type: 'string', pattern: '^VIGIL_ERR_[A-Z_]+$' }, reason: { type: 'string', minLength: 1 } } } } },
      Event: {
        type: 'object', required: ['id', 'class', 'source', 'name', 'timeMs', 'resources', 'application', 'attributes'],
        properties: { id: str, class: { type: 'string', enum: ['DEPLOYMENT', 'CONFIG_CHANGE', 'INFRASTRUCTURE', 'SECURITY_CHANGE', 'SCHEMA_CHANGE', 'SCALING'] }, source: str, name: str, timeMs: num, resources: arrayOf(str), application: nullable('string'), attributes: { type: 'object', additionalProperties: str } },
      },
      RootCause: { type: 'object', required: ['rank', 'kind', 'ref', 'title', 'confidence', 'evidence'], properties: { rank: int, kind: { type: 'string', enum: ['EVENT', 'ANOMALY'] }, ref: str, title: str, confidence: num, evidence: arrayOf(str) } },
      Recommendation: { type: 'object', required: ['id', 'title', 'description', 'reason', 'links', 'relatedEventIds', 'relatedAnomalyIds'], properties: { id: str, title: str, description: str, reason: str, links: arrayOf(str), relatedEventIds: arrayOf(str), relatedAnomalyIds: arrayOf(str) } },
      Prediction: { type: ['object', 'null'], required: ['seriesKey', 'earliestMs', 'expectedMs', 'latestMs', 'limit'], properties: { seriesKey: str, earliestMs: num, expectedMs: num, latestMs: num, limit: num } },
      Insight: {
        type: 'object', required: ['id', 'type', 'name', 'severity', 'status', 'application', 'startMs', 'endMs', 'updatedMs', 'resources', 'anomalyIds', 'eventIds', 'rootCauses', 'recommendations', 'prediction'],
        properties: {
          id: str, type: { type: 'string', enum: ['REACTIVE', 'PROACTIVE'] }, name: str, severity, status: { type: 'string', enum: ['ONGOING', 'CLOSED'] },
          application: nullable('string'), startMs: num, endMs: nullable('number'), updatedMs: num, resources: arrayOf(str), anomalyIds: arrayOf(str), eventIds: arrayOf(str),
          rootCauses: arrayOf(ref('RootCause')), recommendations: arrayOf(ref('Recommendation')), prediction: ref('Prediction'),
        },
      },
      Anomaly: {
        type: 'object', required: ['id', 'seriesKey', 'metricName', 'resource', 'kind', 'direction', 'startMs', 'endMs', 'peakScore', 'role'],
        properties: {
          id: str, seriesId: int, seriesKey: str, metricName: str, resource: str, application: nullable('string'), kind: str, direction: { type: 'string', enum: ['above', 'below'] },
          startMs: num, endMs: nullable('number'), peakScore: num, peakMs: num, peakValue: num, expected: nullable('number'), lower: nullable('number'), upper: nullable('number'),
          role: { type: 'string', enum: ['CAUSAL', 'CONTEXTUAL'] }, cause: str,
          series: { type: 'object', required: ['timesMs', 'values'], properties: { timesMs: arrayOf(num), values: arrayOf(nullable('number')) } },
        },
      },
      Resource: { type: 'object', required: ['key', 'type', 'tags', 'firstSeenMs', 'lastSeenMs', 'seriesCount', 'retiredMs'], properties: { key: str, type: str, application: nullable('string'), tags: { type: 'object', additionalProperties: str }, firstSeenMs: num, lastSeenMs: num, seriesCount: int, retiredMs: nullable('number'), coverage: str } },
      Feedback: { type: 'object', required: ['insightId', 'value', 'timeMs'], properties: { insightId: str, value: { type: 'string', enum: ['USEFUL', 'NOT_USEFUL', 'TOO_SENSITIVE', 'NOISY_DATA', 'INCORRECT'] }, comment: nullable('string'), timeMs: num } },
      Sensitivity: { type: 'object', required: ['default', 'settings'], properties: { default: severity, settings: arrayOf({ type: 'object', required: ['scope', 'level'], properties: { scope: str, level: severity } }) } },
      Coverage: { type: 'object', required: ['coverage'], properties: { coverage: { oneOf: [{ const: 'all' }, arrayOf(str)] } } },
      Channel: {
        type: 'object', required: ['name', 'type', 'url', 'minSeverity', 'types', 'rateLimitPerMinute', 'source', 'secret', 'secretEnv', 'problem'],
        description: 'A notification channel. Secrets are never returned: secret is "***" when set; URL passwords, query values and Slack webhook paths are masked.',
        properties: {
          name: str, type: channelType, url: str, minSeverity: severity, types: arrayOf(messageType), rateLimitPerMinute: int,
          source: { type: 'string', enum: ['config', 'api'] }, secret: { type: ['string', 'null'], enum: ['***', null] }, secretEnv: nullable('string'), problem: nullable('string'),
        },
      },
      ChannelInput: {
        type: 'object', required: ['type'], additionalProperties: false,
        properties: {
          type: channelType, url: { type: 'string', description: 'http(s) URL; PagerDuty and Opsgenie default to their public API' },
          secretEnv: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$', description: 'environment variable of the Vigil process holding the secret' },
          secret: { type: 'string', description: 'the secret itself (webhook HMAC key, PagerDuty routing key, Opsgenie API key); stored, never returned' },
          minSeverity: { ...severity, default: 'MEDIUM' }, types: { ...arrayOf(messageType), minItems: 1 }, rateLimitPerMinute: { type: 'integer', minimum: 1, default: 60 },
        },
      },
      Delivery: {
        type: 'object', required: ['channel', 'messageId', 'insightId', 'type', 'attempt', 'timeMs', 'outcome', 'httpStatus', 'reason'],
        properties: {
          channel: str, messageId: str, insightId: str, type: messageType, attempt: int, timeMs: num,
          outcome: { type: 'string', enum: ['DELIVERED', 'RETRY', 'FAILED', 'DROPPED'] }, httpStatus: nullable('integer'), reason: nullable('string'),
        },
      },
      Runbook: { type: 'object', required: ['name', 'match', 'action', 'timeoutMs', 'rateLimit', 'dryRun'], properties: { name: str, match: { type: 'object' }, action: { type: 'object' }, timeoutMs: num, rateLimit: { type: 'object', required: ['max', 'perMs'], properties: { max: int, perMs: num } }, dryRun: { type: 'boolean' } } },
      RunbookRun: {
        type: 'object', required: ['id', 'runbook', 'insightId', 'transition', 'timeMs', 'dryRun', 'action', 'target', 'status', 'detail', 'durationMs'],
        properties: {
          id: str, runbook: str, insightId: str, transition: messageType, timeMs: num, dryRun: { type: 'boolean' }, action: { type: 'string', enum: ['http', 'script'] }, target: str,
          status: { type: 'string', enum: ['SUCCEEDED', 'FAILED', 'DRY_RUN', 'RATE_LIMITED', 'TIMED_OUT'] }, detail: str, durationMs: num,
        },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/api/v1/health': { get: { operationId: 'getHealth', summary: 'System health: open insights, resources analysed in the last hour, MTTR over a range.', parameters: [q('from', str, 'RFC 3339 or epoch ms (default 30 days ago)'), q('to', str, 'RFC 3339 or epoch ms (default now)')], responses: { 200: ok({ type: 'object', required: ['openReactiveInsights', 'openProactiveInsights', 'resourcesAnalysed', 'mttrMs'], properties: { openReactiveInsights: int, openProactiveInsights: int, resourcesAnalysed: int, mttrMs: nullable('number'), fromMs: num, toMs: num, bySeverity: { type: 'object' } } }), ...errorResponses(400, 401, 403) } } },
    '/api/v1/applications': { get: { operationId: 'listApplications', summary: 'Per-application health.', responses: { 200: ok({ type: 'object', required: ['applications'], properties: { applications: arrayOf({ type: 'object', required: ['name', 'health', 'ongoingReactive', 'ongoingProactive', 'resources', 'mttrMs'], properties: { name: str, health: { type: 'string', enum: ['HEALTHY', 'DEGRADED', 'UNHEALTHY'] }, ongoingReactive: int, ongoingProactive: int, resources: int, mttrMs: nullable('number') } }) } }), ...errorResponses(401, 403) } } },
    '/api/v1/insights': { get: { operationId: 'listInsights', summary: 'List / search insights.', parameters: [q('status', { type: 'string', enum: ['ONGOING', 'CLOSED'] }, 'status'), q('severity', str, 'comma-separated LOW,MEDIUM,HIGH'), q('type', { type: 'string', enum: ['REACTIVE', 'PROACTIVE'] }, 'type'), q('application', str, 'application name'), q('from', str, 'start at or after'), q('to', str, 'start at or before'), q('limit', int, '1..1000, default 100'), q('offset', int, 'paging offset'), q('sort', { type: 'string', enum: ['startMs', 'severity', 'updatedMs'] }, 'newest first')], responses: { 200: ok({ type: 'object', required: ['items', 'total'], properties: { items: arrayOf(ref('Insight')), total: int } }), ...errorResponses(400, 401, 403) } } },
    '/api/v1/insights/{id}': { get: { operationId: 'getInsight', parameters: [idParam], responses: { 200: ok(ref('Insight')), ...errorResponses(401, 403, 404) } } },
    '/api/v1/insights/{id}/anomalies': { get: { operationId: 'listInsightAnomalies', summary: 'Anomalies of an insight with their recent series data.', parameters: [idParam], responses: { 200: ok({ type: 'object', required: ['anomalies'], properties: { anomalies: arrayOf(ref('Anomaly')) } }), ...errorResponses(401, 403, 404) } } },
    '/api/v1/insights/{id}/feedback': {
      get: { operationId: 'listFeedback', parameters: [idParam], responses: { 200: ok({ type: 'object', required: ['feedback'], properties: { feedback: arrayOf(ref('Feedback')) } }), ...errorResponses(401, 403, 404) } },
      post: { operationId: 'addFeedback', parameters: [idParam], requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['value'], properties: { value: { type: 'string', enum: ['USEFUL', 'NOT_USEFUL', 'TOO_SENSITIVE', 'NOISY_DATA', 'INCORRECT'] }, comment: str } } } } }, responses: { 201: ok(ref('Feedback'), 'stored'), ...errorResponses(400, 401, 403, 404, 415) } },
    },
    '/api/v1/insights/{id}/forecast': { get: { operationId: 'getInsightForecast', summary: 'A proactive insight\'s series history and forecast with its interval (400 for reactive insights).', parameters: [idParam], responses: { 200: ok({ type: 'object', required: ['seriesKey', 'limit', 'prediction', 'history', 'forecast'], properties: { seriesKey: str, limit: num, prediction: ref('Prediction'), history: { type: 'object', required: ['timesMs', 'values'], properties: { timesMs: arrayOf(num), values: arrayOf(nullable('number')) } }, forecast: { type: ['object', 'null'], required: ['timesMs', 'expected', 'lower', 'upper'], properties: { timesMs: arrayOf(num), expected: arrayOf(num), lower: arrayOf(num), upper: arrayOf(num) } } } }), ...errorResponses(400, 401, 403, 404) } } },
    '/api/v1/stream': { get: { operationId: 'streamInsights', summary: 'Server-sent events: `event: insight` with the Insight JSON whenever one is created or changes; a comment ping every 15 s. The token may also be passed as ?access_token= (EventSource cannot send headers).', parameters: [q('access_token', str, 'bearer token (alternative to the Authorization header)')], 'x-event-stream': true, responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: str } } }, ...errorResponses(401, 403) } } },
    '/api/v1/sensitivity': {
      get: { operationId: 'getSensitivity', summary: 'The default sensitivity and every override (per application or series).', responses: { 200: ok(ref('Sensitivity')), ...errorResponses(401, 403) } },
      put: { operationId: 'putSensitivity', summary: 'Set (or with level null, clear) the sensitivity of an application or a series. Needs scope admin.', requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['scope', 'level'], properties: { scope: { type: 'string', pattern: '^(application|series):.+' }, level: { type: ['string', 'null'], enum: ['LOW', 'MEDIUM', 'HIGH', null] } } } } } }, responses: { 200: ok(ref('Sensitivity')), ...errorResponses(400, 401, 403, 415) } },
    },
    '/api/v1/recommendations': { get: { operationId: 'listRecommendations', parameters: [q('insightId', str, 'only this insight')], responses: { 200: ok({ type: 'object', required: ['recommendations'], properties: { recommendations: arrayOf({ type: 'object', required: ['insightId', 'recommendation'], properties: { insightId: str, recommendation: ref('Recommendation') } }) } }), ...errorResponses(401, 403, 404) } } },
    '/api/v1/events': {
      get: { operationId: 'listEvents', parameters: [q('from', str, 'time'), q('to', str, 'time'), q('class', str, 'comma-separated classes'), q('source', str, 'source'), q('application', str, 'application'), q('resource', str, 'resource key'), q('limit', int, '1..1000'), q('offset', int, 'offset')], responses: { 200: ok({ type: 'object', required: ['events'], properties: { events: arrayOf(ref('Event')) } }), ...errorResponses(400, 401, 403) } },
      post: { operationId: 'postEvents', summary: 'Generic change events.', requestBody: { required: true, content: { 'application/json': { schema: { type: ['object', 'array'] } } } }, responses: { 202: ok({ type: 'object', required: ['accepted', 'new', 'ids'], properties: { accepted: int, new: int, ids: arrayOf(str) } }, 'stored durably'), ...errorResponses(400, 401, 403, 413, 415) } },
    },
    '/api/v1/resources': { get: { operationId: 'listResources', summary: 'Inventory: tags, last seen, coverage.', responses: { 200: ok({ type: 'object', required: ['resources'], properties: { resources: arrayOf(ref('Resource')) } }), ...errorResponses(401, 403) } } },
    '/api/v1/coverage': {
      get: { operationId: 'getCoverage', responses: { 200: ok(ref('Coverage')), ...errorResponses(401, 403) } },
      put: { operationId: 'putCoverage', summary: 'Replace the coverage (all, or a list of selectors). Needs scope admin.', requestBody: { required: true, content: { 'application/json': { schema: ref('Coverage') } } }, responses: { 200: ok(ref('Coverage')), ...errorResponses(400, 401, 403, 415) } },
    },
    '/api/v1/channels': { get: { operationId: 'listChannels', summary: 'Notification channels: vigil.yaml ones, overridden and extended by those set through the API.', responses: { 200: ok({ type: 'object', required: ['channels'], properties: { channels: arrayOf(ref('Channel')) } }), ...errorResponses(401, 403) } } },
    '/api/v1/channels/{name}': {
      put: { operationId: 'putChannel', summary: 'Create or replace an API channel (overrides a vigil.yaml channel of the same name). Validated like the config. Needs scope admin.', parameters: [nameParam], requestBody: { required: true, content: { 'application/json': { schema: ref('ChannelInput') } } }, responses: { 200: ok({ type: 'object', required: ['channel'], properties: { channel: ref('Channel') } }), ...errorResponses(400, 401, 403, 415) } },
      delete: { operationId: 'deleteChannel', summary: 'Delete an API channel (a vigil.yaml channel it overrode comes back; otherwise its queued messages are dropped). Needs scope admin.', parameters: [nameParam], responses: { 200: ok({ type: 'object', required: ['deleted', 'now', 'droppedMessages'], properties: { deleted: str, now: { type: 'string', enum: ['config', 'none'] }, droppedMessages: int } }), ...errorResponses(401, 403, 404, 409) } },
    },
    '/api/v1/channels/{name}/test': { post: { operationId: 'testChannel', summary: 'Send a test message (a LOW test insight) to the channel now; the outcome is in the answer and the delivery log. Needs scope admin.', parameters: [nameParam], responses: { 200: ok({ type: 'object', required: ['channel', 'delivered', 'status', 'reason'], properties: { channel: str, delivered: { type: 'boolean' }, status: nullable('integer'), reason: nullable('string') } }), ...errorResponses(400, 401, 403, 404) } } },
    '/api/v1/deliveries': { get: { operationId: 'listDeliveries', summary: 'The delivery log: every attempt (and every message dropped by rule), newest first.', parameters: [q('channel', str, 'only this channel'), q('insightId', str, 'only this insight'), q('limit', int, '1..1000, default 100')], responses: { 200: ok({ type: 'object', required: ['deliveries'], properties: { deliveries: arrayOf(ref('Delivery')) } }), ...errorResponses(400, 401, 403) } } },
    '/api/v1/runbooks': { get: { operationId: 'listRunbooks', summary: 'Configured runbooks (header values masked) and the dry-run setting each runs with.', responses: { 200: ok({ type: 'object', required: ['scriptDir', 'dryRun', 'runbooks'], properties: { scriptDir: nullable('string'), dryRun: { type: 'boolean' }, runbooks: arrayOf(ref('Runbook')) } }), ...errorResponses(401, 403) } } },
    '/api/v1/runbook-runs': { get: { operationId: 'listRunbookRuns', summary: 'The runbook audit log: what ran (or would have), why, with what result; newest first.', parameters: [q('insightId', str, 'only this insight'), q('runbook', str, 'only this runbook'), q('limit', int, '1..1000, default 100')], responses: { 200: ok({ type: 'object', required: ['runs'], properties: { runs: arrayOf(ref('RunbookRun')) } }), ...errorResponses(400, 401, 403) } } },
    '/api/v1/status': { get: { operationId: 'getStatus', responses: { 200: ok({ type: 'object', required: ['status', 'series'], properties: { status: str, series: int } }), ...errorResponses(401, 403) } } },
    '/api/v1/series': { get: { operationId: 'listSeries', parameters: [q('limit', int, '1..10000'), q('offset', int, 'offset')], responses: { 200: ok({ type: 'object', required: ['total', 'series'], properties: { total: int, series: arrayOf({ type: 'object', required: ['id', 'key', 'name', 'labels'] }) } }), ...errorResponses(401, 403) } } },
    '/api/v1/write': { post: { operationId: 'remoteWrite', summary: 'Prometheus remote-write 1.0 (snappy-compressed protobuf WriteRequest).', requestBody: { required: true, content: { 'application/x-protobuf': { schema: { type: 'string', format: 'binary' } } } }, responses: { 204: { description: 'accepted' }, ...errorResponses(400, 401, 403, 413, 415, 429) } } },
    '/v1/metrics': { post: { operationId: 'otlpMetrics', summary: 'OTLP/HTTP metrics (protobuf or JSON).', requestBody: { required: true, content: { 'application/x-protobuf': { schema: { type: 'string', format: 'binary' } }, 'application/json': { schema: { type: 'object' } } } }, responses: { 200: { description: 'ExportMetricsServiceResponse (partial success when some points were rejected)' }, ...errorResponses(400, 401, 403, 413, 415, 429) } } },
    '/metrics': { get: { operationId: 'metrics', summary: "Vigil's own metrics and vigil_anomaly_score (Prometheus text format).", responses: { 200: { description: 'text/plain; version=0.0.4' }, ...errorResponses(401, 403) } } },
    '/api/openapi.json': { get: { operationId: 'openapi', security: [], responses: { 200: ok({ type: 'object' }) } } },
  },
} as const;
