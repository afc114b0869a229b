// Tests for the capacity rule table (src/core/forecast/capacity-target.ts): which series are
// watched, against which limit and direction, and how subjects are named.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { capacityTarget, hostOf, type CapacitySeries } from '../../../src/core/forecast/index.js';

function series(name: string, labels: Record<string, string> = {}, kind: CapacitySeries['kind'] = 'other', badDirection: CapacitySeries['badDirection'] = 'both'): CapacitySeries {
  return { name, labels: { __name__: name, ...labels }, kind, badDirection };
}

describe('capacityTarget', () => {
  const cases: [string, number, { limit: number; direction: 'down' | 'up'; mode: string; rule: string }][] = [
    ['node_filesystem_avail_bytes', 5e9, { limit: 0, direction: 'down', mode: 'forecast', rule: 'disk-free' }],
    ['node_filesystem_free_bytes', 5e9, { limit: 0, direction: 'down', mode: 'forecast', rule: 'disk-free' }],
    ['kubelet_volume_stats_available_bytes', 5e9, { limit: 0, direction: 'down', mode: 'forecast', rule: 'disk-free' }],
    ['node_filesystem_files_free', 1e6, { limit: 0, direction: 'down', mode: 'forecast', rule: 'inodes-free' }],
    ['node_memory_MemAvailable_bytes', 1e9, { limit: 0, direction: 'down', mode: 'forecast', rule: 'memory-available' }],
    ['aws_ebs_burst_balance_average', 90, { limit: 0, direction: 'down', mode: 'forecast', rule: 'burst-credits' }],
    ['BurstBalance', 90, { limit: 0, direction: 'down', mode: 'forecast', rule: 'burst-credits' }],
    ['aws_ec2_cpu_credit_balance_average', 200, { limit: 0, direction: 'down', mode: 'forecast', rule: 'burst-credits' }],
    ['probe_ssl_earliest_cert_expiry', 1.8e9, { limit: 0, direction: 'down', mode: 'deadline', rule: 'certificate-expiry' }],
    ['x509_cert_not_after', 1.8e9, { limit: 0, direction: 'down', mode: 'deadline', rule: 'certificate-expiry' }],
    ['hikaricp_connections_active_ratio', 0.4, { limit: 1, direction: 'up', mode: 'forecast', rule: 'connection-pool' }],
    ['storage_quota_used_ratio', 0.4, { limit: 1, direction: 'up', mode: 'forecast', rule: 'quota' }],
    ['disk_utilization_percent', 40, { limit: 100, direction: 'up', mode: 'forecast', rule: 'utilisation-ratio' }],
    ['gpu_utilization', 0.3, { limit: 1, direction: 'up', mode: 'forecast', rule: 'utilisation-ratio' }],
    ['gpu_utilization', 30, { limit: 100, direction: 'up', mode: 'forecast', rule: 'utilisation-ratio' }],
    ['rabbitmq_queue_messages_ready', 10, { limit: NaN, direction: 'up', mode: 'growth', rule: 'queue-growth' }],
  ];
  for (const [name, last, want] of cases) {
    it(`${name} = ${last} → ${want.rule}`, () => {
      const t = capacityTarget(series(name), last);
      assert.ok(t, 'is a capacity series');
      assert.deepEqual({ limit: t.limit, direction: t.direction, mode: t.mode, rule: t.rule }, want);
    });
  }

  it('skips series that are not capacity-like', () => {
    for (const n of ['http_requests_total', 'http_request_duration_seconds_p99', 'node_filesystem_size_bytes', 'process_cpu_seconds_total']) {
      assert.equal(capacityTarget(series(n), 1), null, n);
    }
  });

  it('a raw pool count needs a known maximum, which becomes the limit', () => {
    assert.equal(capacityTarget(series('db_pool_connections_in_use'), 7), null);
    const t = capacityTarget(series('db_pool_connections_in_use'), 7, { maxValue: 20 });
    assert.equal(t?.limit, 20);
    assert.equal(t?.direction, 'up');
  });

  it('falls back to 0 for other headroom series classified capacity/down', () => {
    const t = capacityTarget(series('api_rate_limit_remaining', {}, 'capacity', 'down'), 500);
    assert.equal(t?.rule, 'headroom');
    assert.equal(t?.limit, 0);
  });

  it('names the subject from labels', () => {
    assert.equal(capacityTarget(series('node_filesystem_avail_bytes', { mountpoint: '/data', instance: 'db-1:9100' }), 1)?.subject, 'Disk /data');
    assert.equal(capacityTarget(series('probe_ssl_earliest_cert_expiry', { instance: 'https://api.example.com:443/health' }), 1.8e9)?.subject, 'TLS certificate for api.example.com');
  });

  it('hostOf strips scheme, user, port and path', () => {
    assert.equal(hostOf('https://u@api.example.com:8443/x'), 'api.example.com');
    assert.equal(hostOf('db-1:9100'), 'db-1');
    assert.equal(hostOf('[::1]:9100'), '[::1]');
    assert.equal(hostOf('plain'), 'plain');
  });
});
