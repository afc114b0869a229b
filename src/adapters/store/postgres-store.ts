/**
 * The scale-out store: PostgreSQL through a pg Pool, shared by every Vigil process of a deployment.
 *
 *   openPostgresStore ─► Pool (search_path = schema, set in the startup packet)
 *   migrate ─► one client: pg_advisory_lock(schema) ─► CREATE SCHEMA / schema_migrations
 *             ─► each pending migration in its own transaction ─► unlock
 *
 * Batches are single statements over unnest()ed arrays: one round trip for any batch size, and no
 * 65535-parameter ceiling. Times are BIGINT, which pg returns as strings (to be safe above 2^53);
 * store-common's row mappers turn them back into numbers, exact for every millisecond time.
 */
import pg from 'pg';
import type { PoolClient } from 'pg';

import type { Anomaly, FeedbackValue, Insight, InsightTransition, ResourceRecord, Sensitivity, SeriesDescriptor, VigilEvent } from '../../core/model/index.js';
import type {
  ChannelRecord,
  Checkpoint,
  CoverageSetting,
  DeliveryLogEntry,
  DeliveryQuery,
  EventQuery,
  InsightAnomaly,
  InsightFeedback,
  InsightPage,
  InsightQuery,
  NewOutboxEntry,
  OutboxEntry,
  OutboxQuery,
  OutboxUpdate,
  ResourceQuery,
  RunbookRun,
  RunbookRunQuery,
  SensitivityScope,
  SensitivitySetting,
  Store,
  StoredTransition,
} from '../../core/ports/index.js';
import { SCHEMA_MIGRATIONS_DDL, planMigrations } from './migrations.js';
import {
  ANOMALY_COLUMNS,
  type AnomalyRow,
  type EventRow,
  type FeedbackRow,
  INSIGHT_COLUMNS,
  type InsightRow,
  type ResourceRow,
  type SeriesRow,
  type TransitionRow,
  anomalyFromRow,
  anomalyToRow,
  compareCodePoints,
  coverageFromJson,
  eventFromRow,
  feedbackFromRow,
  insightFromRow,
  insightOrderSql,
  insightToRow,
  normaliseEventQuery,
  normaliseInsightQuery,
  normaliseTransitionPage,
  resourceFromRow,
  seriesFromRow,
  seriesKeyConflict,
  toPlainBytes,
  transitionFromRow,
  validateAnomalies,
  validateCheckpoint,
  validateCoverage,
  validateEvents,
  validateFeedback,
  validateInsights,
  validateMttrRange,
  validateResources,
  validateSensitivity,
  validateSeries,
  validateTransitions,
} from './store-common.js';
import { StoreError } from './store-error.js';
import { SqlWhere } from './sql-where.js';
import {
  DELIVERY_COLUMNS,
  type DeliveryRow,
  OUTBOX_COLUMNS,
  type OutboxRow,
  RUN_COLUMNS,
  type RunRow,
  channelFromRow,
  channelSpecJson,
  deliveryFromRow,
  deliveryToRow,
  normaliseDeliveryQuery,
  normaliseOutboxQuery,
  normaliseRunbookRunQuery,
  outboxFromRow,
  runFromRow,
  validateChannelRecord,
  validateCursor,
  validateDeliveryLog,
  validateNewOutbox,
  validateOutboxUpdate,
  validateRunbookRun,
} from './notify-common.js';

export interface PostgresStoreOptions {
  /** e.g. postgres://vigil:secret@db:5432/vigil */
  readonly connectionString: string;
  /**
   * Schema holding Vigil's tables (created if missing); default: the server's search_path
   * (normally `public`). Lower-case letters, digits and `_` only, so it needs no quoting anywhere.
   */
  readonly schema?: string;
  /** Most connections this process holds. Default 10. */
  readonly poolSize?: number;
  /** Give up connecting after this long. Default 10000. */
  readonly connectTimeoutMs?: number;
  /** Wall clock for `applied_at` / `saved_at` bookkeeping columns. Default Date.now. */
  readonly nowMs?: () => number;
  /**
   * Called when an idle pooled connection fails (server restart, network cut). The pool drops the
   * connection and the next query opens a new one; without a listener, pg's 'error' event would
   * crash the process. Default: ignore.
   */
  readonly onIdleError?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const EVENT_COLUMNS = 'id, class, source, name, time_ms, application, resources, attributes';

/** The URL with its password masked, for error messages and logs. */
export function redactConnectionString(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable connection string)';
  }
}

/** Keeps the first of each id (sorted), the rule ON CONFLICT DO NOTHING applies to a stored event. */
function firstById(events: readonly VigilEvent[]): VigilEvent[] {
  const seen = new Map<string, VigilEvent>();
  for (const e of events) if (!seen.has(e.id)) seen.set(e.id, e);
  // Sorted so two concurrent batches sharing ids take their row locks in the same order and cannot deadlock.
  return [...seen.values()].sort((a, b) => compareCodePoints(a.id, b.id));
}

/** Keeps the last entry of each key: a batch means "apply in order", and the last write wins. */
function lastByKey<T, K>(items: readonly T[], key: (t: T) => K): T[] {
  const m = new Map<K, T>();
  for (const it of items) {
    m.delete(key(it)); // re-insert so the kept entry sits at its last position
    m.set(key(it), it);
  }
  return [...m.values()];
}

export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #schema: string | null;
  readonly #nowMs: () => number;
  #closed = false;

  /** Use openPostgresStore(). */
  constructor(pool: pg.Pool, schema: string | null, nowMs: () => number = Date.now) {
    this.#pool = pool;
    this.#schema = schema;
    this.#nowMs = nowMs;
  }

  #open(): void {
    if (this.#closed) throw new StoreError('VIGIL_ERR_STORE_CLOSED', 'the PostgreSQL store was used after close()');
  }

  async #tx<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    this.#open();
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error; // the connection is unusable: destroy it rather than pool it
      }
      throw e;
    } finally {
      client.release(broken);
    }
  }

  async #appliedVersion(client: PoolClient): Promise<number> {
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return rows[0]?.v ?? 0;
  }

  async migrate(): Promise<void> {
    this.#open();
    const client = await this.#pool.connect();
    // Session-level advisory lock keyed by the schema: two processes starting together run the
    // migrations one after the other (the second finds nothing to do), and tests in other schemas
    // are not held up. Even CREATE ... IF NOT EXISTS can race on the catalog, hence the lock covers it.
    const lockKey = `vigil.migrate:${this.#schema ?? ''}`;
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    let broken: Error | undefined;
    try {
      if (this.#schema !== null) await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.#schema}`);
      await client.query(SCHEMA_MIGRATIONS_DDL.postgres);
      const pending = planMigrations(await this.#appliedVersion(client));
      for (const m of pending) {
        await client.query('BEGIN');
        try {
          for (const sql of m.sql.postgres) await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [m.version, this.#nowMs()]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw e;
        }
      }
    } finally {
      try {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      } catch (unlockError) {
        broken = unlockError as Error; // closing the connection releases the lock too
      }
      client.release(broken);
    }
  }

  async schemaVersion(): Promise<number> {
    this.#open();
    const { rows } = await this.#pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
    if (rows[0]?.t == null) return 0;
    const v = await this.#pool.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return v.rows[0]?.v ?? 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async appendEvents(events: readonly VigilEvent[]): Promise<number> {
    this.#open();
    validateEvents(events);
    if (events.length === 0) return 0;
    const batch = firstById(events);
    return this.#tx(async (c) => {
      const inserted = await c.query<{ id: string }>(
        `INSERT INTO events (${EVENT_COLUMNS})
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[])
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [
          batch.map((e) => e.id),
          batch.map((e) => e.class),
          batch.map((e) => e.source),
          batch.map((e) => e.name),
          batch.map((e) => e.timeMs),
          batch.map((e) => e.application),
          batch.map((e) => JSON.stringify(e.resources)),
          batch.map((e) => JSON.stringify(e.attributes)),
        ],
      );
      const fresh = new Set(inserted.rows.map((r) => r.id));
      const ids: string[] = [];
      const resources: string[] = [];
      for (const e of batch) {
        if (!fresh.has(e.id)) continue;
        for (const r of e.resources) {
          ids.push(e.id);
          resources.push(r);
        }
      }
      if (ids.length > 0) {
        await c.query(
          'INSERT INTO event_resources (event_id, resource) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING',
          [ids, resources],
        );
      }
      return fresh.size;
    });
  }

  async listEvents(query: EventQuery): Promise<VigilEvent[]> {
    this.#open();
    const q = normaliseEventQuery(query);
    const w = new SqlWhere('postgres');
    if (q.fromMs !== null) w.and(`time_ms >= ${w.p(q.fromMs)}`);
    if (q.toMs !== null) w.and(`time_ms <= ${w.p(q.toMs)}`);
    w.oneOf('class', q.classes).eq('source', q.source).eq('application', q.application);
    if (q.resource !== null) w.and(`id IN (SELECT event_id FROM event_resources WHERE resource = ${w.p(q.resource)})`);
    const sql = `SELECT ${EVENT_COLUMNS} FROM events${w.sql()} ORDER BY time_ms DESC, id DESC LIMIT ${w.p(q.limit)} OFFSET ${w.p(q.offset)}`;
    const { rows } = await this.#pool.query<EventRow>(sql, w.params);
    return rows.map(eventFromRow);
  }

  async getEvent(id: string): Promise<VigilEvent | null> {
    this.#open();
    const { rows } = await this.#pool.query<EventRow>({ name: 'vigil_get_event', text: `SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1`, values: [id] });
    return rows[0] === undefined ? null : eventFromRow(rows[0]);
  }

  async upsertSeries(series: readonly SeriesDescriptor[]): Promise<void> {
    this.#open();
    validateSeries(series);
    if (series.length === 0) return;
    const batch = lastByKey(series, (s) => s.id);
    await this.#tx(async (c) => {
      // Refuse a key held by another series, naming the holder — as the other adapters do. A key
      // can be claimed by a second id of the same batch too.
      const claimed = new Map<string, number>();
      for (const s of batch) {
        const other = claimed.get(s.key);
        if (other !== undefined) throw seriesKeyConflict(s.key, other, s.id);
        claimed.set(s.key, s.id);
      }
      const batchIds = new Set(batch.map((s) => s.id));
      const holders = await c.query<{ id: number; key: string }>('SELECT id, key FROM series WHERE key = ANY($1::text[])', [[...claimed.keys()]]);
      for (const h of holders.rows) {
        const claimant = claimed.get(h.key)!;
        // A holder that is itself re-keyed by this batch gives the key up.
        if (h.id !== claimant && !batchIds.has(h.id)) throw seriesKeyConflict(h.key, h.id, claimant);
      }
      try {
        await c.query(
          `INSERT INTO series (id, key, name, labels, resource, application, kind, bad_direction, first_seen_ms, last_seen_ms)
           SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[])
           ON CONFLICT (id) DO UPDATE SET key = excluded.key, name = excluded.name, labels = excluded.labels,
             resource = excluded.resource, application = excluded.application, kind = excluded.kind,
             bad_direction = excluded.bad_direction, first_seen_ms = excluded.first_seen_ms, last_seen_ms = excluded.last_seen_ms`,
          [
            batch.map((s) => s.id),
            batch.map((s) => s.key),
            batch.map((s) => s.name),
            batch.map((s) => JSON.stringify(s.labels)),
            batch.map((s) => s.resource),
            batch.map((s) => s.application),
            batch.map((s) => s.kind),
            batch.map((s) => s.badDirection),
            batch.map((s) => s.firstSeenMs),
            batch.map((s) => s.lastSeenMs),
          ],
        );
      } catch (e) {
        // Left: keys swapped between series inside one batch (unique checks are per row), or a
        // concurrent writer taking the key between our check and the insert.
        if ((e as { code?: string }).code === '23505') {
          throw new StoreError('VIGIL_ERR_STORE_CONFLICT', `a series key in this batch is already held by another series (${(e as Error).message})`, { cause: e });
        }
        throw e;
      }
    });
  }

  async listSeries(): Promise<SeriesDescriptor[]> {
    this.#open();
    const { rows } = await this.#pool.query<SeriesRow>({ name: 'vigil_list_series', text: 'SELECT * FROM series ORDER BY id' });
    return rows.map(seriesFromRow);
  }

  async upsertResources(resources: readonly ResourceRecord[]): Promise<void> {
    this.#open();
    validateResources(resources);
    if (resources.length === 0) return;
    const batch = lastByKey(resources, (r) => r.key);
    await this.#pool.query(
      `INSERT INTO resources (key, type, application, tags, first_seen_ms, last_seen_ms, series_count, retired_ms)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::int[], $8::bigint[])
       ON CONFLICT (key) DO UPDATE SET type = excluded.type, application = excluded.application, tags = excluded.tags,
         first_seen_ms = excluded.first_seen_ms, last_seen_ms = excluded.last_seen_ms,
         series_count = excluded.series_count, retired_ms = excluded.retired_ms`,
      [
        batch.map((r) => r.key),
        batch.map((r) => r.type),
        batch.map((r) => r.application),
        batch.map((r) => JSON.stringify(r.tags)),
        batch.map((r) => r.firstSeenMs),
        batch.map((r) => r.lastSeenMs),
        batch.map((r) => r.seriesCount),
        batch.map((r) => r.retiredMs),
      ],
    );
  }

  async listResources(query: ResourceQuery = {}): Promise<ResourceRecord[]> {
    this.#open();
    const w = new SqlWhere('postgres').eq('application', query.application);
    if (query.includeRetired !== true) w.and('retired_ms IS NULL');
    const { rows } = await this.#pool.query<ResourceRow>(`SELECT * FROM resources${w.sql()} ORDER BY key`, w.params);
    return rows.map(resourceFromRow);
  }

  async saveCheckpoint(name: string, checkpoint: Checkpoint): Promise<void> {
    this.#open();
    validateCheckpoint(name, checkpoint);
    const d = checkpoint.data;
    // One upsert statement: atomic, so a reader sees the old checkpoint or the new one.
    await this.#pool.query({
      name: 'vigil_save_checkpoint',
      text: `INSERT INTO checkpoints (name, time_ms, data, saved_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET time_ms = excluded.time_ms, data = excluded.data, saved_at = excluded.saved_at`,
      values: [name, checkpoint.timeMs, Buffer.from(d.buffer, d.byteOffset, d.byteLength), this.#nowMs()],
    });
  }

  async loadCheckpoint(name: string): Promise<Checkpoint | null> {
    this.#open();
    const { rows } = await this.#pool.query<{ time_ms: string; data: Buffer }>({
      name: 'vigil_load_checkpoint',
      text: 'SELECT time_ms, data FROM checkpoints WHERE name = $1',
      values: [name],
    });
    const row = rows[0];
    return row === undefined ? null : { timeMs: Number(row.time_ms), data: toPlainBytes(row.data) };
  }

  async getState(key: string): Promise<string | null> {
    this.#open();
    const { rows } = await this.#pool.query<{ value: string }>({ name: 'vigil_get_state', text: 'SELECT value FROM state WHERE key = $1', values: [key] });
    return rows[0]?.value ?? null;
  }

  async setState(key: string, value: string): Promise<void> {
    this.#open();
    await this.#pool.query({
      name: 'vigil_set_state',
      text: 'INSERT INTO state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      values: [key, value],
    });
  }

  async upsertInsights(insights: readonly Insight[]): Promise<void> {
    this.#open();
    validateInsights(insights);
    if (insights.length === 0) return;
    // Sorted by id (after last-wins dedup) so concurrent batches lock rows in one order.
    const rows = lastByKey(insights, (i) => i.id)
      .sort((a, b) => compareCodePoints(a.id, b.id))
      .map(insightToRow);
    const col = (k: number): unknown[] => rows.map((r) => r[k]);
    await this.#pool.query(
      `INSERT INTO insights (${INSIGHT_COLUMNS})
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[],
         $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
       ON CONFLICT (id) DO UPDATE SET ${updateAll(INSIGHT_COLUMNS)}`,
      Array.from({ length: 15 }, (_, k) => col(k)),
    );
  }

  async listInsights(query: InsightQuery = {}): Promise<InsightPage> {
    this.#open();
    const q = normaliseInsightQuery(query);
    const w = new SqlWhere('postgres').eq('status', q.status).oneOf('severity', q.severities).eq('type', q.type).eq('application', q.application);
    if (q.toMs !== null) w.and(`start_ms <= ${w.p(q.toMs)}`);
    if (q.fromMs !== null) w.and(`(end_ms IS NULL OR end_ms >= ${w.p(q.fromMs)})`);
    // count(*) OVER () gives the total with the page in one statement (one snapshot). An offset
    // past the end returns no rows, hence the separate count then.
    const whereSql = w.sql();
    const filterParams = [...w.params];
    const { rows } = await this.#pool.query<InsightRow & { total: string }>(
      `SELECT ${INSIGHT_COLUMNS}, count(*) OVER () AS total FROM insights${whereSql}
       ORDER BY ${insightOrderSql(q.sort)} LIMIT ${w.p(q.limit)} OFFSET ${w.p(q.offset)}`,
      w.params,
    );
    if (rows.length > 0) return { items: rows.map(insightFromRow), total: Number(rows[0]!.total) };
    const count = await this.#pool.query<{ n: string }>(`SELECT count(*) AS n FROM insights${whereSql}`, filterParams);
    return { items: [], total: Number(count.rows[0]?.n ?? 0) };
  }

  async getInsight(id: string): Promise<Insight | null> {
    this.#open();
    const { rows } = await this.#pool.query<InsightRow>({ name: 'vigil_get_insight', text: `SELECT ${INSIGHT_COLUMNS} FROM insights WHERE id = $1`, values: [id] });
    return rows[0] === undefined ? null : insightFromRow(rows[0]);
  }

  async upsertAnomalies(anomalies: readonly InsightAnomaly[]): Promise<void> {
    this.#open();
    validateAnomalies(anomalies);
    if (anomalies.length === 0) return;
    const rows = lastByKey(anomalies, (a) => a.anomaly.id)
      .sort((a, b) => compareCodePoints(a.anomaly.id, b.anomaly.id))
      .map(anomalyToRow);
    const col = (k: number): unknown[] => rows.map((r) => r[k]);
    await this.#pool.query(
      `INSERT INTO anomalies (${ANOMALY_COLUMNS})
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
         $10::bigint[], $11::bigint[], $12::float8[], $13::bigint[], $14::float8[], $15::float8[], $16::float8[], $17::float8[], $18::text[], $19::text[])
       ON CONFLICT (id) DO UPDATE SET ${updateAll(ANOMALY_COLUMNS)}`,
      Array.from({ length: 19 }, (_, k) => col(k)),
    );
  }

  async listAnomalies(insightId: string): Promise<Anomaly[]> {
    this.#open();
    const { rows } = await this.#pool.query<AnomalyRow>({
      name: 'vigil_list_anomalies',
      text: `SELECT ${ANOMALY_COLUMNS} FROM anomalies WHERE insight_id = $1 ORDER BY start_ms, id`,
      values: [insightId],
    });
    return rows.map(anomalyFromRow);
  }

  async appendTransitions(transitions: readonly InsightTransition[]): Promise<void> {
    this.#open();
    validateTransitions(transitions);
    if (transitions.length === 0) return;
    await this.#tx(async (c) => {
      // A sequence hands out numbers at INSERT, not at COMMIT: without this lock, a transaction that
      // took seq 7 could commit after one that took seq 8, and an outbox reader already past 8
      // would never see 7. The lock (writers only; readers are not blocked) makes seq order commit
      // order, as SQLite's single writer does.
      await c.query('LOCK TABLE insight_transitions IN SHARE ROW EXCLUSIVE MODE');
      await c.query(
        `INSERT INTO insight_transitions (insight_id, type, time_ms, severity, created_at)
         SELECT t.insight_id, t.type, t.time_ms, t.severity, $5
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS t (insight_id, type, time_ms, severity, n)
         ORDER BY t.n`,
        [transitions.map((t) => t.insightId), transitions.map((t) => t.type), transitions.map((t) => t.timeMs), transitions.map((t) => t.severity), this.#nowMs()],
      );
    });
  }

  async listTransitions(afterSeq: number, limit?: number): Promise<StoredTransition[]> {
    this.#open();
    const page = normaliseTransitionPage(afterSeq, limit);
    const { rows } = await this.#pool.query<TransitionRow>({
      name: 'vigil_list_transitions',
      text: 'SELECT seq, insight_id, type, time_ms, severity FROM insight_transitions WHERE seq > $1 ORDER BY seq LIMIT $2',
      values: [page.afterSeq, page.limit],
    });
    return rows.map(transitionFromRow);
  }

  async addFeedback(feedback: { readonly insightId: string; readonly value: FeedbackValue; readonly comment?: string; readonly timeMs: number }): Promise<void> {
    this.#open();
    validateFeedback(feedback);
    await this.#pool.query({
      name: 'vigil_add_feedback',
      text: 'INSERT INTO feedback (insight_id, value, comment, created_ms) VALUES ($1, $2, $3, $4)',
      values: [feedback.insightId, feedback.value, feedback.comment ?? null, feedback.timeMs],
    });
  }

  async listFeedback(insightId: string): Promise<InsightFeedback[]> {
    this.#open();
    const { rows } = await this.#pool.query<FeedbackRow>({
      name: 'vigil_list_feedback',
      text: 'SELECT insight_id, value, comment, created_ms FROM feedback WHERE insight_id = $1 ORDER BY created_ms, id',
      values: [insightId],
    });
    return rows.map(feedbackFromRow);
  }

  async setSensitivity(scope: SensitivityScope, level: Sensitivity | null): Promise<void> {
    this.#open();
    validateSensitivity(scope, level);
    if (level === null) await this.#pool.query('DELETE FROM sensitivity WHERE scope = $1', [scope]);
    else await this.#pool.query('INSERT INTO sensitivity (scope, level) VALUES ($1, $2) ON CONFLICT (scope) DO UPDATE SET level = excluded.level', [scope, level]);
  }

  async listSensitivity(): Promise<SensitivitySetting[]> {
    this.#open();
    const { rows } = await this.#pool.query<SensitivitySetting>('SELECT scope, level FROM sensitivity ORDER BY scope');
    return rows;
  }

  async getCoverage(): Promise<CoverageSetting | null> {
    this.#open();
    const { rows } = await this.#pool.query<{ selectors: string }>('SELECT selectors FROM coverage WHERE id = 1');
    return rows[0] === undefined ? null : coverageFromJson(rows[0].selectors);
  }

  async setCoverage(coverage: CoverageSetting): Promise<void> {
    this.#open();
    validateCoverage(coverage);
    await this.#pool.query(
      'INSERT INTO coverage (id, selectors, updated_at) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET selectors = excluded.selectors, updated_at = excluded.updated_at',
      [JSON.stringify(coverage), this.#nowMs()],
    );
  }

  async mttrMs(fromMs: number, toMs: number): Promise<number | null> {
    this.#open();
    validateMttrRange(fromMs, toMs);
    // SUM and COUNT rather than AVG (numeric, rounded to some scale): every backend divides the same exact integers.
    const { rows } = await this.#pool.query<{ total: string | null; n: string }>(
      `SELECT sum(end_ms - start_ms) AS total, count(*) AS n FROM insights
       WHERE type = 'REACTIVE' AND status = 'CLOSED' AND end_ms IS NOT NULL AND start_ms >= $1 AND start_ms <= $2`,
      [fromMs, toMs],
    );
    const n = Number(rows[0]?.n ?? 0);
    return n === 0 ? null : Number(rows[0]!.total) / n;
  }

  async enqueueOutbox(entries: readonly NewOutboxEntry[], cursor?: { readonly key: string; readonly value: string }): Promise<number> {
    this.#open();
    validateNewOutbox(entries);
    validateCursor(cursor);
    if (entries.length === 0 && cursor === undefined) return 0;
    return this.#tx(async (c) => {
      let added = 0;
      if (entries.length > 0) {
        // Sorted by key so two writers enqueueing overlapping rows lock them in one order.
        const batch = [...entries].sort((a, b) => compareCodePoints(a.channel, b.channel) || a.seq - b.seq);
        const r = await c.query(
          `INSERT INTO outbox (${OUTBOX_COLUMNS})
           SELECT t.channel, t.seq, t.insight_id, t.type, 'PENDING', 0, t.next_attempt_ms, t.created_ms, NULL, NULL
           FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[]) AS t (channel, seq, insight_id, type, next_attempt_ms, created_ms)
           ON CONFLICT (channel, seq) DO NOTHING`,
          [batch.map((e) => e.channel), batch.map((e) => e.seq), batch.map((e) => e.insightId), batch.map((e) => e.type), batch.map((e) => e.nextAttemptMs), batch.map((e) => e.createdMs)],
        );
        added = r.rowCount ?? 0;
      }
      if (cursor !== undefined) {
        await c.query('INSERT INTO state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [cursor.key, cursor.value]);
      }
      return added;
    });
  }

  async listOutbox(query: OutboxQuery = {}): Promise<OutboxEntry[]> {
    this.#open();
    const q = normaliseOutboxQuery(query);
    const w = new SqlWhere('postgres').eq('channel', q.channel).eq('insight_id', q.insightId).oneOf('status', q.statuses);
    const { rows } = await this.#pool.query<OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM outbox${w.sql()} ORDER BY seq, channel LIMIT ${w.p(q.limit)}`, w.params);
    return rows.map(outboxFromRow);
  }

  async recordDelivery(update: OutboxUpdate | null, log: DeliveryLogEntry | null): Promise<void> {
    this.#open();
    if (update !== null) validateOutboxUpdate(update);
    if (log !== null) validateDeliveryLog(log);
    if (update === null && log === null) return;
    await this.#tx(async (c) => {
      if (update !== null) await c.query('UPDATE outbox SET status = $1, attempts = $2, next_attempt_ms = $3, last_error = $4, delivered_ms = $5 WHERE channel = $6 AND seq = $7', [
        update.status, update.attempts, update.nextAttemptMs, update.lastError, update.deliveredMs, update.channel, update.seq,
      ]);
      if (log !== null) await c.query(`INSERT INTO deliveries (${DELIVERY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, deliveryToRow(log));
    });
  }

  async dropPendingOutbox(channel: string, reason: string): Promise<number> {
    this.#open();
    const r = await this.#pool.query("UPDATE outbox SET status = 'DROPPED', last_error = $1 WHERE channel = $2 AND status = 'PENDING'", [reason, channel]);
    return r.rowCount ?? 0;
  }

  async listDeliveries(query: DeliveryQuery = {}): Promise<DeliveryLogEntry[]> {
    this.#open();
    const q = normaliseDeliveryQuery(query);
    const w = new SqlWhere('postgres').eq('channel', q.channel).eq('insight_id', q.insightId);
    const { rows } = await this.#pool.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries${w.sql()} ORDER BY time_ms DESC, id DESC LIMIT ${w.p(q.limit)}`, w.params);
    return rows.map(deliveryFromRow);
  }

  async listChannels(): Promise<ChannelRecord[]> {
    this.#open();
    const { rows } = await this.#pool.query<{ name: string; spec: string; updated_ms: string }>('SELECT name, spec, updated_ms FROM channels ORDER BY name');
    return rows.map(channelFromRow);
  }

  async putChannel(channel: ChannelRecord): Promise<void> {
    this.#open();
    validateChannelRecord(channel);
    await this.#pool.query(
      'INSERT INTO channels (name, spec, updated_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_ms = excluded.updated_ms',
      [channel.name, channelSpecJson(channel), channel.updatedMs],
    );
  }

  async deleteChannel(name: string): Promise<boolean> {
    this.#open();
    const r = await this.#pool.query('DELETE FROM channels WHERE name = $1', [name]);
    return (r.rowCount ?? 0) > 0;
  }

  async appendRunbookRun(run: RunbookRun): Promise<boolean> {
    this.#open();
    validateRunbookRun(run);
    const r = await this.#pool.query(
      `INSERT INTO runbook_runs (${RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
      [run.id, run.runbook, run.insightId, run.transition, run.timeMs, run.dryRun, run.action, run.target, run.status, run.detail, run.durationMs],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async listRunbookRuns(query: RunbookRunQuery = {}): Promise<RunbookRun[]> {
    this.#open();
    const q = normaliseRunbookRunQuery(query);
    const w = new SqlWhere('postgres').eq('insight_id', q.insightId).eq('runbook', q.runbook);
    const { rows } = await this.#pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runbook_runs${w.sql()} ORDER BY time_ms DESC, id DESC LIMIT ${w.p(q.limit)}`, w.params);
    return rows.map(runFromRow);
  }
}

/** `a = excluded.a, …` for every column but the first (the key). */
function updateAll(columns: string): string {
  return columns
    .split(', ')
    .slice(1)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
}

/**
 * Connects to PostgreSQL and checks the connection once. Does not migrate: call `migrate()`
 * (openStore() in index.ts does both). Rejects with VIGIL_ERR_STORE_UNAVAILABLE naming the server
 * (password masked) when it cannot connect, and VIGIL_ERR_STORE_INVALID for a bad schema name.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema ?? null;
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new StoreError('VIGIL_ERR_STORE_INVALID', `PostgreSQL schema name ${JSON.stringify(schema)} must match ${SCHEMA_NAME.source} (lower-case letters, digits, _)`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // In the startup packet, so every pooled connection has it before its first query — a 'connect'
    // handler would race with the query that triggered the connection.
    ...(schema !== null ? { options: `-c search_path=${schema}` } : {}),
  });
  const onIdleError = options.onIdleError ?? ((): void => {});
  pool.on('error', onIdleError);
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => {});
    throw new StoreError(
      'VIGIL_ERR_STORE_UNAVAILABLE',
      `cannot connect to PostgreSQL at ${redactConnectionString(options.connectionString)}: ${(e as Error).message || String(e)}`,
      { cause: e },
    );
  }
  return new PostgresStore(pool, schema, options.nowMs);
}
