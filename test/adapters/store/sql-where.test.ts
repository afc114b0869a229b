// SqlWhere: clauses and parameters in each dialect's placeholder style, values never inlined.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SqlWhere } from '../../../src/adapters/store/sql-where.js';

describe('SqlWhere', () => {
  it('numbers PostgreSQL placeholders in order and passes a list as one text[] parameter', () => {
    const w = new SqlWhere('postgres').eq('channel', 'pager').eq('insight_id', null).oneOf('status', ['PENDING', 'FAILED']);
    w.and(`time_ms >= ${w.p(5)}`);
    assert.equal(w.sql(), ' WHERE channel = $1 AND status = ANY($2::text[]) AND time_ms >= $3');
    assert.equal(`LIMIT ${w.p(10)}`, 'LIMIT $4');
    assert.deepEqual(w.params, ['pager', ['PENDING', 'FAILED'], 5, 10]);
  });

  it('uses ? for SQLite, one per list element, in the order they appear', () => {
    const w = new SqlWhere('sqlite').oneOf('severity', ['HIGH', 'LOW']).eq('type', 'REACTIVE').oneOf('class', null);
    assert.equal(w.sql(), ' WHERE severity IN (?, ?) AND type = ?');
    assert.deepEqual(w.params, ['HIGH', 'LOW', 'REACTIVE']);
  });

  it('is empty without filters, and keeps hostile text out of the SQL', () => {
    assert.equal(new SqlWhere('sqlite').eq('application', undefined).sql(), '');
    const w = new SqlWhere('postgres').eq('application', "x' OR 1=1 --");
    assert.equal(w.sql(), ' WHERE application = $1');
    assert.deepEqual(w.params, ["x' OR 1=1 --"]);
  });
});
