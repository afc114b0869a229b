// ResourceRules, validateResourceRulesConfig and ResourceTracker (src/core/resources/).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  DEFAULT_IDLE_MS,
  ResourceRules,
  ResourceTracker,
  validateResourceRulesConfig,
  type ResourceRulesConfig,
} from '../../../src/core/resources/index.js';

function config(raw: unknown): ResourceRulesConfig {
  const r = validateResourceRulesConfig(raw);
  if (!r.ok) assert.fail(JSON.stringify(r.errors));
  return r.value;
}

describe('ResourceRules with defaults', () => {
  const rules = new ResourceRules();

  it('node-exporter series resolve to their instance (a host)', () => {
    const r = rules.resolve({ __name__: 'node_cpu_seconds_total', instance: '10.0.0.1:9100', job: 'node', cpu: '0', mode: 'idle' });
    assert.deepEqual(r.resource, { key: 'instance:10.0.0.1:9100', type: 'host', tags: { instance: '10.0.0.1:9100', job: 'node' } });
    assert.equal(r.application, null);
    assert.equal(r.covered, true);
  });

  it('kube-state-metrics pod series resolve to the pod, not the exporter', () => {
    const r = rules.resolve({
      __name__: 'kube_pod_container_status_restarts_total',
      namespace: 'shop',
      pod: 'checkout-7d9f8-abcde',
      container: 'app',
      instance: '10.1.2.3:8080',
      job: 'kube-state-metrics',
    });
    assert.equal(r.resource.key, 'pod:shop/checkout-7d9f8-abcde');
    assert.equal(r.resource.type, 'pod');
    assert.equal(r.resource.tags.namespace, 'shop');
    assert.equal(r.application, 'shop', 'namespace is the fallback application');
  });

  it('kube-state-metrics deployment series resolve to the deployment', () => {
    const r = rules.resolve({ __name__: 'kube_deployment_status_replicas_unavailable', namespace: 'shop', deployment: 'checkout', instance: '10.1.2.3:8080', job: 'kube-state-metrics' });
    assert.equal(r.resource.key, 'deployment:shop/checkout');
  });

  it('kube-state-metrics sanitised labels name the application before the namespace', () => {
    const r = rules.resolve({ __name__: 'kube_pod_labels', namespace: 'shop', pod: 'p', label_app_kubernetes_io_part_of: 'storefront' });
    assert.equal(r.application, 'storefront');
  });

  it('OTLP resource attributes identify service, pod and application', () => {
    const svc = rules.resolve({ __name__: 'http_server_duration' }, { 'service.name': 'checkout', 'service.namespace': 'shop', 'host.name': 'vm-1' });
    assert.equal(svc.resource.key, 'service:shop/checkout');
    assert.equal(svc.resource.type, 'service');
    assert.equal(svc.application, 'shop');
    const pod = rules.resolve({ __name__: 'x' }, { 'k8s.pod.name': 'checkout-1', 'k8s.namespace.name': 'shop', 'service.name': 'checkout' });
    assert.equal(pod.resource.key, 'pod:shop/checkout-1');
    const host = rules.resolve({ __name__: 'system_cpu_time' }, { 'host.name': 'vm-1' });
    assert.deepEqual([host.resource.key, host.resource.type], ['host:vm-1', 'host']);
    // The Prometheus-converted spelling of an attribute works as a label too.
    assert.equal(rules.resolve({ k8s_pod_name: 'p1', k8s_namespace_name: 'ns' }).resource.key, 'pod:ns/p1');
  });

  it('falls back to the series labels without the metric name', () => {
    const a = rules.resolve({ __name__: 'a', region: 'eu', shard: '1' });
    const b = rules.resolve({ __name__: 'b', region: 'eu', shard: '1' });
    assert.equal(a.resource.type, 'other');
    assert.equal(a.resource.key, b.resource.key);
    assert.equal(a.resource.key, 'labels:{region="eu",shard="1"}');
  });

  it('is deterministic', () => {
    const labels = { __name__: 'up', instance: 'a:1', job: 'x', namespace: 'n' };
    assert.deepEqual(rules.resolve(labels), rules.resolve({ ...labels }));
  });
});

describe('ResourceRules with config', () => {
  it('explicit application selectors win over application labels; first match wins', () => {
    const rules = new ResourceRules(
      config({
        applications: [
          { name: 'payments', selector: '{namespace="shop",app=~"pay.*"}' },
          { name: 'shop-all', selector: '{namespace="shop"}' },
        ],
      }),
    );
    assert.equal(rules.resolve({ namespace: 'shop', app: 'payments-api', pod: 'p' }).application, 'payments');
    assert.equal(rules.resolve({ namespace: 'shop', app: 'web', pod: 'p', 'app.kubernetes.io/part-of': 'x' }).application, 'shop-all');
    assert.equal(rules.resolve({ namespace: 'other', pod: 'p' }).application, 'other');
  });

  it('coverage selectors decide which resources are analysed', () => {
    const rules = new ResourceRules(config({ coverage: ['{namespace="shop"}', '{job="node"}'] }));
    assert.equal(rules.resolve({ namespace: 'shop', pod: 'p' }).covered, true);
    assert.equal(rules.resolve({ instance: 'h:9100', job: 'node' }).covered, true);
    assert.equal(rules.resolve({ namespace: 'kube-system', pod: 'p' }).covered, false);
    // Selectors see resource attributes too.
    assert.equal(rules.resolve({}, { namespace: 'shop' }).covered, true);
  });

  it('custom resource labels: order decides, unknown names become their own type', () => {
    const rules = new ResourceRules(config({ resourceLabels: ['queue', 'instance'] }));
    assert.deepEqual(
      [rules.resolve({ queue: 'orders', instance: 'mq:15692' }).resource.key, rules.resolve({ queue: 'orders' }).resource.type],
      ['queue:orders', 'queue'],
    );
  });
});

describe('validateResourceRulesConfig', () => {
  it('accepts nothing as the defaults', () => {
    const r = validateResourceRulesConfig(undefined);
    assert.ok(r.ok && r.value.coverage === 'all' && r.value.resourceLabels.includes('pod'));
  });

  it('names every bad key with a fix', () => {
    const r = validateResourceRulesConfig({
      resourceLabels: [],
      applications: [{ name: 'a', selector: '{namespace="shop"}' }, { name: 'a', selector: '{x="1"}' }, { name: 'b', selector: '{namespace="shop"' }],
      coverage: 'some',
      extra: 1,
    });
    assert.ok(!r.ok);
    const byKey = Object.fromEntries(r.errors.map((e) => [e.key, e.fix]));
    assert.match(byKey['resources.applications[2].selector'], /unclosed brace.*at 17.*write/);
    assert.match(byKey['resources.applications[1].name'], /twice/);
    assert.ok(byKey['resources.resourceLabels']);
    assert.ok(byKey['resources.coverage']);
    assert.ok(byKey['resources.extra']);
    assert.equal(r.errors.length, 5);
  });

  it('ResourceRules refuses an unvalidated bad selector', () => {
    assert.throws(() => new ResourceRules({ resourceLabels: ['pod'], applications: [], applicationLabels: [], coverage: ['{'] }), RangeError);
  });
});

describe('ResourceTracker', () => {
  const T0 = Date.UTC(2026, 10, 21);

  it('counts series, retires idle resources and revives them on new data', () => {
    const t = new ResourceTracker();
    assert.equal(t.touch('pod:a', T0, 2), 'new');
    assert.equal(t.touch('pod:b', T0, 1), 'new');
    assert.equal(t.touch('pod:a', T0 + 60_000, 1), 'seen');
    assert.equal(t.get('pod:a')?.seriesCount, 3);

    assert.deepEqual(t.retireIdle(T0 + DEFAULT_IDLE_MS - 1), []);
    assert.deepEqual(t.retireIdle(T0 + DEFAULT_IDLE_MS), ['pod:b']);
    assert.equal(t.get('pod:b')?.retiredMs, T0 + DEFAULT_IDLE_MS);
    assert.deepEqual(t.retireIdle(T0 + DEFAULT_IDLE_MS + 60_000), ['pod:a']);
    assert.deepEqual(t.retireIdle(T0 + 10 * DEFAULT_IDLE_MS), [], 'retired once');

    assert.equal(t.touch('pod:b', T0 + 5_000), 'seen', 'a late sample does not revive');
    assert.equal(t.isLive('pod:b'), false);
    assert.equal(t.touch('pod:b', T0 + 20 * DEFAULT_IDLE_MS), 'revived');
    assert.equal(t.isLive('pod:b'), true);
    assert.equal(t.get('pod:b')?.retiredMs, null);
    assert.equal(t.get('pod:b')?.firstSeenMs, T0);
  });

  it('keeps lastSeen monotonic and can forget long-retired resources', () => {
    const t = new ResourceTracker();
    t.touch('x', T0 + 1000);
    t.touch('x', T0);
    assert.equal(t.get('x')?.lastSeenMs, T0 + 1000);
    t.retireIdle(T0 + 1000 + 5, 5);
    assert.equal(t.forgetRetired(T0 + 2000), 1);
    assert.equal(t.size, 0);
    assert.throws(() => t.retireIdle(T0, 0), RangeError);
  });
});
