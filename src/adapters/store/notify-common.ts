/**
 * What every store adapter shares for schema v3 (notification outbox, delivery log, API-defined
 * channels, runbook audit): validation, query defaults, row mapping and orderings — so memory,
 * SQLite and PostgreSQL answer the contract suite (test/adapters/store/notify-contract.ts) alike.
 */
import type { NotificationType, Severity } from '../../core/model/index.js';
import type {
  ChannelRecord,
  DeliveryLogEntry,
  DeliveryOutcome,
  DeliveryQuery,
  NewOutboxEntry,
  OutboxEntry,
  OutboxQuery,
  OutboxStatus,
  OutboxUpdate,
  RunbookRun,
  RunbookRunQuery,
  RunbookRunStatus,
} from '../../core/ports/index.js';
import { compareCodePoints } from './store-common.js';
import { StoreError } from './store-error.js';

export const DEFAULT_NOTIFY_LIMIT = 100;
export const MAX_NOTIFY_LIMIT = 1000;

const OUTBOX_STATUSES: readonly OutboxStatus[] = ['PENDING', 'DELIVERED', 'FAILED', 'DROPPED'];
const OUTCOMES: readonly DeliveryOutcome[] = ['DELIVERED', 'RETRY', 'FAILED', 'DROPPED'];
const RUN_STATUSES: readonly RunbookRunStatus[] = ['SUCCEEDED', 'FAILED', 'DRY_RUN', 'RATE_LIMITED', 'TIMED_OUT'];
const TYPES: readonly NotificationType[] = ['NEW_INSIGHT', 'NEW_ASSOCIATION', 'SEVERITY_UPGRADED', 'NEW_RECOMMENDATION', 'CLOSED_INSIGHT'];
const SEVERITIES: readonly Severity[] = ['LOW', 'MEDIUM', 'HIGH'];
const MAX_INT32 = 2 ** 31 - 1;

function invalid(reason: string): StoreError {
  return new StoreError('VIGIL_ERR_STORE_INVALID', reason);
}

function checkMs(what: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(`${what} must be a whole number of milliseconds (got ${String(v)})`);
}

function checkInt(what: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(`${what} must be an integer from ${min} to ${max} (got ${String(v)})`);
}

function checkText(what: string, v: unknown): void {
  if (typeof v !== 'string' || v === '') throw invalid(`${what} must be a non-empty string (got ${JSON.stringify(v)})`);
}

function checkOneOf<T extends string>(what: string, v: unknown, allowed: readonly T[]): void {
  if (!allowed.includes(v as T)) throw invalid(`${what} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
}

function checkNullableText(what: string, v: unknown): void {
  if (v !== null && typeof v !== 'string') throw invalid(`${what} must be a string or null`);
}

function checkSeq(what: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw invalid(`${what} must be a positive whole number (got ${String(v)})`);
}

function limitOf(v: number | undefined): number {
  return v === undefined || !Number.isFinite(v) ? DEFAULT_NOTIFY_LIMIT : Math.min(MAX_NOTIFY_LIMIT, Math.max(0, Math.floor(v)));
}

export function validateNewOutbox(entries: readonly NewOutboxEntry[]): void {
  for (const e of entries) {
    checkText('an outbox row: channel', e.channel);
    const at = `outbox row ${JSON.stringify(e.channel)}/${String(e.seq)}`;
    checkSeq(`${at}: seq`, e.seq);
    checkText(`${at}: insightId`, e.insightId);
    checkOneOf(`${at}: type`, e.type, TYPES);
    checkMs(`${at}: createdMs`, e.createdMs);
    checkMs(`${at}: nextAttemptMs`, e.nextAttemptMs);
  }
}

export function validateCursor(cursor: { readonly key: string; readonly value: string } | undefined): void {
  if (cursor === undefined) return;
  checkText('outbox cursor: key', cursor.key);
  if (typeof cursor.value !== 'string') throw invalid('outbox cursor: value must be a string');
}

export function validateOutboxUpdate(u: OutboxUpdate): void {
  checkText('an outbox update: channel', u.channel);
  const at = `outbox update ${JSON.stringify(u.channel)}/${String(u.seq)}`;
  checkSeq(`${at}: seq`, u.seq);
  checkOneOf(`${at}: status`, u.status, OUTBOX_STATUSES);
  checkInt(`${at}: attempts`, u.attempts, 0, MAX_INT32);
  checkMs(`${at}: nextAttemptMs`, u.nextAttemptMs);
  checkNullableText(`${at}: lastError`, u.lastError);
  if (u.deliveredMs !== null) checkMs(`${at}: deliveredMs`, u.deliveredMs);
}

export function validateDeliveryLog(l: DeliveryLogEntry): void {
  checkText('a delivery log entry: channel', l.channel);
  const at = `delivery log entry ${JSON.stringify(l.messageId)} on ${JSON.stringify(l.channel)}`;
  checkText(`${at}: messageId`, l.messageId);
  checkText(`${at}: insightId`, l.insightId);
  checkOneOf(`${at}: type`, l.type, TYPES);
  checkInt(`${at}: attempt`, l.attempt, 0, MAX_INT32);
  checkMs(`${at}: timeMs`, l.timeMs);
  checkOneOf(`${at}: outcome`, l.outcome, OUTCOMES);
  if (l.httpStatus !== null) checkInt(`${at}: httpStatus`, l.httpStatus, 0, 999);
  checkNullableText(`${at}: reason`, l.reason);
}

export function validateChannelRecord(c: ChannelRecord): void {
  checkText('a channel: name', c.name);
  const at = `channel ${JSON.stringify(c.name)}`;
  checkText(`${at}: type`, c.type);
  checkText(`${at}: url`, c.url);
  checkOneOf(`${at}: minSeverity`, c.minSeverity, SEVERITIES);
  if (!Array.isArray(c.types)) throw invalid(`${at}: types must be a list`);
  for (const t of c.types) checkOneOf(`${at}: types`, t, TYPES);
  checkInt(`${at}: rateLimitPerMinute`, c.rateLimitPerMinute, 1, MAX_INT32);
  checkNullableText(`${at}: secret`, c.secret);
  checkNullableText(`${at}: secretEnv`, c.secretEnv);
  checkMs(`${at}: updatedMs`, c.updatedMs);
}

export function validateRunbookRun(r: RunbookRun): void {
  checkText('a runbook run: id', r.id);
  const at = `runbook run ${JSON.stringify(r.id)}`;
  checkText(`${at}: runbook`, r.runbook);
  checkText(`${at}: insightId`, r.insightId);
  checkOneOf(`${at}: transition`, r.transition, TYPES);
  checkMs(`${at}: timeMs`, r.timeMs);
  if (typeof r.dryRun !== 'boolean') throw invalid(`${at}: dryRun must be a boolean`);
  checkOneOf(`${at}: action`, r.action, ['http', 'script']);
  if (typeof r.target !== 'string') throw invalid(`${at}: target must be a string`);
  checkOneOf(`${at}: status`, r.status, RUN_STATUSES);
  if (typeof r.detail !== 'string') throw invalid(`${at}: detail must be a string`);
  checkMs(`${at}: durationMs`, r.durationMs);
}

export interface NormalisedOutboxQuery {
  readonly channel: string | null;
  readonly insightId: string | null;
  readonly statuses: readonly OutboxStatus[] | null;
  readonly limit: number;
}

export function normaliseOutboxQuery(q: OutboxQuery): NormalisedOutboxQuery {
  for (const s of q.statuses ?? []) checkOneOf('outbox query: statuses', s, OUTBOX_STATUSES);
  return {
    channel: q.channel ?? null,
    insightId: q.insightId ?? null,
    statuses: q.statuses !== undefined && q.statuses.length > 0 ? [...new Set(q.statuses)] : null,
    limit: limitOf(q.limit),
  };
}

export function normaliseDeliveryQuery(q: DeliveryQuery): { channel: string | null; insightId: string | null; limit: number } {
  return { channel: q.channel ?? null, insightId: q.insightId ?? null, limit: limitOf(q.limit) };
}

export function normaliseRunbookRunQuery(q: RunbookRunQuery): { insightId: string | null; runbook: string | null; limit: number } {
  return { insightId: q.insightId ?? null, runbook: q.runbook ?? null, limit: limitOf(q.limit) };
}

/** Outbox order: seq ascending, then channel (code points). */
export function compareOutbox(a: OutboxEntry, b: OutboxEntry): number {
  return a.seq - b.seq || compareCodePoints(a.channel, b.channel);
}

/** Newest first, ties by id descending (the SQL adapters: ORDER BY time_ms DESC, id DESC). */
export function compareRunsNewestFirst(a: RunbookRun, b: RunbookRun): number {
  return b.timeMs - a.timeMs || compareCodePoints(b.id, a.id);
}

export function newOutboxEntry(e: NewOutboxEntry): OutboxEntry {
  return {
    channel: e.channel, seq: e.seq, insightId: e.insightId, type: e.type, status: 'PENDING', attempts: 0,
    nextAttemptMs: e.nextAttemptMs, createdMs: e.createdMs, lastError: null, deliveredMs: null,
  };
}

// ---- rows of the SQL adapters ------------------------------------------------------------------

export const OUTBOX_COLUMNS = 'channel, seq, insight_id, type, status, attempts, next_attempt_ms, created_ms, last_error, delivered_ms';

export interface OutboxRow {
  channel: string;
  seq: number | string;
  insight_id: string;
  type: string;
  status: string;
  attempts: number | string;
  next_attempt_ms: number | string;
  created_ms: number | string;
  last_error: string | null;
  delivered_ms: number | string | null;
}

export function outboxFromRow(r: OutboxRow): OutboxEntry {
  return {
    channel: r.channel,
    seq: Number(r.seq),
    insightId: r.insight_id,
    type: r.type as NotificationType,
    status: r.status as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptMs: Number(r.next_attempt_ms),
    createdMs: Number(r.created_ms),
    lastError: r.last_error,
    deliveredMs: r.delivered_ms === null ? null : Number(r.delivered_ms),
  };
}

export const DELIVERY_COLUMNS = 'channel, message_id, insight_id, type, attempt, time_ms, outcome, http_status, reason';

export interface DeliveryRow {
  channel: string;
  message_id: string;
  insight_id: string;
  type: string;
  attempt: number | string;
  time_ms: number | string;
  outcome: string;
  http_status: number | string | null;
  reason: string | null;
}

export function deliveryToRow(l: DeliveryLogEntry): unknown[] {
  return [l.channel, l.messageId, l.insightId, l.type, l.attempt, l.timeMs, l.outcome, l.httpStatus, l.reason];
}

export function deliveryFromRow(r: DeliveryRow): DeliveryLogEntry {
  return {
    channel: r.channel,
    messageId: r.message_id,
    insightId: r.insight_id,
    type: r.type as NotificationType,
    attempt: Number(r.attempt),
    timeMs: Number(r.time_ms),
    outcome: r.outcome as DeliveryOutcome,
    httpStatus: r.http_status === null ? null : Number(r.http_status),
    reason: r.reason,
  };
}

/** The channel's fields but the name and time, as the JSON `spec` column holds them. */
export function channelSpecJson(c: ChannelRecord): string {
  return JSON.stringify({ type: c.type, url: c.url, minSeverity: c.minSeverity, types: c.types, rateLimitPerMinute: c.rateLimitPerMinute, secret: c.secret, secretEnv: c.secretEnv });
}

export function channelFromRow(r: { name: string; spec: string; updated_ms: number | string }): ChannelRecord {
  const s = JSON.parse(r.spec) as Omit<ChannelRecord, 'name' | 'updatedMs'>;
  return { name: r.name, type: s.type, url: s.url, minSeverity: s.minSeverity, types: s.types, rateLimitPerMinute: s.rateLimitPerMinute, secret: s.secret, secretEnv: s.secretEnv, updatedMs: Number(r.updated_ms) };
}

export function copyChannel(c: ChannelRecord): ChannelRecord {
  return channelFromRow({ name: c.name, spec: channelSpecJson(c), updated_ms: c.updatedMs });
}

export const RUN_COLUMNS = 'id, runbook, insight_id, transition, time_ms, dry_run, action, target, status, detail, duration_ms';

export interface RunRow {
  id: string;
  runbook: string;
  insight_id: string;
  transition: string;
  time_ms: number | string;
  dry_run: number | boolean;
  action: string;
  target: string;
  status: string;
  detail: string;
  duration_ms: number | string;
}

export function runFromRow(r: RunRow): RunbookRun {
  return {
    id: r.id,
    runbook: r.runbook,
    insightId: r.insight_id,
    transition: r.transition as NotificationType,
    timeMs: Number(r.time_ms),
    dryRun: r.dry_run === true || r.dry_run === 1,
    action: r.action as RunbookRun['action'],
    target: r.target,
    status: r.status as RunbookRunStatus,
    detail: r.detail,
    durationMs: Number(r.duration_ms),
  };
}
