// The PostgreSQL store: the contract in a schema of its own (vigil_test_<random>, dropped after
// every test and at the end), plus what only PostgreSQL has — schema isolation, the migration
// lock, connection errors. Server: VIGIL_TEST_PG_URL, default postgres://root@127.0.0.1:5432/test.
// Unreachable server: skipped locally (with the reason), a failure in CI (CI=true), where
// PostgreSQL is required.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

import { LATEST_SCHEMA_VERSION, MIGRATIONS, SCHEMA_MIGRATIONS_DDL, openPostgresStore, openStore, redactConnectionString } from '../../../src/adapters/store/index.js';
import { storeContract } from './contract.js';

const url = process.env.VIGIL_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';
const schema = `vigil_test_${randomBytes(6).toString('hex')}`;

async function unreachableReason(): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (e) {
    return (e as Error).message || String(e);
  } finally {
    await client.end().catch(() => {});
  }
}

const unreachable = await unreachableReason();
const where = redactConnectionString(url);

if (unreachable !== null && process.env.CI === 'true') {
  describe('postgres store', () => {
    it('needs a PostgreSQL server', () => {
      assert.fail(`PostgreSQL is required in CI but ${where} is unreachable (${unreachable}); start it or set VIGIL_TEST_PG_URL`);
    });
  });
} else if (unreachable !== null) {
  describe('postgres store', () => {
    it('contract and PostgreSQL-specific tests', { skip: `PostgreSQL unreachable at ${where} (${unreachable}); set VIGIL_TEST_PG_URL to run them` }, () => {});
  });
} else {
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  const dropSchema = async (name: string): Promise<void> => {
    await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
  };
  const extraSchemas: string[] = [];
  after(async () => {
    for (const s of [schema, ...extraSchemas]) await dropSchema(s);
    await admin.end();
  });

  storeContract(
    'postgres',
    () => openPostgresStore({ connectionString: url, schema, poolSize: 4 }),
    () => dropSchema(schema),
  );

  describe('postgres store', () => {
    const ownSchema = (): string => {
      const s = `${schema}_${extraSchemas.length}`;
      extraSchemas.push(s);
      return s;
    };

    it('keeps its tables in its own schema', async () => {
      const s = ownSchema();
      const store = await openStore({ kind: 'postgres', url, schema: s });
      await store.appendEvents([{ id: 'e1', class: 'DEPLOYMENT', source: 'x', name: 'n', timeMs: 1, resources: [], application: null, attributes: {} }]);
      const { rows } = await admin.query<{ t: string | null; n: string }>(`SELECT to_regclass('${s}.events')::text AS t, (SELECT count(*) FROM ${s}.events) AS n`);
      assert.equal(rows[0]?.t, `${s}.events`);
      assert.equal(Number(rows[0]?.n), 1);
      await store.close();
    });

    it('runs migrations behind an advisory lock: five processes starting at once apply each version once', async () => {
      const s = ownSchema();
      const stores = await Promise.all(Array.from({ length: 5 }, () => openPostgresStore({ connectionString: url, schema: s, poolSize: 1, nowMs: () => 77 })));
      await Promise.all(stores.map((st) => st.migrate()));
      const { rows } = await admin.query(`SELECT version, applied_at FROM ${s}.schema_migrations ORDER BY version`);
      assert.deepEqual(rows, MIGRATIONS.map((m) => ({ version: m.version, applied_at: '77' })));
      await Promise.all(stores.map((st) => st.close()));
    });

    it('upgrades a version-1 schema to the latest, keeping its data', async () => {
      const s = ownSchema();
      // Built by hand as Vigil 1 left it: only migration 1 applied.
      await admin.query(`CREATE SCHEMA ${s}`);
      const client = await admin.connect();
      try {
        await client.query(`SET search_path = ${s}`);
        await client.query(SCHEMA_MIGRATIONS_DDL.postgres);
        for (const sql of MIGRATIONS[0]!.sql.postgres) await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)');
        await client.query(`INSERT INTO state (key, value) VALUES ('cursor', '7')`);
      } finally {
        await client.query('RESET search_path');
        client.release();
      }
      const store = await openStore({ kind: 'postgres', url, schema: s });
      assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
      assert.equal(await store.getState('cursor'), '7');
      await store.appendTransitions([{ insightId: 'i1', type: 'NEW_INSIGHT', timeMs: 5, severity: 'HIGH' }]);
      assert.equal((await store.listTransitions(0)).length, 1);
      await store.close();
    });

    it('upgrades a version-2 schema to version 3, starting the notification cursors after its transitions', async () => {
      const s = ownSchema();
      await admin.query(`CREATE SCHEMA ${s}`);
      const client = await admin.connect();
      try {
        await client.query(`SET search_path = ${s}`);
        await client.query(SCHEMA_MIGRATIONS_DDL.postgres);
        for (const m of MIGRATIONS.slice(0, 2)) {
          for (const sql of m.sql.postgres) await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [m.version]);
        }
        for (const k of [1, 2, 3]) await client.query(`INSERT INTO insight_transitions (insight_id, type, time_ms, severity, created_at) VALUES ($1, 'NEW_INSIGHT', $2, 'HIGH', 0)`, [`i${k}`, k]);
      } finally {
        await client.query('RESET search_path');
        client.release();
      }
      const store = await openStore({ kind: 'postgres', url, schema: s });
      assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
      const last = (await store.listTransitions(0)).at(-1)!.seq;
      assert.equal(await store.getState('notify.seq'), String(last));
      assert.equal(await store.getState('runbook.seq'), String(last));
      await store.close();
    });

    it('refuses a database migrated by a newer Vigil, with a clear message', async () => {
      const s = ownSchema();
      const store = await openStore({ kind: 'postgres', url, schema: s });
      const newer = LATEST_SCHEMA_VERSION + 1;
      await admin.query(`INSERT INTO ${s}.schema_migrations (version, applied_at) VALUES ($1, 0)`, [newer]);
      await assert.rejects(store.migrate(), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'VIGIL_ERR_STORE_SCHEMA_TOO_NEW');
        assert.match(e.message, new RegExp(`schema is at version ${newer} but this Vigil only knows versions up to ${LATEST_SCHEMA_VERSION}`));
        return true;
      });
      assert.equal(await store.schemaVersion(), newer);
      await store.close();
    });

    it('reports an unreachable server with a coded error and the password masked', async () => {
      await assert.rejects(
        openPostgresStore({ connectionString: 'postgres://vigil:hunter2@127.0.0.1:1/vigil', connectTimeoutMs: 2000 }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'VIGIL_ERR_STORE_UNAVAILABLE');
          assert.match(e.message, /cannot connect to PostgreSQL at postgres:\/\/vigil:\*\*\*@127\.0\.0\.1:1\/vigil/);
          assert.ok(!e.message.includes('hunter2'), e.message);
          return true;
        },
      );
    });

    it('refuses a schema name that would need quoting', async () => {
      await assert.rejects(openPostgresStore({ connectionString: url, schema: 'Bad; DROP SCHEMA public' }), /VIGIL_ERR_STORE_INVALID.*schema name/);
    });
  });
}
