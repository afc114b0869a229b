// Interop with real Prometheus (Debian's package): Prometheus scrapes node_exporter and
// remote-writes to Vigil; Vigil's series set equals what Prometheus holds for that job; a second
// Vigil pulls the same series from Prometheus with warm start; Prometheus scrapes Vigil's
// /metrics and vigil_anomaly_score is queryable in Prometheus.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seriesKey, type Labels } from '../../src/core/model/index.js';
import { nodeToVigilConfig, startNodeExporter, startPrometheus, type PeerProcess, type PrometheusPeer } from '../support/peers.js';
import { freePort, startVigilProcess, type VigilProcess } from '../support/vigil-process.js';
import { getJson, until } from '../support/poll.js';

async function prometheusSeries(prom: PrometheusPeer): Promise<Set<string>> {
  const now = Date.now() / 1000;
  const r = await getJson<{ data: Labels[] }>(`${prom.url}/api/v1/series?match[]=${encodeURIComponent('{job="node",__name__!~"vigil_.*"}')}&start=${now - 15}&end=${now}`);
  return new Set(r.data.map(seriesKey));
}

async function vigilSeries(vigil: VigilProcess): Promise<Set<string>> {
  const r = await getJson<{ series: { key: string; name: string; labels: Labels }[] }>(`${vigil.url}/api/v1/series?limit=10000`);
  return new Set(r.series.filter((s) => s.labels.job === 'node' && !s.name.startsWith('vigil_')).map((s) => s.key));
}

describe('interop with real Prometheus and node_exporter', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-interop-'));
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('remote-write in, warm-start pull, and vigil_anomaly_score back in Prometheus', async () => {
    const node: PeerProcess = await startNodeExporter();
    cleanup.push(() => node.stop());
    const vigilPort = await freePort();
    const prom = await startPrometheus({ configYaml: nodeToVigilConfig({ nodePort: node.port, vigilPort, scrapeVigil: true }) });
    cleanup.push(() => prom.stop());
    const vigil = await startVigilProcess(['--data-dir', join(dir, 'push'), '--log-level', 'warn'], { port: vigilPort });
    cleanup.push(() => vigil.stop());

    // 1. Push: Vigil's series for job="node" are exactly Prometheus' series for job="node".
    const matched = await until('Vigil to hold the same node series as Prometheus', 90_000, async () => {
      const [p, v] = await Promise.all([prometheusSeries(prom), vigilSeries(vigil)]);
      if (p.size < 100) return undefined; // node_exporter exposes hundreds of series
      const missing = [...p].filter((k) => !v.has(k));
      const extra = [...v].filter((k) => !p.has(k));
      return missing.length === 0 && extra.length === 0 ? p.size : undefined;
    });
    const status = await getJson<{ series: number }>(`${vigil.url}/api/v1/status`);
    assert.equal(status.series, matched, 'every series Vigil analyses came from Prometheus');
    const active = /^vigil_series_active (\d+)$/m.exec(await (await fetch(`${vigil.url}/metrics`)).text());
    assert.equal(Number(active?.[1]), matched);

    // 2. Prometheus scrapes Vigil: vigil_anomaly_score is queryable, with the series' own labels.
    const scored = await until('vigil_anomaly_score in Prometheus', 60_000, async () => {
      const targets = await getJson<{ data: { activeTargets: { labels: Labels; health: string; lastError: string }[] } }>(`${prom.url}/api/v1/targets`);
      const t = targets.data.activeTargets.find((x) => x.labels.job === 'vigil');
      if (t && t.health !== 'up') throw new Error(`Prometheus cannot scrape Vigil: ${t.health} ${t.lastError}`);
      const r = await getJson<{ data: { result: { value: [number, string] }[] } }>(`${prom.url}/api/v1/query?query=${encodeURIComponent('count(vigil_anomaly_score{job="node"})')}`);
      const n = Number(r.data.result[0]?.value[1] ?? 0);
      if (n < matched * 0.9) throw new Error(`${n} of ${matched} scores queryable; vigil target ${JSON.stringify(t)}`);
      return n;
    });
    assert.ok(scored >= matched * 0.9, `${scored} scores queryable for ${matched} series`);
    const one = await getJson<{ data: { result: { metric: Labels; value: [number, string] }[] } }>(`${prom.url}/api/v1/query?query=${encodeURIComponent('vigil_anomaly_score{metric_name="node_load1"}')}`);
    assert.equal(one.data.result.length, 1, 'the score of node_load1 carries its own labels');
    const score = Number(one.data.result[0]!.value[1]);
    assert.ok(score >= 0 && score <= 1, `score in [0, 1]: ${score}`);

    // 3. Pull: a second Vigil warm-starts the same series from Prometheus' history.
    await new Promise((r) => setTimeout(r, 15_000)); // let history accumulate (1 s scrapes)
    const config = join(dir, 'pull.yaml');
    writeFileSync(config, `dataDir: ${JSON.stringify(join(dir, 'pull'))}\nprometheus:\n  url: ${prom.url}\n  selectors: ['{job="node",__name__!~"vigil_.*"}']\n  warmStart: 10m\n  step: 1s\n  pollInterval: 2s\nlog:\n  level: warn\n`);
    const puller = await startVigilProcess(['--config', config]);
    cleanup.push(() => puller.stop());
    const pulled = await until('the pulling Vigil to warm-start every node series', 90_000, async () => {
      const [p, v] = await Promise.all([prometheusSeries(prom), vigilSeries(puller)]);
      const missing = [...p].filter((k) => !v.has(k));
      const st = await getJson<{ prometheusPull: string }>(`${puller.url}/api/v1/status`);
      if (missing.length === 0 && v.size > 0 && st.prometheusPull === 'ok') return v.size;
      throw new Error(`${missing.length} of ${p.size} missing (e.g. ${missing[0]}); status ${JSON.stringify(st)}; log: ${puller.output().slice(-1500)}`);
    });
    const metrics = await (await fetch(`${puller.url}/metrics`)).text();
    const accepted = Number(/^vigil_samples_accepted_total (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(accepted >= pulled * 10, `warm start brought history: ${accepted} samples for ${pulled} series\n${metrics.split('\n').filter((l) => l.startsWith('vigil_samples')).join('\n')}`);
    const pullStatus = await getJson<{ prometheusPull: string }>(`${puller.url}/api/v1/status`);
    assert.equal(pullStatus.prometheusPull, 'ok');
    // ...then polls incrementally: newer samples keep arriving.
    await until('incremental polls', 30_000, async () => {
      const again = Number(/^vigil_samples_accepted_total (\d+)$/m.exec(await (await fetch(`${puller.url}/metrics`)).text())?.[1]);
      return again > accepted ? again : undefined;
    });
  });
});
