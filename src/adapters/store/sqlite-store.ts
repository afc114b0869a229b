/**
 * The embedded default store: one SQLite file (better-sqlite3, synchronous and in-process).
 *
 * Durability. The file runs in WAL mode with synchronous=NORMAL: a commit appends the transaction to
 * the -wal file through write(2) before the call returns, but fsync happens only at WAL checkpoints.
 * Written data sits in the OS page cache, which belongs to the kernel, not to us — so a crash of
 * this process, including `kill -9` or an OOM kill, loses nothing that was acknowledged (the
 * fixture-driven test in test/adapters/store/sqlite.test.ts proves it). A power cut or kernel panic
 * can lose the last commits before the next checkpoint (never corrupt the file: WAL frames are
 * checksummed). Pass `synchronous: 'full'` to fsync the WAL on every commit when that matters more
 * than write throughput (https://www.sqlite.org/pragma.html#pragma_synchronous, "WAL mode").
 *
 * better-sqlite3 is synchronous: each call runs to completion on the event loop, so calls from one
 * process are naturally serialised. Writes use BEGIN IMMEDIATE so a second process (or a second
 * store on the same file) waits for the write lock — up to busyTimeoutMs — instead of failing with
 * SQLITE_BUSY halfway through a transaction.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

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
import { MIGRATIONS, SCHEMA_MIGRATIONS_DDL, planMigrations } from './migrations.js';
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

export interface SqliteStoreOptions {
  /** Database file; its parent directory is created. `:memory:` gives a private in-memory database. */
  readonly path: string;
  /** 'normal' (default): safe against process crash / kill -9; 'full': also against power loss. */
  readonly synchronous?: 'normal' | 'full';
  /** How long a write waits for another connection's lock before failing. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** Wall clock for `applied_at` / `saved_at` bookkeeping columns. Default Date.now. */
  readonly nowMs?: () => number;
}

type Db = Database.Database;

export class SqliteStore implements Store {
  readonly #db: Db;
  readonly #nowMs: () => number;
  /** Prepared statements by SQL text: prepared once, on first use (tables exist only after migrate). */
  readonly #statements = new Map<string, Database.Statement>();
  readonly #appendTx: Database.Transaction<(events: readonly VigilEvent[]) => number>;
  readonly #upsertSeriesTx: Database.Transaction<(series: readonly SeriesDescriptor[]) => void>;
  readonly #upsertResourcesTx: Database.Transaction<(resources: readonly ResourceRecord[]) => void>;
  readonly #upsertInsightsTx: Database.Transaction<(insights: readonly Insight[]) => void>;
  readonly #upsertAnomaliesTx: Database.Transaction<(anomalies: readonly InsightAnomaly[]) => void>;
  readonly #appendTransitionsTx: Database.Transaction<(transitions: readonly InsightTransition[]) => void>;
  readonly #enqueueOutboxTx: Database.Transaction<(entries: readonly NewOutboxEntry[], cursor: { key: string; value: string } | undefined) => number>;
  readonly #recordDeliveryTx: Database.Transaction<(update: OutboxUpdate | null, log: DeliveryLogEntry | null) => void>;

  /** Use openSqliteStore(); this takes an already configured connection. */
  constructor(db: Db, nowMs: () => number = Date.now) {
    this.#db = db;
    this.#nowMs = nowMs;
    this.#appendTx = db.transaction((events: readonly VigilEvent[]) => {
      const insertEvent = this.#stmt(
        `INSERT INTO events (id, class, source, name, time_ms, application, resources, attributes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      );
      // A resource listed twice in one event is one row; the JSON column keeps the list verbatim.
      const insertResource = this.#stmt('INSERT INTO event_resources (event_id, resource) VALUES (?, ?) ON CONFLICT DO NOTHING');
      let added = 0;
      for (const e of events) {
        const info = insertEvent.run(e.id, e.class, e.source, e.name, e.timeMs, e.application, JSON.stringify(e.resources), JSON.stringify(e.attributes));
        if (info.changes === 0) continue; // already stored: a re-delivery
        added++;
        for (const r of e.resources) insertResource.run(e.id, r);
      }
      return added;
    });
    this.#upsertSeriesTx = db.transaction((series: readonly SeriesDescriptor[]) => {
      const owner = this.#stmt('SELECT id FROM series WHERE key = ?');
      const upsert = this.#stmt(
        `INSERT INTO series (id, key, name, labels, resource, application, kind, bad_direction, first_seen_ms, last_seen_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET key = excluded.key, name = excluded.name, labels = excluded.labels,
           resource = excluded.resource, application = excluded.application, kind = excluded.kind,
           bad_direction = excluded.bad_direction, first_seen_ms = excluded.first_seen_ms, last_seen_ms = excluded.last_seen_ms`,
      );
      for (const s of series) {
        // Checked here rather than read off the UNIQUE error, to name the series that holds the key.
        const holder = owner.get(s.key) as { id: number } | undefined;
        if (holder !== undefined && holder.id !== s.id) throw seriesKeyConflict(s.key, holder.id, s.id);
        upsert.run(s.id, s.key, s.name, JSON.stringify(s.labels), s.resource, s.application, s.kind, s.badDirection, s.firstSeenMs, s.lastSeenMs);
      }
    });
    this.#upsertResourcesTx = db.transaction((resources: readonly ResourceRecord[]) => {
      const upsert = this.#stmt(
        `INSERT INTO resources (key, type, application, tags, first_seen_ms, last_seen_ms, series_count, retired_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET type = excluded.type, application = excluded.application, tags = excluded.tags,
           first_seen_ms = excluded.first_seen_ms, last_seen_ms = excluded.last_seen_ms,
           series_count = excluded.series_count, retired_ms = excluded.retired_ms`,
      );
      for (const r of resources) {
        upsert.run(r.key, r.type, r.application, JSON.stringify(r.tags), r.firstSeenMs, r.lastSeenMs, r.seriesCount, r.retiredMs);
      }
    });
    this.#upsertInsightsTx = db.transaction((insights: readonly Insight[]) => {
      const upsert = this.#stmt(`INSERT OR REPLACE INTO insights (${INSIGHT_COLUMNS}) VALUES (${placeholders(15)})`);
      for (const i of insights) upsert.run(...insightToRow(i));
    });
    this.#upsertAnomaliesTx = db.transaction((anomalies: readonly InsightAnomaly[]) => {
      const upsert = this.#stmt(`INSERT OR REPLACE INTO anomalies (${ANOMALY_COLUMNS}) VALUES (${placeholders(19)})`);
      for (const a of anomalies) upsert.run(...anomalyToRow(a));
    });
    this.#appendTransitionsTx = db.transaction((transitions: readonly InsightTransition[]) => {
      const insert = this.#stmt('INSERT INTO insight_transitions (insight_id, type, time_ms, severity, created_at) VALUES (?, ?, ?, ?, ?)');
      const now = this.#nowMs();
      for (const t of transitions) insert.run(t.insightId, t.type, t.timeMs, t.severity, now);
    });
    this.#enqueueOutboxTx = db.transaction((entries: readonly NewOutboxEntry[], cursor: { key: string; value: string } | undefined) => {
      const insert = this.#stmt(
        `INSERT INTO outbox (${OUTBOX_COLUMNS}) VALUES (?, ?, ?, ?, 'PENDING', 0, ?, ?, NULL, NULL) ON CONFLICT (channel, seq) DO NOTHING`,
      );
      let added = 0;
      for (const e of entries) added += insert.run(e.channel, e.seq, e.insightId, e.type, e.nextAttemptMs, e.createdMs).changes;
      if (cursor !== undefined) {
        this.#stmt('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(cursor.key, cursor.value);
      }
      return added;
    });
    this.#recordDeliveryTx = db.transaction((u: OutboxUpdate | null, log: DeliveryLogEntry | null) => {
      if (u !== null) this.#stmt('UPDATE outbox SET status = ?, attempts = ?, next_attempt_ms = ?, last_error = ?, delivered_ms = ? WHERE channel = ? AND seq = ?').run(
        u.status, u.attempts, u.nextAttemptMs, u.lastError, u.deliveredMs, u.channel, u.seq,
      );
      if (log !== null) this.#stmt(`INSERT INTO deliveries (${DELIVERY_COLUMNS}) VALUES (${placeholders(9)})`).run(...deliveryToRow(log));
    });
  }

  /** The underlying connection, for tests and diagnostics (e.g. `PRAGMA journal_mode`). */
  get database(): Db {
    return this.#db;
  }

  #stmt(sql: string): Database.Statement {
    let s = this.#statements.get(sql);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #open(): void {
    if (!this.#db.open) throw new StoreError('VIGIL_ERR_STORE_CLOSED', `the SQLite store ${this.#db.name} was used after close()`);
  }

  #appliedVersion(): number {
    const row = this.#db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  async migrate(): Promise<void> {
    this.#open();
    this.#db.exec(SCHEMA_MIGRATIONS_DDL.sqlite);
    planMigrations(this.#appliedVersion()); // refuses a newer schema before touching anything
    for (const m of MIGRATIONS) {
      // One IMMEDIATE transaction per migration, re-reading the version under the write lock: a
      // second process starting at the same moment waits, then finds the step done and skips it.
      this.#db.transaction(() => {
        if (this.#appliedVersion() >= m.version) return;
        for (const sql of m.sql.sqlite) this.#db.exec(sql);
        this.#db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, this.#nowMs());
      }).immediate();
    }
  }

  async schemaVersion(): Promise<number> {
    this.#open();
    const exists = this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    return exists === undefined ? 0 : this.#appliedVersion();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  async appendEvents(events: readonly VigilEvent[]): Promise<number> {
    this.#open();
    validateEvents(events);
    if (events.length === 0) return 0;
    // One transaction for the whole batch: one WAL append instead of one per event, and all or nothing.
    return this.#appendTx.immediate(events);
  }

  async listEvents(query: EventQuery): Promise<VigilEvent[]> {
    this.#open();
    const q = normaliseEventQuery(query);
    const w = new SqlWhere('sqlite');
    if (q.fromMs !== null) w.and(`time_ms >= ${w.p(q.fromMs)}`);
    if (q.toMs !== null) w.and(`time_ms <= ${w.p(q.toMs)}`);
    w.oneOf('class', q.classes).eq('source', q.source).eq('application', q.application);
    if (q.resource !== null) w.and(`id IN (SELECT event_id FROM event_resources WHERE resource = ${w.p(q.resource)})`);
    const sql = `SELECT id, class, source, name, time_ms, application, resources, attributes FROM events${w.sql()} ORDER BY time_ms DESC, id DESC LIMIT ${w.p(q.limit)} OFFSET ${w.p(q.offset)}`;
    return (this.#stmt(sql).all(...w.params) as EventRow[]).map(eventFromRow);
  }

  async getEvent(id: string): Promise<VigilEvent | null> {
    this.#open();
    const row = this.#stmt('SELECT id, class, source, name, time_ms, application, resources, attributes FROM events WHERE id = ?').get(id) as EventRow | undefined;
    return row === undefined ? null : eventFromRow(row);
  }

  async upsertSeries(series: readonly SeriesDescriptor[]): Promise<void> {
    this.#open();
    validateSeries(series);
    if (series.length > 0) this.#upsertSeriesTx.immediate(series);
  }

  async listSeries(): Promise<SeriesDescriptor[]> {
    this.#open();
    return (this.#stmt('SELECT * FROM series ORDER BY id').all() as SeriesRow[]).map(seriesFromRow);
  }

  async upsertResources(resources: readonly ResourceRecord[]): Promise<void> {
    this.#open();
    validateResources(resources);
    if (resources.length > 0) this.#upsertResourcesTx.immediate(resources);
  }

  async listResources(query: ResourceQuery = {}): Promise<ResourceRecord[]> {
    this.#open();
    const w = new SqlWhere('sqlite').eq('application', query.application);
    if (query.includeRetired !== true) w.and('retired_ms IS NULL');
    return (this.#stmt(`SELECT * FROM resources${w.sql()} ORDER BY key`).all(...w.params) as ResourceRow[]).map(resourceFromRow);
  }

  async saveCheckpoint(name: string, checkpoint: Checkpoint): Promise<void> {
    this.#open();
    validateCheckpoint(name, checkpoint);
    const d = checkpoint.data;
    // A single upsert statement is atomic: readers see the old checkpoint or the new one, never a mix.
    this.#stmt(
      `INSERT INTO checkpoints (name, time_ms, data, saved_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET time_ms = excluded.time_ms, data = excluded.data, saved_at = excluded.saved_at`,
    ).run(name, checkpoint.timeMs, Buffer.from(d.buffer, d.byteOffset, d.byteLength), this.#nowMs());
  }

  async loadCheckpoint(name: string): Promise<Checkpoint | null> {
    this.#open();
    const row = this.#stmt('SELECT time_ms, data FROM checkpoints WHERE name = ?').get(name) as { time_ms: number; data: Buffer } | undefined;
    return row === undefined ? null : { timeMs: Number(row.time_ms), data: toPlainBytes(row.data) };
  }

  async getState(key: string): Promise<string | null> {
    this.#open();
    const row = this.#stmt('SELECT value FROM state WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  async setState(key: string, value: string): Promise<void> {
    this.#open();
    this.#stmt('INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async upsertInsights(insights: readonly Insight[]): Promise<void> {
    this.#open();
    validateInsights(insights);
    if (insights.length > 0) this.#upsertInsightsTx.immediate(insights);
  }

  async listInsights(query: InsightQuery = {}): Promise<InsightPage> {
    this.#open();
    const q = normaliseInsightQuery(query);
    const w = new SqlWhere('sqlite').eq('status', q.status).oneOf('severity', q.severities).eq('type', q.type).eq('application', q.application);
    if (q.toMs !== null) w.and(`start_ms <= ${w.p(q.toMs)}`);
    if (q.fromMs !== null) w.and(`(end_ms IS NULL OR end_ms >= ${w.p(q.fromMs)})`);
    const whereSql = w.sql();
    const params = w.params;
    // Page and count in one read transaction, so the total describes the same data as the page.
    return this.#db.transaction(() => {
      const total = (this.#stmt('SELECT count(*) AS n FROM insights' + whereSql).get(...params) as { n: number }).n;
      const rows = this.#stmt(`SELECT ${INSIGHT_COLUMNS} FROM insights${whereSql} ORDER BY ${insightOrderSql(q.sort)} LIMIT ? OFFSET ?`).all(
        ...params,
        q.limit,
        q.offset,
      ) as InsightRow[];
      return { items: rows.map(insightFromRow), total };
    }).deferred();
  }

  async getInsight(id: string): Promise<Insight | null> {
    this.#open();
    const row = this.#stmt(`SELECT ${INSIGHT_COLUMNS} FROM insights WHERE id = ?`).get(id) as InsightRow | undefined;
    return row === undefined ? null : insightFromRow(row);
  }

  async upsertAnomalies(anomalies: readonly InsightAnomaly[]): Promise<void> {
    this.#open();
    validateAnomalies(anomalies);
    if (anomalies.length > 0) this.#upsertAnomaliesTx.immediate(anomalies);
  }

  async listAnomalies(insightId: string): Promise<Anomaly[]> {
    this.#open();
    const rows = this.#stmt(`SELECT ${ANOMALY_COLUMNS} FROM anomalies WHERE insight_id = ? ORDER BY start_ms, id`).all(insightId) as AnomalyRow[];
    return rows.map(anomalyFromRow);
  }

  async appendTransitions(transitions: readonly InsightTransition[]): Promise<void> {
    this.#open();
    validateTransitions(transitions);
    // One writer at a time (the database write lock), so seq order is commit order.
    if (transitions.length > 0) this.#appendTransitionsTx.immediate(transitions);
  }

  async listTransitions(afterSeq: number, limit?: number): Promise<StoredTransition[]> {
    this.#open();
    const page = normaliseTransitionPage(afterSeq, limit);
    const rows = this.#stmt('SELECT seq, insight_id, type, time_ms, severity FROM insight_transitions WHERE seq > ? ORDER BY seq LIMIT ?').all(
      page.afterSeq,
      page.limit,
    ) as TransitionRow[];
    return rows.map(transitionFromRow);
  }

  async addFeedback(feedback: { readonly insightId: string; readonly value: FeedbackValue; readonly comment?: string; readonly timeMs: number }): Promise<void> {
    this.#open();
    validateFeedback(feedback);
    this.#stmt('INSERT INTO feedback (insight_id, value, comment, created_ms) VALUES (?, ?, ?, ?)').run(
      feedback.insightId,
      feedback.value,
      feedback.comment ?? null,
      feedback.timeMs,
    );
  }

  async listFeedback(insightId: string): Promise<InsightFeedback[]> {
    this.#open();
    const rows = this.#stmt('SELECT insight_id, value, comment, created_ms FROM feedback WHERE insight_id = ? ORDER BY created_ms, id').all(insightId) as FeedbackRow[];
    return rows.map(feedbackFromRow);
  }

  async setSensitivity(scope: SensitivityScope, level: Sensitivity | null): Promise<void> {
    this.#open();
    validateSensitivity(scope, level);
    if (level === null) this.#stmt('DELETE FROM sensitivity WHERE scope = ?').run(scope);
    else this.#stmt('INSERT INTO sensitivity (scope, level) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET level = excluded.level').run(scope, level);
  }

  async listSensitivity(): Promise<SensitivitySetting[]> {
    this.#open();
    return this.#stmt('SELECT scope, level FROM sensitivity ORDER BY scope').all() as SensitivitySetting[];
  }

  async getCoverage(): Promise<CoverageSetting | null> {
    this.#open();
    const row = this.#stmt('SELECT selectors FROM coverage WHERE id = 1').get() as { selectors: string } | undefined;
    return row === undefined ? null : coverageFromJson(row.selectors);
  }

  async setCoverage(coverage: CoverageSetting): Promise<void> {
    this.#open();
    validateCoverage(coverage);
    this.#stmt(
      'INSERT INTO coverage (id, selectors, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET selectors = excluded.selectors, updated_at = excluded.updated_at',
    ).run(JSON.stringify(coverage), this.#nowMs());
  }

  async mttrMs(fromMs: number, toMs: number): Promise<number | null> {
    this.#open();
    validateMttrRange(fromMs, toMs);
    // SUM and COUNT rather than AVG: integer sums are exact, so every backend divides the same numbers.
    const row = this.#stmt(
      `SELECT sum(end_ms - start_ms) AS total, count(*) AS n FROM insights
       WHERE type = 'REACTIVE' AND status = 'CLOSED' AND end_ms IS NOT NULL AND start_ms >= ? AND start_ms <= ?`,
    ).get(fromMs, toMs) as { total: number | null; n: number };
    return row.n === 0 ? null : Number(row.total) / row.n;
  }

  async enqueueOutbox(entries: readonly NewOutboxEntry[], cursor?: { readonly key: string; readonly value: string }): Promise<number> {
    this.#open();
    validateNewOutbox(entries);
    validateCursor(cursor);
    if (entries.length === 0 && cursor === undefined) return 0;
    return this.#enqueueOutboxTx.immediate(entries, cursor);
  }

  async listOutbox(query: OutboxQuery = {}): Promise<OutboxEntry[]> {
    this.#open();
    const q = normaliseOutboxQuery(query);
    const w = new SqlWhere('sqlite').eq('channel', q.channel).eq('insight_id', q.insightId).oneOf('status', q.statuses);
    const sql = `SELECT ${OUTBOX_COLUMNS} FROM outbox${w.sql()} ORDER BY seq, channel LIMIT ${w.p(q.limit)}`;
    return (this.#stmt(sql).all(...w.params) as OutboxRow[]).map(outboxFromRow);
  }

  async recordDelivery(update: OutboxUpdate | null, log: DeliveryLogEntry | null): Promise<void> {
    this.#open();
    if (update !== null) validateOutboxUpdate(update);
    if (log !== null) validateDeliveryLog(log);
    if (update === null && log === null) return;
    this.#recordDeliveryTx.immediate(update, log);
  }

  async dropPendingOutbox(channel: string, reason: string): Promise<number> {
    this.#open();
    return this.#stmt("UPDATE outbox SET status = 'DROPPED', last_error = ? WHERE channel = ? AND status = 'PENDING'").run(reason, channel).changes;
  }

  async listDeliveries(query: DeliveryQuery = {}): Promise<DeliveryLogEntry[]> {
    this.#open();
    const q = normaliseDeliveryQuery(query);
    const w = new SqlWhere('sqlite').eq('channel', q.channel).eq('insight_id', q.insightId);
    const sql = `SELECT ${DELIVERY_COLUMNS} FROM deliveries${w.sql()} ORDER BY time_ms DESC, id DESC LIMIT ${w.p(q.limit)}`;
    return (this.#stmt(sql).all(...w.params) as DeliveryRow[]).map(deliveryFromRow);
  }

  async listChannels(): Promise<ChannelRecord[]> {
    this.#open();
    return (this.#stmt('SELECT name, spec, updated_ms FROM channels ORDER BY name').all() as { name: string; spec: string; updated_ms: number }[]).map(channelFromRow);
  }

  async putChannel(channel: ChannelRecord): Promise<void> {
    this.#open();
    validateChannelRecord(channel);
    this.#stmt('INSERT INTO channels (name, spec, updated_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_ms = excluded.updated_ms').run(
      channel.name,
      channelSpecJson(channel),
      channel.updatedMs,
    );
  }

  async deleteChannel(name: string): Promise<boolean> {
    this.#open();
    return this.#stmt('DELETE FROM channels WHERE name = ?').run(name).changes > 0;
  }

  async appendRunbookRun(run: RunbookRun): Promise<boolean> {
    this.#open();
    validateRunbookRun(run);
    const info = this.#stmt(`INSERT INTO runbook_runs (${RUN_COLUMNS}) VALUES (${placeholders(11)}) ON CONFLICT (id) DO NOTHING`).run(
      run.id, run.runbook, run.insightId, run.transition, run.timeMs, run.dryRun ? 1 : 0, run.action, run.target, run.status, run.detail, run.durationMs,
    );
    return info.changes > 0;
  }

  async listRunbookRuns(query: RunbookRunQuery = {}): Promise<RunbookRun[]> {
    this.#open();
    const q = normaliseRunbookRunQuery(query);
    const w = new SqlWhere('sqlite').eq('insight_id', q.insightId).eq('runbook', q.runbook);
    const sql = `SELECT ${RUN_COLUMNS} FROM runbook_runs${w.sql()} ORDER BY time_ms DESC, id DESC LIMIT ${w.p(q.limit)}`;
    return (this.#stmt(sql).all(...w.params) as RunRow[]).map(runFromRow);
  }
}

function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/**
 * Opens (creating if needed) the SQLite database at `options.path`. Does not migrate: call
 * `migrate()` (openStore() in index.ts does both). Rejects with VIGIL_ERR_STORE_UNAVAILABLE and
 * the path when the file cannot be opened.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const { path } = options;
  let db: Db | undefined;
  try {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
  } catch (e) {
    db?.close();
    throw new StoreError('VIGIL_ERR_STORE_UNAVAILABLE', `cannot open the SQLite database at ${path}: ${(e as Error).message}`, { cause: e });
  }
  return new SqliteStore(db, options.nowMs);
}
