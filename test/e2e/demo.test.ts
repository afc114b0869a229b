// `vigil demo` end to end: a real process serving the API, fed by the simulated application. Within
// 60 seconds of start a newcomer sees reactive and proactive insights with root cause, relevant
// events and recommendations (issue: "within 60 seconds of start ... via the API").
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Insight, VigilEvent } from '../../src/core/model/index.js';
import { startVigilProcess, type VigilProcess } from '../support/vigil-process.js';

describe('vigil demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-demo-test-'));
  let demo: VigilProcess | undefined;
  after(async () => {
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows reactive and proactive insights with root cause, relevant events and recommendations within 60 s', async () => {
    const started = Date.now();
    demo = await startVigilProcess(['demo', '--data-dir', dir], { readyTimeoutMs: 60_000 });
    const get = async <T>(path: string): Promise<T> => {
      const r = await fetch(demo!.url + path);
      assert.equal(r.status, 200, `${path}: ${r.status}`);
      return (await r.json()) as T;
    };
    let reactive: Insight | undefined;
    let proactive: Insight[] = [];
    while (Date.now() - started < 60_000) {
      const page = await get<{ items: Insight[] }>('/api/v1/insights?status=ONGOING&limit=100');
      // The bad deployment of checkout-api lands twelve minutes before now (played at 40x).
      reactive = page.items.find((i) => i.type === 'REACTIVE' && i.rootCauses[0]?.kind === 'EVENT' && /v2\.3\.1/.test(i.rootCauses[0].title));
      proactive = page.items.filter((i) => i.type === 'PROACTIVE');
      if (reactive && proactive.length >= 2) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const elapsed = (Date.now() - started) / 1000;
    assert.ok(reactive, `no ongoing reactive insight rooted in deployment v2.3.1 after ${elapsed} s:\n${demo.output().slice(-3000)}`);
    assert.ok(proactive.length >= 2, `expected proactive disk and certificate insights, got ${proactive.map((p) => p.name).join('; ') || 'none'} after ${elapsed} s`);
    process.stdout.write(`# demo: reactive and proactive insights visible ${elapsed.toFixed(1)} s after start\n`);

    // The reactive insight: its root cause is the bad deployment, listed among its relevant events, with a rollback recommendation.
    const detail = await get<Insight>(`/api/v1/insights/${encodeURIComponent(reactive.id)}`);
    const top = detail.rootCauses[0]!;
    const { events } = await get<{ events: VigilEvent[] }>(`/api/v1/events?application=shop&class=DEPLOYMENT&limit=1000`);
    const cause = events.find((e) => e.id === top.ref);
    assert.ok(cause, `root-cause event ${top.ref} is not in the event list`);
    assert.match(cause.name, /deployment v2\.3\.1 of checkout-api/);
    assert.ok(detail.eventIds.includes(cause.id), 'the deployment is listed as a relevant event');
    assert.ok(detail.recommendations.some((r) => /roll back/i.test(r.title)), `recommendations: ${detail.recommendations.map((r) => r.title).join('; ')}`);
    const { anomalies } = await get<{ anomalies: { seriesKey: string; series: { timesMs: number[] } }[] }>(`/api/v1/insights/${encodeURIComponent(reactive.id)}/anomalies`);
    assert.ok(anomalies.length > 0 && anomalies.every((a) => a.series.timesMs.length > 0), 'anomalies carry their series data');

    // Proactive: the filling disk and the certificate, each with a predicted time range and recommendations.
    const disk = proactive.find((p) => p.prediction?.seriesKey.startsWith('node_filesystem_avail_bytes'));
    const cert = proactive.find((p) => p.prediction?.seriesKey.startsWith('probe_ssl_earliest_cert_expiry'));
    assert.ok(disk, `no disk forecast among: ${proactive.map((p) => p.name).join('; ')}`);
    assert.ok(cert, `no certificate insight among: ${proactive.map((p) => p.name).join('; ')}`);
    for (const p of [disk, cert]) {
      assert.ok(p.prediction!.earliestMs <= p.prediction!.expectedMs && p.prediction!.expectedMs <= p.prediction!.latestMs);
      assert.ok(p.prediction!.expectedMs > Date.now() - 60_000, `${p.name}: predicted in the future`);
      assert.ok(p.recommendations.length > 0, `${p.name}: has recommendations`);
    }
    const fc = await get<{ forecast: { timesMs: number[]; lower: number[]; upper: number[] } | null }>(`/api/v1/insights/${encodeURIComponent(disk.id)}/forecast`);
    assert.ok(fc.forecast && fc.forecast.timesMs.length > 10, 'the disk insight has a forecast curve');
    assert.ok(fc.forecast.lower.every((l, i) => l <= fc.forecast!.upper[i]!));

    // The other incidents are insights of their own: the memory leak after v1.8.0, the disk's config
    // change, and the noisy neighbour five hours ago (closed by now).
    const all = (await get<{ items: Insight[] }>('/api/v1/insights?type=REACTIVE&limit=100')).items;
    const titles = all.map((i) => `${i.status} ${i.name} <- ${i.rootCauses[0]?.title ?? '?'}`);
    assert.ok(all.some((i) => i.rootCauses[0]?.title.includes('v1.8.0')), `memory leak: ${titles.join('; ')}`);
    assert.ok(all.some((i) => i.rootCauses[0]?.title.includes('log_statement')), `disk filling: ${titles.join('; ')}`);
    assert.ok(all.some((i) => i.status === 'CLOSED' && /node-a/.test(i.rootCauses[0]?.title ?? '')), `noisy neighbour: ${titles.join('; ')}`);

    const health = await get<{ openReactiveInsights: number; openProactiveInsights: number; resourcesAnalysed: number }>('/api/v1/health');
    assert.ok(health.openReactiveInsights >= 1 && health.openProactiveInsights >= 2 && health.resourcesAnalysed > 5, JSON.stringify(health));
  });

  it('stops cleanly on SIGTERM', async () => {
    assert.ok(demo, 'the demo is running');
    assert.equal(await demo.stop(), 0);
  });
});
