// Tests for the snappy block helpers (src/adapters/remote-write/snappy-block.ts): round trip,
// preamble-first size limit (413 without decompressing), truncated and corrupt bodies (400), and
// that nothing ever throws.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { compressSnappy, decompressSnappy, snappyUncompressedLength } from '../../../src/adapters/remote-write/index.js';

describe('decompressSnappy', () => {
  it('round-trips any bytes and reads the declared length from the preamble', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (data) => {
        const c = compressSnappy(data);
        assert.equal(snappyUncompressedLength(c), data.length);
        const res = decompressSnappy(c, data.length);
        assert.ok(res.ok);
        if (res.ok) assert.deepEqual(Uint8Array.from(res.data), data);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a body that declares more than the limit with 413, before decompressing', () => {
    const data = new Uint8Array(1001).fill(7);
    const res = decompressSnappy(compressSnappy(data), 1000);
    assert.deepEqual(res, { ok: false, status: 413, code: 'VIGIL_ERR_BODY_TOO_LARGE', reason: 'snappy body decompresses to 1001 bytes; the limit is 1000' });
    // A 5-byte "bomb": claims 4 GiB - 1 and carries nothing. Refused by the preamble alone.
    const bomb = decompressSnappy(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 64 << 20);
    assert.equal(bomb.ok, false);
    if (!bomb.ok) assert.equal(bomb.status, 413);
  });

  it('reports empty, truncated and corrupt bodies as 400 VIGIL_ERR_SNAPPY, never throwing', () => {
    const data = new TextEncoder().encode('node_cpu_seconds_total{cpu="0",mode="idle"} '.repeat(40));
    const c = compressSnappy(data);
    for (let cut = 0; cut < c.length; cut++) {
      const res = decompressSnappy(c.subarray(0, cut), 1 << 20);
      assert.equal(res.ok, false, `truncated at ${cut} was accepted`);
      if (!res.ok) {
        assert.equal(res.status, 400);
        assert.equal(res.code, 'VIGIL_ERR_SNAPPY');
      }
    }
    // Over-long preamble; a copy element pointing before the start of the output.
    for (const bad of [[0x80, 0x80, 0x80, 0x80, 0x80, 0x01], [0x04, 0x01, 0x10, 0x00]]) {
      const res = decompressSnappy(Uint8Array.from(bad), 1 << 20);
      assert.equal(res.ok, false);
      if (!res.ok) assert.equal(res.code, 'VIGIL_ERR_SNAPPY');
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        decompressSnappy(junk, 1 << 16);
      }),
    );
  });
});
