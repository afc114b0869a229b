// Tests for rankRootCauses (src/core/insights/root-cause.ts): which events are relevant, how state
// changes rank (class, recency, overlap), traffic surges, and the likely origin among anomalies
// using caller -> callee dependencies.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { rankRootCauses, formatDuration, type InsightScope } from '../../../src/core/insights/index.js';
import type { Anomaly } from '../../../src/core/model/index.js';
import { MIN, T0, makeEvent } from './helpers.js';

function anomaly(id: string, resource: string, kind: Anomaly['kind'], startMin: number, over: Partial<Anomaly> = {}): Anomaly {
  return {
    id, seriesId: 0, seriesKey: id, metricName: kind === 'latency' ? 'x_p99' : 'x', resource, application: 'shop', kind, direction: 'above',
    startMs: T0 + startMin * MIN, endMs: null, peakScore: 0.9999, peakMs: T0 + startMin * MIN, peakValue: 2, expected: 1, lower: 0.5, upper: 1.5, role: 'CAUSAL', cause: 'point', ...over,
  };
}

const scope = (anoms: Anomaly[]): InsightScope => ({ application: 'shop', resources: [...new Set(anoms.map((a) => a.resource))], startMs: Math.min(...anoms.map((a) => a.startMs)), endMs: null, updatedMs: T0 + 60 * MIN });

describe('rankRootCauses', () => {
  it('links only relevant events in the look-back window and ranks a recent deployment first', () => {
    const anoms = [anomaly('a1', 'svc/api', 'latency', 0), anomaly('a2', 'svc/api', 'errors', 1)];
    const events = [
      makeEvent('deploy', T0 - 4 * MIN, { name: 'deployment v2 of shop', application: 'shop', resources: ['svc/api'] }),
      makeEvent('scale', T0 - 50 * MIN, { class: 'SCALING', name: 'scaled api', resources: ['svc/api'] }),
      makeEvent('other-app', T0 - 2 * MIN, { application: 'billing', resources: ['svc/billing'] }),
      makeEvent('too-old', T0 - 3 * 3_600_000, { application: 'shop' }),
      makeEvent('global', T0 - 10 * MIN, { class: 'INFRASTRUCTURE', name: 'node pool upgrade' }),
    ];
    const r = rankRootCauses(scope(anoms), anoms, events);
    assert.deepEqual(r.eventIds, ['scale', 'global', 'deploy']);
    assert.deepEqual(r.candidates.map((c) => c.ref), ['deploy', 'global', 'scale', 'a1', 'a2']);
    assert.deepEqual(r.candidates.map((c) => c.rank), [1, 2, 3, 4, 5]);
    assert.ok(r.candidates[0]!.evidence.includes('deployment v2 of shop 4 min before onset'));
    assert.ok(r.candidates[0]!.confidence > r.candidates[1]!.confidence);
  });

  it('a traffic surge that starts first counts as a state change', () => {
    const anoms = [anomaly('lat', 'svc/api', 'latency', 3), anomaly('rps', 'svc/lb', 'throughput', 0)];
    const r = rankRootCauses(scope(anoms), anoms, []);
    assert.equal(r.candidates[0]!.ref, 'rps');
    assert.equal(r.candidates[0]!.title, 'traffic surge on svc/lb');
    assert.ok(r.candidates[0]!.evidence.some((e) => e.includes('3 min before the other anomalies')));
    // A fall in traffic, or a rise that comes later, is not a surge.
    const later = [anomaly('lat', 'svc/api', 'latency', 0), anomaly('rps', 'svc/lb', 'throughput', 3)];
    assert.equal(rankRootCauses(scope(later), later, []).candidates[0]!.ref, 'lat');
  });

  it('a surge carried downstream is not a cause of its own; a small rise is a weak one', () => {
    const deps = new Map([['svc/frontend', ['svc/checkout']], ['svc/checkout', ['svc/payments']]]);
    const anoms = [
      anomaly('cpu', 'node/a', 'saturation', 2),
      anomaly('pay', 'svc/payments', 'throughput', 1),
      anomaly('chk', 'svc/checkout', 'throughput', 0.5),
      anomaly('front', 'svc/frontend', 'throughput', 0),
    ];
    const r = rankRootCauses(scope(anoms), anoms, [], { dependencies: deps });
    assert.equal(r.candidates[0]!.ref, 'front');
    assert.ok(!r.candidates.some((c) => c.title.startsWith('traffic surge on svc/checkout') || c.title.startsWith('traffic surge on svc/payments')), r.candidates.map((c) => c.title).join(' | '));
    // Without the service graph each rise stands on its own.
    const plain = rankRootCauses(scope(anoms), anoms, []);
    assert.equal(plain.candidates.filter((c) => c.title.startsWith('traffic surge')).length, 3);
    // A 10 % rise before a deployment's symptoms does not outrank the deployment.
    const small = [anomaly('lat', 'svc/api', 'latency', 3), anomaly('rps', 'svc/api', 'throughput', 0, { peakValue: 1.1, expected: 1 })];
    const deploy = makeEvent('deploy', T0 - 3 * MIN, { application: 'shop', resources: ['svc/api'] });
    const ranked = rankRootCauses(scope(small), small, [deploy]);
    assert.equal(ranked.candidates[0]!.ref, 'deploy');
    const surgeCand = ranked.candidates.find((c) => c.ref === 'rps')!;
    assert.ok(surgeCand.confidence < 0.2, `confidence ${surgeCand.confidence}`);
  });

  it('prefers the earliest onset, and among simultaneous onsets the most downstream callee', () => {
    const anoms = [anomaly('front', 'svc/frontend', 'latency', 0), anomaly('api', 'svc/api', 'latency', 0), anomaly('db', 'svc/db', 'latency', 0.5), anomaly('late', 'svc/cache', 'latency', 5)];
    const deps = new Map([['svc/frontend', ['svc/api']], ['svc/api', ['svc/db', 'svc/cache']]]);
    const r = rankRootCauses(scope(anoms), anoms, [], { dependencies: deps });
    assert.deepEqual(r.candidates.map((c) => c.ref), ['db', 'api', 'front']);
    assert.ok(r.candidates[0]!.evidence.some((e) => e.includes('svc/db is called by svc/api')), r.candidates[0]!.evidence.join(' | '));
    const plain = rankRootCauses(scope(anoms), anoms, []);
    assert.notEqual(plain.candidates[0]!.ref, 'db', 'without the graph nothing makes db the origin');
    const early = [anomaly('db', 'svc/db', 'latency', 0), anomaly('api', 'svc/api', 'latency', 2)];
    assert.ok(rankRootCauses(scope(early), early, []).candidates[0]!.evidence.includes('p99 latency on svc/db started 2 min before others'));
  });

  it('formats durations for evidence', () => {
    assert.equal(formatDuration(20_000), 'less than 1 min');
    assert.equal(formatDuration(4 * MIN), '4 min');
    assert.equal(formatDuration(125 * MIN), '2 h 5 min');
  });
});
