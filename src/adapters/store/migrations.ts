/**
 * The store's schema as data: one ordered list of migrations, each with its SQL for every dialect,
 * so SQLite and PostgreSQL can never drift apart by one adapter forgetting a step.
 *
 *   migrate():  bootstrap schema_migrations ─► read max(version) ─► planMigrations()
 *               ─► for each pending: BEGIN; its statements; INSERT schema_migrations; COMMIT
 *
 * Rules for whoever adds v2: never edit a migration that has shipped (databases in the field have
 * already run it); append a new one with the next version. Times are epoch milliseconds, which pass
 * 2^31 in 1970, hence BIGINT on PostgreSQL (SQLite's INTEGER is already 64-bit). JSON columns are
 * TEXT on both sides on purpose: the bytes we wrote come back verbatim (JSONB would normalise them),
 * and nothing queries inside them — the one filter that needs a JSON member (events by resource) has
 * its own table, event_resources.
 */
import { StoreError } from './store-error.js';

export type SqlDialect = 'sqlite' | 'postgres';

export interface Migration {
  readonly version: number;
  /** One line for logs and for the schema_migrations reader. */
  readonly description: string;
  /** Statements run in order inside the migration's transaction. */
  readonly sql: Readonly<Record<SqlDialect, readonly string[]>>;
}

/** Created before anything else, outside the numbered list: it is how the list is tracked. */
export const SCHEMA_MIGRATIONS_DDL: Readonly<Record<SqlDialect, string>> = {
  sqlite: 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  postgres: 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
};

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'events, event_resources, series, resources, checkpoints, state',
    sql: {
      sqlite: [
        `CREATE TABLE events (
          id TEXT PRIMARY KEY,
          class TEXT NOT NULL,
          source TEXT NOT NULL,
          name TEXT NOT NULL,
          time_ms INTEGER NOT NULL,
          application TEXT,
          resources TEXT NOT NULL,
          attributes TEXT NOT NULL
        )`,
        // (time_ms, id) matches ORDER BY time_ms DESC, id DESC, so a page never sorts.
        'CREATE INDEX events_time_idx ON events (time_ms, id)',
        'CREATE INDEX events_class_time_idx ON events (class, time_ms)',
        `CREATE TABLE event_resources (
          event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
          resource TEXT NOT NULL,
          PRIMARY KEY (resource, event_id)
        )`,
        `CREATE TABLE series (
          id INTEGER PRIMARY KEY,
          key TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL,
          labels TEXT NOT NULL,
          resource TEXT NOT NULL,
          application TEXT,
          kind TEXT NOT NULL,
          bad_direction TEXT NOT NULL,
          first_seen_ms INTEGER NOT NULL,
          last_seen_ms INTEGER NOT NULL
        )`,
        `CREATE TABLE resources (
          key TEXT PRIMARY KEY,
          type TEXT NOT NULL,
          application TEXT,
          tags TEXT NOT NULL,
          first_seen_ms INTEGER NOT NULL,
          last_seen_ms INTEGER NOT NULL,
          series_count INTEGER NOT NULL,
          retired_ms INTEGER
        )`,
        `CREATE TABLE checkpoints (
          name TEXT PRIMARY KEY,
          time_ms INTEGER NOT NULL,
          data BLOB NOT NULL,
          saved_at INTEGER NOT NULL
        )`,
        'CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
      ],
      postgres: [
        // COLLATE "C" on text keys: byte order, the same order SQLite and the memory store use, so
        // the contract's orderings hold whatever locale the database was created with.
        `CREATE TABLE events (
          id TEXT COLLATE "C" PRIMARY KEY,
          class TEXT NOT NULL,
          source TEXT NOT NULL,
          name TEXT NOT NULL,
          time_ms BIGINT NOT NULL,
          application TEXT,
          resources TEXT NOT NULL,
          attributes TEXT NOT NULL
        )`,
        'CREATE INDEX events_time_idx ON events (time_ms, id)',
        'CREATE INDEX events_class_time_idx ON events (class, time_ms)',
        `CREATE TABLE event_resources (
          event_id TEXT COLLATE "C" NOT NULL REFERENCES events (id) ON DELETE CASCADE,
          resource TEXT NOT NULL,
          PRIMARY KEY (resource, event_id)
        )`,
        `CREATE TABLE series (
          id INTEGER PRIMARY KEY,
          key TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL,
          labels TEXT NOT NULL,
          resource TEXT NOT NULL,
          application TEXT,
          kind TEXT NOT NULL,
          bad_direction TEXT NOT NULL,
          first_seen_ms BIGINT NOT NULL,
          last_seen_ms BIGINT NOT NULL
        )`,
        `CREATE TABLE resources (
          key TEXT COLLATE "C" PRIMARY KEY,
          type TEXT NOT NULL,
          application TEXT,
          tags TEXT NOT NULL,
          first_seen_ms BIGINT NOT NULL,
          last_seen_ms BIGINT NOT NULL,
          series_count INTEGER NOT NULL,
          retired_ms BIGINT
        )`,
        `CREATE TABLE checkpoints (
          name TEXT PRIMARY KEY,
          time_ms BIGINT NOT NULL,
          data BYTEA NOT NULL,
          saved_at BIGINT NOT NULL
        )`,
        'CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
      ],
    },
  },
];

/** The version a fully migrated database reports. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Which migrations to run on a database at `appliedVersion`. A database newer than this code (a
 * rollback after an upgrade) is refused rather than written to: old code on a new schema can lose
 * data silently, and the fix — run the newer Vigil — is one the operator can make.
 */
export function planMigrations(appliedVersion: number, migrations: readonly Migration[] = MIGRATIONS): readonly Migration[] {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  if (appliedVersion > known) {
    throw new StoreError(
      'VIGIL_ERR_STORE_SCHEMA_TOO_NEW',
      `the database schema is at version ${appliedVersion} but this Vigil only knows versions up to ${known}; ` +
        'it was written by a newer Vigil — run that version (or restore a backup made before the upgrade)',
    );
  }
  return migrations.filter((m) => m.version > appliedVersion);
}
