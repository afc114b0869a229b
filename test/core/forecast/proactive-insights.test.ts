// Tests for proactive insights (src/core/forecast/proactive-insights.ts), public API only:
//   * a disk filling under a daily cycle opens one PROACTIVE insight whose predicted time is within
//     ±10 % of the truth, named in words, severity rising as exhaustion nears (SEVERITY_UPGRADED);
//   * flat noise and a daily cycle that does not trend open nothing, from the first sample on;
//   * a cleanup closes the insight (CLOSED_INSIGHT); a renewed certificate closes its insight;
//   * a certificate 9 days from expiry opens a MEDIUM insight at once;
//   * ids are deterministic.
// All random data comes from a seeded PRNG, so every run sees the same numbers.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { ProactiveInsights, formatDuration, type ProactiveSeries } from '../../../src/core/forecast/index.js';
import { seededRandom } from '../../../src/core/sim/index.js';

const MIN_MS = 60_000;
const HOUR_MS = 60 * MIN_MS;
const DAY_MS = 24 * HOUR_MS;
const STEP_MS = 5 * MIN_MS;
const GB = 1e9;
const T0_MS = Date.UTC(2026, 0, 5);

function gaussian(seed: number): () => number {
  const u = seededRandom(seed);
  return () => {
    let u1 = u();
    while (u1 === 0) u1 = u();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u());
  };
}

function seriesOf(id: number, name: string, labels: Record<string, string>, kind: ProactiveSeries['kind'] = 'capacity'): ProactiveSeries {
  const all = { __name__: name, ...labels };
  return { id, key: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`, name, labels: all, resource: `instance:${labels.instance ?? 'x'}`, application: 'shop', kind, badDirection: 'down' };
}

const disk = seriesOf(1, 'node_filesystem_avail_bytes', { instance: 'db-1:9100', mountpoint: '/data' });
const daily = (amp: number, t: number): number => amp * Math.sin((2 * Math.PI * t) / DAY_MS);

/** Streams f(t) + noise from fromMs to toMs (exclusive) into `pi`; returns the next sample time. */
function stream(pi: ProactiveInsights, s: ProactiveSeries, fromMs: number, toMs: number, f: (t: number) => number, sigma: number, g: () => number): number {
  let t = fromMs;
  for (; t < toMs; t += STEP_MS) pi.observe(s, t, f(t - T0_MS) + sigma * g());
  return t;
}

describe('ProactiveInsights', () => {
  it('opens one insight for a filling disk, predicts within ±10 %, and upgrades severity as it nears', () => {
    const pi = new ProactiveInsights();
    const g = gaussian(5);
    const free = (t: number): number => Math.max(0, 80 * GB - (8 * GB * t) / DAY_MS + daily(3 * GB, t));
    let t = stream(pi, disk, T0_MS, T0_MS + 3 * DAY_MS, free, 0.5 * GB, g);
    const open = pi.insights().filter((i) => i.status === 'ONGOING');
    assert.equal(open.length, 1);
    const insight = open[0]!;
    assert.equal(insight.type, 'PROACTIVE');
    assert.equal(insight.application, 'shop');
    assert.deepEqual(insight.resources, ['instance:db-1:9100']);
    assert.match(insight.name, /^Disk \/data on db-1 predicted to fill in \d+ days$/);
    let truthMs = t;
    while (free(truthMs - T0_MS) > 0) truthMs += MIN_MS;
    const p = insight.prediction!;
    assert.equal(p.seriesKey, disk.key);
    assert.equal(p.limit, 0);
    assert.ok(Math.abs(p.expectedMs - truthMs) <= 0.1 * (truthMs - t), `predicted ${(p.expectedMs - T0_MS) / DAY_MS} d, truth ${(truthMs - T0_MS) / DAY_MS} d`);
    assert.ok(p.earliestMs <= p.expectedMs && p.expectedMs <= p.latestMs);
    // Opened at two days (the daily profile known) with > 7 days to go: LOW, then MEDIUM under 7 days.
    assert.equal(insight.severity, 'MEDIUM');
    assert.deepEqual(pi.drainTransitions().map((x) => [x.type, x.severity]), [['NEW_INSIGHT', 'LOW'], ['SEVERITY_UPGRADED', 'MEDIUM']]);
    assert.ok(pi.drainChanged().some((i) => i.id === insight.id));

    // Keep filling until half a day before the truth: MEDIUM, then HIGH, same insight.
    t = stream(pi, disk, t, truthMs - DAY_MS / 2, free, 0.5 * GB, g);
    const later = pi.insights().filter((i) => i.status === 'ONGOING');
    assert.equal(later.length, 1);
    assert.equal(later[0]!.id, insight.id);
    assert.equal(later[0]!.severity, 'HIGH');
    assert.match(later[0]!.name, /in \d+ hours$/);
    const ups = pi.drainTransitions().filter((x) => x.type === 'SEVERITY_UPGRADED');
    assert.deepEqual(ups.map((x) => x.severity), ['HIGH']);
  });

  it('ids are deterministic: the same stream gives the same insights', () => {
    const run = (): string[] => {
      const pi = new ProactiveInsights();
      stream(pi, disk, T0_MS, T0_MS + 2.5 * DAY_MS, (t) => 50 * GB - (10 * GB * t) / DAY_MS, 0.2 * GB, gaussian(9));
      return pi.insights().map((i) => i.id);
    };
    const a = run();
    assert.equal(a.length, 1);
    assert.deepEqual(run(), a);
  });

  it('opens nothing for a flat noisy series', () => {
    for (const seed of [1, 2, 3, 4]) {
      const pi = new ProactiveInsights();
      stream(pi, disk, T0_MS, T0_MS + 7 * DAY_MS, () => 40 * GB, 2 * GB, gaussian(seed));
      assert.deepEqual(pi.insights(), [], `seed ${seed}`);
    }
  });

  it('opens nothing for daily usage that goes up and down without a trend', () => {
    for (const seed of [1, 2, 3]) {
      const pi = new ProactiveInsights();
      // Free space swinging 20..60 GB each day (temp files by day, cleaned at night).
      stream(pi, disk, T0_MS, T0_MS + 8 * DAY_MS, (t) => 40 * GB + daily(20 * GB, t), 0.5 * GB, gaussian(seed));
      // A utilisation percentage swinging 30..90 %.
      const cpu = { ...seriesOf(2, 'pool_utilization_percent', { instance: 'api-1:8080' }, 'saturation'), badDirection: 'up' as const };
      stream(pi, cpu, T0_MS, T0_MS + 8 * DAY_MS, (t) => 60 + daily(30, t + 7 * HOUR_MS), 2, gaussian(seed + 100));
      assert.deepEqual(pi.insights().map((i) => i.name), [], `seed ${seed}`);
    }
  });

  it('sees a disk that began filling hours ago after days of calm (a recent regime), and not the calm days', () => {
    for (const seed of [1, 2, 3]) {
      const pi = new ProactiveInsights();
      const g = gaussian(seed);
      // Four calm days with a daily swing, then 0.4 MB/s for 9 hours: 60 GB gone in ~41 hours.
      const calm = (t: number) => 60 * GB + daily(2 * GB, t);
      const onset = T0_MS + 4 * DAY_MS;
      stream(pi, disk, T0_MS, onset, calm, 0.2 * GB, g);
      assert.deepEqual(pi.insights(), [], `seed ${seed}: nothing before the fill`);
      // stream() hands f the time since T0_MS.
      stream(pi, disk, onset, onset + 9 * HOUR_MS, (t) => calm(t) - 0.4e6 * ((t - 4 * DAY_MS) / 1000), 0.2 * GB, g);
      const open = pi.insights().filter((i) => i.status === 'ONGOING');
      assert.equal(open.length, 1, `seed ${seed}`);
      const p = open[0]!.prediction!;
      const full = onset + (60 * GB) / 0.4e6 * 1000;
      assert.ok(p.earliestMs <= full + 12 * HOUR_MS && p.latestMs >= full - 12 * HOUR_MS, `seed ${seed}: interval ${new Date(p.earliestMs).toISOString()}..${new Date(p.latestMs).toISOString()} vs ${new Date(full).toISOString()}`);
    }
  });

  it('closes the insight after a cleanup', () => {
    const pi = new ProactiveInsights();
    const g = gaussian(17);
    let t = stream(pi, disk, T0_MS, T0_MS + 1.1 * DAY_MS, (x) => 30 * GB - (24 * GB * x) / DAY_MS, 0.2 * GB, g);
    const opened = pi.insights();
    assert.equal(opened.length, 1);
    assert.equal(opened[0]!.status, 'ONGOING');
    pi.drainTransitions();
    // Cleanup: 60 GB free again, flat from now on.
    const cleanupMs = t;
    t = stream(pi, disk, t, t + 6 * HOUR_MS, () => 60 * GB, 0.2 * GB, g);
    const after = pi.insights();
    assert.equal(after.length, 1);
    assert.equal(after[0]!.id, opened[0]!.id);
    assert.equal(after[0]!.status, 'CLOSED');
    assert.ok(after[0]!.endMs! > cleanupMs && after[0]!.endMs! < cleanupMs + 6 * HOUR_MS);
    assert.deepEqual(pi.drainTransitions().map((x) => x.type), ['CLOSED_INSIGHT']);
    // And it stays closed, with no new insight, while the disk stays flat.
    stream(pi, disk, t, t + 3 * DAY_MS, () => 60 * GB, 0.2 * GB, g);
    assert.deepEqual(pi.drainTransitions(), []);
    assert.equal(pi.insights().length, 1);
  });

  it('a certificate 9 days from expiry opens a MEDIUM insight at once; renewal closes it', () => {
    const pi = new ProactiveInsights();
    const cert = seriesOf(3, 'probe_ssl_earliest_cert_expiry', { instance: 'https://api.example.com', job: 'blackbox' });
    const notAfterSec = (T0_MS + 9 * DAY_MS) / 1000;
    pi.observe(cert, T0_MS, notAfterSec);
    const [insight] = pi.insights();
    assert.ok(insight);
    assert.equal(insight.severity, 'MEDIUM');
    assert.equal(insight.name, 'TLS certificate for api.example.com expires in 9 days');
    assert.equal(insight.prediction?.expectedMs, notAfterSec * 1000);
    assert.deepEqual(pi.drainTransitions().map((x) => [x.type, x.severity]), [['NEW_INSIGHT', 'MEDIUM']]);
    // A certificate with 60 days left is no insight.
    const other = seriesOf(4, 'probe_ssl_earliest_cert_expiry', { instance: 'https://www.example.com' });
    pi.observe(other, T0_MS, (T0_MS + 60 * DAY_MS) / 1000);
    assert.equal(pi.insights().length, 1);
    // Renewed: 90 days left from the next sample on.
    let t = T0_MS;
    for (let i = 0; i < 60; i++) pi.observe(cert, (t += STEP_MS), (T0_MS + 90 * DAY_MS) / 1000);
    assert.equal(pi.insights()[0]!.status, 'CLOSED');
    assert.deepEqual(pi.drainTransitions().map((x) => x.type), ['CLOSED_INSIGHT']);
  });

  it('one disk reported as free and as available bytes is one insight; another disk is its own', () => {
    const pi = new ProactiveInsights();
    const free = seriesOf(2, 'node_filesystem_free_bytes', { instance: 'db-1:9100', mountpoint: '/data' });
    const other = seriesOf(3, 'node_filesystem_avail_bytes', { instance: 'db-1:9100', mountpoint: '/logs' });
    const fill = (t: number): number => Math.max(0, 80 * GB - (8 * GB * t) / DAY_MS + daily(3 * GB, t));
    const g = gaussian(9);
    for (let t = T0_MS; t < T0_MS + 3 * DAY_MS; t += STEP_MS) {
      const v = fill(t - T0_MS) + 0.5 * GB * g();
      pi.observe(disk, t, v);
      pi.observe(free, t, v + 4 * GB); // free includes the blocks reserved for root
      pi.observe(other, t, v);
    }
    const open = pi.insights().filter((i) => i.status === 'ONGOING');
    assert.deepEqual(open.map((i) => i.name.replace(/ in \d+ days$/, '')).sort(), ['Disk /data on db-1 predicted to fill', 'Disk /logs on db-1 predicted to fill']);
  });

  it('skips series that are not capacity-like', () => {
    const pi = new ProactiveInsights();
    const reqs = { ...seriesOf(5, 'http_requests_total', { instance: 'api-1' }, 'throughput') };
    stream(pi, reqs, T0_MS, T0_MS + DAY_MS, (t) => 1000 - t / MIN_MS, 1, gaussian(1));
    assert.deepEqual(pi.insights(), []);
    assert.equal(pi.forecaster.size, 0);
  });

  it('formatDuration reads naturally', () => {
    assert.equal(formatDuration(45 * MIN_MS), '45 minutes');
    assert.equal(formatDuration(5 * HOUR_MS), '5 hours');
    assert.equal(formatDuration(3 * DAY_MS), '3 days');
    assert.equal(formatDuration(DAY_MS * 1.02 * 1), '24 hours');
  });
});
