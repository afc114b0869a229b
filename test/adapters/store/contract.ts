// The store contract: one suite that every Store adapter (memory, SQLite, PostgreSQL) must pass,
// so the embedded default and the scale-out backend behave the same (DESIGN.md, "Both store
// adapters pass one contract suite").
//
//   storeContract(name, open, cleanup)
//     open()    opens THE database under test — the same one on every call until cleanup() runs
//               (same file, same schema, same MemoryDatabase), so close-and-reopen can be checked;
//     cleanup() erases it; runs after every test, once the stores the test opened are closed.
//
// Semantics pinned here that the port leaves implicit: fromMs/toMs are inclusive; an empty
// `classes` array is no class filter; equal times are ordered by id descending (code point order);
// a re-delivered event keeps its first version; series keys are unique across ids
// (VIGIL_ERR_STORE_CONFLICT); times must be whole milliseconds (VIGIL_ERR_STORE_INVALID).

import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { EVENT_CLASSES, type EventClass, type ResourceRecord, type SeriesDescriptor, type VigilEvent } from '../../../src/core/model/index.js';
import type { EventQuery, Store } from '../../../src/core/ports/index.js';
import { seededRandom } from '../../../src/core/sim/index.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src/adapters/store/index.js';
import { insightsContract } from './insights-contract.js';
import { notifyContract } from './notify-contract.js';

const T0_MS = Date.UTC(2026, 0, 5, 9, 0, 0);

export function makeEvent(i: number, over: Partial<VigilEvent> = {}): VigilEvent {
  return {
    id: `evt-${String(i).padStart(5, '0')}`,
    class: EVENT_CLASSES[i % EVENT_CLASSES.length]!,
    source: i % 2 === 0 ? 'argocd' : 'github',
    name: `deployment v1.${i} of checkout-api`,
    timeMs: T0_MS + i * 60_000,
    resources: [`service:checkout-${i % 3}`],
    application: i % 4 === 0 ? null : `app-${i % 2}`,
    attributes: { revision: `r${i}`, actor: 'ci-bot' },
    ...over,
  };
}

function makeSeries(id: number, over: Partial<SeriesDescriptor> = {}): SeriesDescriptor {
  const labels = { __name__: 'http_request_duration_seconds', service: `svc-${id}`, quantile: '0.99' };
  return {
    id,
    key: `http_request_duration_seconds{quantile="0.99",service="svc-${id}"}`,
    name: 'http_request_duration_seconds',
    labels,
    resource: `service:svc-${id}`,
    application: id % 2 === 0 ? 'shop' : null,
    kind: 'latency',
    badDirection: 'up',
    firstSeenMs: T0_MS,
    lastSeenMs: T0_MS + id * 1000,
    ...over,
  };
}

function makeResource(key: string, over: Partial<ResourceRecord> = {}): ResourceRecord {
  return {
    key,
    type: 'pod',
    application: 'shop',
    tags: { namespace: 'prod', node: 'n1' },
    firstSeenMs: T0_MS,
    lastSeenMs: T0_MS + 3_600_000,
    seriesCount: 12,
    retiredMs: null,
    ...over,
  };
}

/** Deterministic "random" bytes (so a failure reproduces). */
function noiseBytes(n: number, seed: number): Uint8Array {
  const rnd = seededRandom(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

/** The port's documented query, evaluated naively: the reference every adapter is held to. */
function referenceQuery(all: readonly VigilEvent[], q: EventQuery): VigilEvent[] {
  const limit = Math.min(1000, Math.max(0, Math.floor(q.limit ?? 100)));
  const offset = Math.max(0, Math.floor(q.offset ?? 0));
  return all
    .filter((e) => q.fromMs === undefined || e.timeMs >= q.fromMs)
    .filter((e) => q.toMs === undefined || e.timeMs <= q.toMs)
    .filter((e) => q.classes === undefined || q.classes.length === 0 || q.classes.includes(e.class))
    .filter((e) => q.source === undefined || e.source === q.source)
    .filter((e) => q.application === undefined || e.application === q.application)
    .filter((e) => q.resource === undefined || e.resources.includes(q.resource))
    .sort((a, b) => b.timeMs - a.timeMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)) // ids here are ASCII
    .slice(offset, offset + limit);
}

const ids = (events: readonly VigilEvent[]): string[] => events.map((e) => e.id);

async function rejectsWithCode(p: Promise<unknown>, code: string, reasonPattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string; reason?: string }) => {
    assert.equal(e.code, code, e.message);
    assert.match(e.reason ?? '', reasonPattern);
    return true;
  });
}

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  "Robert'); DROP TABLE events;--",
  '日本語のデプロイ 🚀 ñandú — Ελληνικά',
  'quote " backslash \\ newline \n tab \t',
  '𝌆 astral 🧪 and U+FFFD \uFFFD',
  '%s %d ${x} {{x}} $1 ?',
];

export function storeContract(name: string, open: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`store contract: ${name}`, () => {
    let opened: Store[] = [];

    /** Opens the database under test, migrated; closed automatically after the test. */
    async function fresh(): Promise<Store> {
      const store = await open();
      opened.push(store);
      await store.migrate();
      return store;
    }

    async function reopen(store: Store): Promise<Store> {
      await store.close();
      return fresh();
    }

    afterEach(async () => {
      for (const s of opened) await s.close();
      opened = [];
      if (cleanup) await cleanup();
    });

    insightsContract({ fresh, reopen });
    notifyContract({ fresh, reopen });

    describe('migrations', () => {
      it('numbers MIGRATIONS 1, 2, 3, … with SQL for every dialect', () => {
        assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
        for (const m of MIGRATIONS) {
          assert.ok(m.sql.sqlite.length > 0 && m.sql.postgres.length > 0, `migration ${m.version} lacks SQL for a dialect`);
        }
        assert.equal(LATEST_SCHEMA_VERSION, MIGRATIONS[MIGRATIONS.length - 1]!.version);
      });

      it('starts at version 0, migrates to the latest, and a second migrate is a no-op', async () => {
        const store = await open();
        opened.push(store);
        assert.equal(await store.schemaVersion(), 0);
        await store.migrate();
        assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
        await store.setState('cursor', '42');
        assert.equal(await store.appendEvents([makeEvent(1)]), 1);
        await store.migrate();
        assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
        assert.equal(await store.getState('cursor'), '42');
        assert.deepEqual(await store.getEvent(makeEvent(1).id), makeEvent(1));
      });

      it('two stores migrating the same database at once both succeed', async () => {
        const [a, b] = [await open(), await open()];
        opened.push(a, b);
        await Promise.all([a.migrate(), b.migrate()]);
        assert.equal(await a.schemaVersion(), LATEST_SCHEMA_VERSION);
        assert.equal(await b.schemaVersion(), LATEST_SCHEMA_VERSION);
      });
    });

    describe('events', () => {
      it('round-trips every field, including null application and empty lists', async () => {
        const store = await fresh();
        const full = makeEvent(7, { resources: ['pod:checkout-7f9', 'node:ip-10-0-0-1'], application: 'checkout', attributes: { revision: 'abc123', url: 'https://ci.example/1' } });
        const bare = makeEvent(8, { resources: [], application: null, attributes: {} });
        assert.equal(await store.appendEvents([full, bare]), 2);
        assert.deepEqual(await store.getEvent(full.id), full);
        assert.deepEqual(await store.getEvent(bare.id), bare);
        assert.deepEqual(await store.listEvents({}), [bare, full]);
      });

      it('getEvent of an unknown id is null', async () => {
        const store = await fresh();
        await store.appendEvents([makeEvent(1)]);
        assert.equal(await store.getEvent('no-such-event'), null);
      });

      it('is idempotent by id and returns how many events were new', async () => {
        const store = await fresh();
        assert.equal(await store.appendEvents([]), 0);
        assert.equal(await store.appendEvents([makeEvent(1), makeEvent(2), makeEvent(3)]), 3);
        // A re-delivery (even with changed fields) keeps the first version.
        const redelivered = makeEvent(2, { name: 'changed on re-delivery' });
        assert.equal(await store.appendEvents([makeEvent(1), redelivered, makeEvent(4), makeEvent(5)]), 2);
        // Duplicates inside one batch count once.
        assert.equal(await store.appendEvents([makeEvent(6), makeEvent(6, { name: 'second copy' }), makeEvent(6)]), 1);
        const all = await store.listEvents({});
        assert.equal(all.length, 6);
        assert.equal((await store.getEvent(makeEvent(2).id))?.name, makeEvent(2).name);
        assert.equal((await store.getEvent(makeEvent(6).id))?.name, makeEvent(6).name);
      });

      it('refuses fractional or non-finite times and stores nothing from that batch', async () => {
        const store = await fresh();
        await rejectsWithCode(store.appendEvents([makeEvent(1), makeEvent(2, { timeMs: 1.5 })]), 'VIGIL_ERR_STORE_INVALID', /timeMs.*whole number of milliseconds/);
        await rejectsWithCode(store.appendEvents([makeEvent(3, { timeMs: Number.NaN })]), 'VIGIL_ERR_STORE_INVALID', /evt-00003/);
        assert.deepEqual(await store.listEvents({}), []);
      });

      it('filters by time range (inclusive), classes, source, application and resource', async () => {
        const store = await fresh();
        const events = Array.from({ length: 40 }, (_, i) => makeEvent(i, { resources: i % 5 === 0 ? ['db:orders', 'service:checkout-0'] : [`service:checkout-${i % 3}`] }));
        await store.appendEvents(events);
        const check = async (q: EventQuery, expectedCount: number): Promise<void> => {
          const got = await store.listEvents(q);
          assert.deepEqual(ids(got), ids(referenceQuery(events, q)), JSON.stringify(q));
          assert.equal(got.length, expectedCount, JSON.stringify(q));
        };
        await check({ fromMs: events[10]!.timeMs, toMs: events[19]!.timeMs }, 10); // both ends included
        await check({ fromMs: events[35]!.timeMs }, 5);
        await check({ toMs: events[4]!.timeMs }, 5);
        await check({ classes: ['DEPLOYMENT'] }, 7);
        await check({ classes: ['DEPLOYMENT', 'SCALING'] }, 13);
        await check({ classes: [] }, 40);
        await check({ source: 'argocd' }, 20);
        await check({ source: 'nobody' }, 0);
        await check({ application: 'app-1' }, 20);
        await check({ resource: 'db:orders' }, 8);
        await check({ resource: 'service:checkout-0', source: 'github' }, 10);
        await check({ resource: 'db:orders', classes: ['DEPLOYMENT'], fromMs: events[1]!.timeMs }, 1);
      });

      it('agrees with the reference filter on arbitrary queries (property)', async () => {
        const store = await fresh();
        const rnd = seededRandom(7);
        const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
        const resources = ['r:a', 'r:b', 'r:c', 'r:d'];
        const events: VigilEvent[] = Array.from({ length: 120 }, (_, i) => ({
          id: `p-${Math.floor(rnd() * 1e9).toString(36)}-${i}`,
          class: pick(EVENT_CLASSES),
          source: pick(['argocd', 'github', 'kubernetes']),
          name: `event ${i}`,
          // Few distinct times, so ties (ordered by id) are common.
          timeMs: T0_MS + Math.floor(rnd() * 30) * 1000,
          resources: resources.filter(() => rnd() < 0.3),
          application: pick([null, 'shop', 'billing']),
          attributes: {},
        }));
        assert.equal(await store.appendEvents(events), events.length);
        // Each filter present about half the time (most combinations must still match something),
        // times mostly exact event times so the inclusive ends are exercised.
        const maybe = <T,>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 2 });
        const timeArb = maybe(fc.oneof(fc.integer({ min: -2, max: 32 }).map((k) => T0_MS + k * 1000), fc.integer({ min: T0_MS - 2000, max: T0_MS + 32_000 })));
        const query = fc.record({
          fromMs: timeArb,
          toMs: timeArb,
          classes: maybe(fc.subarray([...EVENT_CLASSES] as EventClass[])),
          source: maybe(fc.constantFrom('argocd', 'github', 'kubernetes', 'none')),
          application: maybe(fc.constantFrom('shop', 'billing', 'none')),
          resource: maybe(fc.constantFrom(...resources, 'r:none')),
          limit: maybe(fc.integer({ min: -5, max: 150 })),
          offset: maybe(fc.oneof(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 130 }))),
        });
        let nonEmpty = 0;
        const runs = 200;
        await fc.assert(
          fc.asyncProperty(query, async (q) => {
            const expected = ids(referenceQuery(events, q));
            if (expected.length > 0) nonEmpty++;
            assert.deepEqual(ids(await store.listEvents(q)), expected);
          }),
          { numRuns: runs, seed: 1234 },
        );
        // Guard against a generator that only ever asks for empty pages (which any store passes).
        assert.ok(nonEmpty > runs / 4, `only ${nonEmpty} of ${runs} queries matched anything`);
      });

      it('pages newest first: limit defaults to 100, is clamped to 1000, offsets tile the list', async () => {
        const store = await fresh();
        const events = Array.from({ length: 1005 }, (_, i) => makeEvent(i));
        assert.equal(await store.appendEvents(events), 1005);
        const newestFirst = ids(events).reverse();
        assert.deepEqual(ids(await store.listEvents({})), newestFirst.slice(0, 100));
        assert.deepEqual(ids(await store.listEvents({ limit: 5000 })), newestFirst.slice(0, 1000));
        assert.deepEqual(await store.listEvents({ limit: 0 }), []);
        assert.deepEqual(ids(await store.listEvents({ limit: 10, offset: 1000 })), newestFirst.slice(1000));
        const pages: string[] = [];
        for (let offset = 0; offset < 1005; offset += 250) pages.push(...ids(await store.listEvents({ limit: 250, offset })));
        assert.deepEqual(pages, newestFirst);
      });

      it('orders events with equal times by id, descending', async () => {
        const store = await fresh();
        const t = T0_MS;
        await store.appendEvents([makeEvent(1, { id: 'b', timeMs: t }), makeEvent(2, { id: 'c', timeMs: t }), makeEvent(3, { id: 'a', timeMs: t }), makeEvent(4, { id: 'z', timeMs: t - 1 })]);
        assert.deepEqual(ids(await store.listEvents({})), ['c', 'b', 'a', 'z']);
      });

      it('lands every event of concurrent appendEvents calls, counting each new event once', async () => {
        const store = await fresh();
        const other = await open(); // a second connection / process on the same database
        opened.push(other);
        // 16 batches of 50; batch k overlaps batch k-1 by 10 ids.
        const batches = Array.from({ length: 16 }, (_, k) => Array.from({ length: 50 }, (_, j) => makeEvent(k * 40 + j)));
        const distinct = new Set(batches.flat().map((e) => e.id));
        const counts = await Promise.all(batches.map((b, k) => (k % 2 === 0 ? store : other).appendEvents(b)));
        assert.equal(counts.reduce((a, b) => a + b, 0), distinct.size);
        const stored = await store.listEvents({ limit: 1000 });
        assert.equal(stored.length, distinct.size);
        assert.deepEqual(new Set(ids(stored)), distinct);
      });
    });

    describe('series', () => {
      it('inserts, updates by id and lists in id order', async () => {
        const store = await fresh();
        await store.upsertSeries([makeSeries(3), makeSeries(1), makeSeries(2)]);
        assert.deepEqual(await store.listSeries(), [makeSeries(1), makeSeries(2), makeSeries(3)]);
        const updated = makeSeries(2, { lastSeenMs: T0_MS + 999_000, labels: { __name__: 'x', env: 'prod' }, key: 'x{env="prod"}', kind: 'errors', badDirection: 'both', application: null });
        await store.upsertSeries([updated]);
        assert.deepEqual(await store.listSeries(), [makeSeries(1), updated, makeSeries(3)]);
        await store.upsertSeries([]);
        assert.equal((await store.listSeries()).length, 3);
      });

      it('refuses a key held by another series and applies nothing from that batch', async () => {
        const store = await fresh();
        await store.upsertSeries([makeSeries(1), makeSeries(2)]);
        const thief = makeSeries(9, { key: makeSeries(1).key });
        await rejectsWithCode(store.upsertSeries([makeSeries(5), thief]), 'VIGIL_ERR_STORE_CONFLICT', /already/);
        assert.deepEqual(await store.listSeries(), [makeSeries(1), makeSeries(2)]);
        // A key freed earlier in the same batch may be taken.
        const moved = makeSeries(1, { key: 'moved{}' });
        const taker = makeSeries(7, { key: makeSeries(1).key });
        await store.upsertSeries([moved, taker]);
        assert.deepEqual(await store.listSeries(), [moved, makeSeries(2), taker]);
      });
    });

    describe('resources', () => {
      it('upserts by key and lists without retired ones unless asked', async () => {
        const store = await fresh();
        const a = makeResource('pod:a');
        const b = makeResource('pod:b', { application: 'billing', tags: {} });
        const c = makeResource('volume:c', { retiredMs: T0_MS + 7_200_000, application: null });
        await store.upsertResources([c, b, a]);
        assert.deepEqual(await store.listResources(), [a, b]);
        assert.deepEqual(await store.listResources({ includeRetired: true }), [a, b, c]);
        assert.deepEqual(await store.listResources({ application: 'billing' }), [b]);
        assert.deepEqual(await store.listResources({ application: 'nobody', includeRetired: true }), []);
        const retiredA = { ...a, retiredMs: T0_MS + 9_000_000, seriesCount: 0, lastSeenMs: T0_MS + 8_000_000 };
        await store.upsertResources([retiredA]);
        assert.deepEqual(await store.listResources(), [b]);
        assert.deepEqual(await store.listResources({ includeRetired: true, application: 'shop' }), [retiredA]);
      });
    });

    describe('checkpoints', () => {
      it('saves 1 MB bit-exact, replaces it, and reads back a plain Uint8Array', async () => {
        const store = await fresh();
        assert.equal(await store.loadCheckpoint('partition-0'), null);
        const first = noiseBytes(1 << 20, 1);
        await store.saveCheckpoint('partition-0', { timeMs: T0_MS, data: first });
        const loaded = await store.loadCheckpoint('partition-0');
        assert.ok(loaded);
        assert.equal(loaded.timeMs, T0_MS);
        assert.equal(Object.getPrototypeOf(loaded.data), Uint8Array.prototype);
        assert.equal(loaded.data.byteLength, 1 << 20);
        assert.deepEqual(loaded.data, first);

        // A view into a larger buffer stores just its own bytes.
        const backing = noiseBytes(4096, 2);
        const view = backing.subarray(100, 1100);
        await store.saveCheckpoint('partition-0', { timeMs: T0_MS + 60_000, data: view });
        await store.saveCheckpoint('partition-1', { timeMs: T0_MS + 5, data: new Uint8Array(0) });
        const replaced = await store.loadCheckpoint('partition-0');
        assert.equal(replaced?.timeMs, T0_MS + 60_000);
        assert.deepEqual(replaced?.data, new Uint8Array(view));
        assert.deepEqual(await store.loadCheckpoint('partition-1'), { timeMs: T0_MS + 5, data: new Uint8Array(0) });
      });

      it('keeps stored bytes independent of the caller buffer', async () => {
        const store = await fresh();
        const data = noiseBytes(64, 3);
        const copy = new Uint8Array(data);
        await store.saveCheckpoint('p', { timeMs: T0_MS, data });
        data.fill(0);
        assert.deepEqual((await store.loadCheckpoint('p'))?.data, copy);
      });
    });

    describe('state', () => {
      it('gets, sets and overwrites', async () => {
        const store = await fresh();
        assert.equal(await store.getState('prometheus.cursor'), null);
        await store.setState('prometheus.cursor', '1700000000');
        await store.setState('other', '');
        assert.equal(await store.getState('prometheus.cursor'), '1700000000');
        await store.setState('prometheus.cursor', '1700000600');
        assert.equal(await store.getState('prometheus.cursor'), '1700000600');
        assert.equal(await store.getState('other'), '');
      });
    });

    describe('durability and text', () => {
      it('keeps everything across close and reopen', async () => {
        let store = await fresh();
        const events = [makeEvent(1), makeEvent(2, { application: null, resources: [] })];
        const data = noiseBytes(10_000, 4);
        await store.appendEvents(events);
        await store.upsertSeries([makeSeries(1)]);
        await store.upsertResources([makeResource('pod:a'), makeResource('pod:r', { retiredMs: T0_MS })]);
        await store.saveCheckpoint('p0', { timeMs: T0_MS, data });
        await store.setState('k', 'v');
        store = await reopen(store);
        assert.equal(await store.schemaVersion(), LATEST_SCHEMA_VERSION);
        assert.deepEqual(await store.listEvents({}), [...events].reverse());
        assert.deepEqual(await store.listEvents({ resource: 'service:checkout-1' }), [events[0]]);
        assert.deepEqual(await store.listSeries(), [makeSeries(1)]);
        assert.deepEqual(await store.listResources({ includeRetired: true }), [makeResource('pod:a'), makeResource('pod:r', { retiredMs: T0_MS })]);
        assert.deepEqual(await store.loadCheckpoint('p0'), { timeMs: T0_MS, data });
        assert.equal(await store.getState('k'), 'v');
      });

      it('stores unicode and markup verbatim in every text field', async () => {
        const store = await fresh();
        const events = HOSTILE.map((s, i) =>
          makeEvent(i, { id: `${s}#${i}`, source: s, name: s, application: s, resources: [s, `${s}/2`], attributes: { [s]: s, plain: s } }),
        );
        await store.appendEvents(events);
        for (const e of events) assert.deepEqual(await store.getEvent(e.id), e);
        for (const [i, s] of HOSTILE.entries()) {
          assert.deepEqual(ids(await store.listEvents({ source: s, application: s, resource: s })), [events[i]!.id]);
        }
        const series = HOSTILE.map((s, i) => makeSeries(i, { key: `k{v=${JSON.stringify(s)}}`, name: s, labels: { __name__: s, [s]: s }, resource: s, application: s }));
        await store.upsertSeries(series);
        assert.deepEqual(await store.listSeries(), series);
        const resource = makeResource(HOSTILE[0]!, { type: HOSTILE[1]!, application: HOSTILE[2]!, tags: Object.fromEntries(HOSTILE.map((s) => [s, s])) });
        await store.upsertResources([resource]);
        assert.deepEqual(await store.listResources({ application: HOSTILE[2]! }), [resource]);
        for (const s of HOSTILE) {
          await store.setState(s, s);
          assert.equal(await store.getState(s), s);
          await store.saveCheckpoint(s, { timeMs: 1, data: new TextEncoder().encode(s) });
          assert.equal(new TextDecoder().decode((await store.loadCheckpoint(s))?.data), s);
        }
      });

      it('refuses use after close with a coded error', async () => {
        const store = await fresh();
        await store.close();
        await rejectsWithCode(store.appendEvents([makeEvent(1)]), 'VIGIL_ERR_STORE_CLOSED', /after close/);
        await rejectsWithCode(store.getState('k'), 'VIGIL_ERR_STORE_CLOSED', /after close/);
        await store.close(); // closing twice is harmless
      });
    });
  });
}
