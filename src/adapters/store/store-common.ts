/**
 * What every store adapter shares: how an EventQuery is read (defaults, clamping), which values the
 * schema can hold faithfully, and the order rows come back in — so memory, SQLite and PostgreSQL
 * answer the contract suite identically.
 */
import type { EventClass, ResourceRecord, SeriesDescriptor, VigilEvent } from '../../core/model/index.js';
import type { Checkpoint, EventQuery } from '../../core/ports/index.js';
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
