// The insights engine end to end on this machine: real node_exporter, real Prometheus scraping it
// every second and remote-writing to a real `vigil serve`. After Vigil has learnt the host's quiet
// behaviour, a deployment event is posted, `stress-ng` loads every CPU and a small filesystem (a
// tmpfs when mounting is permitted, else node_exporter's textfile collector reporting a growing
// file's usage) fills up. Shown through the API:
//   - a reactive insight on the CPU within 2 minutes of the load's onset, with the event relevant;
//   - a proactive disk-exhaustion insight for the filling filesystem (filling steadily since the
//     start), predicted before it is full.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Anomaly, Insight } from '../../src/core/model/index.js';
import { nodeToVigilConfig, requireBinary, startNodeExporter, startPrometheus, type PeerProcess, type PrometheusPeer } from '../support/peers.js';
import { freePort, startVigilProcess, type VigilProcess } from '../support/vigil-process.js';
import { getJson, sleep } from '../support/poll.js';

const APP = 'host';
/** Vigil learns each series this long before it may open anomalies. */
const LEARNING = '3m';
const LEARNING_MS = 3 * 60_000;
/** The quiet baseline Vigil must see after learning, and the host's CPU ceiling during it. */
const QUIET_AFTER_LEARNING_MS = 60_000;
const QUIET_BUSY_FRACTION = 0.35;
/** No reactive insight may have begun this recently when the change is posted. */
const CALM_MS = 6 * 60_000;
/** How long the test waits for the host to be quiet before it gives up (and fails). */
const QUIET_WAIT_MS = 15 * 60_000;
/** The bound: a reactive insight within 2 minutes of onset. */
const REACTIVE_WITHIN_MS = 120_000;
const FS_BYTES = 64 * 1024 * 1024;
/**
 * The filesystem fills steadily from the start, empty to full in this long. Before two days of
 * history Vigil believes a crossing only within a quarter of the history it has seen, so the
 * insight is expected at about 80 % of the fill, minutes before it is full (watched from the start,
 * beside the load).
 */
const FILL_MS = 12 * 60_000;
/** Writing stops this short of full (tmpfs metadata needs a little room). */
const FILL_STOP_BYTES = FS_BYTES - 2 * 1024 * 1024;
const STRESS_SEC = 180;

/** The host's busy CPU fraction (0..1) over the last `window`, per Prometheus. */
async function busyFraction(prom: PrometheusPeer, window: string): Promise<number | undefined> {
  const q = `1 - avg(rate(node_cpu_seconds_total{job="node",mode="idle"}[${window}]))`;
  const r = await getJson<{ data: { result: { value: [number, string] }[] } }>(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`);
  const v = r.data.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

/** A filesystem to fill: a real tmpfs when this process may mount, else a textfile-collector file. */
interface FillTarget {
  readonly kind: 'tmpfs' | 'textfile';
  readonly mountpoint: string;
  readonly nodeExporterArgs: string[];
  /** Writes `bytes` more (0 = only refresh the reported usage). */
  grow(bytes: number): void;
  cleanup(): void;
}

function fillTarget(dir: string): FillTarget {
  const mnt = join(dir, 'fs');
  mkdirSync(mnt);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${FS_BYTES}`, 'vigil-e2e', mnt], { encoding: 'utf8' });
  if (mount.status === 0) {
    const fd = openSync(join(mnt, 'growing.bin'), 'a');
    return {
      kind: 'tmpfs',
      mountpoint: mnt,
      nodeExporterArgs: [],
      grow: (bytes) => {
        if (bytes > 0) writeSync(fd, Buffer.alloc(bytes, 0x5a));
      },
      cleanup: () => {
        closeSync(fd);
        spawnSync('umount', ['-l', mnt]);
      },
    };
  }
  // No mount permission: the textfile collector reports a fixed-size "filesystem" whose used bytes
  // are the size of a file this test grows.
  const textDir = join(dir, 'textfile');
  mkdirSync(textDir);
  const file = join(mnt, 'growing.bin');
  const fd = openSync(file, 'a');
  let used = 0;
  const report = (): void => {
    const labels = `device="vigil-e2e",fstype="textfile",mountpoint="${mnt}"`;
    const tmp = join(textDir, 'fs.prom.tmp');
    writeFileSync(tmp, `node_filesystem_size_bytes{${labels}} ${FS_BYTES}\nnode_filesystem_avail_bytes{${labels}} ${FS_BYTES - used}\nnode_filesystem_free_bytes{${labels}} ${FS_BYTES - used}\n`);
    renameSync(tmp, join(textDir, 'fs.prom'));
  };
  report();
  return {
    kind: 'textfile',
    mountpoint: mnt,
    nodeExporterArgs: ['--collector.textfile', `--collector.textfile.directory=${textDir}`],
    grow: (bytes) => {
      if (bytes > 0) {
        writeSync(fd, Buffer.alloc(bytes, 0x5a));
        used += bytes;
      }
      report();
    },
    cleanup: () => closeSync(fd),
  };
}

function describeInsights(items: Insight[]): string {
  return items.map((i) => `${i.type} ${i.status} ${new Date(i.startMs).toISOString()} "${i.name}" <- ${i.rootCauses[0]?.title ?? '?'} (events ${i.eventIds.length})`).join('\n') || '(none)';
}

describe('insights from real Prometheus + node_exporter under stress-ng and a filling filesystem', { timeout: 30 * 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-stress-'));
  const cleanup: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) {
      try {
        await c();
      } catch {
        /* best effort */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens a reactive CPU insight within 2 minutes with the event relevant, and a proactive disk-exhaustion insight', async () => {
    const stressBin = requireBinary('stress-ng');
    const fs = fillTarget(dir);
    cleanup.push(() => fs.cleanup());
    process.stdout.write(`# filesystem to fill: ${fs.kind} at ${fs.mountpoint}\n`);

    const node: PeerProcess = await startNodeExporter({ extraArgs: fs.nodeExporterArgs });
    cleanup.push(() => node.stop());
    const vigilPort = await freePort();
    const prom = await startPrometheus({ configYaml: nodeToVigilConfig({ nodePort: node.port, vigilPort }) });
    cleanup.push(() => prom.stop());
    const config = join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      [
        `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
        'resources:',
        `  applications: [{ name: ${APP}, selector: '{job="node"}' }]`,
        'insights:',
        `  learningPeriod: ${LEARNING}`,
        '  forecastMinHistory: 2m',
        'log:',
        '  level: warn',
        '',
      ].join('\n'),
    );
    const vigil: VigilProcess = await startVigilProcess(['--config', config], { port: vigilPort });
    cleanup.push(() => vigil.stop());
    const api = vigil.url + '/api/v1';
    const insights = async (): Promise<Insight[]> => (await getJson<{ items: Insight[] }>(`${api}/insights?application=${APP}&limit=1000`)).items;

    // 1. Vigil receives the host's series, learns them, and then sees a quiet baseline.
    const firstData = Date.now();
    for (;;) {
      const s = await getJson<{ series: number }>(`${api}/status`).catch(() => ({ series: 0 }));
      if (s.series > 100) break;
      if (Date.now() - firstData > 60_000) throw new Error(`Vigil received no node_exporter series within 60 s\n${prom.logTail()}\n${vigil.output().slice(-2000)}`);
      await sleep(1000);
    }
    // The filesystem fills steadily from now on (a log writer left running), empty to full in FILL_MS.
    const fillStart = Date.now();
    const chunk = Math.ceil(FS_BYTES / (FILL_MS / 1000));
    let written = 0;
    const filler = setInterval(() => {
      const room = FILL_STOP_BYTES - written;
      const n = Math.max(0, Math.min(chunk, room));
      fs.grow(n);
      written += n;
    }, 1000);
    cleanup.push(() => clearInterval(filler));
    // Watched from now on, beside the rest: when the proactive insight first shows, and how full the filesystem was then.
    let proactiveSeen: { insight: Insight; atMs: number; written: number } | undefined;
    let watching = true;
    const watcher = (async () => {
      while (watching && proactiveSeen === undefined) {
        const before = written;
        const found = (await insights().catch(() => [])).find((i) => i.type === 'PROACTIVE' && i.prediction !== null && i.prediction.seriesKey.includes(fs.mountpoint));
        if (found) proactiveSeen = { insight: found, atMs: Date.now(), written: before };
        else await sleep(2000);
      }
    })();
    cleanup.push(() => (watching = false));
    await sleep(LEARNING_MS + QUIET_AFTER_LEARNING_MS);
    const quietDeadline = Date.now() + QUIET_WAIT_MS;
    let busy: number | undefined;
    let recent: Insight[] = [];
    for (;;) {
      busy = await busyFraction(prom, '60s');
      // Calm also means no reactive insight began just now: a change posted within minutes of an
      // insight's onset is a root-cause candidate of that insight (events are often reported when
      // they finish), and the load would then join it instead of opening its own.
      recent = (await insights()).filter((i) => i.type === 'REACTIVE' && i.startMs > Date.now() - CALM_MS);
      if (busy !== undefined && busy < QUIET_BUSY_FRACTION && recent.length === 0) break;
      if (Date.now() > quietDeadline) {
        throw new Error(
          `the host was never calm within ${QUIET_WAIT_MS / 60_000} min (CPU busy ${busy}; reactive insights begun in the last ${CALM_MS / 60_000} min:\n${describeInsights(recent)})`,
        );
      }
      await sleep(5000);
    }
    const before = await insights();
    process.stdout.write(`# baseline: host ${(100 * busy).toFixed(0)}% busy over 60 s; insights before the load:\n${describeInsights(before).replace(/^/gm, '#   ')}\n`);

    // 2. The change: a deployment event, then the load and the filling filesystem.
    const posted = await getJson<{ ids: string[] }>(`${api}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ class: 'DEPLOYMENT', source: 'e2e', name: 'deploy batch-worker v4.2.0', application: APP, time: new Date().toISOString() }),
    });
    const eventId = posted.ids[0]!;
    const eventMs = Date.now();
    await sleep(5000);
    const onset = Date.now();
    const stress: ChildProcess = spawn(stressBin, ['--cpu', '0', '--cpu-load', '100', '--timeout', `${STRESS_SEC}s`, '--quiet'], { stdio: 'ignore', detached: true });
    cleanup.push(() => {
      if (stress.exitCode === null && stress.pid !== undefined) process.kill(-stress.pid, 'SIGKILL');
    });

    // 3. The reactive insight: opened after onset, within 2 minutes, with CPU anomalies and the event relevant.
    let reactive: Insight | undefined;
    let seenAt = 0;
    while (Date.now() - onset < REACTIVE_WITHIN_MS + 15_000) {
      for (const i of await insights()) {
        if (i.type !== 'REACTIVE' || i.status !== 'ONGOING' || i.startMs < eventMs - 1000) continue;
        const { anomalies } = await getJson<{ anomalies: Anomaly[] }>(`${api}/insights/${encodeURIComponent(i.id)}/anomalies`);
        if (anomalies.some((a) => a.metricName.startsWith('node_cpu') || a.metricName.startsWith('node_load'))) {
          reactive = i;
          break;
        }
      }
      if (reactive) {
        seenAt = Date.now();
        break;
      }
      await sleep(2000);
    }
    assert.ok(reactive, `no reactive CPU insight within ${REACTIVE_WITHIN_MS / 1000} s of onset:\n${describeInsights(await insights())}\n${vigil.output().slice(-3000)}`);
    const latency = seenAt - onset;
    process.stdout.write(`# reactive insight visible ${(latency / 1000).toFixed(1)} s after onset: "${reactive.name}" (${reactive.severity})\n`);
    assert.ok(latency <= REACTIVE_WITHIN_MS, `reactive insight after ${latency} ms`);
    const detail = await getJson<Insight>(`${api}/insights/${encodeURIComponent(reactive.id)}`);
    assert.ok(detail.eventIds.includes(eventId), `the deployment posted before the load is a relevant event: ${JSON.stringify(detail.eventIds)}`);
    assert.ok(detail.rootCauses.some((c) => c.ref === eventId), `the deployment is a root-cause candidate: ${detail.rootCauses.map((c) => c.title).join('; ')}`);
    assert.ok(detail.recommendations.length > 0, 'the insight has recommendations');

    // 4. The proactive insight: the filling filesystem was predicted to be exhausted while it still had room.
    while (proactiveSeen === undefined && written < FILL_STOP_BYTES) await sleep(1000);
    await sleep(5000); // the watcher's last look, after the filesystem stopped filling
    watching = false;
    await watcher;
    assert.ok(proactiveSeen, `no proactive insight for ${fs.mountpoint} before it was full (${((Date.now() - fillStart) / 1000).toFixed(0)} s of filling):\n${describeInsights(await insights())}`);
    const { insight: proactive, atMs, written: writtenThen } = proactiveSeen;
    const p = proactive.prediction!;
    const trueFullMs = fillStart + FILL_MS;
    process.stdout.write(
      `# proactive insight after ${((atMs - fillStart) / 1000).toFixed(0)} s of filling (${((writtenThen / FS_BYTES) * 100).toFixed(0)}% full): "${proactive.name}"; ` +
        `exhaustion predicted ${((p.expectedMs - atMs) / 1000).toFixed(0)} s ahead, range ${((p.earliestMs - trueFullMs) / 1000).toFixed(0)}..${((p.latestMs - trueFullMs) / 1000).toFixed(0)} s around the true time\n`,
    );
    assert.ok(writtenThen < FILL_STOP_BYTES, 'predicted while the filesystem was still filling');
    assert.ok(p.earliestMs <= p.expectedMs && p.expectedMs <= p.latestMs, 'a predicted time range');
    assert.ok(p.latestMs > atMs - 30_000, 'the predicted exhaustion was not in the past');
    assert.ok(proactive.recommendations.length > 0, 'the proactive insight has recommendations');
  });
});
