// Tests for insight names (src/core/insights/insight-name.ts): phrases ordered by kind weight, known
// kinds before raw metric names at equal weight, then onset; "N more metrics"; the event suffix.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { describeMetric, insightName } from '../../../src/core/insights/index.js';
import type { Anomaly, MetricKind } from '../../../src/core/model/index.js';

function anomaly(metricName: string, kind: MetricKind, startMs: number, direction: 'above' | 'below' = 'above'): Anomaly {
  return {
    id: metricName, seriesId: 0, seriesKey: metricName, metricName, resource: 'instance:h1', application: 'host', kind, direction,
    startMs, endMs: null, peakScore: 0.9999, peakMs: startMs, peakValue: 1, expected: 0, lower: 0, upper: 0, role: 'CAUSAL', cause: 'point',
  };
}

describe('insightName', () => {
  it('names CPU use before raw metric names of equal weight that began earlier', () => {
    const name = insightName({
      application: 'host',
      resources: ['instance:h1'],
      anomalies: [anomaly('node_memory_Cached_bytes', 'other', 1000), anomaly('node_sockstat_sockets_used', 'other', 2000), anomaly('node_cpu_seconds_total', 'saturation', 3000)],
      topEvent: { id: 'e', class: 'DEPLOYMENT', source: 'ci', name: 'deploy batch-worker v4.2.0', timeMs: 0, resources: [], application: 'host', attributes: {} },
    });
    assert.equal(name, 'CPU use, node_memory_Cached_bytes and node_sockstat_sockets_used rose on host after deploy batch-worker v4.2.0');
  });

  it('weightier kinds first, then onset; the rest are counted', () => {
    const name = insightName({
      application: 'shop',
      resources: [],
      anomalies: [anomaly('queue_depth', 'saturation', 0), anomaly('x_other', 'other', 0), anomaly('http_errors_total', 'errors', 5), anomaly('http_latency_p99', 'latency', 9), anomaly('requests_total', 'throughput', 1)],
    });
    assert.equal(name, 'errors, p99 latency, traffic and 2 more metrics rose on shop');
  });

  it('calls idle CPU time idle CPU, so "fell" reads the right way round', () => {
    assert.equal(describeMetric('node_cpu_seconds_total', 'saturation', { cpu: '0', mode: 'idle' }), 'idle CPU');
    assert.equal(describeMetric('system.cpu.time', 'saturation', { state: 'idle' }), 'idle CPU');
    assert.equal(describeMetric('node_cpu_seconds_total', 'saturation', { cpu: '0', mode: 'user' }), 'CPU use');
  });
});
