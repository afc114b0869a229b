import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS, errorBody } from '../../src/app/errors.js';

describe('error catalogue', () => {
  it('docs/errors.md lists exactly the codes of src/app/errors.ts, with the same statuses', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `(VIGIL_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const);
    assert.deepEqual(new Map(rows), new Map(Object.entries(ERRORS).map(([code, spec]) => [code, spec.status])));
  });

  it('every error body has a code and a non-empty reason', () => {
    for (const code of Object.keys(ERRORS) as (keyof typeof ERRORS)[]) {
      const b = errorBody(code);
      assert.equal(b.error.code, code);
      assert.ok(b.error.reason.length > 0);
    }
  });
});
