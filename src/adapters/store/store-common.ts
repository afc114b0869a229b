/**
 * What every store adapter shares: how an EventQuery is read (defaults, clamping), which values the
 * schema can hold faithfully, and the order rows come back in — so memory, SQLite and PostgreSQL
 * answer the contract suite identically.
 */
import type {
  Anomaly,
  EventClass,
  FeedbackValue,
  Insight,
  InsightStatus,
  InsightTransition,
  InsightType,
  ResourceRecord,
  Sensitivity,
  SeriesDescriptor,
  Severity,
  VigilEvent,
} from '../../core/model/index.js';
import type {
  Checkpoint,
  CoverageSetting,
  EventQuery,
  InsightAnomaly,
  InsightFeedback,
  InsightQuery,
  InsightSort,
  SensitivityScope,
  StoredTransition,
} from '../../core/ports/index.js';
import { StoreError } from './store-error.js';

export const DEFAULT_EVENT_LIMIT = 100;
export const MAX_EVENT_LIMIT = 1000;
/** series.id and resources.series_count are INTEGER (32-bit) on PostgreSQL. */
const MAX_INT32 = 2 ** 31 - 1;

/** An EventQuery with defaults applied. Times are inclusive at both ends. */
export interface NormalisedEventQuery {
  readonly fromMs: number | null;
  readonly toMs: number | null;
  /** null: any class. An empty `classes` array is read as "no class filter", like an absent one. */
  readonly classes: readonly EventClass[] | null;
  readonly source: string | null;
  readonly application: string | null;
  readonly resource: string | null;
  readonly limit: number;
  readonly offset: number;
}

function finiteOr<T>(v: number | undefined, fallback: T): number | T {
  return v === undefined || !Number.isFinite(v) ? fallback : v;
}

/**
 * Limits are clamped, not refused: a dashboard asking for 5000 gets the 1000 the port promises,
 * and a page size of 0 or less is an empty page. Non-finite numbers count as absent.
 */
export function normaliseEventQuery(q: EventQuery): NormalisedEventQuery {
  const limit = Math.min(MAX_EVENT_LIMIT, Math.max(0, Math.floor(finiteOr(q.limit, DEFAULT_EVENT_LIMIT))));
  const offset = Math.max(0, Math.floor(finiteOr(q.offset, 0)));
  return {
    fromMs: finiteOr(q.fromMs, null),
    toMs: finiteOr(q.toMs, null),
    classes: q.classes !== undefined && q.classes.length > 0 ? [...new Set(q.classes)] : null,
    source: q.source ?? null,
    application: q.application ?? null,
    resource: q.resource ?? null,
    limit,
    offset,
  };
}

function invalid(reason: string): StoreError {
  return new StoreError('VIGIL_ERR_STORE_INVALID', reason);
}

/** Millisecond times are stored as 64-bit integers; a fraction or NaN would be changed or refused by the database. */
function checkMs(what: string, v: number): void {
  if (!Number.isSafeInteger(v)) throw invalid(`${what} must be a whole number of milliseconds (got ${String(v)})`);
}

export function validateEvents(events: readonly VigilEvent[]): void {
  for (const e of events) {
    if (typeof e.id !== 'string' || e.id === '') throw invalid(`an event needs a non-empty string id (got ${JSON.stringify(e.id)})`);
    checkMs(`event ${JSON.stringify(e.id)}: timeMs`, e.timeMs);
  }
}

export function validateSeries(series: readonly SeriesDescriptor[]): void {
  for (const s of series) {
    if (!Number.isInteger(s.id) || s.id < 0 || s.id > MAX_INT32) {
      throw invalid(`series ${JSON.stringify(s.key)}: id must be an integer from 0 to ${MAX_INT32} (got ${String(s.id)})`);
    }
    checkMs(`series ${s.id}: firstSeenMs`, s.firstSeenMs);
    checkMs(`series ${s.id}: lastSeenMs`, s.lastSeenMs);
  }
}

export function validateResources(resources: readonly ResourceRecord[]): void {
  for (const r of resources) {
    checkMs(`resource ${JSON.stringify(r.key)}: firstSeenMs`, r.firstSeenMs);
    checkMs(`resource ${JSON.stringify(r.key)}: lastSeenMs`, r.lastSeenMs);
    if (r.retiredMs !== null) checkMs(`resource ${JSON.stringify(r.key)}: retiredMs`, r.retiredMs);
    if (!Number.isInteger(r.seriesCount) || r.seriesCount < 0 || r.seriesCount > MAX_INT32) {
      throw invalid(`resource ${JSON.stringify(r.key)}: seriesCount must be a non-negative integer (got ${String(r.seriesCount)})`);
    }
  }
}

export function validateCheckpoint(name: string, cp: Checkpoint): void {
  checkMs(`checkpoint ${JSON.stringify(name)}: timeMs`, cp.timeMs);
  if (!(cp.data instanceof Uint8Array)) throw invalid(`checkpoint ${JSON.stringify(name)}: data must be a Uint8Array`);
}

/** The series-key conflict error, worded the same by every adapter. */
export function seriesKeyConflict(key: string, ownerId: number, newId: number): StoreError {
  return new StoreError(
    'VIGIL_ERR_STORE_CONFLICT',
    `series key ${key} already belongs to series ${ownerId}; series ${newId} cannot take it (keys are unique)`,
  );
}

/**
 * String order by Unicode code point — the order of UTF-8 bytes, which is what SQLite's BINARY
 * collation and PostgreSQL's "C" collation use. Plain `<` compares UTF-16 units and would put
 * U+FF01 after an emoji, unlike the databases.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.codePointAt(i)! - b.codePointAt(i)!;
  }
  return a.length - b.length;
}

/** Newest first; equal times by id descending, so pages are stable. */
export function compareEventsNewestFirst(a: VigilEvent, b: VigilEvent): number {
  return b.timeMs - a.timeMs || compareCodePoints(b.id, a.id);
}

/** A copy of the bytes as a plain Uint8Array (drivers hand back Buffers, which compare unequal to Uint8Array). */
export function toPlainBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}

// ---- row <-> record mapping shared by the SQL adapters (JSON columns are TEXT; see migrations.ts)

export interface EventRow {
  id: string;
  class: string;
  source: string;
  name: string;
  time_ms: number | string;
  application: string | null;
  resources: string;
  attributes: string;
}

export function eventFromRow(r: EventRow): VigilEvent {
  return {
    id: r.id,
    class: r.class as EventClass,
    source: r.source,
    name: r.name,
    timeMs: Number(r.time_ms),
    resources: JSON.parse(r.resources) as string[],
    application: r.application,
    attributes: JSON.parse(r.attributes) as Record<string, string>,
  };
}

export interface SeriesRow {
  id: number;
  key: string;
  name: string;
  labels: string;
  resource: string;
  application: string | null;
  kind: string;
  bad_direction: string;
  first_seen_ms: number | string;
  last_seen_ms: number | string;
}

export function seriesFromRow(r: SeriesRow): SeriesDescriptor {
  return {
    id: Number(r.id),
    key: r.key,
    name: r.name,
    labels: JSON.parse(r.labels) as Record<string, string>,
    resource: r.resource,
    application: r.application,
    kind: r.kind as SeriesDescriptor['kind'],
    badDirection: r.bad_direction as SeriesDescriptor['badDirection'],
    firstSeenMs: Number(r.first_seen_ms),
    lastSeenMs: Number(r.last_seen_ms),
  };
}

export interface ResourceRow {
  key: string;
  type: string;
  application: string | null;
  tags: string;
  first_seen_ms: number | string;
  last_seen_ms: number | string;
  series_count: number;
  retired_ms: number | string | null;
}

export function resourceFromRow(r: ResourceRow): ResourceRecord {
  return {
    key: r.key,
    type: r.type,
    application: r.application,
    tags: JSON.parse(r.tags) as Record<string, string>,
    firstSeenMs: Number(r.first_seen_ms),
    lastSeenMs: Number(r.last_seen_ms),
    seriesCount: Number(r.series_count),
    retiredMs: r.retired_ms === null ? null : Number(r.retired_ms),
  };
}

// ---- insights engine (schema v2) ---------------------------------------------------------------

export const DEFAULT_INSIGHT_LIMIT = 100;
export const MAX_INSIGHT_LIMIT = 1000;
export const DEFAULT_TRANSITION_LIMIT = 100;
export const MAX_TRANSITION_LIMIT = 1000;

const SEVERITIES: readonly Severity[] = ['LOW', 'MEDIUM', 'HIGH'];
const STATUSES: readonly InsightStatus[] = ['ONGOING', 'CLOSED'];
const INSIGHT_TYPES: readonly InsightType[] = ['REACTIVE', 'PROACTIVE'];
const NOTIFICATION_TYPES: readonly InsightTransition['type'][] = ['NEW_INSIGHT', 'NEW_ASSOCIATION', 'SEVERITY_UPGRADED', 'NEW_RECOMMENDATION', 'CLOSED_INSIGHT'];
const FEEDBACK_VALUES: readonly FeedbackValue[] = ['USEFUL', 'NOT_USEFUL', 'TOO_SENSITIVE', 'NOISY_DATA', 'INCORRECT'];
const METRIC_KINDS: readonly Anomaly['kind'][] = ['latency', 'errors', 'throughput', 'saturation', 'capacity', 'other'];
const SORTS: readonly InsightSort[] = ['startMs', 'severity', 'updatedMs'];

/** HIGH > MEDIUM > LOW, for sorting by severity. */
export function severityRank(s: Severity): number {
  return s === 'HIGH' ? 3 : s === 'MEDIUM' ? 2 : 1;
}

/** The same rank in SQL (both dialects), so the databases sort as severityRank does. */
export const SEVERITY_RANK_SQL = "CASE severity WHEN 'HIGH' THEN 3 WHEN 'MEDIUM' THEN 2 ELSE 1 END";

export interface NormalisedInsightQuery {
  readonly status: InsightStatus | null;
  readonly severities: readonly Severity[] | null;
  readonly type: InsightType | null;
  readonly application: string | null;
  readonly fromMs: number | null;
  readonly toMs: number | null;
  readonly limit: number;
  readonly offset: number;
  readonly sort: InsightSort;
}

/** Clamps like normaliseEventQuery; an unknown enum value is refused rather than matching nothing silently. */
export function normaliseInsightQuery(q: InsightQuery): NormalisedInsightQuery {
  if (q.status !== undefined) checkOneOf('insight query: status', q.status, STATUSES);
  if (q.type !== undefined) checkOneOf('insight query: type', q.type, INSIGHT_TYPES);
  if (q.sort !== undefined) checkOneOf('insight query: sort', q.sort, SORTS);
  for (const s of q.severity ?? []) checkOneOf('insight query: severity', s, SEVERITIES);
  return {
    status: q.status ?? null,
    severities: q.severity !== undefined && q.severity.length > 0 ? [...new Set(q.severity)] : null,
    type: q.type ?? null,
    application: q.application ?? null,
    fromMs: finiteOr(q.fromMs, null),
    toMs: finiteOr(q.toMs, null),
    limit: Math.min(MAX_INSIGHT_LIMIT, Math.max(0, Math.floor(finiteOr(q.limit, DEFAULT_INSIGHT_LIMIT)))),
    offset: Math.max(0, Math.floor(finiteOr(q.offset, 0))),
    sort: q.sort ?? 'startMs',
  };
}

export function normaliseTransitionPage(afterSeq: number, limit: number | undefined): { afterSeq: number; limit: number } {
  return {
    afterSeq: Number.isFinite(afterSeq) ? Math.floor(afterSeq) : 0,
    limit: Math.min(MAX_TRANSITION_LIMIT, Math.max(0, Math.floor(finiteOr(limit, DEFAULT_TRANSITION_LIMIT)))),
  };
}

/** The memory store's filter; the SQL adapters state the same in WHERE clauses. */
export function insightMatches(i: Insight, q: NormalisedInsightQuery): boolean {
  if (q.status !== null && i.status !== q.status) return false;
  if (q.severities !== null && !q.severities.includes(i.severity)) return false;
  if (q.type !== null && i.type !== q.type) return false;
  if (q.application !== null && i.application !== q.application) return false;
  if (q.toMs !== null && i.startMs > q.toMs) return false;
  if (q.fromMs !== null && i.endMs !== null && i.endMs < q.fromMs) return false;
  return true;
}

export function insightComparator(sort: InsightSort): (a: Insight, b: Insight) => number {
  const byId = (a: Insight, b: Insight): number => compareCodePoints(b.id, a.id);
  switch (sort) {
    case 'severity':
      return (a, b) => severityRank(b.severity) - severityRank(a.severity) || b.startMs - a.startMs || byId(a, b);
    case 'updatedMs':
      return (a, b) => b.updatedMs - a.updatedMs || byId(a, b);
    case 'startMs':
      return (a, b) => b.startMs - a.startMs || byId(a, b);
  }
}

/** ORDER BY for a sort, matching insightComparator. */
export function insightOrderSql(sort: InsightSort): string {
  switch (sort) {
    case 'severity':
      return `${SEVERITY_RANK_SQL} DESC, start_ms DESC, id DESC`;
    case 'updatedMs':
      return 'updated_ms DESC, id DESC';
    case 'startMs':
      return 'start_ms DESC, id DESC';
  }
}

function checkOneOf<T extends string>(what: string, v: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(v as T)) throw invalid(`${what} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
}

function checkId(what: string, v: unknown): void {
  if (typeof v !== 'string' || v === '') throw invalid(`${what} needs a non-empty string id (got ${JSON.stringify(v)})`);
}

/** REAL / DOUBLE PRECISION columns: SQLite turns NaN into NULL, so only finite numbers round-trip on every backend. */
function checkFinite(what: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${what} must be a finite number (got ${String(v)})`);
}

export function validateInsights(insights: readonly Insight[]): void {
  for (const i of insights) {
    checkId('an insight', i.id);
    const at = `insight ${JSON.stringify(i.id)}`;
    checkOneOf(`${at}: type`, i.type, INSIGHT_TYPES);
    checkOneOf(`${at}: severity`, i.severity, SEVERITIES);
    checkOneOf(`${at}: status`, i.status, STATUSES);
    checkMs(`${at}: startMs`, i.startMs);
    if (i.endMs !== null) checkMs(`${at}: endMs`, i.endMs);
    checkMs(`${at}: updatedMs`, i.updatedMs);
    if (i.prediction !== null) {
      checkMs(`${at}: prediction.earliestMs`, i.prediction.earliestMs);
      checkMs(`${at}: prediction.expectedMs`, i.prediction.expectedMs);
      checkMs(`${at}: prediction.latestMs`, i.prediction.latestMs);
      checkFinite(`${at}: prediction.limit`, i.prediction.limit);
    }
    for (const rc of i.rootCauses) checkFinite(`${at}: rootCauses[${rc.rank}].confidence`, rc.confidence);
  }
}

export function validateAnomalies(items: readonly InsightAnomaly[]): void {
  for (const { insightId, anomaly: a } of items) {
    checkId('an anomaly', a.id);
    const at = `anomaly ${JSON.stringify(a.id)}`;
    checkId(`${at}: its insight`, insightId);
    if (!Number.isInteger(a.seriesId) || a.seriesId < 0 || a.seriesId > MAX_INT32) {
      throw invalid(`${at}: seriesId must be an integer from 0 to ${MAX_INT32} (got ${String(a.seriesId)})`);
    }
    checkOneOf(`${at}: kind`, a.kind, METRIC_KINDS);
    checkOneOf(`${at}: direction`, a.direction, ['above', 'below']);
    checkOneOf(`${at}: role`, a.role, ['CAUSAL', 'CONTEXTUAL']);
    checkMs(`${at}: startMs`, a.startMs);
    if (a.endMs !== null) checkMs(`${at}: endMs`, a.endMs);
    checkMs(`${at}: peakMs`, a.peakMs);
    checkFinite(`${at}: peakScore`, a.peakScore);
    checkFinite(`${at}: peakValue`, a.peakValue);
    checkFinite(`${at}: expected`, a.expected);
    checkFinite(`${at}: lower`, a.lower);
    checkFinite(`${at}: upper`, a.upper);
  }
}

export function validateTransitions(transitions: readonly InsightTransition[]): void {
  for (const t of transitions) {
    checkId('a transition', t.insightId);
    const at = `transition ${t.type} of insight ${JSON.stringify(t.insightId)}`;
    checkOneOf(`${at}: type`, t.type, NOTIFICATION_TYPES);
    checkOneOf(`${at}: severity`, t.severity, SEVERITIES);
    checkMs(`${at}: timeMs`, t.timeMs);
  }
}

export function validateFeedback(f: { readonly insightId: string; readonly value: FeedbackValue; readonly comment?: string; readonly timeMs: number }): void {
  checkId('feedback', f.insightId);
  const at = `feedback on insight ${JSON.stringify(f.insightId)}`;
  checkOneOf(`${at}: value`, f.value, FEEDBACK_VALUES);
  if (f.comment !== undefined && typeof f.comment !== 'string') throw invalid(`${at}: comment must be a string when given`);
  checkMs(`${at}: timeMs`, f.timeMs);
}

export function validateSensitivity(scope: SensitivityScope, level: Sensitivity | null): void {
  const rest = typeof scope !== 'string' ? '' : scope.startsWith('application:') ? scope.slice(12) : scope.startsWith('series:') ? scope.slice(7) : '';
  if (rest === '') {
    throw invalid(`sensitivity scope must be "application:<name>" or "series:<key>" with a non-empty name or key (got ${JSON.stringify(scope)})`);
  }
  if (level !== null) checkOneOf(`sensitivity of ${scope}`, level, SEVERITIES);
}

export function validateCoverage(c: CoverageSetting): void {
  if (c === 'all') return;
  if (!Array.isArray(c) || c.some((s) => typeof s !== 'string')) {
    throw invalid(`coverage must be "all" or a list of label selector strings (got ${JSON.stringify(c)})`);
  }
}

export function validateMttrRange(fromMs: number, toMs: number): void {
  checkMs('mttr range: fromMs', fromMs);
  checkMs('mttr range: toMs', toMs);
}

/** The memory store's MTTR; the SQL adapters compute the same with AVG(end_ms - start_ms). */
export function isMttrInsight(i: Insight, fromMs: number, toMs: number): i is Insight & { endMs: number } {
  return i.type === 'REACTIVE' && i.status === 'CLOSED' && i.endMs !== null && i.startMs >= fromMs && i.startMs <= toMs;
}

export function copyInsight(i: Insight): Insight {
  // JSON is the SQL adapters' representation too, so the memory store returns exactly what they would.
  return JSON.parse(JSON.stringify(i)) as Insight;
}

export interface InsightRow {
  id: string;
  type: string;
  name: string;
  severity: string;
  status: string;
  application: string | null;
  start_ms: number | string;
  end_ms: number | string | null;
  updated_ms: number | string;
  resources: string;
  anomaly_ids: string;
  event_ids: string;
  root_causes: string;
  recommendations: string;
  prediction: string | null;
}

export const INSIGHT_COLUMNS =
  'id, type, name, severity, status, application, start_ms, end_ms, updated_ms, resources, anomaly_ids, event_ids, root_causes, recommendations, prediction';

/** Column values in INSIGHT_COLUMNS order. */
export function insightToRow(i: Insight): unknown[] {
  return [
    i.id,
    i.type,
    i.name,
    i.severity,
    i.status,
    i.application,
    i.startMs,
    i.endMs,
    i.updatedMs,
    JSON.stringify(i.resources),
    JSON.stringify(i.anomalyIds),
    JSON.stringify(i.eventIds),
    JSON.stringify(i.rootCauses),
    JSON.stringify(i.recommendations),
    i.prediction === null ? null : JSON.stringify(i.prediction),
  ];
}

export function insightFromRow(r: InsightRow): Insight {
  return {
    id: r.id,
    type: r.type as InsightType,
    name: r.name,
    severity: r.severity as Severity,
    status: r.status as InsightStatus,
    application: r.application,
    startMs: Number(r.start_ms),
    endMs: r.end_ms === null ? null : Number(r.end_ms),
    updatedMs: Number(r.updated_ms),
    resources: JSON.parse(r.resources) as string[],
    anomalyIds: JSON.parse(r.anomaly_ids) as string[],
    eventIds: JSON.parse(r.event_ids) as string[],
    rootCauses: JSON.parse(r.root_causes) as Insight['rootCauses'],
    recommendations: JSON.parse(r.recommendations) as Insight['recommendations'],
    prediction: r.prediction === null ? null : (JSON.parse(r.prediction) as Insight['prediction']),
  };
}

export interface AnomalyRow {
  id: string;
  insight_id: string;
  series_id: number;
  series_key: string;
  metric_name: string;
  resource: string;
  application: string | null;
  kind: string;
  direction: string;
  start_ms: number | string;
  end_ms: number | string | null;
  peak_score: number;
  peak_ms: number | string;
  peak_value: number;
  expected: number;
  lower: number;
  upper: number;
  role: string;
  cause: string;
}

export const ANOMALY_COLUMNS =
  'id, insight_id, series_id, series_key, metric_name, resource, application, kind, direction, start_ms, end_ms, peak_score, peak_ms, peak_value, expected, lower, upper, role, cause';

/** Column values in ANOMALY_COLUMNS order. */
export function anomalyToRow({ insightId, anomaly: a }: InsightAnomaly): unknown[] {
  return [
    a.id,
    insightId,
    a.seriesId,
    a.seriesKey,
    a.metricName,
    a.resource,
    a.application,
    a.kind,
    a.direction,
    a.startMs,
    a.endMs,
    a.peakScore,
    a.peakMs,
    a.peakValue,
    a.expected,
    a.lower,
    a.upper,
    a.role,
    a.cause,
  ];
}

export function anomalyFromRow(r: AnomalyRow): Anomaly {
  return {
    id: r.id,
    seriesId: Number(r.series_id),
    seriesKey: r.series_key,
    metricName: r.metric_name,
    resource: r.resource,
    application: r.application,
    kind: r.kind as Anomaly['kind'],
    direction: r.direction as Anomaly['direction'],
    startMs: Number(r.start_ms),
    endMs: r.end_ms === null ? null : Number(r.end_ms),
    peakScore: Number(r.peak_score),
    peakMs: Number(r.peak_ms),
    peakValue: Number(r.peak_value),
    expected: Number(r.expected),
    lower: Number(r.lower),
    upper: Number(r.upper),
    role: r.role as Anomaly['role'],
    cause: r.cause,
  };
}

/** Earliest start first, ties by id ascending. */
export function compareAnomaliesByStart(a: Anomaly, b: Anomaly): number {
  return a.startMs - b.startMs || compareCodePoints(a.id, b.id);
}

export interface TransitionRow {
  seq: number | string;
  insight_id: string;
  type: string;
  time_ms: number | string;
  severity: string;
}

export function transitionFromRow(r: TransitionRow): StoredTransition {
  return {
    seq: Number(r.seq),
    insightId: r.insight_id,
    type: r.type as InsightTransition['type'],
    timeMs: Number(r.time_ms),
    severity: r.severity as Severity,
  };
}

export interface FeedbackRow {
  insight_id: string;
  value: string;
  comment: string | null;
  created_ms: number | string;
}

export function feedbackFromRow(r: FeedbackRow): InsightFeedback {
  return { insightId: r.insight_id, value: r.value as FeedbackValue, comment: r.comment, timeMs: Number(r.created_ms) };
}

export function coverageFromJson(json: string): CoverageSetting {
  return JSON.parse(json) as CoverageSetting;
}
