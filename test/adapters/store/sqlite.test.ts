// The SQLite store: the contract on a real file, plus what only SQLite has — WAL, the synchronous
// setting, refusing a newer schema, opening errors, and surviving kill -9 of the writing process.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { LATEST_SCHEMA_VERSION, MIGRATIONS, SCHEMA_MIGRATIONS_DDL, openSqliteStore, openStore } from '../../../src/adapters/store/index.js';
import { storeContract } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-sqlite-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

// A nested path, so the suite also proves the parent directory is created.
const contractDir = join(root, 'contract', 'data');
storeContract(
  'sqlite',
  () => openSqliteStore({ path: join(contractDir, 'vigil.db') }),
  async () => rmSync(join(root, 'contract'), { recursive: true, force: true }),
);

let n = 0;
const freshPath = (): string => join(root, `case-${n++}`, 'vigil.db');

describe('sqlite store', () => {
  it('runs in WAL mode with synchronous=NORMAL by default, FULL on request, and foreign keys on', async () => {
    const store = await openSqliteStore({ path: freshPath() });
    assert.equal(store.database.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.database.pragma('synchronous', { simple: true }), 1); // NORMAL
    assert.equal(store.database.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(store.database.pragma('busy_timeout', { simple: true }), 5000);
    await store.close();
    const full = await openSqliteStore({ path: freshPath(), synchronous: 'full', busyTimeoutMs: 250 });
    assert.equal(full.database.pragma('synchronous', { simple: true }), 2); // FULL
    assert.equal(full.database.pragma('busy_timeout', { simple: true }), 250);
    await full.close();
  });

  it('records each migration with its time', async () => {
    const store = await openSqliteStore({ path: freshPath(), nowMs: () => 1234 });
    await store.migrate();
    await store.migrate();
    assert.deepEqual(
      store.database.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all(),
      MIGRATIONS.map((m) => ({ version: m.version, applied_at: 1234 })),
    );
    await store.close();
  });

  it('upgrades a version-1 database to the latest, keeping its data', async () => {
    const path = freshPath();
    const v1 = await openSqliteStore({ path });
    // Built by hand as Vigil 1 left it: only migration 1 applied.
    v1.database.exec(SCHEMA_MIGRATIONS_DDL.sqlite);
    for (const sql of MIGRATIONS[0]!.sql.sqlite) v1.database.exec(sql);
    v1.database.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)').run();
    assert.equal(await v1.schemaVersion(), 1);
    await v1.appendEvents([{ id: 'e1', class: 'DEPLOYMENT', source: 'x', name: 'n', timeMs: 1, resources: ['pod:a'], application: null, attributes: {} }]);
    await v1.setState('cursor', '7');
    await v1.close();

    const store = await openStore({ kind: 'sqlite', path });
    assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
    assert.equal((await store.getEvent('e1'))?.resources[0], 'pod:a');
    assert.equal(await store.getState('cursor'), '7');
    await store.appendTransitions([{ insightId: 'i1', type: 'NEW_INSIGHT', timeMs: 5, severity: 'HIGH' }]);
    assert.equal((await store.listTransitions(0)).length, 1);
    await store.close();
  });

  it('upgrades a version-2 database to version 3, starting the notification cursors after its transitions', async () => {
    const path = freshPath();
    const v2 = await openSqliteStore({ path });
    v2.database.exec(SCHEMA_MIGRATIONS_DDL.sqlite);
    for (const m of MIGRATIONS.slice(0, 2)) {
      for (const sql of m.sql.sqlite) v2.database.exec(sql);
      v2.database.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(m.version);
    }
    await v2.appendTransitions([1, 2, 3].map((k) => ({ insightId: `i${k}`, type: 'NEW_INSIGHT' as const, timeMs: k, severity: 'HIGH' as const })));
    await v2.close();
    const store = await openStore({ kind: 'sqlite', path });
    assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
    const last = (await store.listTransitions(0)).at(-1)!.seq;
    assert.equal(await store.getState('notify.seq'), String(last));
    assert.equal(await store.getState('runbook.seq'), String(last));
    await store.close();
  });

  it('refuses a database migrated by a newer Vigil, with a clear message, and leaves it alone', async () => {
    const path = freshPath();
    const store = await openSqliteStore({ path });
    await store.migrate();
    const newer = LATEST_SCHEMA_VERSION + 1;
    store.database.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(newer);
    await store.close();

    const again = await openSqliteStore({ path });
    await assert.rejects(again.migrate(), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'VIGIL_ERR_STORE_SCHEMA_TOO_NEW');
      assert.match(e.message, new RegExp(`schema is at version ${newer} but this Vigil only knows versions up to ${LATEST_SCHEMA_VERSION}`));
      assert.match(e.message, /newer Vigil/);
      return true;
    });
    assert.equal(await again.schemaVersion(), newer);
    await again.close();
    await assert.rejects(openStore({ kind: 'sqlite', path }), /VIGIL_ERR_STORE_SCHEMA_TOO_NEW/);
  });

  it('fails to open with the path in a coded error when the directory cannot be made', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a directory');
    await assert.rejects(openSqliteStore({ path: join(blocker, 'vigil.db') }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'VIGIL_ERR_STORE_UNAVAILABLE');
      assert.ok(e.message.includes(join(blocker, 'vigil.db')), e.message);
      return true;
    });
  });

  it('openStore opens and migrates', async () => {
    const store = await openStore({ kind: 'sqlite', path: freshPath() });
    assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
    assert.equal(await store.appendEvents([]), 0);
    await store.close();
  });

  it('loses no acknowledged event when the writing process is killed with SIGKILL', async () => {
    const path = freshPath();
    const fixture = fileURLToPath(new URL('./fixtures/append-until-killed.ts', import.meta.url));
    const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('close', (code, signal) => resolve(signal ?? code)));
    const KILL_AFTER = 3000; // acknowledged ids; enough that the kill lands mid-stream, not at start-up
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.split('\n').length > KILL_AFTER && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('close', () => reject(new Error(`the writer exited before being killed: ${err}`)));
    });
    assert.equal(await exited, 'SIGKILL');

    // Only complete lines count: a half-written last line was not acknowledged.
    const acked = out.split('\n').slice(0, -1).filter((l) => l !== 'ready');
    assert.ok(acked.length >= KILL_AFTER - 1, `only ${acked.length} ids acknowledged`);
    const store = await openSqliteStore({ path });
    await store.migrate();
    const missing: string[] = [];
    for (const id of acked) if ((await store.getEvent(id)) === null) missing.push(id);
    assert.deepEqual(missing, [], `${missing.length} acknowledged events lost`);
    // The batch in flight at the kill is all there or not at all (one transaction per batch).
    const rows = store.database.prepare("SELECT attributes FROM events WHERE source = 'fixture'").all() as { attributes: string }[];
    const perBatch = new Map<number, number>();
    for (const r of rows) {
      const b = Number((JSON.parse(r.attributes) as { batch: string }).batch);
      perBatch.set(b, (perBatch.get(b) ?? 0) + 1);
    }
    for (const [b, count] of perBatch) assert.equal(count, 1 + (b % 7), `batch ${b} is partial`);
    await store.close();
  });
});
