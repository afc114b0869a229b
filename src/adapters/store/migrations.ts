/**
 * The store's schema as data: one ordered list of migrations, each with its SQL for every dialect,
 * so SQLite and PostgreSQL can never drift apart by one adapter forgetting a step.
 *
 *   migrate():  bootstrap schema_migrations ─► read max(version) ─► planMigrations()
 *               ─► for each pending: BEGIN; its statements; INSERT schema_migrations; COMMIT
 *
 * Rules for whoever adds a version: never edit a migration that has shipped (databases in the field have
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

/**
 * State keys of the transition readers added in version 3: the notifier (transitions turned into
 * outbox rows) and the runbook engine. Migration 3 starts them at the newest stored transition.
 */
export const NOTIFY_CURSORS = ['notify.seq', 'runbook.seq'] as const;

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
  {
    version: 2,
    description: 'insights, anomalies, insight_transitions (notification outbox), feedback, sensitivity, coverage',
    // Listing by status / severity / type / application is always ordered by time too, hence the
    // compound (filter, start_ms) indexes; severity order is a CASE over the column (three values).
    // No foreign keys from anomalies / feedback to insights: the engine may write an anomaly in
    // the same tick as (or before) the insight that takes it, and feedback must outlive a purge.
    sql: {
      sqlite: [
        `CREATE TABLE insights (
          id TEXT PRIMARY KEY,
          type TEXT NOT NULL,
          name TEXT NOT NULL,
          severity TEXT NOT NULL,
          status TEXT NOT NULL,
          application TEXT,
          start_ms INTEGER NOT NULL,
          end_ms INTEGER,
          updated_ms INTEGER NOT NULL,
          resources TEXT NOT NULL,
          anomaly_ids TEXT NOT NULL,
          event_ids TEXT NOT NULL,
          root_causes TEXT NOT NULL,
          recommendations TEXT NOT NULL,
          prediction TEXT
        )`,
        'CREATE INDEX insights_start_idx ON insights (start_ms, id)',
        'CREATE INDEX insights_updated_idx ON insights (updated_ms, id)',
        'CREATE INDEX insights_status_start_idx ON insights (status, start_ms)',
        'CREATE INDEX insights_severity_start_idx ON insights (severity, start_ms)',
        'CREATE INDEX insights_type_status_start_idx ON insights (type, status, start_ms)',
        'CREATE INDEX insights_application_start_idx ON insights (application, start_ms)',
        `CREATE TABLE anomalies (
          id TEXT PRIMARY KEY,
          insight_id TEXT NOT NULL,
          series_id INTEGER NOT NULL,
          series_key TEXT NOT NULL,
          metric_name TEXT NOT NULL,
          resource TEXT NOT NULL,
          application TEXT,
          kind TEXT NOT NULL,
          direction TEXT NOT NULL,
          start_ms INTEGER NOT NULL,
          end_ms INTEGER,
          peak_score REAL NOT NULL,
          peak_ms INTEGER NOT NULL,
          peak_value REAL NOT NULL,
          expected REAL NOT NULL,
          lower REAL NOT NULL,
          upper REAL NOT NULL,
          role TEXT NOT NULL,
          cause TEXT NOT NULL
        )`,
        'CREATE INDEX anomalies_insight_idx ON anomalies (insight_id, start_ms, id)',
        'CREATE INDEX anomalies_series_idx ON anomalies (series_key, start_ms)',
        // AUTOINCREMENT: a seq is never reused, even after the newest rows are deleted — an outbox
        // reader's cursor must never see a new row below it.
        `CREATE TABLE insight_transitions (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          insight_id TEXT NOT NULL,
          type TEXT NOT NULL,
          time_ms INTEGER NOT NULL,
          severity TEXT NOT NULL,
          created_at INTEGER NOT NULL
        )`,
        'CREATE INDEX insight_transitions_insight_idx ON insight_transitions (insight_id, seq)',
        `CREATE TABLE feedback (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          insight_id TEXT NOT NULL,
          value TEXT NOT NULL,
          comment TEXT,
          created_ms INTEGER NOT NULL
        )`,
        'CREATE INDEX feedback_insight_idx ON feedback (insight_id, created_ms, id)',
        'CREATE TABLE sensitivity (scope TEXT PRIMARY KEY, level TEXT NOT NULL)',
        'CREATE TABLE coverage (id INTEGER PRIMARY KEY CHECK (id = 1), selectors TEXT NOT NULL, updated_at INTEGER NOT NULL)',
      ],
      postgres: [
        `CREATE TABLE insights (
          id TEXT COLLATE "C" PRIMARY KEY,
          type TEXT NOT NULL,
          name TEXT NOT NULL,
          severity TEXT NOT NULL,
          status TEXT NOT NULL,
          application TEXT,
          start_ms BIGINT NOT NULL,
          end_ms BIGINT,
          updated_ms BIGINT NOT NULL,
          resources TEXT NOT NULL,
          anomaly_ids TEXT NOT NULL,
          event_ids TEXT NOT NULL,
          root_causes TEXT NOT NULL,
          recommendations TEXT NOT NULL,
          prediction TEXT
        )`,
        'CREATE INDEX insights_start_idx ON insights (start_ms, id)',
        'CREATE INDEX insights_updated_idx ON insights (updated_ms, id)',
        'CREATE INDEX insights_status_start_idx ON insights (status, start_ms)',
        'CREATE INDEX insights_severity_start_idx ON insights (severity, start_ms)',
        'CREATE INDEX insights_type_status_start_idx ON insights (type, status, start_ms)',
        'CREATE INDEX insights_application_start_idx ON insights (application, start_ms)',
        `CREATE TABLE anomalies (
          id TEXT COLLATE "C" PRIMARY KEY,
          insight_id TEXT NOT NULL,
          series_id INTEGER NOT NULL,
          series_key TEXT NOT NULL,
          metric_name TEXT NOT NULL,
          resource TEXT NOT NULL,
          application TEXT,
          kind TEXT NOT NULL,
          direction TEXT NOT NULL,
          start_ms BIGINT NOT NULL,
          end_ms BIGINT,
          peak_score DOUBLE PRECISION NOT NULL,
          peak_ms BIGINT NOT NULL,
          peak_value DOUBLE PRECISION NOT NULL,
          expected DOUBLE PRECISION NOT NULL,
          lower DOUBLE PRECISION NOT NULL,
          upper DOUBLE PRECISION NOT NULL,
          role TEXT NOT NULL,
          cause TEXT NOT NULL
        )`,
        'CREATE INDEX anomalies_insight_idx ON anomalies (insight_id, start_ms, id)',
        'CREATE INDEX anomalies_series_idx ON anomalies (series_key, start_ms)',
        `CREATE TABLE insight_transitions (
          seq BIGSERIAL PRIMARY KEY,
          insight_id TEXT NOT NULL,
          type TEXT NOT NULL,
          time_ms BIGINT NOT NULL,
          severity TEXT NOT NULL,
          created_at BIGINT NOT NULL
        )`,
        'CREATE INDEX insight_transitions_insight_idx ON insight_transitions (insight_id, seq)',
        `CREATE TABLE feedback (
          id BIGSERIAL PRIMARY KEY,
          insight_id TEXT NOT NULL,
          value TEXT NOT NULL,
          comment TEXT,
          created_ms BIGINT NOT NULL
        )`,
        'CREATE INDEX feedback_insight_idx ON feedback (insight_id, created_ms, id)',
        'CREATE TABLE sensitivity (scope TEXT COLLATE "C" PRIMARY KEY, level TEXT NOT NULL)',
        'CREATE TABLE coverage (id INTEGER PRIMARY KEY CHECK (id = 1), selectors TEXT NOT NULL, updated_at BIGINT NOT NULL)',
      ],
    },
  },
  {
    version: 3,
    description: 'notification outbox per channel, delivery log, API-defined channels, runbook run audit',
    // outbox: one row per (channel, transition seq) — the message that transition owes that
    // channel. The primary key makes enqueueing idempotent, so a notifier that dies between writing
    // rows and moving its cursor re-enqueues nothing twice. (channel, status, seq) serves "the
    // oldest pending message of this channel", the question every delivery pass asks.
    // deliveries: append-only, one row per attempt; the AUTOINCREMENT id orders rows written in
    // the same millisecond. runbook_runs: the id is <runbook>:<transition seq>, so a run is
    // recorded once.
    sql: {
      sqlite: [
        `CREATE TABLE outbox (
          channel TEXT NOT NULL,
          seq INTEGER NOT NULL,
          insight_id TEXT NOT NULL,
          type TEXT NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          next_attempt_ms INTEGER NOT NULL,
          created_ms INTEGER NOT NULL,
          last_error TEXT,
          delivered_ms INTEGER,
          PRIMARY KEY (channel, seq)
        )`,
        'CREATE INDEX outbox_channel_status_idx ON outbox (channel, status, seq)',
        'CREATE INDEX outbox_insight_idx ON outbox (insight_id, seq)',
        `CREATE TABLE deliveries (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          channel TEXT NOT NULL,
          message_id TEXT NOT NULL,
          insight_id TEXT NOT NULL,
          type TEXT NOT NULL,
          attempt INTEGER NOT NULL,
          time_ms INTEGER NOT NULL,
          outcome TEXT NOT NULL,
          http_status INTEGER,
          reason TEXT
        )`,
        'CREATE INDEX deliveries_time_idx ON deliveries (time_ms, id)',
        'CREATE INDEX deliveries_channel_idx ON deliveries (channel, time_ms)',
        'CREATE INDEX deliveries_insight_idx ON deliveries (insight_id, time_ms)',
        `CREATE TABLE channels (
          name TEXT PRIMARY KEY,
          spec TEXT NOT NULL,
          updated_ms INTEGER NOT NULL
        )`,
        `CREATE TABLE runbook_runs (
          id TEXT PRIMARY KEY,
          runbook TEXT NOT NULL,
          insight_id TEXT NOT NULL,
          transition TEXT NOT NULL,
          time_ms INTEGER NOT NULL,
          dry_run INTEGER NOT NULL,
          action TEXT NOT NULL,
          target TEXT NOT NULL,
          status TEXT NOT NULL,
          detail TEXT NOT NULL,
          duration_ms INTEGER NOT NULL
        )`,
        'CREATE INDEX runbook_runs_time_idx ON runbook_runs (time_ms, id)',
        'CREATE INDEX runbook_runs_insight_idx ON runbook_runs (insight_id, time_ms)',
        'CREATE INDEX runbook_runs_runbook_idx ON runbook_runs (runbook, time_ms)',
        // The notifier's and the runbooks' cursors start after the transitions already stored: an
        // upgraded database does not page every channel about insights of the past, nor run a
        // rollback for them. (WHERE true: SQLite's parser needs it before ON CONFLICT after a SELECT.)
        ...NOTIFY_CURSORS.map((k) => `INSERT INTO state (key, value) SELECT '${k}', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM insight_transitions WHERE true ON CONFLICT (key) DO NOTHING`),
      ],
      postgres: [
        `CREATE TABLE outbox (
          channel TEXT COLLATE "C" NOT NULL,
          seq BIGINT NOT NULL,
          insight_id TEXT NOT NULL,
          type TEXT NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          next_attempt_ms BIGINT NOT NULL,
          created_ms BIGINT NOT NULL,
          last_error TEXT,
          delivered_ms BIGINT,
          PRIMARY KEY (channel, seq)
        )`,
        'CREATE INDEX outbox_channel_status_idx ON outbox (channel, status, seq)',
        'CREATE INDEX outbox_insight_idx ON outbox (insight_id, seq)',
        `CREATE TABLE deliveries (
          id BIGSERIAL PRIMARY KEY,
          channel TEXT NOT NULL,
          message_id TEXT NOT NULL,
          insight_id TEXT NOT NULL,
          type TEXT NOT NULL,
          attempt INTEGER NOT NULL,
          time_ms BIGINT NOT NULL,
          outcome TEXT NOT NULL,
          http_status INTEGER,
          reason TEXT
        )`,
        'CREATE INDEX deliveries_time_idx ON deliveries (time_ms, id)',
        'CREATE INDEX deliveries_channel_idx ON deliveries (channel, time_ms)',
        'CREATE INDEX deliveries_insight_idx ON deliveries (insight_id, time_ms)',
        `CREATE TABLE channels (
          name TEXT COLLATE "C" PRIMARY KEY,
          spec TEXT NOT NULL,
          updated_ms BIGINT NOT NULL
        )`,
        `CREATE TABLE runbook_runs (
          id TEXT COLLATE "C" PRIMARY KEY,
          runbook TEXT NOT NULL,
          insight_id TEXT NOT NULL,
          transition TEXT NOT NULL,
          time_ms BIGINT NOT NULL,
          dry_run BOOLEAN NOT NULL,
          action TEXT NOT NULL,
          target TEXT NOT NULL,
          status TEXT NOT NULL,
          detail TEXT NOT NULL,
          duration_ms BIGINT NOT NULL
        )`,
        'CREATE INDEX runbook_runs_time_idx ON runbook_runs (time_ms, id)',
        'CREATE INDEX runbook_runs_insight_idx ON runbook_runs (insight_id, time_ms)',
        'CREATE INDEX runbook_runs_runbook_idx ON runbook_runs (runbook, time_ms)',
        ...NOTIFY_CURSORS.map((k) => `INSERT INTO state (key, value) SELECT '${k}', COALESCE(MAX(seq), 0)::text FROM insight_transitions ON CONFLICT (key) DO NOTHING`),
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
