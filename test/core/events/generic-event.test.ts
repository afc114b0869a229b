// Vigil's generic JSON events (src/core/events/generic-event.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { EVENT_CLASSES } from '../../../src/core/model/index.js';
import { MAX_EVENTS_PER_BODY, fromGenericEvent, type EventsResult } from '../../../src/core/events/index.js';

const RECEIVED_MS = Date.UTC(2026, 10, 21, 12);

function ok(r: EventsResult) {
  if (!r.ok) assert.fail(`expected events, got ${r.field}: ${r.reason}`);
  return r.events;
}
function err(r: EventsResult) {
  if (r.ok) assert.fail('expected an error value');
  assert.equal(r.status, 400);
  assert.equal(r.code, 'VIGIL_ERR_EVENT_INVALID');
  return r;
}

const full = {
  class: 'deployment',
  source: 'Jenkins',
  name: 'deploy checkout-api v2.3.1',
  time: '2026-11-21T10:00:00Z',
  resources: ['service:checkout-api'],
  application: 'shop',
  attributes: { version: '2.3.1', canary: true, replicas: 3 },
  id: 'build-4711',
};

describe('fromGenericEvent', () => {
  it('normalises a full event', () => {
    const [ev] = ok(fromGenericEvent(full, RECEIVED_MS));
    assert.equal(ev.class, 'DEPLOYMENT');
    assert.equal(ev.source, 'jenkins');
    assert.equal(ev.timeMs, Date.UTC(2026, 10, 21, 10));
    assert.deepEqual(ev.resources, ['service:checkout-api']);
    assert.equal(ev.application, 'shop');
    assert.deepEqual(ev.attributes, { version: '2.3.1', canary: 'true', replicas: '3' });
  });

  it('takes the receive time when time is missing, and epoch ms when given', () => {
    const [a] = ok(fromGenericEvent({ class: 'SCALING', name: 'scale' }, RECEIVED_MS));
    assert.equal(a.timeMs, RECEIVED_MS);
    assert.equal(a.application, null);
    assert.equal(a.source, 'generic');
    const [b] = ok(fromGenericEvent({ class: 'SCALING', name: 'scale', time: 1795000000000 }, RECEIVED_MS));
    assert.equal(b.timeMs, 1795000000000);
  });

  it('accepts an array and names the bad item', () => {
    assert.equal(ok(fromGenericEvent([full, { ...full, id: 'other' }], RECEIVED_MS)).length, 2);
    const e = err(fromGenericEvent([full, { ...full, class: 'DEPLOY' }], RECEIVED_MS));
    assert.equal(e.field, '[1].class');
    for (const c of EVENT_CLASSES) assert.ok(e.reason.includes(c), `reason lists ${c}`);
  });

  it('rejects more than the batch limit', () => {
    const many = Array.from({ length: MAX_EVENTS_PER_BODY + 1 }, () => full);
    assert.equal(err(fromGenericEvent(many, RECEIVED_MS)).field, 'body');
  });

  it('names the offending field for each kind of mistake', () => {
    const cases: [unknown, string][] = [
      ['text', 'body'],
      [{ name: 'x' }, 'class'],
      [{ class: 'DEPLOYMENT' }, 'name'],
      [{ class: 'DEPLOYMENT', name: '  ' }, 'name'],
      [{ class: 'DEPLOYMENT', name: 'x', time: 'yesterday' }, 'time'],
      [{ class: 'DEPLOYMENT', name: 'x', time: 1795000000 }, 'time'],
      [{ class: 'DEPLOYMENT', name: 'x', resources: 'svc' }, 'resources'],
      [{ class: 'DEPLOYMENT', name: 'x', resources: ['a', 3] }, 'resources[1]'],
      [{ class: 'DEPLOYMENT', name: 'x', attributes: { nested: { a: 1 } } }, 'attributes.nested'],
      [{ class: 'DEPLOYMENT', name: 'x', application: 7 }, 'application'],
      [{ class: 'DEPLOYMENT', name: 'x', timestamp: 'typo' }, 'timestamp'],
      [{ class: 'DEPLOYMENT', name: 'x', source: '' }, 'source'],
    ];
    for (const [body, field] of cases) assert.equal(err(fromGenericEvent(body, RECEIVED_MS)).field, field, JSON.stringify(body));
  });

  it('says when a number looks like epoch seconds', () => {
    assert.match(err(fromGenericEvent({ class: 'DEPLOYMENT', name: 'x', time: 1795000000 }, RECEIVED_MS)).reason, /seconds/);
  });

  it('rejects too many attributes', () => {
    const attributes = Object.fromEntries(Array.from({ length: 65 }, (_, i) => ['k' + i, i]));
    assert.equal(err(fromGenericEvent({ class: 'DEPLOYMENT', name: 'x', attributes }, RECEIVED_MS)).field, 'attributes');
  });

  it('gives the same id on redelivery, whatever the key order or receive time', () => {
    const [a] = ok(fromGenericEvent(full, RECEIVED_MS));
    const reordered = Object.fromEntries(Object.entries(full).reverse());
    const [b] = ok(fromGenericEvent(reordered, RECEIVED_MS + 5000));
    assert.equal(a.id, b.id);
    const [c] = ok(fromGenericEvent({ ...full, id: 'build-4712' }, RECEIVED_MS));
    assert.notEqual(a.id, c.id);
  });

  it('content ids (no id field) are stable and distinguish different events', () => {
    fc.assert(
      fc.property(fc.constantFrom(...EVENT_CLASSES), fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''), fc.string(), (cls, name, version) => {
        const body = { class: cls, name, time: '2026-11-21T10:00:00Z', attributes: { version } };
        const [a] = ok(fromGenericEvent(body, RECEIVED_MS));
        const [b] = ok(fromGenericEvent(structuredClone(body), RECEIVED_MS + 1));
        assert.equal(a.id, b.id);
        const [c] = ok(fromGenericEvent({ ...body, attributes: { version: version + 'x' } }, RECEIVED_MS));
        assert.notEqual(a.id, c.id);
      }),
    );
  });
});
