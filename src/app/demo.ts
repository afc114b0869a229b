// `vigil demo`: a full Vigil server (the same one `vigil serve` runs, with the dashboard) fed by a
// simulated application on an accelerated clock.
//
//   start: history (default 4 days) up to 20 min before now, replayed as fast as it goes
//       ─► the last 20 minutes at `speed`× (a bad deployment lands in them: watch it open live)
//       ─► real time from then on (sim time = wall time), until stopped
//
// Samples go through VigilApp.ingest — the pipeline remote-write and the Prometheus pull feed —
// and events through appendEvents, so insights, root causes, recommendations and forecasts are
// produced by exactly the code that analyses production data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Insight } from '../core/model/index.js';
import { SCENARIOS, demoRun, type ScenarioRecord } from '../core/sim/scenarios/index.js';
import { resolveConfig } from './config.js';
import { createLogger, startVigil, type RunningVigil } from './serve.js';
import { RecordFeeder } from './record-feeder.js';

export interface DemoOptions {
  readonly port: number;
  readonly host?: string;
  /** Where the store lives; default a fresh temporary directory, removed on stop. */
  readonly dataDir?: string;
  readonly historyDays: number;
  /** Simulated seconds per real second while catching up the last minutes. */
  readonly speed: number;
  readonly seed: number;
  readonly logLevel: string;
  /** Progress and insight lines. */
  readonly write: (line: string) => void;
}

export interface RunningDemo {
  readonly vigil: RunningVigil;
  /** Resolves once simulated time has caught up with the wall clock. */
  readonly caughtUp: Promise<void>;
  stop(reason?: string): Promise<void>;
}

const CATCH_UP_MS = 20 * 60_000;

export async function startDemo(opts: DemoOptions, log?: Logger): Promise<RunningDemo> {
  const tempDir = opts.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'vigil-demo-')) : undefined;
  const dataDir = opts.dataDir ?? tempDir!;
  const config = resolveConfig({
    server: { port: opts.port, ...(opts.host ? { host: opts.host } : {}) },
    dataDir,
    log: { level: opts.logLevel },
  }, process.env);
  const startWall = Date.now();
  const run = demoRun(startWall, SCENARIOS, { historyDays: opts.historyDays, seed: opts.seed });
  const vigil = await startVigil(config, log ?? createLogger(config), { dependencies: run.dependencies });
  const app = vigil.app;
  const w = opts.write;
  w(`vigil demo: dashboard and API at ${vigil.url} (data in ${dataDir}${tempDir ? ', removed on exit' : ''})`);
  w(`vigil demo: simulated application "shop" — ${run.series.length} series; replaying ${opts.historyDays} days of history, then the last ${CATCH_UP_MS / 60_000} minutes at ${opts.speed}x, then real time`);

  const seen = new Set<string>();
  const offInsights = app.onInsights((insights) => {
    for (const i of insights) {
      const key = `${i.id}:${i.status}`;
      if (seen.has(key)) continue;
      seen.add(key);
      w(describe(i));
    }
  });

  // Simulated time: history instantly, then `speed`x until it meets the wall clock.
  const fastUntil = run.endMs > startWall ? startWall - CATCH_UP_MS : run.endMs;
  let paceWall = 0;
  const simNow = (): number => {
    const wall = Date.now();
    if (paceWall === 0) return fastUntil;
    return Math.min(wall, fastUntil + (wall - paceWall) * opts.speed);
  };

  let stopped = false;
  let caughtUpDone = false;
  let resolveCaughtUp!: () => void;
  const caughtUp = new Promise<void>((r) => (resolveCaughtUp = r));
  const loop = (async () => {
    const feeder = new RecordFeeder(app, run.startMs);
    let announced = false;
    let steps = 0;
    const beforeStep = async (t: number): Promise<void> => {
      // Keep the server responsive during the replay.
      if (++steps % 200 === 0) await new Promise((res) => setImmediate(res));
      if (t > fastUntil && !announced) {
        announced = true;
        await app.persistInsights();
        const page = await app.store.listInsights({ limit: 1000 });
        w(`vigil demo: history replayed in ${((Date.now() - startWall) / 1000).toFixed(1)} s — ${page.total} insight(s) so far; the last ${CATCH_UP_MS / 60_000} minutes play at ${opts.speed}x`);
        paceWall = Date.now();
      }
      while (!stopped && t > simNow()) {
        // Wall milliseconds until simulated time reaches t: divided by the speed while catching up.
        const rate = simNow() < Date.now() ? opts.speed : 1;
        await new Promise((res) => setTimeout(res, Math.min(1000, Math.max(20, (t - simNow()) / rate))));
      }
      if (announced && !caughtUpDone && simNow() >= Date.now() - 1000) {
        caughtUpDone = true;
        w('vigil demo: caught up with the wall clock; the application now runs in real time (Ctrl-C to stop)');
        resolveCaughtUp();
      }
    };
    for (const r of run as Iterable<ScenarioRecord>) {
      if (stopped) return;
      await feeder.add(r, beforeStep);
    }
    await feeder.flush();
  })();
  loop.catch((err: Error) => w(`vigil demo: the simulation stopped: ${err.stack ?? err.message}`));

  let stopping: Promise<void> | undefined;
  const stop = (reason = 'stop requested') => (stopping ??= (async () => {
    stopped = true;
    await loop.catch(() => undefined);
    offInsights();
    await vigil.stop(reason);
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  })());
  return { vigil, caughtUp, stop };
}

function describe(i: Insight): string {
  const when = new Date(i.status === 'CLOSED' && i.endMs !== null ? i.endMs : i.startMs).toISOString().slice(11, 16);
  const kind = i.type === 'PROACTIVE' ? 'proactive' : 'reactive';
  const cause = i.rootCauses[0] ? ` — likely cause: ${i.rootCauses[0].title}` : '';
  const rec = i.recommendations[0] ? ` — try: ${i.recommendations[0].title}` : '';
  return i.status === 'CLOSED'
    ? `  ${when}Z  closed   ${kind} ${i.severity.padEnd(6)} ${i.name}`
    : `  ${when}Z  ${i.severity.padEnd(6)} ${kind} insight: ${i.name}${cause}${rec}`;
}
