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

import type { ResourceRecord, SeriesDescriptor, VigilEvent } from '../../core/model/index.js';
import type { Checkpoint, EventQuery, ResourceQuery, Store } from '../../core/ports/index.js';
import { SCHEMA_MIGRATIONS_DDL, planMigrations } from './migrations.js';
import {
  type EventRow,
  type ResourceRow,
  type SeriesRow,
  compareCodePoints,
  eventFromRow,
  normaliseEventQuery,
  resourceFromRow,
  seriesFromRow,
  seriesKeyConflict,
  toPlainBytes,
  validateCheckpoint,
  validateEvents,
  validateResources,
  validateSeries,
} from './store-common.js';
import { StoreError } from './store-error.js';

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
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (q.fromMs !== null) where.push(`time_ms >= ${p(q.fromMs)}`);
    if (q.toMs !== null) where.push(`time_ms <= ${p(q.toMs)}`);
    if (q.classes !== null) where.push(`class = ANY(${p(q.classes)}::text[])`);
    if (q.source !== null) where.push(`source = ${p(q.source)}`);
    if (q.application !== null) where.push(`application = ${p(q.application)}`);
    if (q.resource !== null) where.push(`id IN (SELECT event_id FROM event_resources WHERE resource = ${p(q.resource)})`);
    const sql =
      `SELECT ${EVENT_COLUMNS} FROM events` +
      (where.length > 0 ? ' WHERE ' + where.join(' AND ') : '') +
      ` ORDER BY time_ms DESC, id DESC LIMIT ${p(q.limit)} OFFSET ${p(q.offset)}`;
    const { rows } = await this.#pool.query<EventRow>(sql, params);
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
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.application !== undefined) {
      params.push(query.application);
      where.push(`application = $${params.length}`);
    }
    if (query.includeRetired !== true) where.push('retired_ms IS NULL');
    const sql = 'SELECT * FROM resources' + (where.length > 0 ? ' WHERE ' + where.join(' AND ') : '') + ' ORDER BY key';
    const { rows } = await this.#pool.query<ResourceRow>(sql, params);
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
