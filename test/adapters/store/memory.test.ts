// The memory store against the store contract. A MemoryDatabase stands in for the file, so
// close-and-reopen is meaningful; cleanup swaps in an empty one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { MemoryDatabase, MemoryStore, openStore } from '../../../src/adapters/store/index.js';
import { storeContract } from './contract.js';

let database = new MemoryDatabase();
storeContract(
  'memory',
  async () => new MemoryStore({ database }),
  async () => {
    database = new MemoryDatabase();
  },
);

describe('memory store', () => {
  it('refuses to migrate data written by a newer schema', async () => {
    const db = new MemoryDatabase();
    db.schemaVersion = 99;
    await assert.rejects(new MemoryStore({ database: db }).migrate(), /VIGIL_ERR_STORE_SCHEMA_TOO_NEW.*version 99/);
  });

  it('keeps separate databases apart', async () => {
    const a = await openStore({ kind: 'memory' });
    const b = await openStore({ kind: 'memory' });
    await a.setState('k', 'a');
    assert.equal(await b.getState('k'), null);
  });
});
