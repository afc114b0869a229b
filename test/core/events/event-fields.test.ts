// Shared event helpers (src/core/events/event-fields.ts): FNV-1a ids, bounds, RFC 3339 parsing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import {
  MAX_ATTRIBUTE_VALUE_CHARS,
  MAX_ATTRIBUTES,
  MAX_NAME_CHARS,
  buildEvent,
  fnv1a64Hex,
  parseRfc3339,
  stableEventId,
  truncate,
} from '../../../src/core/events/index.js';

describe('fnv1a64Hex', () => {
  it('matches the published FNV-1a 64-bit test vectors', () => {
    // Vectors from the FNV reference (Landon Curt Noll, "FNV test vectors").
    assert.equal(fnv1a64Hex(''), 'cbf29ce484222325');
    assert.equal(fnv1a64Hex('a'), 'af63dc4c8601ec8c');
    assert.equal(fnv1a64Hex('foobar'), '85944171f73967e8');
  });

  it('is 16 hex digits and deterministic for any text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const h = fnv1a64Hex(s);
        assert.match(h, /^[0-9a-f]{16}$/);
        assert.equal(fnv1a64Hex(s), h);
      }),
    );
  });

  it('keeps source and natural id apart', () => {
    assert.notEqual(stableEventId('a', 'bc'), stableEventId('ab', 'c'));
  });
});

describe('bounds', () => {
  it('truncates long names and attribute values, caps attribute count', () => {
    const attrs: Record<string, string> = {};
    for (let i = 0; i < MAX_ATTRIBUTES + 10; i++) attrs['k' + i] = 'v'.repeat(MAX_ATTRIBUTE_VALUE_CHARS + 5);
    const ev = buildEvent({
      source: 's',
      naturalId: 'n',
      class: 'DEPLOYMENT',
      name: 'x'.repeat(MAX_NAME_CHARS * 2),
      timeMs: 1,
      resources: ['a', 'a', ''],
      application: '',
      attributes: attrs,
    });
    assert.equal(ev.name.length, MAX_NAME_CHARS);
    assert.ok(ev.name.endsWith('…'));
    assert.equal(Object.keys(ev.attributes).length, MAX_ATTRIBUTES);
    for (const v of Object.values(ev.attributes)) assert.equal(v.length, MAX_ATTRIBUTE_VALUE_CHARS);
    assert.deepEqual(ev.resources, ['a']);
    assert.equal(ev.application, null);
  });

  it('never splits a surrogate pair', () => {
    const t = truncate('a' + '😀'.repeat(10), 4);
    assert.ok(t.length <= 4);
    assert.doesNotThrow(() => encodeURIComponent(t));
  });
});

describe('parseRfc3339', () => {
  it('parses Z, offsets and long fractions; rejects loose dates', () => {
    assert.equal(parseRfc3339('2026-11-21T10:00:00Z'), Date.UTC(2026, 10, 21, 10));
    assert.equal(parseRfc3339('2026-11-21T11:00:00+01:00'), Date.UTC(2026, 10, 21, 10));
    assert.equal(parseRfc3339('2026-11-21T10:00:00.123456Z'), Date.UTC(2026, 10, 21, 10, 0, 0, 123));
    assert.ok(Number.isNaN(parseRfc3339('21 Nov 2026')));
    assert.ok(Number.isNaN(parseRfc3339('2026-11-21')));
  });
});
