// Tests for metric classification (src/core/semantics/classify-metric.ts): node-exporter and
// OpenTelemetry names land in the right kind, label rules, unit rules, overrides, and the rule
// table itself (every rule is reachable, so none is dead text in the docs).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { Labels, MetricType } from '../../../src/core/model/index.js';
import {
  DEFAULT_BAD_DIRECTION,
  DEFAULT_SEMANTIC_RULES,
  checkSemanticOverride,
  classifyMetric,
  matchSemanticRule,
} from '../../../src/core/semantics/index.js';

function cls(name: string, labels: Labels = {}, type: MetricType = 'gauge', unit?: string): string {
  const r = classifyMetric({ name, labels: { __name__: name, ...labels }, type, unit });
  return `${r.kind}/${r.badDirection}`;
}

describe('classifyMetric: default rules', () => {
  it('classifies node-exporter and Prometheus client names', () => {
    assert.equal(cls('node_cpu_seconds_total', { mode: 'user' }, 'counter'), 'saturation/up');
    assert.equal(cls('node_filesystem_avail_bytes', { mountpoint: '/' }), 'capacity/down');
    assert.equal(cls('node_memory_MemAvailable_bytes'), 'capacity/down');
    assert.equal(cls('http_request_duration_seconds_bucket', { le: '0.5' }, 'counter'), 'latency/up');
    assert.equal(cls('http_requests_total', { code: '500' }, 'counter'), 'errors/up');
    assert.equal(cls('http_requests_total', { code: '200' }, 'counter'), 'throughput/down');
  });

  it('reads more everyday names correctly', () => {
    assert.equal(cls('node_load1'), 'saturation/up');
    assert.equal(cls('container_memory_usage_bytes'), 'saturation/up');
    assert.equal(cls('node_disk_io_time_seconds_total', {}, 'counter'), 'saturation/up');
    assert.equal(cls('grpc_server_handled_total', { grpc_code: 'OK' }, 'counter'), 'other/both');
    assert.equal(cls('http_server_request_duration_seconds_p99'), 'latency/up');
    assert.equal(cls('http_server_request_duration_seconds_count'), 'throughput/down');
    assert.equal(cls('node_network_receive_bytes_total', {}, 'counter'), 'throughput/down');
    assert.equal(cls('kafka_consumer_errors_total', {}, 'counter'), 'errors/up');
    assert.equal(cls('BurstBalance'), 'capacity/down');
    // The monitoring's own bookkeeping is neither latency nor errors of the service.
    assert.equal(cls('node_scrape_collector_duration_seconds', { collector: 'cpu' }), 'other/both');
    assert.equal(cls('scrape_duration_seconds'), 'other/both');
    assert.equal(cls('promhttp_metric_handler_errors_total', { cause: 'gathering' }, 'counter'), 'other/both');
    // Idle CPU time is headroom: it falling is the bad side (and it rising after a burst is recovery).
    assert.equal(cls('node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, 'counter'), 'saturation/down');
    assert.equal(cls('node_cpu_seconds_total', { cpu: '0', mode: 'user' }, 'counter'), 'saturation/up');
    assert.equal(cls('system.cpu.time', { state: 'idle' }, 'counter'), 'saturation/down');
    assert.equal(cls('CPUCreditBalance'), 'capacity/down');
    assert.equal(cls('probe_ssl_earliest_cert_expiry'), 'capacity/down');
    assert.equal(cls('nginx_upstream_rps'), 'throughput/down');
    assert.equal(cls('process_open_fds'), 'other/both');
  });

  it('uses status labels only for 5xx values', () => {
    assert.equal(cls('requests', { status: '503' }), 'errors/up');
    assert.equal(cls('requests', { http_response_status_code: '5xx' }), 'errors/up');
    assert.equal(cls('requests', { status: '404' }), 'other/both');
    assert.equal(cls('requests', { pod: '500' }), 'other/both');
  });

  it('uses the unit for durations that are not running totals', () => {
    assert.equal(cls('rpc_server_time', {}, 'histogram', 'ms'), 'latency/up');
    assert.equal(cls('rpc_server_time', {}, 'gauge', 's'), 'latency/up');
    assert.equal(cls('rpc_server_time', {}, 'counter', 's'), 'other/both');
  });

  it('every rule of the table is reachable and documented', () => {
    const examples: Array<[string, Labels, MetricType, string?]> = [
      ['node_scrape_collector_success', {}, 'gauge'],
      ['jobs_failed_total', {}, 'counter'],
      ['requests', { code: '502' }, 'counter'],
      ['node_filesystem_free_bytes', {}, 'gauge'],
      ['node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, 'counter'],
      ['node_pressure_cpu_waiting_seconds_total', {}, 'counter'],
      ['pg_stat_activity_count', {}, 'gauge'],
      ['rpc_latency_count', {}, 'counter'],
      ['db_query_latency', {}, 'gauge'],
      ['rpc_server_time', {}, 'summary', 'us'],
      ['api_requests_total', {}, 'counter'],
    ];
    const hit = new Set(examples.map(([name, labels, type, unit]) => matchSemanticRule({ name, labels, type, unit })));
    for (const [i, rule] of DEFAULT_SEMANTIC_RULES.entries()) {
      assert.ok(hit.has(rule), `rule ${i} (${rule.why}) is not reached by any example`);
      assert.ok(rule.why.length > 10, `rule ${i} needs a why`);
      assert.ok(rule.name || rule.unit || rule.label, `rule ${i} has no condition`);
    }
  });
});

describe('classifyMetric: overrides', () => {
  const input = { name: 'widget_level', labels: {}, type: 'gauge' as const };

  it('the first matching override wins over the rules', () => {
    const r = classifyMetric(input, [
      { match: '^other$', kind: 'errors' },
      { match: '^widget_', kind: 'saturation', badDirection: 'both' },
      { match: 'level', kind: 'capacity' },
    ]);
    assert.deepEqual(r, { kind: 'saturation', badDirection: 'both' });
  });

  it('an override with only a kind takes that kind’s default direction; with only a direction keeps the kind', () => {
    assert.deepEqual(classifyMetric(input, [{ match: 'widget', kind: 'capacity' }]), { kind: 'capacity', badDirection: DEFAULT_BAD_DIRECTION.capacity });
    assert.deepEqual(
      classifyMetric({ name: 'node_filesystem_avail_bytes', labels: {}, type: 'gauge' }, [{ match: 'avail', badDirection: 'both' }]),
      { kind: 'capacity', badDirection: 'both' },
    );
  });

  it('an invalid pattern never matches, and checkSemanticOverride says why', () => {
    assert.deepEqual(classifyMetric(input, [{ match: '(', kind: 'errors' }]), { kind: 'other', badDirection: 'both' });
    assert.match(checkSemanticOverride({ match: '(', kind: 'errors' }) ?? '', /not a valid regular expression/);
    assert.match(checkSemanticOverride({ match: 'x' }) ?? '', /neither kind nor badDirection/);
    assert.match(checkSemanticOverride({ match: 'x', kind: 'bogus' as never }) ?? '', /unknown kind/);
    assert.equal(checkSemanticOverride({ match: '^x$', kind: 'latency' }), null);
  });
});
