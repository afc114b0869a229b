// kill -9 during ingest: after a restart no acknowledged event is lost, each detector is back to
// the last checkpoint (not reset, not ahead of it), and scoring continues.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startVigilProcess } from '../support/vigil-process.js';
import { remoteWrite, signal } from '../support/remote-write-client.js';

const T0 = Date.UTC(2026, 10, 1);
const STEP_MS = 60_000;
const SERIES = 3;
const labelsOf = (k: number) => ({ __name__: 'app_latency_seconds', instance: `web-${k}:9100`, job: 'web' });

async function sendSteps(url: string, from: number, to: number, spike = false): Promise<void> {
  for (let s = from; s < to; s += 50) {
    const series = [];
    for (let k = 0; k < SERIES; k++) {
      const samples = [];
      for (let i = s; i < Math.min(to, s + 50); i++) samples.push({ timeMs: T0 + i * STEP_MS, value: signal(k, i) + (spike && i === to - 1 ? 500 : 0) });
      series.push({ labels: labelsOf(k), samples });
    }
    const r = await remoteWrite(url, series);
    assert.equal(r.status, 204, await r.text());
  }
}

describe('kill -9 during ingest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kill9-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'vigil.yaml');
  writeFileSync(config, `dataDir: ${JSON.stringify(join(dir, 'data'))}\ncheckpoint:\n  interval: 1s\nlog:\n  level: warn\n`);

  it('loses no acknowledged event, restores detectors to the last checkpoint, and keeps scoring', async () => {
    let vigil = await startVigilProcess(['--config', config]);
    await sendSteps(vigil.url, 0, 1000);
    // Events stream in while more samples arrive; kill -9 lands mid-stream.
    const acked: string[] = [];
    let stop = false;
    const poster = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await fetch(`${vigil.url}/api/v1/events`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ class: 'DEPLOYMENT', source: 'ci', name: `deploy #${i}`, id: `deploy-${i}`, time: T0 + i * 1000, resources: ['service:web'] }),
          });
          if (r.status === 202) acked.push(((await r.json()) as { ids: string[] }).ids[0]!);
        } catch {
          return; // the process is gone
        }
      }
    })();
    await sendSteps(vigil.url, 1000, 1100);
    await new Promise((r) => setTimeout(r, 1500)); // at least one checkpoint after the samples
    await sendSteps(vigil.url, 1100, 1110);
    await vigil.kill9();
    stop = true;
    await poster;
    assert.ok(acked.length > 10, `events were acknowledged before the kill (${acked.length})`);

    const db = new Database(join(dir, 'data', 'vigil.db'), { readonly: true });
    const cp = db.prepare('select time_ms from checkpoints where name = ?').get('detectors') as { time_ms: number } | undefined;
    db.close();
    assert.ok(cp, 'a checkpoint was written before the kill');
    assert.ok(cp.time_ms >= T0 + 1099 * STEP_MS, `the checkpoint covers the first samples (${new Date(cp.time_ms).toISOString()})`);

    vigil = await startVigilProcess(['--config', config]);
    try {
      // Page through every stored event (the API returns at most 1000 per page, newest first).
      const stored = new Set<string>();
      for (let offset = 0; ; offset += 1000) {
        const page = (await (await fetch(`${vigil.url}/api/v1/events?limit=1000&offset=${offset}`)).json()) as { events: { id: string }[] };
        for (const e of page.events) stored.add(e.id);
        if (page.events.length < 1000) break;
      }
      const lost = acked.filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `acknowledged events lost: ${lost.join(', ')}`);

      const series = (await (await fetch(`${vigil.url}/api/v1/series`)).json()) as { series: { key: string; lastSampleMs: number | null }[] };
      assert.equal(series.series.length, SERIES);
      for (const s of series.series) assert.equal(s.lastSampleMs, cp.time_ms, `${s.key} resumes exactly at the checkpoint`);

      // Scoring continues from the restored model: normal points stay quiet, a spike is caught at once.
      const resumeAt = Math.floor((cp.time_ms - T0) / STEP_MS) + 1;
      await sendSteps(vigil.url, resumeAt, resumeAt + 5);
      let metrics = await (await fetch(`${vigil.url}/metrics`)).text();
      const scores = [...metrics.matchAll(/^vigil_anomaly_score\{.*\} (\S+)$/gm)].map((m) => Number(m[1]));
      assert.equal(scores.length, SERIES);
      assert.ok(scores.every((s) => s < 0.999), `normal points after restart score low: ${scores}`);
      await sendSteps(vigil.url, resumeAt + 5, resumeAt + 6, true);
      metrics = await (await fetch(`${vigil.url}/metrics`)).text();
      const spiked = [...metrics.matchAll(/^vigil_anomaly_score\{.*\} (\S+)$/gm)].map((m) => Number(m[1]));
      assert.ok(spiked.every((s) => s > 0.999), `the spike right after restart is caught: ${spiked}`);
    } finally {
      assert.equal(await vigil.stop(), 0, vigil.output());
    }
  });
});
