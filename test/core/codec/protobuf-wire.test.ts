// Tests for the protobuf wire reader (src/core/codec/protobuf-wire.ts), through its public API.
//
//   * round trips (fast-check): varints (uint64 via BigInt, int64, sint64), doubles (bit-exact,
//     NaN payloads included), fixed32/fixed64, against an independent BigInt-based encoder here;
//   * truncation: every prefix of a valid message either decodes or reports an error, never throws;
//   * arbitrary bytes: reading any byte soup as a message terminates without throwing;
//   * unknown fields of every wire type (groups included) are skipped; over-long varints, bad wire
//     types and field 0 are reported;
//   * decodeUtf8Strict: ASCII and non-ASCII round trips, invalid UTF-8 gives null, BOM kept.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import {
  WIRE_ERR_FIELD_ZERO,
  WIRE_ERR_LENGTH,
  WIRE_ERR_TRUNCATED,
  WIRE_ERR_VARINT_TOO_LONG,
  WIRE_ERR_WIRE_TYPE,
  WireReader,
  decodeUtf8Strict,
} from '../../../src/core/codec/index.js';

// ---- an independent encoder (BigInt-based, deliberately unlike the reader) --------------------

function encVarint(v: bigint): number[] {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return out;
}

function encDouble(d: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, d, true);
  return [...b];
}

function zigzag(v: bigint): bigint {
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
}

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const i64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });

describe('WireReader: round trips', () => {
  it('varint reads any uint64, exact below 2^53 and correctly rounded above', () => {
    fc.assert(
      fc.property(u64, (v) => {
        const r = new WireReader(Uint8Array.from(encVarint(v)));
        const got = r.varint();
        assert.equal(r.error, null);
        assert.equal(got, Number(v));
        assert.equal(r.pos, r.end);
        r.reset(r.buf);
        assert.ok(r.varint64());
        assert.equal(BigInt(r.hi) * 2n ** 32n + BigInt(r.lo), v);
      }),
    );
  });

  it('int64 reads negative two-complement varints (10 bytes) exactly when |v| <= 2^53', () => {
    fc.assert(
      fc.property(i64, (v) => {
        const r = new WireReader(Uint8Array.from(encVarint(v)));
        assert.equal(r.int64(), Number(v));
        assert.equal(r.error, null);
      }),
    );
    const r = new WireReader(Uint8Array.from(encVarint(-1n)));
    assert.equal(r.buf.length, 10);
    assert.equal(r.int64(), -1);
    assert.equal(r.error, null);
  });

  it('sint64 reads zigzag varints', () => {
    fc.assert(
      fc.property(i64, (v) => {
        const r = new WireReader(Uint8Array.from(encVarint(zigzag(v))));
        assert.equal(r.sint64(), Number(v));
      }),
    );
  });

  it('double round-trips bit for bit, NaN payloads included in lo/hi', () => {
    fc.assert(
      fc.property(fc.double(), fc.integer({ min: 0, max: 0xffffffff }), (d, payload) => {
        const bytes = encDouble(d);
        const r = new WireReader(Uint8Array.from(bytes));
        assert.ok(Object.is(r.double(), d));
        const r2 = new WireReader(Uint8Array.from([...bytes.slice(0, 4).map((_, i) => (payload >>> (8 * i)) & 0xff), 0, 0, 0xf0, 0x7f]));
        assert.ok(Number.isNaN(r2.double()) || payload === 0);
        assert.equal(r2.lo, payload);
        assert.equal(r2.hi, 0x7ff00000);
      }),
    );
  });

  it('fixed32 and fixed64 read little-endian unsigned values', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.bigInt({ min: 0n, max: 2n ** 53n }), (a, b) => {
        const bytes = new Uint8Array(12);
        const dv = new DataView(bytes.buffer);
        dv.setUint32(0, a, true);
        dv.setBigUint64(4, b, true);
        const r = new WireReader(bytes);
        assert.equal(r.fixed32(), a);
        assert.equal(r.fixed64(), Number(b));
        assert.equal(r.error, null);
      }),
    );
  });

  it('reads a nested message with pushLimit/popLimit and skips unknown fields of every wire type', () => {
    // field 1 LEN { field 1 varint 150, field 9 I32, field 10 group{ field 1 varint }, field 2 LEN "hi" }, field 3 I64 2.5
    const inner = [0x08, ...encVarint(150n), (9 << 3) | 5, 1, 2, 3, 4, (10 << 3) | 3, 0x08, 0x01, (10 << 3) | 4, 0x12, 2, 0x68, 0x69];
    const msg = Uint8Array.from([0x0a, inner.length, ...inner, 0x19, ...encDouble(2.5)]);
    const r = new WireReader(msg);
    let a = -1;
    let s = '';
    let d = 0;
    while (r.pos < r.end) {
      const tag = r.tag();
      if (tag === 0x0a) {
        const e = r.lenEnd();
        const outer = r.pushLimit(e);
        while (r.pos < r.end) {
          const t = r.tag();
          if (t === 0x08) a = r.varint();
          else if (t === 0x12) {
            const se = r.lenEnd();
            s = decodeUtf8Strict(r.buf, r.pos, se) ?? '?';
            r.pos = se;
          } else r.skip(t & 7);
        }
        r.popLimit(outer);
      } else if (tag === 0x19) d = r.double();
      else r.skip(tag & 7);
    }
    assert.equal(r.error, null);
    assert.deepEqual([a, s, d], [150, 'hi', 2.5]);
  });
});

describe('WireReader: malformed input is reported, never thrown', () => {
  it('over-long varint, bad wire type, field 0 and bad lengths', () => {
    const r = new WireReader(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    assert.equal(r.varint(), -1);
    assert.equal(r.error, WIRE_ERR_VARINT_TOO_LONG);
    assert.equal(r.errorPos, 0);
    assert.equal(r.pos, r.end);

    r.reset(Uint8Array.from([0x0e, 0]));
    r.skip(r.tag() & 7);
    assert.equal(r.error, WIRE_ERR_WIRE_TYPE);

    r.reset(Uint8Array.from([0x02, 0]));
    assert.equal(r.tag(), -1);
    assert.equal(r.error, WIRE_ERR_FIELD_ZERO);

    r.reset(Uint8Array.from([0x0a, 5, 1, 2]));
    r.tag();
    assert.equal(r.lenEnd(), -1);
    assert.equal(r.error, WIRE_ERR_LENGTH);

    r.reset(Uint8Array.from([1, 2, 3]));
    assert.ok(Number.isNaN(r.double()));
    assert.equal(r.error, WIRE_ERR_TRUNCATED);
    // Sticky: the first error is kept.
    r.varint();
    assert.equal(r.error, WIRE_ERR_TRUNCATED);
  });

  /** Walks a message generically (every field skipped or descended into); returns the error. */
  function walk(buf: Uint8Array, end: number): string | null {
    const r = new WireReader(buf, 0, end);
    let guard = 0;
    while (r.pos < r.end) {
      if (++guard > buf.length + 1) throw new Error('no progress');
      const t = r.tag();
      if (t < 0) break;
      if ((t & 7) === 2) {
        const e = r.lenEnd();
        if (e < 0) break;
        const o = r.pushLimit(e);
        while (r.pos < r.end) r.skip(r.tag() & 7);
        r.popLimit(o);
        // A LEN field that is not a message is an error inside; only the outer framing matters here.
        r.error = null;
        r.pos = e;
      } else r.skip(t & 7);
    }
    return r.error;
  }

  it('every truncation of a valid message is handled without throwing', () => {
    const varintField = fc.tuple(fc.integer({ min: 1, max: 2000 }), u64).map(([f, v]) => [...encVarint(BigInt(f << 3)), ...encVarint(v)]);
    const doubleField = fc.tuple(fc.integer({ min: 1, max: 15 }), fc.double()).map(([f, v]) => [(f << 3) | 1, ...encDouble(v)]);
    const bytesField = fc.tuple(fc.integer({ min: 1, max: 15 }), fc.uint8Array({ maxLength: 300 })).map(([f, b]) => [(f << 3) | 2, ...encVarint(BigInt(b.length)), ...b]);
    fc.assert(
      fc.property(fc.array(fc.oneof(varintField, doubleField, bytesField), { maxLength: 8 }), (fields) => {
        const buf = Uint8Array.from(fields.flat());
        for (let cut = 0; cut <= buf.length; cut++) walk(buf, cut);
        // The whole message has valid framing.
        const r = new WireReader(buf);
        while (r.pos < r.end) r.skip(r.tag() & 7);
        assert.equal(r.error, null);
      }),
      { numRuns: 200 },
    );
  });

  it('arbitrary bytes never throw and always terminate', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (buf) => {
        walk(buf, buf.length);
        const r = new WireReader(buf);
        while (r.pos < r.end) {
          r.int64();
          r.double();
          r.fixed32();
          r.lenEnd();
        }
      }),
    );
  });
});

describe('decodeUtf8Strict', () => {
  it('round-trips any string, short (ASCII fast path) or long', () => {
    const enc = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), fc.string({ maxLength: 100 }), (a, b) => {
        for (const s of [a, b, b.repeat(5)]) {
          const bytes = enc.encode('xx' + s + 'yy');
          assert.equal(decodeUtf8Strict(bytes, 2, bytes.length - 2), s);
        }
      }),
    );
  });

  it('returns null for invalid UTF-8 and keeps a leading BOM', () => {
    assert.equal(decodeUtf8Strict(Uint8Array.from([0x61, 0xff, 0x62]), 0, 3), null);
    assert.equal(decodeUtf8Strict(Uint8Array.from([0xc0, 0xaf]), 0, 2), null); // overlong '/'
    assert.equal(decodeUtf8Strict(Uint8Array.from([0xed, 0xa0, 0x80]), 0, 3), null); // surrogate
    assert.equal(decodeUtf8Strict(Uint8Array.from([0xe2, 0x82]), 0, 2), null); // truncated
    assert.equal(decodeUtf8Strict(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]), 0, 4), '\ufeffa');
    assert.equal(decodeUtf8Strict(Uint8Array.from([0x61]), 0, 0), '');
  });
});

describe('WireReader: allocation-free readers', () => {
  it('readDouble / readInt64 / readUint64 leave the same numbers in `value`', () => {
    fc.assert(
      fc.property(fc.double(), i64, u64, (d, i, u) => {
        const r = new WireReader(Uint8Array.from([...encDouble(d), ...encVarint(i), ...encVarint(u)]));
        assert.ok(r.readDouble());
        assert.ok(Object.is(r.value, d));
        assert.ok(r.readInt64());
        assert.equal(r.value, Number(i));
        assert.ok(r.readUint64());
        assert.equal(r.value, Number(u));
        assert.equal(r.readDouble(), false);
        assert.equal(r.error, WIRE_ERR_TRUNCATED);
      }),
    );
  });
});
