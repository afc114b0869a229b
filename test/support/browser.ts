// Real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core) for the dashboard's
// end-to-end tests and the screenshot script, and a fresh build of the dashboard to test.
// A missing browser is an error, never a skip (see peers.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireBinary } from './peers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DASHBOARD_DIR = join(ROOT, 'dist', 'web');

export async function launchChromium(): Promise<Browser> {
  const executablePath = existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : requireBinary('chromium');
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtimeMs(p) : s.mtimeMs);
  }
  return newest;
}

/**
 * Builds the dashboard (vite build, as `npm run build` does) when dist/web is missing or older than
 * any file under web/, so the tests always run the current source.
 */
export function ensureDashboardBuilt(): void {
  const index = join(DASHBOARD_DIR, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtimeMs(join(ROOT, 'web'))) return;
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the dashboard failed (vite build --config web/vite.config.ts):\n${r.stdout}\n${r.stderr}`);
}

/** Runs `source` (a JavaScript expression) in the page. Strings keep DOM types out of the Node test program. */
export function inPage<T>(page: Page, source: string): Promise<T> {
  return page.evaluate(source) as Promise<T>;
}

/**
 * How many pixels of a chart's canvas (inside `selector`) are close to `rgb` — e.g. the colour of the
 * series line — and how many are painted at all.
 */
export function canvasInk(page: Page, selector: string, rgb: readonly [number, number, number]): Promise<{ painted: number; matching: number; width: number; height: number }> {
  return inPage(page, `(() => {
    const c = document.querySelector(${JSON.stringify(selector)} + ' canvas');
    if (!c) return { painted: 0, matching: 0, width: 0, height: 0 };
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const [r, g, b] = ${JSON.stringify(rgb)};
    let painted = 0, matching = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0) continue;
      painted++;
      if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 60 && d[i + 3] > 200) matching++;
    }
    return { painted, matching, width: c.width, height: c.height };
  })()`);
}
