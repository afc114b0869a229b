// End-to-end: PrometheusPuller against a REAL Prometheus (Debian's 2.42) scraping a REAL
// node_exporter every second, both started by test/support/peers.ts. Checks the warm start reads the
// history Prometheus already holds (every series the selector names, each in time order), that the
// metadata gives node_cpu_seconds_total its counter type, that the following polls deliver only
// newer points, and that Prometheus' own parse error comes through as a non-retryable failure.
// Needs the binaries: a missing one fails the test with the command that installs it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { PrometheusClient, PrometheusPuller, type PullerStatus } from '../../../src/adapters/prometheus/index.js';
import { seriesKey, type Labels } from '../../../src/core/model/index.js';
import { startNodeExporter, startPrometheus, type PeerProcess, type PrometheusPeer } from '../../support/peers.js';

const SELECTOR = '{job="node"}';
const HISTORY_POINTS = 15;
const WAIT_FOR_HISTORY_MS = 30_000;

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null> | T | null): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

describe('PrometheusPuller against real Prometheus + node_exporter', { timeout: 90_000 }, () => {
  let exporter: PeerProcess;
  let prometheus: PrometheusPeer;
  let client: PrometheusClient;

  before(async () => {
    exporter = await startNodeExporter();
    prometheus = await startPrometheus({
      configYaml: [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 900ms',
        'scrape_configs:',
        '  - job_name: node',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${exporter.port}']`,
        '',
      ].join('\n'),
    });
    client = new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 10_000 });
    // Wait until Prometheus holds ~15 s of node_exporter history.
    await until(`${HISTORY_POINTS} scrapes of node_exporter\n${prometheus.logTail()}`, WAIT_FOR_HISTORY_MS, async () => {
      const r = await client.queryRange('up{job="node"}', Date.now() - 60_000, Date.now(), 1);
      if (!r.ok || r.value.length === 0) return null;
      const ups = r.value[0].values.filter((v) => v === 1).length;
      return ups >= HISTORY_POINTS ? ups : null;
    });
  });

  after(async () => {
    await prometheus?.stop();
    await exporter?.stop();
  });

  it('warm-starts every selected series from history, then polls only newer points', async () => {
    const perSeries = new Map<string, { labels: Labels; type: string; times: number[]; values: number[] }>();
    const batchesAfterWarm: { key: string; times: number[] }[] = [];
    let warmed = false;
    const statuses: PullerStatus[] = [];
    const puller = new PrometheusPuller({
      client,
      selectors: [SELECTOR],
      warmStartMs: 60_000,
      stepSec: 1,
      pollIntervalMs: 1500,
      sink: {
        onSamples(labels, metricType, timesMs, values) {
          const key = seriesKey(labels);
          let s = perSeries.get(key);
          if (!s) perSeries.set(key, (s = { labels, type: metricType, times: [], values: [] }));
          s.times.push(...timesMs);
          s.values.push(...values);
          if (warmed) batchesAfterWarm.push({ key, times: [...timesMs] });
        },
        onStatus(status) {
          statuses.push(status);
        },
      },
    });
    try {
      puller.start();
      const warm = await until('the warm start', 30_000, () => (puller.status().state === 'ok' ? puller.status() : null));
      warmed = true;
      const lastAtWarm = new Map([...perSeries].map(([k, s]) => [k, s.times.at(-1)!]));

      // Every series the selector names is followed (same window as the puller's discovery).
      const reference = await client.series([SELECTOR], Date.now() - 5 * 60_000, Date.now());
      assert.ok(reference.ok, JSON.stringify(reference));
      assert.equal(warm.series, reference.value.length);
      assert.deepEqual(warm.warmStart, { seriesDone: warm.series, seriesTotal: warm.series });
      assert.ok(statuses.some((s) => s.state === 'warming'));

      const cpu = [...perSeries.values()].filter((s) => s.labels.__name__ === 'node_cpu_seconds_total');
      assert.ok(cpu.length >= 1, 'node_cpu_seconds_total series arrived');
      for (const s of cpu) {
        assert.equal(s.type, 'counter');
        assert.ok(s.times.length >= 10, `${seriesKey(s.labels)}: ${s.times.length} points of history`);
        for (let i = 1; i < s.times.length; i++) assert.ok(s.times[i] > s.times[i - 1], 'increasing time order');
        assert.ok(s.times[0] >= warm.lastSuccessMs! - 61_000, 'history starts inside the warm-start window');
      }

      // Let a few polls run: they bring only points newer than what the warm start delivered.
      const successAtWarm = warm.lastSuccessMs!;
      await until('two more polls', 15_000, () => {
        const st = puller.status();
        return st.lastSuccessMs! > successAtWarm + 2500 && batchesAfterWarm.some((b) => cpu.some((s) => seriesKey(s.labels) === b.key)) ? st : null;
      });
      assert.ok(batchesAfterWarm.length > 0);
      for (const b of batchesAfterWarm) {
        const before = lastAtWarm.get(b.key) ?? -Infinity;
        assert.ok(b.times[0] > before, `${b.key}: polled point ${b.times[0]} not after warm-start end ${before}`);
      }
      for (const s of perSeries.values()) {
        for (let i = 1; i < s.times.length; i++) assert.ok(s.times[i] > s.times[i - 1], `${seriesKey(s.labels)}: no duplicate, no reordering`);
      }
      assert.equal(puller.status().consecutiveFailures, 0);
    } finally {
      await puller.stop();
    }
  });

  it('passes Prometheus\' parse error through as a non-retryable failure', async () => {
    const r = await client.series(['{job="node"'], Date.now() - 60_000, Date.now());
    assert.ok(!r.ok);
    assert.equal(r.retryable, false);
    assert.equal(r.status, 400);
    assert.match(r.reason, /bad_data: .*parse error/);
  });
});
