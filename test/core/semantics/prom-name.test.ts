// Tests for OpenTelemetry → Prometheus naming (src/core/semantics/prom-name.ts), on the examples
// of the OpenTelemetry "Prometheus and OpenMetrics Compatibility" specification and on names that
// are already Prometheus-shaped (which must come out unchanged).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { promName, promUnitSuffix, sanitizeLabelName, sanitizeMetricName } from '../../../src/core/semantics/index.js';

describe('promName', () => {
  it('turns dots into underscores and appends the unit word', () => {
    assert.equal(promName('http.server.request.duration', 's', 'histogram'), 'http_server_request_duration_seconds');
    assert.equal(promName('system.memory.usage', 'By', 'gauge'), 'system_memory_usage_bytes');
    assert.equal(promName('jvm.gc.duration', 'ms', 'histogram'), 'jvm_gc_duration_milliseconds');
  });

  it('adds _total to counters, and moves an existing one to the end', () => {
    assert.equal(promName('system.network.io', 'By', 'counter'), 'system_network_io_bytes_total');
    assert.equal(promName('http.server.requests', '{request}', 'counter'), 'http_server_requests_total');
    assert.equal(promName('foo_total_things', '', 'counter'), 'foo_things_total');
    assert.equal(promName('requests_total', '', 'gauge'), 'requests_total');
  });

  it('adds _ratio to gauges of unit 1 only', () => {
    assert.equal(promName('system.cpu.utilization', '1', 'gauge'), 'system_cpu_utilization_ratio');
    assert.equal(promName('system.cpu.utilization', '1', 'counter'), 'system_cpu_utilization_total');
  });

  it('leaves Prometheus-shaped names unchanged', () => {
    assert.equal(promName('node_cpu_seconds_total', 's', 'counter'), 'node_cpu_seconds_total');
    assert.equal(promName('node_memory_MemAvailable_bytes', 'By', 'gauge'), 'node_memory_MemAvailable_bytes');
    assert.equal(promName('http_request_duration_seconds', 's', 'histogram'), 'http_request_duration_seconds');
    assert.equal(promName('up', '', 'gauge'), 'up');
  });

  it('handles per-units, annotations, unknown units and awkward characters', () => {
    assert.equal(promUnitSuffix('By/s'), 'bytes_per_second');
    assert.equal(promUnitSuffix('m/s'), 'meters_per_second');
    assert.equal(promUnitSuffix('{packet}/s'), 'per_second');
    assert.equal(promUnitSuffix('{request}'), '');
    assert.equal(promName('net.throughput', 'By/s', 'gauge'), 'net_throughput_bytes_per_second');
    assert.equal(promName('widget.stock', 'widgets', 'gauge'), 'widget_stock_widgets');
    assert.equal(promName('1st..metric-name.', '', 'gauge'), '_1st_metric_name');
  });

  it('a name with no usable character gives the empty name (the caller rejects it)', () => {
    assert.equal(promName(' .-', '', 'gauge'), '');
  });

  it('property: the result is always a valid Prometheus metric name', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }).filter((s) => /[a-zA-Z0-9:]/.test(s)), fc.constantFrom('', 's', 'By', '1', '{x}', 'By/s', 'a b'), fc.constantFrom('gauge', 'counter', 'histogram') as fc.Arbitrary<'gauge'>, (name, unit, type) => {
        const n = promName(name, unit, type);
        return /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(n);
      }),
    );
  });
});

describe('sanitize names', () => {
  it('sanitizeLabelName replaces invalid characters and prefixes a leading digit', () => {
    assert.equal(sanitizeLabelName('http.request.method'), 'http_request_method');
    assert.equal(sanitizeLabelName('k8s-pod/name'), 'k8s_pod_name');
    assert.equal(sanitizeLabelName('1abc'), 'key_1abc');
    assert.equal(sanitizeLabelName('ok_name'), 'ok_name');
  });

  it('sanitizeMetricName keeps colons and prefixes a leading digit', () => {
    assert.equal(sanitizeMetricName('job:rate5m'), 'job:rate5m');
    assert.equal(sanitizeMetricName('9lives.x'), '_9lives_x');
  });
});
