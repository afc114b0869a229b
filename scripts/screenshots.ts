// Screenshots of the dashboard for the README: starts `vigil demo`, waits for its insights, and
// writes docs/images/dashboard.png, insight-detail.png and proactive-forecast.png (1280x800,
// light theme) with headless Chromium.
//
//   node --import tsx scripts/screenshots.ts
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Insight, VigilEvent } from '../src/core/model/index.js';
import { ensureDashboardBuilt, launchChromium } from '../test/support/browser.js';
import { startVigilProcess } from '../test/support/vigil-process.js';

const OUT = fileURLToPath(new URL('../docs/images/', import.meta.url));
const VIEWPORT = { width: 1280, height: 800 };

async function main(): Promise<void> {
  ensureDashboardBuilt();
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'vigil-screenshots-'));
  const demo = await startVigilProcess(['demo', '--data-dir', dir], { readyTimeoutMs: 90_000 });
  const browser = await launchChromium();
  try {
    const get = async <T>(path: string): Promise<T> => (await (await fetch(demo.url + path)).json()) as T;
    // The most telling reactive insight: a deployment among its events, highest severity, most
    // anomalies. The demo's bad deployment plays out during its first minute: wait for a HIGH one.
    const rank = { HIGH: 3, MEDIUM: 2, LOW: 1 } as const;
    let reactive: Insight | undefined;
    let proactive: Insight | undefined;
    const started = Date.now();
    for (;;) {
      const { items } = await get<{ items: Insight[] }>('/api/v1/insights?limit=100');
      const { events } = await get<{ events: VigilEvent[] }>('/api/v1/events?class=DEPLOYMENT&limit=1000');
      const deployments = new Set(events.map((e) => e.id));
      reactive = items
        .filter((i) => i.type === 'REACTIVE' && i.eventIds.some((id) => deployments.has(id)) && i.recommendations.length > 0)
        .sort((a, b) => rank[b.severity] - rank[a.severity] || b.anomalyIds.length - a.anomalyIds.length)[0];
      proactive = items.find((i) => i.type === 'PROACTIVE' && i.status === 'ONGOING' && i.prediction?.seriesKey.startsWith('node_filesystem_avail_bytes'));
      const waited = Date.now() - started;
      // Once the demo has caught up with the wall clock, every chart runs up to now.
      const caughtUp = demo.output().includes('caught up with the wall clock');
      if (reactive && proactive && ((reactive.severity === 'HIGH' && caughtUp) || waited > 120_000)) break;
      if (waited > 180_000) throw new Error(`the demo showed no reactive insight with a deployment and no disk forecast in time:\n${demo.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    // Let the dashboard's relative times and counts settle on the same data.
    await new Promise((r) => setTimeout(r, 2000));
    const page = await browser.newPage({ viewport: VIEWPORT, colorScheme: 'light', deviceScaleFactor: 1 });
    const shot = async (path: string, ready: string, file: string) => {
      await page.goto(demo.url + path);
      await page.locator(ready).first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1500); // charts drawn, relative times settled
      await page.screenshot({ path: join(OUT, file) });
      process.stdout.write(`wrote docs/images/${file}\n`);
    };
    await shot('/', '[data-testid=insight-rows]', 'dashboard.png');
    await shot(`/insights/${encodeURIComponent(reactive!.id)}`, '[data-testid=anomaly-chart] canvas', 'insight-detail.png');
    await shot(`/insights/${encodeURIComponent(proactive!.id)}`, '[data-testid=forecast-chart] canvas', 'proactive-forecast.png');
  } finally {
    await browser.close();
    await demo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`screenshots: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
