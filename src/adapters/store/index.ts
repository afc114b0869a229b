// The store adapters (port: src/core/ports/store.ts). openStore() is what the composition root calls.
import type { Store } from '../../core/ports/index.js';
import { MemoryStore } from './memory-store.js';
import { openPostgresStore } from './postgres-store.js';
import { openSqliteStore } from './sqlite-store.js';

export { MemoryDatabase, MemoryStore } from './memory-store.js';
export { SqliteStore, openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { PostgresStore, openPostgresStore, redactConnectionString, type PostgresStoreOptions } from './postgres-store.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, NOTIFY_CURSORS, SCHEMA_MIGRATIONS_DDL, planMigrations, type Migration, type SqlDialect } from './migrations.js';
export { StoreError, type StoreErrorCode } from './store-error.js';
export { DEFAULT_EVENT_LIMIT, DEFAULT_INSIGHT_LIMIT, DEFAULT_TRANSITION_LIMIT, MAX_EVENT_LIMIT, MAX_INSIGHT_LIMIT, MAX_TRANSITION_LIMIT } from './store-common.js';

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string }
  | { readonly kind: 'memory' };

/** Opens the configured store and applies pending migrations, so it is ready to use. */
export async function openStore(config: StoreConfig): Promise<Store> {
  let store: Store;
  switch (config.kind) {
    case 'sqlite':
      store = await openSqliteStore({ path: config.path });
      break;
    case 'postgres':
      store = await openPostgresStore({ connectionString: config.url, ...(config.schema !== undefined ? { schema: config.schema } : {}) });
      break;
    case 'memory':
      store = new MemoryStore();
      break;
  }
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
