// Tests for the InsightsEngine facade (src/core/insights/insights-engine.ts) and, through it, the
// InsightCorrelator: scripted incidents (bad deployment, unrelated applications, a closed insight,
// flapping, severity upgrade, feedback), one bad deployment through the real DetectorBank, and a
// fast-check property: anomalies never overlap per series and each belongs to exactly one insight.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { InsightsEngine, gradeSeverity, insightId, type ScoredPoint } from '../../../src/core/insights/index.js';
import { createDetectorOutput, DetectorBank } from '../../../src/core/detect/index.js';
import { seededRandom } from '../../../src/core/sim/index.js';
import type { Anomaly, Recommendation, SeriesDescriptor } from '../../../src/core/model/index.js';
import { MIN, QUIET, T0, makeEvent, makeSeries, point } from './helpers.js';

const HOT = point(0.999999, 1);

/** Feeds every series one point per minute from `fromMin` to `toMin` (exclusive); `pick` chooses each point. */
function run(engine: InsightsEngine, series: readonly SeriesDescriptor[], fromMin: number, toMin: number, pick: (s: SeriesDescriptor, minute: number) => ScoredPoint): void {
  for (let m = fromMin; m < toMin; m++) {
    for (const s of series) {
      const p = pick(s, m);
      engine.observe(s, T0 + m * MIN, 100 + p.direction * 50, p);
    }
    engine.tick(T0 + m * MIN);
  }
}

describe('InsightsEngine: a bad deployment', () => {
  const lat = makeSeries(0, 'http_request_duration_seconds_p99', 'latency', 'svc/checkout-api', 'checkout-api');
  const err = makeSeries(1, 'http_requests_errors_rate', 'errors', 'svc/checkout-api', 'checkout-api', 'up', { status: '503' });
  const cpu = makeSeries(2, 'node_cpu_usage', 'saturation', 'node/n1', null);
  const deploy = makeEvent('ev-deploy', T0 + 26 * MIN, { name: 'deployment v2.3.1 of checkout-api', application: 'checkout-api', resources: ['svc/checkout-api'] });
  const unrelated = makeEvent('ev-other', T0 + 27 * MIN, { name: 'deployment v9 of billing', application: 'billing', resources: ['svc/billing'] });
  const old = makeEvent('ev-old', T0 - 5 * 3_600_000, { name: 'deployment v2.3.0 of checkout-api', application: 'checkout-api', resources: ['svc/checkout-api'] });

  function scenario(): InsightsEngine {
    const engine = new InsightsEngine();
    engine.addEvent(old);
    engine.addEvent(deploy);
    engine.addEvent(unrelated);
    // Latency rises at minute 30, errors at 31, both for 10 minutes; the node is quiet throughout.
    run(engine, [lat, err, cpu], 0, 120, (s, m) => (s === lat && m >= 30 && m < 40) || (s === err && m >= 31 && m < 40) ? HOT : QUIET);
    return engine;
  }

  it('yields exactly one insight, named after latency, errors and the deployment, with the deployment as top root cause', () => {
    const engine = scenario();
    const all = engine.insights();
    assert.equal(all.length, 1);
    const ins = all[0]!;
    assert.equal(ins.application, 'checkout-api');
    assert.equal(ins.name, 'p99 latency and 5xx errors rose on checkout-api after deployment v2.3.1');
    assert.equal(ins.rootCauses[0]!.kind, 'EVENT');
    assert.equal(ins.rootCauses[0]!.ref, 'ev-deploy');
    assert.ok(ins.rootCauses[0]!.evidence.some((e) => e.includes('4 min before onset')), ins.rootCauses[0]!.evidence.join(' | '));
    assert.deepEqual(ins.eventIds, ['ev-deploy']);
    assert.equal(ins.startMs, T0 + 30 * MIN);
    assert.equal(ins.id, insightId('checkout-api', T0 + 30 * MIN));
    const anomalies = engine.anomalies(ins.id);
    assert.deepEqual(anomalies.map((a) => a.seriesId), [0, 1]);
    assert.ok(anomalies.every((a) => a.role === 'CAUSAL'), 'both are on the resource the deployment touched');
  });

  it('closes the insight after the quiet period and records the lifecycle', () => {
    const engine = scenario();
    const ins = engine.insights()[0]!;
    assert.equal(ins.status, 'CLOSED');
    // Last qualifying point at minute 39; the insight closes 30 quiet minutes later.
    assert.equal(ins.endMs, T0 + 39 * MIN);
    const types = engine.drainTransitions().map((t) => t.type);
    assert.deepEqual(types.filter((t) => t !== 'SEVERITY_UPGRADED'), ['NEW_INSIGHT', 'NEW_ASSOCIATION', 'CLOSED_INSIGHT']);
    assert.deepEqual(engine.drainTransitions(), []);
    const changed = engine.drainChanged();
    assert.equal(changed.insights.length, 1);
    assert.equal(changed.anomalies.length, 2);
    assert.ok(changed.anomalies.every((a) => a.endMs !== null));
    assert.deepEqual(engine.drainChanged(), { insights: [], anomalies: [] });
  });

  it('finds the same insight through the real detector on noisy data', () => {
    const bank = new DetectorBank(2);
    const ids = [bank.add(), bank.add()];
    const out = createDetectorOutput();
    const rnd = seededRandom(7);
    const onsetMin = 30 + 600; // ten hours of history before the deployment
    const shifted = deploy.timeMs + 600 * MIN;
    const engine = new InsightsEngine();
    engine.addEvent({ ...deploy, timeMs: shifted });
    for (let m = 0; m < onsetMin + 90; m++) {
      const bad = m >= onsetMin && m < onsetMin + 20;
      const values = [0.2 + 0.01 * rnd() + (bad ? 0.5 : 0), 1 + 0.2 * rnd() + (bad ? 20 : 0)];
      [lat, err].forEach((s, i) => {
        bank.update(ids[i]!, T0 + m * MIN, values[i]!, out);
        engine.observe(s, T0 + m * MIN, values[i]!, out);
      });
      engine.tick(T0 + m * MIN);
    }
    const all = engine.insights();
    assert.equal(all.length, 1, all.map((i) => i.name).join('; '));
    assert.equal(all[0]!.rootCauses[0]!.ref, deploy.id);
    assert.match(all[0]!.name, /latency/);
    assert.match(all[0]!.name, /errors/);
    assert.ok(Math.abs(all[0]!.startMs - (T0 + onsetMin * MIN)) <= 3 * MIN);
  });
});

describe('InsightsEngine: grouping and lifecycle', () => {
  it('two unrelated applications give two insights', () => {
    const engine = new InsightsEngine();
    const a = makeSeries(0, 'a_latency_p99', 'latency', 'svc/a', 'app-a');
    const b = makeSeries(1, 'b_errors', 'errors', 'svc/b', 'app-b');
    run(engine, [a, b], 0, 40, (s, m) => (m >= 10 && m < 15 ? HOT : QUIET));
    const all = engine.insights();
    assert.equal(all.length, 2);
    assert.deepEqual(all.map((i) => i.application).sort(), ['app-a', 'app-b']);
    assert.deepEqual(all.map((i) => i.anomalyIds.length), [1, 1]);
  });

  it('series without an application group by resource, and by caller/callee when dependencies are known', () => {
    const api = makeSeries(0, 'api_latency_p99', 'latency', 'svc/api', null);
    const db = makeSeries(1, 'db_latency_p99', 'latency', 'svc/db', null);
    const feedBoth = (engine: InsightsEngine): void => run(engine, [api, db], 0, 30, (s, m) => (m >= 10 && m < 15) ? HOT : QUIET);
    const apart = new InsightsEngine();
    feedBoth(apart);
    assert.equal(apart.insights().length, 2);
    const linked = new InsightsEngine({ dependencies: new Map([['svc/api', ['svc/db']]]) });
    feedBoth(linked);
    assert.equal(linked.insights().length, 1);
    assert.deepEqual([...linked.insights()[0]!.resources].sort(), ['svc/api', 'svc/db']);
  });

  it('never reopens a closed insight: a later anomaly makes a new one', () => {
    const engine = new InsightsEngine();
    const s = makeSeries(0, 'x_latency_p99', 'latency', 'svc/x', 'app');
    run(engine, [s], 0, 60, (_, m) => (m === 5 ? HOT : QUIET));
    const [first] = engine.insights();
    assert.equal(first!.status, 'CLOSED');
    run(engine, [s], 60, 70, (_, m) => (m === 62 ? HOT : QUIET));
    const all = engine.insights();
    assert.equal(all.length, 2);
    assert.equal(engine.insight(first!.id)!.anomalyIds.length, 1);
    assert.deepEqual(engine.insight(first!.id), first);
    const second = all.find((i) => i.id !== first!.id)!;
    assert.equal(second.status, 'ONGOING');
    assert.equal(second.startMs, T0 + 62 * MIN);
    assert.notEqual(second.anomalyIds[0], first!.anomalyIds[0]);
  });

  it('a flapping series yields one anomaly in one insight', () => {
    const engine = new InsightsEngine();
    const s = makeSeries(0, 'x_errors', 'errors', 'svc/x', 'app');
    run(engine, [s], 0, 100, (_, m) => (m % 20 === 0 && m < 80 ? HOT : QUIET));
    const all = engine.insights();
    assert.equal(all.length, 1);
    assert.equal(all[0]!.anomalyIds.length, 1);
    const a = engine.anomalies(all[0]!.id)[0]!;
    assert.equal(a.startMs, T0);
    assert.equal(a.endMs, T0 + 60 * MIN);
  });

  it('records SEVERITY_UPGRADED when a weightier anomaly joins', () => {
    const engine = new InsightsEngine();
    const cpu = makeSeries(0, 'container_cpu_usage', 'saturation', 'pod/p1', 'app');
    const lat = makeSeries(1, 'x_latency_p99', 'latency', 'pod/p1', 'app');
    const err = makeSeries(2, 'x_errors', 'errors', 'pod/p2', 'app');
    const mild = point(0.995, 1);
    run(engine, [cpu, lat, err], 0, 30, (s, m) => (s === cpu && m >= 5 && m < 25) || (s === lat && m >= 10 && m < 25) || (s === err && m >= 15 && m < 25) ? mild : QUIET);
    const t = engine.drainTransitions();
    assert.deepEqual(t.map((x) => [x.type, x.severity]), [
      ['NEW_INSIGHT', 'LOW'],
      ['NEW_ASSOCIATION', 'LOW'],
      ['SEVERITY_UPGRADED', 'MEDIUM'],
      ['NEW_ASSOCIATION', 'MEDIUM'],
      ['SEVERITY_UPGRADED', 'HIGH'],
    ]);
    const ins = engine.insights()[0]!;
    assert.equal(ins.severity, 'HIGH');
    const roles = engine.anomalies(ins.id).map((a) => [a.kind, a.role]);
    assert.deepEqual(roles, [['saturation', 'CAUSAL'], ['latency', 'CONTEXTUAL'], ['errors', 'CONTEXTUAL']]);
  });

  it('records NEW_RECOMMENDATION when the recommender returns a new id, not on the first analysis', () => {
    const rec = (id: string): Recommendation => ({ id, title: id, description: '', reason: '', links: [], relatedEventIds: [], relatedAnomalyIds: [] });
    const engine = new InsightsEngine({
      recommender: (_ins, anomalies) => anomalies.map((a: Anomaly) => rec('check-' + a.kind)),
    });
    const lat = makeSeries(0, 'x_latency_p99', 'latency', 'svc/x', 'app');
    const err = makeSeries(1, 'x_errors', 'errors', 'svc/x', 'app');
    run(engine, [lat, err], 0, 20, (s, m) => (s === lat && m === 5) || (s === err && m === 8) ? HOT : QUIET);
    const types = engine.drainTransitions().map((t) => t.type);
    assert.deepEqual(types.filter((t) => t === 'NEW_RECOMMENDATION').length, 1);
    assert.deepEqual(engine.insights()[0]!.recommendations.map((r) => r.id), ['check-latency', 'check-errors']);
  });

  it('an event that arrives after onset re-ranks the ongoing insight', () => {
    const engine = new InsightsEngine();
    const lat = makeSeries(0, 'x_latency_p99', 'latency', 'svc/x', 'app');
    run(engine, [lat], 0, 20, (_, m) => (m >= 10 ? HOT : QUIET));
    assert.equal(engine.insights()[0]!.rootCauses[0]!.kind, 'ANOMALY');
    engine.addEvent(makeEvent('late', T0 + 8 * MIN, { class: 'CONFIG_CHANGE', name: 'config change of x', resources: ['svc/x'] }));
    const ins = engine.insights()[0]!;
    assert.equal(ins.rootCauses[0]!.ref, 'late');
    assert.deepEqual(ins.eventIds, ['late']);
  });
});

describe('InsightsEngine: traffic surges and long incidents', () => {
  const rps = makeSeries(0, 'http_requests_total', 'throughput', 'svc/frontend', 'shop', 'down');
  const lat = makeSeries(1, 'http_request_duration_seconds_p99', 'latency', 'svc/frontend', 'shop');
  const surge: ScoredPoint = { score: 0.999999, expected: 100, lower: 80, upper: 120, direction: 1, cause: 1 };

  it('a traffic surge alone opens no insight', () => {
    const engine = new InsightsEngine();
    run(engine, [rps, lat], 0, 60, (s, m) => (s === rps && m >= 5 && m < 20 ? surge : QUIET));
    assert.deepEqual(engine.insights(), []);
    assert.deepEqual(engine.drainChanged(), { insights: [], anomalies: [] });
  });

  it('the surge joins the insight of the latency it causes, and is its top root cause', () => {
    const engine = new InsightsEngine();
    run(engine, [rps, lat], 0, 60, (s, m) => (s === rps && m >= 5 && m < 40 ? surge : s === lat && m >= 8 && m < 40 ? HOT : QUIET));
    const all = engine.insights();
    assert.equal(all.length, 1);
    const anomalies = engine.anomalies(all[0]!.id);
    assert.deepEqual(anomalies.map((a) => [a.seriesId, a.direction]), [[0, 'above'], [1, 'above']]);
    assert.equal(all[0]!.startMs, T0 + 5 * MIN, 'the insight starts with the surge');
    assert.equal(all[0]!.rootCauses[0]!.title, 'traffic surge on svc/frontend');
  });

  it('a surge long over does not join a later insight', () => {
    const engine = new InsightsEngine();
    run(engine, [rps, lat], 0, 120, (s, m) => (s === rps && m >= 5 && m < 10 ? surge : s === lat && m >= 90 && m < 95 ? HOT : QUIET));
    const all = engine.insights();
    assert.equal(all.length, 1);
    assert.deepEqual(engine.anomalies(all[0]!.id).map((a) => a.seriesId), [1]);
  });

  it('keeps the events an ongoing insight needs, however long it lasts', () => {
    const engine = new InsightsEngine();
    const mem = makeSeries(2, 'container_memory_working_set_bytes', 'saturation', 'pod/payments', 'shop');
    engine.addEvent(makeEvent('deploy', T0 + 5 * MIN, { name: 'deployment v1.8.0 of payments', application: 'shop', resources: ['pod/payments'] }));
    // Memory deviates from minute 10 for nine hours (events are kept 6 h by default); a later
    // event of the application re-analyses the insight after eight.
    run(engine, [mem], 0, 8 * 60, (_, m) => (m >= 10 ? HOT : QUIET));
    engine.addEvent(makeEvent('scale', T0 + 8 * 60 * MIN, { class: 'SCALING', name: 'payments scaled', application: 'shop', resources: ['pod/payments'] }));
    run(engine, [mem], 8 * 60, 9 * 60, () => HOT);
    const all = engine.insights();
    assert.equal(all.length, 1);
    assert.equal(all[0]!.rootCauses[0]!.ref, 'deploy', all[0]!.rootCauses.map((c) => c.title).join(' | '));
    assert.ok(all[0]!.eventIds.includes('deploy'));
  });

  it('an anomaly long after an ongoing insight last changed opens its own insight', () => {
    const engine = new InsightsEngine();
    const mem = makeSeries(2, 'container_memory_working_set_bytes', 'saturation', 'pod/payments', 'shop');
    engine.addEvent(makeEvent('deploy-2', T0 + 3 * 60 * MIN - 3 * MIN, { name: 'deployment v2.3.1 of frontend', application: 'shop', resources: ['svc/frontend'] }));
    // A leak open for hours must not swallow a bad deployment three hours later.
    run(engine, [mem, lat], 0, 4 * 60, (s, m) => (s === mem && m >= 10 ? HOT : s === lat && m >= 3 * 60 && m < 3 * 60 + 20 ? HOT : QUIET));
    const all = engine.insights().sort((a, b) => a.startMs - b.startMs);
    assert.equal(all.length, 2);
    assert.deepEqual(all.map((i) => engine.anomalies(i.id).map((a) => a.seriesId)), [[2], [1]]);
    assert.equal(all[1]!.rootCauses[0]!.ref, 'deploy-2');
  });
});

describe('InsightsEngine: feedback and sensitivity', () => {
  it('TOO_SENSITIVE lowers the application one step, NOISY_DATA the series of an application-less insight', () => {
    const engine = new InsightsEngine();
    const s = makeSeries(0, 'x_latency_p99', 'latency', 'svc/x', 'app');
    const lone = makeSeries(1, 'y_latency_p99', 'latency', 'svc/y', null);
    run(engine, [s, lone], 0, 5, (_, m) => (m === 1 ? HOT : QUIET));
    const [withApp, without] = [engine.insights().find((i) => i.application === 'app')!, engine.insights().find((i) => i.application === null)!];
    assert.equal(engine.sensitivityOf('app', 0), 'MEDIUM');
    assert.deepEqual(engine.feedback(withApp.id, 'USEFUL'), { ok: true, lowered: [] });
    assert.equal(engine.sensitivityOf('app', 0), 'MEDIUM');
    const r = engine.feedback(withApp.id, 'TOO_SENSITIVE');
    assert.ok(r.ok);
    assert.equal(engine.sensitivityOf('app', 0), 'LOW');
    assert.equal(engine.sensitivityOf('other-app', 0), 'MEDIUM');
    assert.equal(engine.sensitivityOf(null, 1), 'MEDIUM');
    engine.feedback(without.id, 'NOISY_DATA');
    assert.equal(engine.sensitivityOf(null, 1), 'LOW');
    assert.equal(engine.sensitivityOf(null, 0), 'MEDIUM');
    engine.feedback(withApp.id, 'TOO_SENSITIVE');
    assert.equal(engine.sensitivityOf('app', 0), 'LOW', 'LOW is the floor');
    assert.equal(engine.feedbackOf(withApp.id), 'TOO_SENSITIVE');
  });

  it('lowered sensitivity changes what opens', () => {
    const engine = new InsightsEngine({ sensitivity: 'HIGH' });
    const s = makeSeries(0, 'x_latency_p99', 'latency', 'svc/x', 'app');
    const spike = point(0.9995, 1);
    run(engine, [s], 0, 3, (_, m) => (m === 1 ? spike : QUIET));
    assert.equal(engine.insights().length, 1);
    engine.feedback(engine.insights()[0]!.id, 'TOO_SENSITIVE');
    run(engine, [s], 200, 203, (_, m) => (m === 201 ? spike : QUIET));
    assert.equal(engine.insights().length, 1);
  });

  it('feedback on an unknown insight is a coded failure value', () => {
    const r = new InsightsEngine().feedback('in-nope', 'TOO_SENSITIVE');
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'VIGIL_ERR_INSIGHT_NOT_FOUND');
    assert.match(!r.ok ? r.reason : '', /in-nope/);
  });
});

describe('gradeSeverity', () => {
  const base = (over: Partial<Anomaly>): Anomaly => ({
    id: 'a', seriesId: 0, seriesKey: 'k', metricName: 'm', resource: 'r', application: null, kind: 'other', direction: 'above',
    startMs: 0, endMs: null, peakScore: 0.99, peakMs: 0, peakValue: 1, expected: 0, lower: 0, upper: 0, role: 'CAUSAL', cause: 'point', ...over,
  });
  it('weighs errors and latency above saturation, and grows with breadth and magnitude', () => {
    assert.equal(gradeSeverity([base({ kind: 'saturation' })]), 'LOW');
    assert.equal(gradeSeverity([base({ kind: 'latency' })]), 'MEDIUM');
    assert.equal(gradeSeverity([base({ kind: 'latency' }), base({ kind: 'errors', resource: 'r2' })]), 'HIGH');
    assert.equal(gradeSeverity([base({ kind: 'saturation', peakScore: 1 - 1e-7 })]), 'MEDIUM');
    assert.equal(gradeSeverity([base({ kind: 'saturation', resource: 'a' }), base({ kind: 'saturation', resource: 'b' }), base({ kind: 'saturation', resource: 'c' })]), 'MEDIUM');
  });
});

describe('InsightsEngine properties', () => {
  it('anomalies never overlap per series and every anomaly belongs to exactly one insight', () => {
    const series = [
      makeSeries(0, 'a_latency_p99', 'latency', 'svc/a', 'app1'),
      makeSeries(1, 'a_errors', 'errors', 'svc/a', 'app1'),
      makeSeries(2, 'b_cpu', 'saturation', 'node/b', null, 'both'),
      makeSeries(3, 'c_requests', 'throughput', 'svc/c', 'app2', 'both'),
      makeSeries(4, 'd_requests', 'throughput', 'svc/d', 'app2', 'down'),
    ];
    const step = fc.record({
      series: fc.integer({ min: 0, max: 4 }),
      score: fc.constantFrom(0.1, 0.5, 0.995, 0.99999, 0.9999999),
      direction: fc.constantFrom(-1, 0, 1),
      gapMs: fc.integer({ min: 0, max: 20 * MIN }),
      tick: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 400 }), (steps) => {
        const engine = new InsightsEngine();
        const lastT = new Map<number, number>();
        let t = T0;
        const persisted = new Map<string, Anomaly>();
        for (const st of steps) {
          t += st.gapMs;
          const prev = lastT.get(st.series) ?? -Infinity;
          if (t <= prev) continue;
          lastT.set(st.series, t);
          engine.observe(series[st.series]!, t, 1, point(st.score, st.direction));
          if (st.tick) engine.tick(t);
          for (const a of engine.drainChanged().anomalies) persisted.set(a.id, a);
        }
        engine.tick(t + 24 * 3_600_000);
        for (const a of engine.drainChanged().anomalies) persisted.set(a.id, a);
        const owner = new Map<string, string>();
        for (const ins of engine.insights()) {
          assert.equal(ins.status, 'CLOSED');
          for (const id of ins.anomalyIds) {
            assert.ok(!owner.has(id), `anomaly ${id} in two insights`);
            owner.set(id, ins.id);
          }
        }
        assert.deepEqual([...persisted.keys()].sort(), [...owner.keys()].sort());
        const bySeries = new Map<number, Anomaly[]>();
        for (const ins of engine.insights()) for (const a of engine.anomalies(ins.id)) bySeries.set(a.seriesId, [...(bySeries.get(a.seriesId) ?? []), a]);
        for (const list of bySeries.values()) {
          list.sort((x, y) => x.startMs - y.startMs);
          for (let i = 1; i < list.length; i++) assert.ok(list[i - 1]!.endMs! < list[i]!.startMs, 'overlapping anomalies');
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('InsightsEngine: a long-running anomaly does not absorb later incidents', () => {
  const disk = makeSeries(0, 'node_filesystem_avail_bytes', 'capacity', 'node/db', 'shop', 'down');
  const err = makeSeries(1, 'http_requests_errors_rate', 'errors', 'svc/checkout-api', 'shop', 'up', { status: '503' });

  it('a disk that keeps setting new peaks for hours and a bad deployment four hours later are two insights', () => {
    const engine = new InsightsEngine();
    // The disk deviates from minute 10 on, ever more surely (a new peak every minute); errors rise at minute 250.
    run(engine, [disk, err], 0, 300, (s, m) => {
      if (s === disk) return m >= 10 ? point(1 - 1e-6 / (m - 8), -1) : QUIET;
      return m >= 250 && m < 260 ? HOT : QUIET;
    });
    const all = engine.insights();
    assert.equal(all.length, 2, all.map((i) => `${i.name} [${i.anomalyIds.join(', ')}]`).join('; '));
    const byStart = [...all].sort((a, b) => a.startMs - b.startMs);
    assert.equal(byStart[0]!.startMs, T0 + 10 * MIN);
    assert.equal(byStart[1]!.startMs, T0 + 250 * MIN);
    assert.deepEqual(engine.anomalies(byStart[1]!.id).map((a) => a.seriesId), [1]);
  });
});

describe('InsightsEngine: a state change splits an unexplained insight from what follows it', () => {
  const net = makeSeries(0, 'node_network_receive_bytes_total', 'throughput', 'node/h1', 'host', 'down');
  const gor = makeSeries(1, 'go_goroutines', 'saturation', 'node/h1', 'host');
  const cpu = makeSeries(2, 'node_cpu_seconds_total', 'saturation', 'node/h1', 'host', 'up', { mode: 'user' });

  it('anomalies after a deployment open their own insight, rooted in it, while an unexplained insight is still open', () => {
    const engine = new InsightsEngine();
    engine.addEvent(makeEvent('deploy', T0 + 17 * MIN, { name: 'deploy batch-worker v4.2.0', application: 'host' }));
    // Goroutines wobble from minute 10 (no event explains it); the deployment lands at 17; CPU rises at 18.
    run(engine, [net, gor, cpu], 0, 40, (s, m) => (s === gor && m >= 10 && m < 25) || (s === cpu && m >= 18 && m < 30) ? HOT : QUIET);
    const all = engine.insights().sort((a, b) => a.startMs - b.startMs);
    assert.equal(all.length, 2, all.map((i) => i.name).join('; '));
    assert.deepEqual(all.map((i) => engine.anomalies(i.id).map((a) => a.seriesId)), [[1], [2]]);
    assert.equal(all[1]!.startMs, T0 + 18 * MIN);
    assert.notEqual(all[0]!.rootCauses[0]?.ref, 'deploy', 'the deployment came too long after the wobble to explain it');
    assert.equal(all[1]!.rootCauses[0]!.ref, 'deploy');
    assert.ok(all[1]!.eventIds.includes('deploy'));
  });

  it('a change reported shortly after the onset it explains does not split its own insight', () => {
    const engine = new InsightsEngine();
    // The deployment took effect at minute 10 and was reported when it finished, at 12.
    engine.addEvent(makeEvent('deploy', T0 + 12 * MIN, { name: 'deploy batch-worker v4.2.0', application: 'host' }));
    run(engine, [net, gor, cpu], 0, 40, (s, m) => (s === gor && m >= 10 && m < 25) || (s === cpu && m >= 15 && m < 30) ? HOT : QUIET);
    const all = engine.insights();
    assert.equal(all.length, 1, all.map((i) => i.name).join('; '));
    assert.equal(all[0]!.rootCauses[0]!.ref, 'deploy');
  });

  it('without the change, the same anomalies form one insight', () => {
    const engine = new InsightsEngine();
    run(engine, [net, gor, cpu], 0, 40, (s, m) => (s === gor && m >= 10 && m < 25) || (s === cpu && m >= 15 && m < 30) ? HOT : QUIET);
    assert.equal(engine.insights().length, 1);
  });

  it('a scaling event (usually a reaction) or a change of another application does not split', () => {
    for (const e of [
      makeEvent('scale', T0 + 14 * MIN, { class: 'SCALING', name: 'host scaled', application: 'host' }),
      makeEvent('early', T0 + 11 * MIN, { name: 'deploy v1', application: 'other-app' }),
    ]) {
      const engine = new InsightsEngine();
      engine.addEvent(e);
      run(engine, [net, gor, cpu], 0, 40, (s, m) => (s === gor && m >= 10 && m < 25) || (s === cpu && m >= 15 && m < 30) ? HOT : QUIET);
      assert.equal(engine.insights().length, 1, e.id);
    }
  });

  it('an insight explained by a deployment keeps absorbing anomalies after a second change (a fix attempt)', () => {
    const engine = new InsightsEngine();
    engine.addEvent(makeEvent('deploy', T0 + 9 * MIN, { name: 'deploy batch-worker v4.2.0', application: 'host' }));
    engine.addEvent(makeEvent('hotfix', T0 + 14 * MIN, { name: 'deploy batch-worker v4.2.1', application: 'host' }));
    run(engine, [net, gor, cpu], 0, 40, (s, m) => (s === gor && m >= 10 && m < 25) || (s === cpu && m >= 15 && m < 30) ? HOT : QUIET);
    const all = engine.insights();
    assert.equal(all.length, 1, all.map((i) => i.name).join('; '));
    assert.equal(all[0]!.rootCauses[0]!.ref, 'deploy');
  });
});

describe('InsightsEngine: a state change ends the cool-down of the series it touches', () => {
  const cpu = makeSeries(0, 'node_cpu_seconds_total', 'saturation', 'node/h1', 'host', 'up', { mode: 'user' });
  const net = makeSeries(1, 'node_network_receive_bytes_total', 'throughput', 'node/h1', 'host', 'down');
  // A two-minute CPU burst at minute 10; calm; the change at minute 30; CPU saturated from 31.
  const pick = (s: SeriesDescriptor, m: number): ScoredPoint => (s === cpu && ((m >= 10 && m < 12) || (m >= 31 && m < 45)) ? HOT : QUIET);

  it('the saturation after a deployment is its own insight, rooted in the deployment, not a reopening of the burst', () => {
    const engine = new InsightsEngine();
    run(engine, [cpu, net], 0, 30, pick);
    engine.addEvent(makeEvent('deploy', T0 + 30 * MIN, { name: 'deploy batch-worker v4.2.0', application: 'host' }));
    run(engine, [cpu, net], 30, 120, pick);
    const all = engine.insights().sort((a, b) => a.startMs - b.startMs);
    assert.equal(all.length, 2, all.map((i) => i.name).join('; '));
    assert.deepEqual(all.map((i) => i.startMs), [T0 + 10 * MIN, T0 + 31 * MIN]);
    assert.equal(all[1]!.rootCauses[0]!.ref, 'deploy');
    assert.equal(all[1]!.name, 'CPU use rose on host after deploy batch-worker v4.2.0');
    assert.deepEqual(engine.anomalies(all[0]!.id).map((a) => a.endMs), [T0 + 11 * MIN], 'the burst ended where it ended');
  });

  it('without the change the same saturation reopens the burst (flapping damped into one anomaly)', () => {
    const engine = new InsightsEngine();
    run(engine, [cpu, net], 0, 120, pick);
    assert.equal(engine.insights().length, 1);
  });

  it('a change while the deviation still goes on leaves it open (a fix attempt mid-incident)', () => {
    const engine = new InsightsEngine();
    const ongoing = (s: SeriesDescriptor, m: number): ScoredPoint => (s === cpu && m >= 10 && m < 45 ? HOT : QUIET);
    run(engine, [cpu, net], 0, 30, ongoing);
    engine.addEvent(makeEvent('hotfix', T0 + 30 * MIN, { name: 'deploy batch-worker v4.2.1', application: 'host' }));
    run(engine, [cpu, net], 30, 120, ongoing);
    const all = engine.insights();
    assert.equal(all.length, 1, all.map((i) => i.name).join('; '));
    assert.equal(engine.anomalies(all[0]!.id).length, 1);
  });

  it('a change of another application, an unscoped change or a scaling event does not interrupt', () => {
    for (const e of [
      makeEvent('other', T0 + 30 * MIN, { name: 'deploy billing v9', application: 'billing' }),
      makeEvent('unscoped', T0 + 30 * MIN, { class: 'SECURITY_CHANGE', name: 'IAM policy edited', application: null, resources: [] }),
      makeEvent('scale', T0 + 30 * MIN, { class: 'SCALING', name: 'host scaled', application: 'host' }),
    ]) {
      const engine = new InsightsEngine();
      run(engine, [cpu, net], 0, 30, pick);
      engine.addEvent(e);
      run(engine, [cpu, net], 30, 120, pick);
      assert.equal(engine.insights().length, 1, e.id);
    }
  });
});
