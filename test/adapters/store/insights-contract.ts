// The store contract, part two: what the insights engine keeps (schema v2) — insights, their
// anomalies, the notification outbox (transitions), feedback, sensitivity, coverage and MTTR.
// Called from storeContract() in contract.ts, so it runs on memory, SQLite and PostgreSQL alike.
//
// Semantics pinned here: listInsights' time range selects insights whose span overlaps it (both
// ends inclusive, an ONGOING insight has no end); sorts are descending with ties by id descending;
// `total` ignores limit / offset; transitions come back by seq, which only grows; MTTR is the mean
// of end - start over CLOSED REACTIVE insights that started in the range.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import type { Anomaly, Insight, InsightTransition, Severity } from '../../../src/core/model/index.js';
import type { InsightQuery, Store } from '../../../src/core/ports/index.js';
import { seededRandom } from '../../../src/core/sim/index.js';

const T0_MS = Date.UTC(2026, 2, 2, 8, 0, 0);
const MIN_MS = 60_000;

export interface ContractContext {
  /** Opens the database under test, migrated; closed after the test. */
  fresh(): Promise<Store>;
  /** Closes the store and opens the same database again. */
  reopen(store: Store): Promise<Store>;
}

const HOSTILE = ['<img src=x onerror=alert(1)>', "Robert'); DROP TABLE insights;--", '日本語 🚀 ñandú', 'quote " backslash \\ newline \n', '𝌆 \uFFFD $1 ? %s'];

export function makeInsight(i: number, over: Partial<Insight> = {}): Insight {
  return {
    id: `ins-${String(i).padStart(4, '0')}`,
    type: 'REACTIVE',
    name: `p99 latency rose on checkout-api after deployment v2.${i}`,
    severity: 'MEDIUM',
    status: 'ONGOING',
    application: 'shop',
    startMs: T0_MS + i * MIN_MS,
    endMs: null,
    updatedMs: T0_MS + i * MIN_MS + 5000,
    resources: ['service:checkout-api', 'pod:checkout-api-7f9'],
    anomalyIds: [`an-${i}-a`, `an-${i}-b`],
    eventIds: [`evt-${i}`],
    rootCauses: [
      { rank: 1, kind: 'EVENT', ref: `evt-${i}`, title: `deployment v2.${i}`, confidence: 0.8125, evidence: ['deployed 3 min before onset', 'same service'] },
      { rank: 2, kind: 'ANOMALY', ref: `an-${i}-a`, title: 'earliest anomaly', confidence: 0.1, evidence: [] },
    ],
    recommendations: [
      {
        id: 'rollback',
        title: 'Roll back the deployment',
        description: 'Latency rose right after a deployment.',
        reason: 'bad deploy',
        links: ['https://example.com/runbooks/rollback'],
        relatedEventIds: [`evt-${i}`],
        relatedAnomalyIds: [`an-${i}-a`],
      },
    ],
    prediction: null,
    ...over,
  };
}

export function makeAnomaly(i: number, over: Partial<Anomaly> = {}): Anomaly {
  return {
    id: `an-${String(i).padStart(4, '0')}`,
    seriesId: i,
    seriesKey: `http_request_duration_seconds{quantile="0.99",service="svc-${i}"}`,
    metricName: 'http_request_duration_seconds',
    resource: `service:svc-${i}`,
    application: 'shop',
    kind: 'latency',
    direction: 'above',
    startMs: T0_MS + i * MIN_MS,
    endMs: T0_MS + i * MIN_MS + 10 * MIN_MS,
    peakScore: 0.999_873_1,
    peakMs: T0_MS + i * MIN_MS + 2 * MIN_MS,
    peakValue: 1.234_567_890_123,
    expected: 0.1,
    lower: -0.05,
    upper: 0.3,
    role: 'CAUSAL',
    cause: 'point',
    ...over,
  };
}

function transition(insightId: string, type: InsightTransition['type'], timeMs: number, severity: Severity = 'MEDIUM'): InsightTransition {
  return { insightId, type, timeMs, severity };
}

const SEVERITY_ORDER: Record<Severity, number> = { LOW: 0, MEDIUM: 1, HIGH: 2 };

/** listInsights as the port documents it, evaluated naively: the reference every adapter is held to. */
function referenceInsights(all: readonly Insight[], q: InsightQuery): { ids: string[]; total: number } {
  const limit = Math.min(1000, Math.max(0, Math.floor(q.limit ?? 100)));
  const offset = Math.max(0, Math.floor(q.offset ?? 0));
  const byIdDesc = (a: Insight, b: Insight): number => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0); // ids here are ASCII
  const matching = all
    .filter((i) => q.status === undefined || i.status === q.status)
    .filter((i) => q.severity === undefined || q.severity.length === 0 || q.severity.includes(i.severity))
    .filter((i) => q.type === undefined || i.type === q.type)
    .filter((i) => q.application === undefined || i.application === q.application)
    .filter((i) => q.toMs === undefined || i.startMs <= q.toMs)
    .filter((i) => q.fromMs === undefined || i.endMs === null || i.endMs >= q.fromMs)
    .sort((a, b) => {
      if (q.sort === 'severity') return SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity] || b.startMs - a.startMs || byIdDesc(a, b);
      if (q.sort === 'updatedMs') return b.updatedMs - a.updatedMs || byIdDesc(a, b);
      return b.startMs - a.startMs || byIdDesc(a, b);
    });
  return { ids: matching.slice(offset, offset + limit).map((i) => i.id), total: matching.length };
}

async function rejectsWithCode(p: Promise<unknown>, code: string, reasonPattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string; reason?: string }) => {
    assert.equal(e.code, code, e.message);
    assert.match(e.reason ?? '', reasonPattern);
    return true;
  });
}

/** A varied set of insights: every status / severity / type / application, ties in times, null ends. */
function insightCorpus(n: number, seed: number): Insight[] {
  const rnd = seededRandom(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const status = pick(['ONGOING', 'CLOSED'] as const);
    const startMs = T0_MS + Math.floor(rnd() * 40) * MIN_MS; // few distinct starts: ties are common
    return makeInsight(i, {
      id: `q-${Math.floor(rnd() * 1e9).toString(36)}-${i}`,
      status,
      severity: pick(['LOW', 'MEDIUM', 'HIGH'] as const),
      type: pick(['REACTIVE', 'PROACTIVE'] as const),
      application: pick([null, 'shop', 'billing']),
      startMs,
      endMs: status === 'CLOSED' ? startMs + Math.floor(rnd() * 20) * MIN_MS : null,
      updatedMs: startMs + Math.floor(rnd() * 5) * MIN_MS,
    });
  });
}

export function insightsContract({ fresh, reopen }: ContractContext): void {
  describe('insights', () => {
    it('round-trips every field, JSON columns included, and getInsight of an unknown id is null', async () => {
      const store = await fresh();
      const reactive = makeInsight(1);
      const proactive = makeInsight(2, {
        type: 'PROACTIVE',
        name: 'volume data-0 is predicted to fill up',
        severity: 'HIGH',
        application: null,
        resources: [],
        anomalyIds: [],
        eventIds: [],
        rootCauses: [],
        recommendations: [],
        prediction: { seriesKey: 'node_filesystem_avail_bytes{mountpoint="/data"}', earliestMs: T0_MS + 3_600_000, expectedMs: T0_MS + 7_200_000, latestMs: T0_MS + 86_400_000, limit: 0.05 },
      });
      const closed = makeInsight(3, { status: 'CLOSED', endMs: T0_MS + 99 * MIN_MS, severity: 'LOW' });
      await store.upsertInsights([reactive, proactive, closed]);
      assert.deepEqual(await store.getInsight(reactive.id), reactive);
      assert.deepEqual(await store.getInsight(proactive.id), proactive);
      assert.deepEqual(await store.getInsight(closed.id), closed);
      assert.equal(await store.getInsight('no-such-insight'), null);
      assert.deepEqual((await store.listInsights()).items, [closed, proactive, reactive]);
    });

    it('stores unicode and markup verbatim in text and JSON fields', async () => {
      const store = await fresh();
      const insights = HOSTILE.map((s, i) =>
        makeInsight(i, {
          id: `${s}#${i}`,
          name: s,
          application: s,
          resources: [s],
          rootCauses: [{ rank: 1, kind: 'EVENT', ref: s, title: s, confidence: 1, evidence: [s] }],
          recommendations: [{ id: s, title: s, description: s, reason: s, links: [s], relatedEventIds: [s], relatedAnomalyIds: [s] }],
        }),
      );
      await store.upsertInsights(insights);
      for (const [i, s] of HOSTILE.entries()) {
        assert.deepEqual(await store.getInsight(insights[i]!.id), insights[i]);
        assert.deepEqual((await store.listInsights({ application: s })).items, [insights[i]]);
      }
    });

    it('replaces by id: the last version of an insight wins, within a batch too', async () => {
      const store = await fresh();
      const first = makeInsight(1);
      await store.upsertInsights([first, makeInsight(2)]);
      const upgraded = { ...first, severity: 'HIGH' as const, anomalyIds: [...first.anomalyIds, 'an-late'], updatedMs: first.updatedMs + MIN_MS };
      const closed = { ...upgraded, status: 'CLOSED' as const, endMs: first.startMs + 30 * MIN_MS, updatedMs: first.startMs + 30 * MIN_MS };
      await store.upsertInsights([upgraded, closed]);
      assert.deepEqual(await store.getInsight(first.id), closed);
      const page = await store.listInsights();
      assert.equal(page.total, 2);
      await store.upsertInsights([]);
      assert.equal((await store.listInsights()).total, 2);
    });

    it('refuses values the schema cannot hold and stores nothing from that batch', async () => {
      const store = await fresh();
      await rejectsWithCode(store.upsertInsights([makeInsight(1), makeInsight(2, { startMs: 1.5 })]), 'VIGIL_ERR_STORE_INVALID', /ins-0002.*startMs.*whole number/);
      await rejectsWithCode(store.upsertInsights([makeInsight(3, { severity: 'CRITICAL' as Severity })]), 'VIGIL_ERR_STORE_INVALID', /severity must be one of LOW, MEDIUM, HIGH/);
      await rejectsWithCode(store.upsertInsights([makeInsight(4, { id: '' })]), 'VIGIL_ERR_STORE_INVALID', /non-empty string id/);
      await rejectsWithCode(
        store.upsertInsights([makeInsight(5, { prediction: { seriesKey: 'x', earliestMs: 1, expectedMs: 2, latestMs: 3, limit: Number.NaN } })]),
        'VIGIL_ERR_STORE_INVALID',
        /prediction\.limit must be a finite number/,
      );
      assert.deepEqual(await store.listInsights(), { items: [], total: 0 });
      await rejectsWithCode(store.listInsights({ status: 'OPEN' as 'ONGOING' }), 'VIGIL_ERR_STORE_INVALID', /status must be one of ONGOING, CLOSED/);
    });

    it('filters by status, severities, type, application and overlapping time range, with the total', async () => {
      const store = await fresh();
      const t = (m: number): number => T0_MS + m * MIN_MS;
      const a = makeInsight(1, { id: 'a', startMs: t(0), endMs: null, status: 'ONGOING', severity: 'HIGH' }); // began long ago, still open
      const b = makeInsight(2, { id: 'b', startMs: t(0), endMs: t(10), status: 'CLOSED', severity: 'LOW' }); // ended exactly at fromMs
      const c = makeInsight(3, { id: 'c', startMs: t(0), endMs: t(9), status: 'CLOSED', severity: 'MEDIUM' }); // ended just before
      const d = makeInsight(4, { id: 'd', startMs: t(20), endMs: null, type: 'PROACTIVE', application: 'billing', severity: 'HIGH' }); // starts exactly at toMs
      const e = makeInsight(5, { id: 'e', startMs: t(21), endMs: null, application: null }); // starts just after
      await store.upsertInsights([a, b, c, d, e]);
      const check = async (q: InsightQuery, expected: string[]): Promise<void> => {
        const page = await store.listInsights(q);
        assert.deepEqual(page.items.map((i) => i.id), expected, JSON.stringify(q));
        assert.equal(page.total, expected.length, JSON.stringify(q));
      };
      await check({ fromMs: t(10), toMs: t(20) }, ['d', 'b', 'a']);
      await check({ fromMs: t(10) }, ['e', 'd', 'b', 'a']);
      await check({ toMs: t(0) }, ['c', 'b', 'a']);
      await check({ status: 'CLOSED' }, ['c', 'b']);
      await check({ severity: ['HIGH'] }, ['d', 'a']);
      await check({ severity: ['LOW', 'MEDIUM'] }, ['e', 'c', 'b']);
      await check({ severity: [] }, ['e', 'd', 'c', 'b', 'a']);
      await check({ type: 'PROACTIVE' }, ['d']);
      await check({ application: 'shop' }, ['c', 'b', 'a']);
      await check({ application: 'billing', type: 'REACTIVE' }, []);
      await check({ status: 'ONGOING', severity: ['HIGH'], fromMs: t(15), toMs: t(30) }, ['d', 'a']);
    });

    it('agrees with the reference filter, sort and paging on arbitrary queries (property)', async () => {
      const store = await fresh();
      const all = insightCorpus(150, 11);
      await store.upsertInsights(all);
      const maybe = <T,>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined, freq: 2 });
      const timeArb = maybe(fc.integer({ min: -2, max: 62 }).map((k) => T0_MS + k * MIN_MS));
      const query = fc.record({
        status: maybe(fc.constantFrom('ONGOING' as const, 'CLOSED' as const)),
        severity: maybe(fc.subarray(['LOW', 'MEDIUM', 'HIGH'] as Severity[])),
        type: maybe(fc.constantFrom('REACTIVE' as const, 'PROACTIVE' as const)),
        application: maybe(fc.constantFrom('shop', 'billing', 'none')),
        fromMs: timeArb,
        toMs: timeArb,
        limit: maybe(fc.integer({ min: -3, max: 60 })),
        offset: maybe(fc.integer({ min: 0, max: 160 })),
        sort: maybe(fc.constantFrom('startMs' as const, 'severity' as const, 'updatedMs' as const)),
      });
      let nonEmpty = 0;
      const runs = 150;
      await fc.assert(
        fc.asyncProperty(query, async (q) => {
          const expected = referenceInsights(all, q);
          if (expected.ids.length > 0) nonEmpty++;
          const page = await store.listInsights(q);
          assert.deepEqual(page.items.map((i) => i.id), expected.ids);
          assert.equal(page.total, expected.total);
        }),
        { numRuns: runs, seed: 4321 },
      );
      assert.ok(nonEmpty > runs / 4, `only ${nonEmpty} of ${runs} queries matched anything`);
    });

    it('pages with a stable total: default 100, offsets tile the list, an empty page still counts', async () => {
      const store = await fresh();
      const all = Array.from({ length: 130 }, (_, i) => makeInsight(i));
      await store.upsertInsights(all);
      const newestFirst = all.map((i) => i.id).reverse();
      const first = await store.listInsights();
      assert.deepEqual(first.items.map((i) => i.id), newestFirst.slice(0, 100));
      assert.equal(first.total, 130);
      const tiles: string[] = [];
      for (let offset = 0; offset < 130; offset += 40) {
        const page = await store.listInsights({ limit: 40, offset });
        assert.equal(page.total, 130);
        tiles.push(...page.items.map((i) => i.id));
      }
      assert.deepEqual(tiles, newestFirst);
      assert.deepEqual(await store.listInsights({ limit: 0 }), { items: [], total: 130 });
      assert.deepEqual(await store.listInsights({ offset: 500 }), { items: [], total: 130 });
      assert.deepEqual(await store.listInsights({ offset: 500, application: 'billing' }), { items: [], total: 0 });
    });

    it('sorts by start, severity or last update, newest first, ties by id descending', async () => {
      const store = await fresh();
      const t = (m: number): number => T0_MS + m * MIN_MS;
      const x = makeInsight(1, { id: 'x', startMs: t(5), updatedMs: t(6), severity: 'LOW' });
      const y = makeInsight(2, { id: 'y', startMs: t(1), updatedMs: t(50), severity: 'HIGH' });
      const z = makeInsight(3, { id: 'z', startMs: t(5), updatedMs: t(7), severity: 'MEDIUM' });
      const w = makeInsight(4, { id: 'w', startMs: t(3), updatedMs: t(7), severity: 'HIGH' });
      await store.upsertInsights([x, y, z, w]);
      const order = async (q: InsightQuery): Promise<string[]> => (await store.listInsights(q)).items.map((i) => i.id);
      assert.deepEqual(await order({}), ['z', 'x', 'w', 'y']);
      assert.deepEqual(await order({ sort: 'startMs' }), ['z', 'x', 'w', 'y']);
      assert.deepEqual(await order({ sort: 'severity' }), ['w', 'y', 'z', 'x']);
      assert.deepEqual(await order({ sort: 'updatedMs' }), ['y', 'z', 'w', 'x']);
    });
  });

  describe('anomalies', () => {
    it('round-trips every field, floats bit-exact, and lists an insight’s anomalies by start then id', async () => {
      const store = await fresh();
      const a1 = makeAnomaly(1);
      const a2 = makeAnomaly(2, {
        application: null,
        direction: 'below',
        kind: 'throughput',
        endMs: null,
        role: 'CONTEXTUAL',
        cause: 'shift',
        peakScore: 1 - 2 ** -40,
        peakValue: -1e-300,
        expected: 123_456_789.123_456_79,
        lower: 0.1 + 0.2,
        upper: 1.7976931348623157e308,
      });
      const tie = makeAnomaly(3, { id: 'an-0000-tie', startMs: a1.startMs });
      const other = makeAnomaly(4);
      await store.upsertAnomalies([
        { insightId: 'ins-1', anomaly: a2 },
        { insightId: 'ins-1', anomaly: a1 },
        { insightId: 'ins-1', anomaly: tie },
        { insightId: 'ins-2', anomaly: other },
      ]);
      assert.deepEqual(await store.listAnomalies('ins-1'), [tie, a1, a2]);
      assert.deepEqual(await store.listAnomalies('ins-2'), [other]);
      assert.deepEqual(await store.listAnomalies('ins-none'), []);
    });

    it('replaces by anomaly id, closing it or moving it to another insight', async () => {
      const store = await fresh();
      const open = makeAnomaly(1, { endMs: null });
      await store.upsertAnomalies([{ insightId: 'ins-1', anomaly: open }, { insightId: 'ins-1', anomaly: makeAnomaly(2) }]);
      const closed = { ...open, endMs: open.startMs + 7 * MIN_MS, peakScore: 0.9999 };
      await store.upsertAnomalies([{ insightId: 'ins-1', anomaly: closed }]);
      assert.deepEqual(await store.listAnomalies('ins-1'), [closed, makeAnomaly(2)]);
      await store.upsertAnomalies([{ insightId: 'ins-9', anomaly: makeAnomaly(2) }]);
      assert.deepEqual(await store.listAnomalies('ins-1'), [closed]);
      assert.deepEqual(await store.listAnomalies('ins-9'), [makeAnomaly(2)]);
    });

    it('refuses non-finite numbers and fractional times, storing nothing from that batch', async () => {
      const store = await fresh();
      await rejectsWithCode(
        store.upsertAnomalies([{ insightId: 'ins-1', anomaly: makeAnomaly(1) }, { insightId: 'ins-1', anomaly: makeAnomaly(2, { expected: Number.NaN }) }]),
        'VIGIL_ERR_STORE_INVALID',
        /an-0002.*expected must be a finite number/,
      );
      await rejectsWithCode(store.upsertAnomalies([{ insightId: 'ins-1', anomaly: makeAnomaly(3, { peakMs: 0.5 }) }]), 'VIGIL_ERR_STORE_INVALID', /peakMs/);
      await rejectsWithCode(store.upsertAnomalies([{ insightId: '', anomaly: makeAnomaly(4) }]), 'VIGIL_ERR_STORE_INVALID', /its insight/);
      assert.deepEqual(await store.listAnomalies('ins-1'), []);
    });
  });

  describe('transitions (notification outbox)', () => {
    it('lists transitions after a cursor in append order, with increasing seq', async () => {
      const store = await fresh();
      assert.deepEqual(await store.listTransitions(0), []);
      const batch1 = [transition('ins-1', 'NEW_INSIGHT', T0_MS), transition('ins-1', 'NEW_ASSOCIATION', T0_MS + 1)];
      const batch2 = [transition('ins-2', 'NEW_INSIGHT', T0_MS + 2, 'HIGH'), transition('ins-1', 'SEVERITY_UPGRADED', T0_MS + 2, 'HIGH'), transition('ins-1', 'CLOSED_INSIGHT', T0_MS + 9, 'HIGH')];
      await store.appendTransitions(batch1);
      await store.appendTransitions([]);
      await store.appendTransitions(batch2);
      const all = await store.listTransitions(0);
      assert.deepEqual(
        all.map(({ seq: _seq, ...t }) => t),
        [...batch1, ...batch2],
      );
      for (let i = 1; i < all.length; i++) assert.ok(all[i]!.seq > all[i - 1]!.seq, `seq ${all[i]!.seq} after ${all[i - 1]!.seq}`);
      // A reader's cursor: pages of 2 from the last seq handled see every transition once.
      const seen: number[] = [];
      let cursor = 0;
      for (;;) {
        const page = await store.listTransitions(cursor, 2);
        if (page.length === 0) break;
        assert.ok(page.length <= 2);
        seen.push(...page.map((t) => t.seq));
        cursor = page[page.length - 1]!.seq;
      }
      assert.deepEqual(seen, all.map((t) => t.seq));
      assert.deepEqual(await store.listTransitions(all[2]!.seq), all.slice(3));
      assert.deepEqual(await store.listTransitions(0, 0), []);
    });

    it('never reuses a seq across reopen and keeps concurrent appends from two connections all in seq order', async () => {
      let store = await fresh();
      await store.appendTransitions([transition('ins-1', 'NEW_INSIGHT', T0_MS)]);
      store = await reopen(store);
      const other = await fresh();
      const batches = Array.from({ length: 10 }, (_, k) => Array.from({ length: 5 }, (_, j) => transition(`ins-${k}`, j === 0 ? 'NEW_INSIGHT' : 'NEW_ASSOCIATION', T0_MS + k * 10 + j)));
      await Promise.all(batches.map((b, k) => (k % 2 === 0 ? store : other).appendTransitions(b)));
      const all = await store.listTransitions(0, 1000);
      assert.equal(all.length, 51);
      assert.equal(all[0]!.insightId, 'ins-1');
      assert.equal(all[0]!.type, 'NEW_INSIGHT');
      for (let i = 1; i < all.length; i++) assert.ok(all[i]!.seq > all[i - 1]!.seq);
      // Each batch lands contiguously and in its own order (one transaction each).
      for (const b of batches) {
        const at = all.findIndex((t) => t.insightId === b[0]!.insightId && t.timeMs === b[0]!.timeMs);
        assert.deepEqual(
          all.slice(at, at + b.length).map(({ seq: _seq, ...t }) => t),
          b,
        );
      }
    });

    it('refuses an unknown notification type', async () => {
      const store = await fresh();
      await rejectsWithCode(
        store.appendTransitions([transition('ins-1', 'NEW_INSIGHT', T0_MS), transition('ins-1', 'REOPENED' as 'NEW_INSIGHT', T0_MS)]),
        'VIGIL_ERR_STORE_INVALID',
        /type must be one of NEW_INSIGHT/,
      );
      assert.deepEqual(await store.listTransitions(0), []);
    });
  });

  describe('feedback, sensitivity and coverage', () => {
    it('keeps every feedback entry, oldest first, per insight, across reopen', async () => {
      let store = await fresh();
      await store.addFeedback({ insightId: 'ins-1', value: 'TOO_SENSITIVE', comment: 'fires every deploy', timeMs: T0_MS + 5 });
      await store.addFeedback({ insightId: 'ins-1', value: 'USEFUL', timeMs: T0_MS });
      await store.addFeedback({ insightId: 'ins-1', value: 'NOISY_DATA', comment: HOSTILE[1]!, timeMs: T0_MS + 5 }); // same ms: both kept
      await store.addFeedback({ insightId: 'ins-2', value: 'INCORRECT', comment: '', timeMs: T0_MS });
      store = await reopen(store);
      assert.deepEqual(await store.listFeedback('ins-1'), [
        { insightId: 'ins-1', value: 'USEFUL', comment: null, timeMs: T0_MS },
        { insightId: 'ins-1', value: 'TOO_SENSITIVE', comment: 'fires every deploy', timeMs: T0_MS + 5 },
        { insightId: 'ins-1', value: 'NOISY_DATA', comment: HOSTILE[1], timeMs: T0_MS + 5 },
      ]);
      assert.deepEqual(await store.listFeedback('ins-2'), [{ insightId: 'ins-2', value: 'INCORRECT', comment: '', timeMs: T0_MS }]);
      assert.deepEqual(await store.listFeedback('ins-3'), []);
      await rejectsWithCode(store.addFeedback({ insightId: 'ins-1', value: 'MEH' as 'USEFUL', timeMs: T0_MS }), 'VIGIL_ERR_STORE_INVALID', /value must be one of USEFUL/);
      assert.equal((await store.listFeedback('ins-1')).length, 3);
    });

    it('sets, overwrites, removes and lists sensitivity overrides by scope', async () => {
      let store = await fresh();
      assert.deepEqual(await store.listSensitivity(), []);
      await store.setSensitivity('series:up{job="api"}', 'LOW');
      await store.setSensitivity('application:shop', 'HIGH');
      await store.setSensitivity('application:billing', 'MEDIUM');
      await store.setSensitivity('application:shop', 'LOW');
      store = await reopen(store);
      assert.deepEqual(await store.listSensitivity(), [
        { scope: 'application:billing', level: 'MEDIUM' },
        { scope: 'application:shop', level: 'LOW' },
        { scope: 'series:up{job="api"}', level: 'LOW' },
      ]);
      await store.setSensitivity('application:billing', null);
      await store.setSensitivity('application:never-set', null);
      assert.deepEqual((await store.listSensitivity()).map((s) => s.scope), ['application:shop', 'series:up{job="api"}']);
      await rejectsWithCode(store.setSensitivity('pod:x' as 'series:x', 'LOW'), 'VIGIL_ERR_STORE_INVALID', /application:<name>.*series:<key>/);
      await rejectsWithCode(store.setSensitivity('application:', 'LOW'), 'VIGIL_ERR_STORE_INVALID', /non-empty/);
      await rejectsWithCode(store.setSensitivity('application:shop', 'EXTREME' as 'LOW'), 'VIGIL_ERR_STORE_INVALID', /must be one of LOW, MEDIUM, HIGH/);
    });

    it('has no coverage until one is set, then keeps the last one across reopen', async () => {
      let store = await fresh();
      assert.equal(await store.getCoverage(), null);
      await store.setCoverage(['{namespace="shop"}', '{job=~"api|db"}']);
      assert.deepEqual(await store.getCoverage(), ['{namespace="shop"}', '{job=~"api|db"}']);
      await store.setCoverage('all');
      assert.equal(await store.getCoverage(), 'all');
      await store.setCoverage([]);
      store = await reopen(store);
      assert.deepEqual(await store.getCoverage(), []);
    });
  });

  describe('mttr', () => {
    it('is the mean duration of CLOSED REACTIVE insights that started in the range, null when none', async () => {
      const store = await fresh();
      const t = (m: number): number => T0_MS + m * MIN_MS;
      assert.equal(await store.mttrMs(t(0), t(100)), null);
      await store.upsertInsights([
        makeInsight(1, { startMs: t(10), endMs: t(11), status: 'CLOSED' }), // 1 min, at fromMs
        makeInsight(2, { startMs: t(20), endMs: t(23), status: 'CLOSED' }), // 3 min
        makeInsight(3, { startMs: t(30), endMs: t(38), status: 'CLOSED' }), // 8 min, at toMs
        makeInsight(4, { startMs: t(9), endMs: t(99), status: 'CLOSED' }), // started before the range
        makeInsight(5, { startMs: t(31), endMs: t(90), status: 'CLOSED' }), // started after
        makeInsight(6, { startMs: t(15), endMs: null, status: 'ONGOING' }), // not recovered yet
        makeInsight(7, { startMs: t(15), endMs: t(80), status: 'CLOSED', type: 'PROACTIVE' }), // a prediction, not an outage
      ]);
      assert.equal(await store.mttrMs(t(10), t(30)), (1 + 3 + 8) * MIN_MS / 3);
      assert.equal(await store.mttrMs(t(20), t(20)), 3 * MIN_MS);
      assert.equal(await store.mttrMs(t(40), t(50)), null);
      assert.equal(await store.mttrMs(t(0), t(100)), (1 + 3 + 8 + 90 + 59) * MIN_MS / 5);
      // A mean that is not a whole number of milliseconds.
      await store.upsertInsights([makeInsight(8, { startMs: t(200), endMs: t(200) + 1, status: 'CLOSED' }), makeInsight(9, { startMs: t(201), endMs: t(201) + 2, status: 'CLOSED' })]);
      assert.equal(await store.mttrMs(t(200), t(201)), 1.5);
      await rejectsWithCode(store.mttrMs(Number.NaN, t(1)), 'VIGIL_ERR_STORE_INVALID', /fromMs/);
    });
  });

  describe('insights durability', () => {
    it('keeps insights, anomalies and transitions across close and reopen', async () => {
      let store = await fresh();
      const insights = [makeInsight(1), makeInsight(2, { status: 'CLOSED', endMs: T0_MS + 9 * MIN_MS })];
      await store.upsertInsights(insights);
      await store.upsertAnomalies([{ insightId: insights[0]!.id, anomaly: makeAnomaly(1) }]);
      await store.appendTransitions([transition(insights[0]!.id, 'NEW_INSIGHT', T0_MS)]);
      store = await reopen(store);
      assert.deepEqual(await store.listInsights(), { items: [...insights].reverse(), total: 2 });
      assert.deepEqual(await store.listAnomalies(insights[0]!.id), [makeAnomaly(1)]);
      assert.deepEqual((await store.listTransitions(0)).map(({ seq: _seq, ...t }) => t), [transition(insights[0]!.id, 'NEW_INSIGHT', T0_MS)]);
    });

    it('returns copies: mutating a stored or returned insight changes nothing stored', async () => {
      const store = await fresh();
      const original = makeInsight(1);
      const mine = JSON.parse(JSON.stringify(original)) as { resources: string[]; rootCauses: { evidence: string[] }[] };
      await store.upsertInsights([mine as unknown as Insight]);
      mine.resources.push('pod:added-later');
      mine.rootCauses[0]!.evidence.push('added later');
      const got = (await store.getInsight(original.id)) as unknown as typeof mine;
      assert.deepEqual(got, original);
      got.resources.push('pod:mutated');
      assert.deepEqual(await store.getInsight(original.id), original);
    });
  });
}
