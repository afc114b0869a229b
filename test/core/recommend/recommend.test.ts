// Tests for recommend() (src/core/recommend/recommend.ts):
//   * the shipped knowledge base on realistic incidents: a bad deploy gets "roll back" first, a
//     disk / certificate proactive insight gets its rule, OOM, CrashLoop, CPU throttling, queue
//     backlog and EBS burst balance each hit their rule;
//   * the mechanics on small hand-written rules: event window, fallback suppression, title merge,
//     template filling, ordering, the limit of five;
//   * properties (fast-check): at most five, unique ids, related ids come from the input, and the
//     result does not depend on the order of the inputs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import type { Anomaly, MetricKind, VigilEvent } from '../../../src/core/model/index.js';
import {
  MAX_RECOMMENDATIONS,
  parseSeriesKey,
  recommend,
  validateKnowledgeBase,
  type KnowledgeRule,
} from '../../../src/core/recommend/index.js';
import { MINUTE_MS, T0_MS, anomaly, event, insight, shippedRules } from './fixtures.js';

const rules = shippedRules();

function rulesOf(raw: unknown[]): readonly KnowledgeRule[] {
  const r = validateKnowledgeBase({ rules: raw });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.rules;
}

/** The rule ids behind a recommendation's title, for tests that name rules by id. */
function titleOf(id: string): string {
  const r = rules.find((x) => x.id === id);
  assert.ok(r, `no rule ${id}`);
  return r.title;
}

function single(labels: Record<string, string>, o: Partial<Anomaly> = {}, type: 'REACTIVE' | 'PROACTIVE' = 'REACTIVE') {
  const a = anomaly({ ...labels }, o);
  const recs = recommend(rules, { insight: insight({ type, anomalyIds: [a.id] }), anomalies: [a], events: [] });
  return { a, recs };
}

describe('recommend with the shipped knowledge base', () => {
  it('a deployment followed by latency and error anomalies: roll back first, naming the deployment', () => {
    const deploy = event({ id: 'ev-deploy', timeMs: T0_MS - 4 * MINUTE_MS });
    const unrelated = event({ id: 'ev-old', timeMs: T0_MS - 3 * 3_600_000 }); // three hours earlier
    const lat = anomaly({ __name__: 'http_request_duration_seconds_p99', service: 'checkout-api' }, { kind: 'latency' });
    const err = anomaly({ __name__: 'http_requests_total', service: 'checkout-api', code: '500' }, { kind: 'errors', startMs: T0_MS + MINUTE_MS });
    const recs = recommend(rules, { insight: insight({ anomalyIds: [lat.id, err.id] }), anomalies: [lat, err], events: [deploy, unrelated] });
    const top = recs[0]!;
    assert.equal(top.id, 'bad-deployment-rollback');
    assert.deepEqual(top.relatedEventIds, ['ev-deploy']);
    assert.deepEqual([...top.relatedAnomalyIds].sort(), [lat.id, err.id].sort());
    assert.match(top.reason, /deployment v2\.3\.1 of checkout-api/);
    assert.match(top.reason, /http_request_duration_seconds_p99/);
    assert.doesNotMatch(top.reason, /\{\{/);
    assert.ok(top.links.some((l) => l.includes('kubernetes.io')));
    // The 5xx slice gets its own advice too, and no generic fallback crowds the list.
    assert.ok(recs.some((r) => r.title === titleOf('server-errors-5xx') && r.relatedAnomalyIds.includes(err.id)));
    assert.ok(!recs.some((r) => r.id.startsWith('generic-')));
  });

  it('the same anomalies without a deployment do not suggest a rollback', () => {
    const lat = anomaly({ __name__: 'http_request_duration_seconds_p99' }, { kind: 'latency' });
    const late = event({ timeMs: T0_MS + 30 * MINUTE_MS }); // after the onset: cannot be the cause
    const recs = recommend(rules, { insight: insight(), anomalies: [lat], events: [late] });
    assert.ok(!recs.some((r) => r.id === 'bad-deployment-rollback'));
    assert.equal(recs[0]!.id, 'generic-latency');
  });

  it('a disk proactive insight known only by its forecast series gets the disk rule', () => {
    const key = 'node_filesystem_avail_bytes{device="/dev/nvme1n1",instance="db-1:9100",mountpoint="/var/lib/postgresql"}';
    const ins = insight({
      type: 'PROACTIVE',
      resources: ['host/db-1'],
      prediction: { seriesKey: key, earliestMs: T0_MS + 3_600_000, expectedMs: T0_MS + 7_200_000, latestMs: T0_MS + 9_000_000, limit: 0 },
    });
    const recs = recommend(rules, { insight: ins, anomalies: [], events: [] });
    assert.equal(recs[0]!.id, 'disk-filling');
    assert.match(recs[0]!.reason, /host\/db-1/);
    assert.match(recs[0]!.reason, /node_filesystem_avail_bytes/);
    assert.deepEqual(recs[0]!.relatedAnomalyIds, []);
    assert.ok(!recs.some((r) => r.id === 'generic-proactive'), 'the fallback must give way to the specific rule');
  });

  it('a disk proactive insight with a capacity anomaly relates the anomaly', () => {
    const a = anomaly({ __name__: 'kubelet_volume_stats_available_bytes', persistentvolumeclaim: 'data-pg-0' }, { kind: 'capacity', direction: 'below' });
    const recs = recommend(rules, { insight: insight({ type: 'PROACTIVE' }), anomalies: [a], events: [] });
    assert.equal(recs[0]!.id, 'disk-filling');
    assert.deepEqual(recs[0]!.relatedAnomalyIds, [a.id]);
  });

  it('a certificate insight gets the certificate rule', () => {
    const key = 'probe_ssl_earliest_cert_expiry{instance="https://shop.example.com",job="blackbox"}';
    const ins = insight({ type: 'PROACTIVE', prediction: { seriesKey: key, earliestMs: T0_MS, expectedMs: T0_MS, latestMs: T0_MS, limit: 0 } });
    const recs = recommend(rules, { insight: ins, anomalies: [], events: [] });
    assert.equal(recs[0]!.id, 'certificate-expiry');
    assert.ok(recs[0]!.links.some((l) => l.includes('cert-manager.io')));
  });

  const cases: [string, Record<string, string>, Partial<Anomaly>, string][] = [
    ['OOM kills (cAdvisor)', { __name__: 'container_oom_events_total', pod: 'api-1' }, { kind: 'other' }, 'oom-killed'],
    ['OOM kills (kube-state-metrics)', { __name__: 'kube_pod_container_status_last_terminated_reason', reason: 'OOMKilled', pod: 'api-1' }, {}, 'oom-killed'],
    ['crash loop (restarts)', { __name__: 'kube_pod_container_status_restarts_total', pod: 'api-1' }, { kind: 'other' }, 'crash-loop'],
    ['crash loop (waiting reason)', { __name__: 'kube_pod_container_status_waiting_reason', reason: 'CrashLoopBackOff' }, {}, 'crash-loop'],
    ['CPU throttling', { __name__: 'container_cpu_cfs_throttled_seconds_total', container: 'api' }, { kind: 'saturation' }, 'cpu-throttling'],
    ['Kafka consumer lag', { __name__: 'kafka_consumergroup_lag', consumergroup: 'billing', topic: 'orders' }, {}, 'queue-backlog'],
    ['RabbitMQ backlog', { __name__: 'rabbitmq_queue_messages_ready', queue: 'emails' }, {}, 'queue-backlog'],
    ['EBS burst balance', { __name__: 'aws_ebs_burst_balance_average', volume_id: 'vol-1' }, { kind: 'capacity', direction: 'below' }, 'ebs-burst-balance'],
    ['CloudWatch BurstBalance', { __name__: 'BurstBalance', VolumeId: 'vol-1' }, { kind: 'capacity', direction: 'below' }, 'ebs-burst-balance'],
    ['CPU credits', { __name__: 'CPUCreditBalance', InstanceId: 'i-1' }, { kind: 'capacity', direction: 'below' }, 'cpu-credit-depletion'],
    ['connection pool', { __name__: 'hikaricp_connections_pending', pool: 'main' }, {}, 'connection-pool-exhaustion'],
    ['replication lag', { __name__: 'pg_replication_lag_seconds' }, { kind: 'latency' }, 'replication-lag'],
    ['memory leak', { __name__: 'container_memory_working_set_bytes', pod: 'api-1' }, {}, 'memory-leak'],
    ['inodes', { __name__: 'node_filesystem_files_free', mountpoint: '/' }, { kind: 'capacity', direction: 'below' }, 'inodes-exhaustion'],
    ['dead-letter queue', { __name__: 'rabbitmq_queue_messages', queue: 'orders.dlq' }, {}, 'dlq-growth'],
    ['4xx spike', { __name__: 'http_requests_total', code: '404' }, { kind: 'throughput' }, 'client-errors-4xx'],
    ['unhealthy targets', { __name__: 'aws_applicationelb_un_healthy_host_count_average' }, {}, 'lb-unhealthy-targets'],
    ['DNS failures', { __name__: 'coredns_dns_responses_total', rcode: 'SERVFAIL' }, { kind: 'throughput' }, 'dns-failures-rcode'],
    ['node not ready', { __name__: 'kube_node_status_condition', condition: 'Ready', status: 'false' }, {}, 'node-not-ready'],
  ];
  for (const [what, labels, o, id] of cases) {
    it(`${what} → ${id}`, () => {
      const { a, recs } = single(labels, o);
      assert.ok(recs.length > 0, 'no recommendation');
      assert.equal(recs[0]!.title, titleOf(id), `top was ${recs[0]!.id}: ${recs.map((r) => r.id).join(', ')}`);
      assert.ok(recs[0]!.relatedAnomalyIds.includes(a.id));
    });
  }

  it('terminated for a reason other than OOMKilled is not an OOM kill', () => {
    const { recs } = single({ __name__: 'kube_pod_container_status_last_terminated_reason', reason: 'Error' });
    assert.ok(!recs.some((r) => r.title === titleOf('oom-killed')));
  });
});

describe('recommend mechanics', () => {
  const base = { title: 'T', description: 'D', links: ['https://prometheus.io/docs/'], priority: 50 };

  it('counts an event only inside the window before the onset (with a short tolerance after it)', () => {
    const kb = rulesOf([{ ...base, id: 'after-deploy', reason: 'after {{event}}', match: { eventClasses: ['DEPLOYMENT'], eventWithinMs: 30 * MINUTE_MS, kinds: ['errors'] } }]);
    const a = anomaly({ __name__: 'errors_total' }, { kind: 'errors' });
    const run = (timeMs: number) => recommend(kb, { insight: insight(), anomalies: [a], events: [event({ id: 'e', timeMs })] });
    assert.equal(run(T0_MS - 29 * MINUTE_MS).length, 1);
    assert.equal(run(T0_MS - 31 * MINUTE_MS).length, 0);
    assert.equal(run(T0_MS + 2 * MINUTE_MS).length, 1);
    assert.equal(run(T0_MS + 20 * MINUTE_MS).length, 0);
    const cfg = recommend(kb, { insight: insight(), anomalies: [a], events: [event({ class: 'CONFIG_CHANGE' })] });
    assert.equal(cfg.length, 0, 'an event of another class does not count');
  });

  it('names the event closest to the onset first', () => {
    const kb = rulesOf([{ ...base, id: 'r', reason: 'after {{event}}', match: { eventClasses: ['DEPLOYMENT'] } }]);
    const far = event({ id: 'far', name: 'deploy A', timeMs: T0_MS - 50 * MINUTE_MS });
    const near = event({ id: 'near', name: 'deploy B', timeMs: T0_MS - 2 * MINUTE_MS });
    const [r] = recommend(kb, { insight: insight(), anomalies: [anomaly({ __name__: 'x' })], events: [far, near] });
    assert.deepEqual(r!.relatedEventIds, ['near', 'far']);
    assert.equal(r!.reason, 'after deploy B and deploy A');
  });

  it('offers a fallback only for anomalies no specific rule explained', () => {
    const kb = rulesOf([
      { ...base, id: 'cpu', title: 'CPU', reason: 'r', match: { metricNames: ['cpu'] } },
      { ...base, id: 'fallback-sat', title: 'Generic', reason: 'r', priority: 1, fallback: true, match: { kinds: ['saturation'] } },
    ]);
    const cpu = anomaly({ __name__: 'node_cpu_usage' }, { kind: 'saturation' });
    const mem = anomaly({ __name__: 'node_memory_usage' }, { kind: 'saturation' });
    const onlyCpu = recommend(kb, { insight: insight(), anomalies: [cpu], events: [] });
    assert.deepEqual(onlyCpu.map((r) => r.id), ['cpu']);
    const both = recommend(kb, { insight: insight(), anomalies: [cpu, mem], events: [] });
    assert.deepEqual(both.map((r) => r.id), ['cpu', 'fallback-sat']);
    assert.deepEqual(both[1]!.relatedAnomalyIds, [mem.id]);
  });

  it('merges rules with the same title into one recommendation with all their evidence', () => {
    const kb = rulesOf([
      { ...base, id: 'by-name', title: 'Same advice', reason: 'r', match: { metricNames: ['oom'] } },
      { ...base, id: 'by-label', title: 'Same advice', reason: 'r', match: { labels: { reason: '^OOMKilled$' } } },
    ]);
    const a1 = anomaly({ __name__: 'container_oom_events_total' });
    const a2 = anomaly({ __name__: 'kube_pod_container_status_last_terminated_reason', reason: 'OOMKilled' });
    const recs = recommend(kb, { insight: insight(), anomalies: [a1, a2], events: [] });
    assert.equal(recs.length, 1);
    assert.deepEqual([...recs[0]!.relatedAnomalyIds].sort(), [a1.id, a2.id].sort());
  });

  it('orders by priority, then by specificity, and keeps at most five', () => {
    const raw = [];
    for (let i = 0; i < 8; i++) raw.push({ ...base, id: `p${i}`, title: `T${i}`, reason: 'r', priority: 10 * i, match: { kinds: ['latency'] } });
    raw.push({ ...base, id: 'specific', title: 'S', reason: 'r', priority: 60, match: { kinds: ['latency'], metricNames: ['duration'] } });
    const recs = recommend(rulesOf(raw), { insight: insight(), anomalies: [anomaly({ __name__: 'req_duration_seconds' }, { kind: 'latency' })], events: [] });
    assert.equal(recs.length, MAX_RECOMMENDATIONS);
    assert.deepEqual(recs.map((r) => r.id), ['p7', 'specific', 'p6', 'p5', 'p4']);
  });

  it('respects minAnomalies, insightType, directions and labels', () => {
    const kb = rulesOf([
      { ...base, id: 'two', title: 'Two', reason: 'r', match: { kinds: ['errors'], minAnomalies: 2 } },
      { ...base, id: 'pro', title: 'Pro', reason: 'r', match: { kinds: ['errors'], insightType: 'PROACTIVE' } },
      { ...base, id: 'below', title: 'Below', reason: 'r', match: { kinds: ['errors'], directions: ['below'] } },
      { ...base, id: 'lab', title: 'Lab', reason: 'r', match: { labels: { 'code|status': '^5' } } },
    ]);
    const e1 = anomaly({ __name__: 'a_errors', status: '503' }, { kind: 'errors' });
    const e2 = anomaly({ __name__: 'b_errors' }, { kind: 'errors' });
    assert.deepEqual(recommend(kb, { insight: insight(), anomalies: [e1], events: [] }).map((r) => r.id), ['lab']);
    assert.deepEqual(recommend(kb, { insight: insight(), anomalies: [e1, e2], events: [] }).map((r) => r.id).sort(), ['lab', 'two']);
    assert.deepEqual(recommend(kb, { insight: insight({ type: 'PROACTIVE' }), anomalies: [e2], events: [] }).map((r) => r.id), ['pro']);
  });

  it('fills placeholders, with plain words when there is nothing to name', () => {
    const kb = rulesOf([{ ...base, id: 'r', reason: '{{metric}} | {{resource}} | {{application}}', match: { kinds: ['other'] } }]);
    const mk = (n: number) => anomaly({ __name__: `m${n}` }, { resource: `res${n}` });
    const [r] = recommend(kb, { insight: insight(), anomalies: [mk(1), mk(2), mk(3), mk(4), mk(5)], events: [] });
    assert.equal(r!.reason, 'm1, m2, m3 and 2 more | res1, res2, res3 and 2 more | checkout');
    const [r2] = recommend(kb, { insight: insight({ application: null, resources: [] }), anomalies: [anomaly({ __name__: 'm' }, { resource: '' })], events: [] });
    assert.equal(r2!.reason, 'm | the affected resources | the application');
  });
});

describe('parseSeriesKey', () => {
  it('inverts seriesKey, escapes included', () => {
    const key = 'up{job="a\\"b",path="c\\\\d",x="line\\nnext"}';
    assert.deepEqual(parseSeriesKey(key), { name: 'up', labels: { job: 'a"b', path: 'c\\d', x: 'line\nnext', __name__: 'up' } });
    assert.deepEqual(parseSeriesKey('up{}'), { name: 'up', labels: { __name__: 'up' } });
    assert.equal(parseSeriesKey('not a key'), null);
    assert.equal(parseSeriesKey('up{job="a"'), null);
  });
});

describe('recommend properties', () => {
  const kinds: MetricKind[] = ['latency', 'errors', 'throughput', 'saturation', 'capacity', 'other'];
  const names = ['http_request_duration_seconds', 'container_oom_events_total', 'kafka_consumergroup_lag', 'node_filesystem_avail_bytes', 'BurstBalance', 'http_requests_total', 'node_cpu_seconds_total', 'weird_metric'];
  const anomalyArb = fc.record({
    name: fc.constantFrom(...names),
    kind: fc.constantFrom(...kinds),
    direction: fc.constantFrom('above' as const, 'below' as const),
    code: fc.constantFrom('200', '404', '500', ''),
    startOffsetMin: fc.integer({ min: -30, max: 30 }),
  });
  const eventArb = fc.record({
    cls: fc.constantFrom('DEPLOYMENT' as const, 'CONFIG_CHANGE' as const, 'SECURITY_CHANGE' as const, 'SCALING' as const),
    offsetMin: fc.integer({ min: -300, max: 60 }),
  });

  it('at most five, unique ids, related ids drawn from the input, independent of input order', () => {
    fc.assert(
      fc.property(fc.array(anomalyArb, { maxLength: 8 }), fc.array(eventArb, { maxLength: 4 }), fc.constantFrom('REACTIVE' as const, 'PROACTIVE' as const), (as, es, type) => {
        const anomalies = as.map((x, i) =>
          anomaly(x.code === '' ? { __name__: x.name } : { __name__: x.name, code: x.code }, { id: `a${i}`, kind: x.kind, direction: x.direction, startMs: T0_MS + x.startOffsetMin * MINUTE_MS }),
        );
        const events: VigilEvent[] = es.map((x, i) => event({ id: `e${i}`, class: x.cls, timeMs: T0_MS + x.offsetMin * MINUTE_MS }));
        const ctx = { insight: insight({ type }), anomalies, events };
        const recs = recommend(rules, ctx);
        assert.ok(recs.length <= MAX_RECOMMENDATIONS);
        assert.equal(new Set(recs.map((r) => r.id)).size, recs.length);
        assert.equal(new Set(recs.map((r) => r.title)).size, recs.length);
        for (const r of recs) {
          for (const id of r.relatedAnomalyIds) assert.ok(anomalies.some((a) => a.id === id));
          for (const id of r.relatedEventIds) assert.ok(events.some((e) => e.id === id));
          assert.doesNotMatch(r.reason, /\{\{/);
        }
        if (anomalies.length > 0 && type === 'REACTIVE') assert.ok(recs.length > 0, 'every reactive insight with anomalies gets advice');
        const reversed = recommend(rules, { ...ctx, anomalies: [...anomalies].reverse(), events: [...events].reverse() });
        assert.deepEqual(reversed.map((r) => r.id), recs.map((r) => r.id));
        assert.deepEqual(reversed.map((r) => r.reason), recs.map((r) => r.reason));
        assert.deepEqual(
          reversed.map((r) => [...r.relatedAnomalyIds].sort()),
          recs.map((r) => [...r.relatedAnomalyIds].sort()),
        );
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});
