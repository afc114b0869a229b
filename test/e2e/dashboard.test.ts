// The web dashboard end to end: `vigil demo` (a real server fed by the simulated application) and
// real headless Chromium. What a newcomer does: the dashboard shows the ongoing insights; one click
// opens an insight with its charts, the deployment on its timeline and a recommendation; feedback
// is stored; filters narrow the list; untrusted text (event names, label values) never runs as
// markup. Plus the scale smoke tests (1,000 insights, a 10,000-point chart), live updates, deep
// links, keyboard use, a phone-sized screen and the two themes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import type { Insight, VigilEvent } from '../../src/core/model/index.js';
import { startVigilProcess, type VigilProcess } from '../support/vigil-process.js';
import { remoteWrite } from '../support/remote-write-client.js';
import { canvasInk, ensureDashboardBuilt, inPage, launchChromium } from '../support/browser.js';

const XSS = '<img src=x onerror=alert(1)>';
/** --chart-line of the light theme (web/src/styles.css). */
const LINE_RGB = [37, 99, 201] as const;
const WAIT_MS = 30_000;

describe('dashboard (headless Chromium against vigil demo)', { timeout: 600_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-dashboard-e2e-'));
  let demo: VigilProcess | undefined;
  let browser: Browser | undefined;
  let reactive: Insight;
  let deployment: VigilEvent;
  let proactive: Insight;
  const contexts: BrowserContext[] = [];

  const api = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const r = await fetch(demo!.url + path, init);
    assert.ok(r.ok, `${init?.method ?? 'GET'} ${path}: ${r.status} ${await r.clone().text()}`);
    return (await r.json()) as T;
  };

  /** A fresh page; any uncaught error in it fails the test that opened it. */
  const openPage = async (opts: { width?: number; height?: number; dark?: boolean } = {}): Promise<{ page: Page; errors: string[] }> => {
    const context = await browser!.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 }, colorScheme: opts.dark ? 'dark' : 'light', acceptDownloads: true, baseURL: demo!.url });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    return { page, errors };
  };

  before(async () => {
    ensureDashboardBuilt();
    const started = Date.now();
    demo = await startVigilProcess(['demo', '--data-dir', dir], { readyTimeoutMs: 90_000 });
    // Wait for the demo's story: a reactive insight with a deployment among its relevant events and
    // recommendations, and a proactive disk forecast.
    let why = '';
    for (;;) {
      const page = await api<{ items: Insight[] }>('/api/v1/insights?status=ONGOING&limit=100');
      const { events } = await api<{ events: VigilEvent[] }>('/api/v1/events?class=DEPLOYMENT&limit=1000');
      const byId = new Map(events.map((e) => [e.id, e]));
      const r = page.items.find((i) => i.type === 'REACTIVE' && i.recommendations.length > 0 && i.anomalyIds.length > 0 && i.eventIds.some((id) => byId.has(id)));
      const p = page.items.find((i) => i.type === 'PROACTIVE' && i.prediction?.seriesKey.startsWith('node_filesystem_avail_bytes'));
      if (r && p) {
        reactive = r;
        deployment = byId.get(r.eventIds.find((id) => byId.has(id))!)!;
        proactive = p;
        break;
      }
      why = `insights: ${page.items.map((i) => `${i.type} ${i.name} (events ${i.eventIds.length}, recommendations ${i.recommendations.length})`).join('; ') || 'none'}`;
      if (Date.now() - started > 150_000) throw new Error(`the demo has no reactive insight with a deployment and a disk forecast after 150 s; ${why}\n${demo.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    browser = await launchChromium();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the ongoing insights on the dashboard', async () => {
    const { page, errors } = await openPage();
    await page.goto('/');
    const rows = page.getByTestId('insight-rows');
    await rows.first().waitFor();
    const row = page.locator(`a[data-insight-id="${reactive.id}"]`);
    await row.waitFor();
    await eventually(async () => (await row.innerText()).includes((await insightNow(reactive.id)).name), 'the row shows the insight\'s name');
    await page.locator(`a[data-insight-id="${proactive.id}"]`).waitFor();
    type Health = { openReactiveInsights: number; openProactiveInsights: number };
    await eventually(async () => (await page.getByTestId('stat-reactive').innerText()) === String((await api<Health>('/api/v1/health')).openReactiveInsights), 'the reactive count matches /api/v1/health');
    await eventually(async () => (await page.getByTestId('stat-proactive').innerText()) === String((await api<Health>('/api/v1/health')).openProactiveInsights), 'the proactive count matches /api/v1/health');
    assert.ok((await page.getByTestId('app-card').filter({ hasText: 'shop' }).count()) === 1, 'an overview card for the application "shop"');
    // The real live-update stream is connected.
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
    assert.deepEqual(errors, []);
  });

  it('opens an insight with a drawn chart, the deployment on the timeline and a recommendation', async () => {
    const { page, errors } = await openPage();
    await page.goto('/');
    await page.locator(`a[data-insight-id="${reactive.id}"]`).click();
    await page.waitForURL(`**/insights/${encodeURIComponent(reactive.id)}`);
    await headingIsInsight(page, reactive.id);
    // At least one chart, with the series line actually painted on its canvas.
    const chart = page.getByTestId('anomaly-chart').first();
    await chart.locator('canvas').waitFor();
    await page.waitForFunction(`document.querySelectorAll('[data-testid=anomaly-chart] canvas').length > 0`);
    const ink = await canvasInk(page, '[data-testid=anomaly-chart]', LINE_RGB);
    assert.ok(ink.width > 200 && ink.height > 100, `canvas ${ink.width}x${ink.height}`);
    assert.ok(ink.matching > 50, `the series line is drawn (${ink.matching} line-coloured pixels of ${ink.painted} painted)`);
    // The relevant deployment is a marker on the timeline and a row in the events table.
    const marker = page.getByTestId('timeline').getByTestId('timeline-event').filter({ hasText: deployment.name });
    await marker.waitFor();
    assert.equal(await marker.count(), 1);
    await page.getByTestId('events-table').getByText(deployment.name, { exact: true }).waitFor();
    // A recommendation with its title.
    const now = await insightNow(reactive.id);
    await page.getByTestId('recommendations').getByRole('heading', { level: 3, name: now.recommendations[0]!.title }).waitFor();
    // Root-cause candidates with their evidence.
    assert.ok((await page.getByTestId('root-causes').locator('li.rc').count()) >= 1);
    assert.deepEqual(errors, []);
  });

  it('links each graph to the same series in Prometheus (base URL set in Settings)', async () => {
    const { page, errors } = await openPage();
    await page.goto('/settings');
    await page.getByLabel(/Prometheus URL/).fill('http://prometheus.example:9090');
    await page.getByRole('button', { name: 'Save links' }).click();
    await page.getByText('Saved.').waitFor();
    await page.goto(`/insights/${encodeURIComponent(reactive.id)}`);
    const link = page.getByTestId('anomaly-chart').first().getByRole('link', { name: 'Open in Prometheus' });
    const href = new URL((await link.getAttribute('href'))!);
    const { anomalies } = await api<{ anomalies: { seriesKey: string }[] }>(`/api/v1/insights/${encodeURIComponent(reactive.id)}/anomalies`);
    assert.equal(href.origin + href.pathname, 'http://prometheus.example:9090/graph');
    assert.equal(href.searchParams.get('g0.expr'), anomalies[0]!.seriesKey);
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.deepEqual(errors, []);
  });

  it('submits feedback and shows it again after a reload', async () => {
    const { page, errors } = await openPage();
    await page.goto(`/insights/${encodeURIComponent(reactive.id)}`);
    const comment = `rolled back at ${Date.now()}`;
    await page.getByTestId('feedback').getByRole('textbox').fill(comment);
    await page.getByTestId('feedback').getByRole('button', { name: 'Useful', exact: true }).click();
    await page.getByTestId('feedback').getByText('“Useful” was recorded').waitFor();
    const stored = await api<{ feedback: { value: string; comment: string | null }[] }>(`/api/v1/insights/${encodeURIComponent(reactive.id)}/feedback`);
    assert.ok(stored.feedback.some((f) => f.value === 'USEFUL' && f.comment === comment), JSON.stringify(stored));
    await page.reload();
    await page.getByTestId('feedback-history').getByText(comment, { exact: false }).waitFor();
    assert.deepEqual(errors, []);
  });

  it('narrows the insight list with filters, to exactly what the API answers', async () => {
    const { page, errors } = await openPage();
    const shown = async () => (await page.getByTestId('insight-rows').locator('a[data-insight-id]').evaluateAll((as) => as.map((a) => a.getAttribute('data-insight-id')!))).sort();
    const expected = async (q: string) => (await api<{ items: Insight[] }>(`/api/v1/insights?limit=1000&${q}`)).items.map((i) => i.id).sort();

    // Find a tab and a severity that leave out at least one insight of that tab.
    let choice: { tab: 'reactive' | 'proactive'; severity: 'HIGH' | 'MEDIUM' | 'LOW'; all: string[]; only: string[] } | undefined;
    for (const tab of ['reactive', 'proactive'] as const) {
      const all = await expected(`type=${tab}`);
      for (const severity of ['HIGH', 'MEDIUM', 'LOW'] as const) {
        const only = await expected(`type=${tab}&severity=${severity}`);
        // Best: the filter keeps some and drops some; else one that drops all.
        if (all.length > 0 && only.length < all.length && (!choice || (choice.only.length === 0 && only.length > 0))) choice = { tab, severity, all, only };
      }
    }
    assert.ok(choice, 'the demo has insights of more than one severity');
    await page.goto(`/insights?type=${choice.tab}`);
    await waitCount(page, choice.all.length);
    assert.deepEqual(await shown(), choice.all);

    await page.getByRole('checkbox', { name: choice.severity.toLowerCase() }).check();
    await page.waitForURL(new RegExp(`severity=${choice.severity}`));
    await waitCount(page, choice.only.length);
    assert.deepEqual(await shown(), choice.only);
    assert.ok(choice.only.length < choice.all.length);

    // Status: ongoing only, combined with the severity filter.
    await page.getByRole('combobox', { name: 'Status' }).selectOption('ONGOING');
    const ongoing = await expected(`type=${choice.tab}&severity=${choice.severity}&status=ONGOING`);
    await page.waitForURL(/status=ONGOING/);
    await waitCount(page, ongoing.length);
    assert.deepEqual(await shown(), ongoing);

    // The filtered view is a deep link: a reload keeps it.
    await page.reload();
    await waitCount(page, ongoing.length);
    assert.equal(await page.getByRole('checkbox', { name: choice.severity.toLowerCase() }).isChecked(), true);

    // Tabs: the other type's insights only.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    const other = choice.tab === 'reactive' ? 'proactive' : 'reactive';
    await page.getByRole('tab', { name: other === 'reactive' ? 'Reactive' : 'Proactive' }).click();
    const otherIds = await expected(`type=${other}`);
    await waitCount(page, otherIds.length);
    assert.deepEqual(await shown(), otherIds);
    assert.deepEqual(errors, []);
  });

  it('escapes untrusted text: an event name and a label value never run as markup', async () => {
    const posted = await api<{ ids: string[] }>('/api/v1/events', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ class: 'DEPLOYMENT', name: XSS, source: 'generic', application: 'shop', resources: [XSS], attributes: { note: XSS } }),
    });
    assert.equal(posted.ids.length, 1);
    const rw = await remoteWrite(demo!.url, [{ labels: { __name__: 'xss_probe_temperature', job: 'xss-probe', instance: XSS }, samples: [{ timeMs: Date.now(), value: 1 }] }]);
    assert.equal(rw.status, 204, await rw.text());
    // The inventory lists the new resource after the server's next flush (every 2 s).
    let xssResource: { key: string } | undefined;
    await eventually(async () => {
      xssResource = (await api<{ resources: { key: string }[] }>('/api/v1/resources')).resources.find((r) => r.key.includes(XSS));
      return xssResource !== undefined;
    }, 'the resource named after the label value is listed');
    assert.ok(xssResource);

    const { page, errors } = await openPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const noInjectedImage = async () => {
      // No <img> at all is rendered by the dashboard; an injected one would have src="x".
      assert.equal(await inPage<number>(page, `document.querySelectorAll('img[src="x"], img[onerror]').length`), 0);
    };

    await page.goto('/events');
    await page.getByTestId('events-table').getByText(XSS, { exact: true }).first().waitFor();
    assert.ok(await page.getByTestId('events-table').getByText(XSS, { exact: true }).first().isVisible());
    await page.getByText('details').first().click();
    await noInjectedImage();

    await page.goto('/');
    await page.getByText(XSS, { exact: true }).first().waitFor();
    await noInjectedImage();

    await page.goto(`/resources?q=${encodeURIComponent('onerror')}`);
    await page.getByTestId('resources-table').getByText(xssResource.key, { exact: true }).waitFor();
    await noInjectedImage();

    // Give any handler that might have been injected a moment to fire.
    await page.waitForTimeout(500);
    assert.deepEqual(dialogs, [], 'no dialog opened');
    assert.deepEqual(errors, []);
  });

  it('renders 1,000 insights', async (t) => {
    const { page, errors } = await openPage();
    const items = Array.from({ length: 1000 }, (_, k) => fakeInsight(`bulk-${k}`, k));
    await page.route((url) => url.pathname === '/api/v1/insights', (route) => route.fulfill({ json: { items, total: items.length } }));
    const t0 = Date.now();
    await page.goto('/insights');
    await waitCount(page, 1000);
    const rows = page.getByTestId('insight-rows').locator('li');
    assert.equal(await rows.count(), 1000);
    const last = page.locator('a[data-insight-id="bulk-999"]');
    await last.scrollIntoViewIfNeeded();
    assert.ok(await last.isVisible());
    assert.match((await last.textContent()) ?? '', /Synthetic insight 999/);
    t.diagnostic(`1000 insights listed ${Date.now() - t0} ms after navigation`);
    assert.deepEqual(errors, []);
  });

  it('draws a 10,000-point chart, zooms it and saves it as PNG', async () => {
    const { page, errors } = await openPage();
    const id = 'big-chart';
    const t0 = Date.UTC(2026, 0, 1);
    const n = 10_000;
    const timesMs = Array.from({ length: n }, (_, k) => t0 + k * 15_000);
    const values = timesMs.map((_, k) => 50 + 10 * Math.sin(k / 200) + (k > 8000 && k < 8600 ? 40 : 0));
    const insight = { ...fakeInsight(id, 0), startMs: timesMs[8000]!, endMs: timesMs[8600]!, status: 'CLOSED', anomalyIds: ['a1'], eventIds: [] };
    const anomaly = {
      id: 'a1', seriesId: 1, seriesKey: 'http_request_duration_seconds_p99{service="big"}', metricName: 'http_request_duration_seconds_p99', resource: 'service:big', application: 'shop',
      kind: 'latency', direction: 'above', startMs: timesMs[8000], endMs: timesMs[8600], peakScore: 0.9999, peakMs: timesMs[8300], peakValue: 100, expected: 50, lower: 38, upper: 62,
      role: 'CAUSAL', cause: 'shift', series: { timesMs, values },
    };
    await page.route((url) => url.pathname.startsWith(`/api/v1/insights/${id}`), (route: Route) => {
      const path = new URL(route.request().url()).pathname;
      if (path.endsWith('/anomalies')) return route.fulfill({ json: { anomalies: [anomaly] } });
      if (path.endsWith('/feedback')) return route.fulfill({ json: { feedback: [] } });
      return route.fulfill({ json: insight });
    });
    await page.goto(`/insights/${id}`);
    const chart = page.getByTestId('anomaly-chart');
    await chart.locator('canvas').waitFor();
    await page.waitForFunction(`(() => { const c = document.querySelector('[data-testid=anomaly-chart] canvas'); return c && c.width > 0; })()`);
    const ink = await canvasInk(page, '[data-testid=anomaly-chart]', LINE_RGB);
    assert.ok(ink.matching > 200, `the 10,000-point line is drawn (${ink.matching} line pixels)`);

    // Drag across the plot: the chart zooms in and offers to reset.
    const over = chart.locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await chart.getByRole('button', { name: 'Reset zoom' }).click();
    await chart.getByText('Drag across the chart to zoom').waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), chart.getByRole('button', { name: 'Download PNG' }).click()]);
    assert.match(download.suggestedFilename(), /^vigil-http_request_duration_seconds_p99-\d+\.png$/);
    const png = readFileSync((await download.path())!);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
    assert.ok(png.length > 5000, `PNG of ${png.length} bytes`);
    assert.deepEqual(errors, []);
  });

  it('shows a proactive insight with its forecast and predicted exhaustion', async () => {
    const { page, errors } = await openPage();
    await page.goto(`/insights?type=proactive`);
    await page.locator(`a[data-insight-id="${proactive.id}"]`).click();
    await page.getByTestId('prediction').getByText('is predicted to reach').waitFor();
    const chart = page.getByTestId('forecast-chart');
    await chart.locator('canvas').waitFor();
    const ink = await canvasInk(page, '[data-testid=forecast-chart]', LINE_RGB);
    assert.ok(ink.matching > 20, `the observed series is drawn (${ink.matching} pixels)`);
    assert.ok(ink.painted > 5000, 'forecast, band and limit are drawn');
    assert.deepEqual(errors, []);
  });

  it('updates the list live from the server-sent event stream, without a reload', async () => {
    const { page, errors } = await openPage();
    const a = fakeInsight('live-a', 0);
    const b = { ...fakeInsight('live-b', 1), name: 'Live insight B arrived' };
    let streamed = false;
    let listCalls = 0;
    const held: Route[] = [];
    await page.route((url) => url.pathname === '/api/v1/insights', (route) => {
      listCalls++;
      const items = streamed ? [b, a] : [a];
      return route.fulfill({ json: { items, total: items.length } });
    });
    await page.route((url) => url.pathname === '/api/v1/stream', (route) => {
      held.push(route); // answered below, once the page shows the first list
    });
    await page.goto('/insights');
    await page.locator('a[data-insight-id="live-a"]').waitFor();
    await eventually(async () => held.length > 0, 'the page opened the event stream');
    await inPage(page, `window.__notReloaded = true`);
    const callsBefore = listCalls;
    streamed = true;
    await held[0]!.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: `: hello\n\nevent: insight\ndata: ${JSON.stringify(b)}\n\n` });
    await page.locator('a[data-insight-id="live-b"]').waitFor();
    assert.equal(await inPage<boolean>(page, 'window.__notReloaded === true'), true, 'the page was not reloaded');
    assert.ok(listCalls > callsBefore);
    for (const r of held.slice(1)) await r.abort().catch(() => undefined);
    assert.deepEqual(errors, []);
  });

  it('is keyboard-navigable: Tab to an insight, Enter opens it', async () => {
    const { page, errors } = await openPage();
    await page.goto('/insights?type=reactive');
    await page.locator(`a[data-insight-id="${reactive.id}"]`).waitFor();
    let found = false;
    for (let k = 0; k < 60 && !found; k++) {
      await page.keyboard.press('Tab');
      found = await inPage<boolean>(page, `document.activeElement?.getAttribute('data-insight-id') === ${JSON.stringify(reactive.id)}`);
    }
    assert.ok(found, 'the insight row is reachable with Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/insights/${encodeURIComponent(reactive.id)}`);
    await headingIsInsight(page, reactive.id);
    assert.deepEqual(errors, []);
  });

  it('fits a phone screen', async () => {
    const { page, errors } = await openPage({ width: 390, height: 844 });
    for (const path of ['/', '/insights', `/insights/${encodeURIComponent(reactive.id)}`, '/events', '/resources', '/settings']) {
      await page.goto(path);
      await page.locator('main h1').first().waitFor();
      await page.waitForTimeout(300);
      const overflow = await inPage<number>(page, `document.documentElement.scrollWidth - window.innerWidth`);
      assert.ok(overflow <= 1, `${path}: the page is ${overflow}px wider than the screen`);
    }
    assert.deepEqual(errors, []);
  });

  it('follows the system theme and keeps the one picked', async () => {
    const { page, errors } = await openPage({ dark: true });
    await page.goto('/');
    assert.equal(await inPage<string>(page, 'document.documentElement.dataset.theme'), 'dark');
    const darkBg = await inPage<string>(page, 'getComputedStyle(document.body).backgroundColor');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    assert.equal(await inPage<string>(page, 'document.documentElement.dataset.theme'), 'light');
    assert.notEqual(await inPage<string>(page, 'getComputedStyle(document.body).backgroundColor'), darkBg);
    await page.reload();
    assert.equal(await inPage<string>(page, 'document.documentElement.dataset.theme'), 'light');
    assert.deepEqual(errors, []);
  });

  it('reads and edits settings through the API: channels, sensitivity, coverage', async () => {
    const { page, errors } = await openPage();
    page.on('dialog', (d) => void d.accept()); // "Delete the channel?"
    await page.goto('/settings');

    // A webhook channel, added with the form.
    await page.getByRole('button', { name: 'Add a channel' }).click();
    const form = page.getByRole('form', { name: 'New channel' });
    await form.getByLabel('Name').fill('e2e-hook');
    await form.getByLabel('URL', { exact: false }).first().fill('http://127.0.0.1:9/hook');
    await form.getByLabel('From severity').selectOption('HIGH');
    await form.getByRole('button', { name: 'Add channel' }).click();
    await page.getByText('Channel "e2e-hook" saved.').waitFor();
    const { channels } = await api<{ channels: { name: string; type: string; minSeverity: string; url: string }[] }>('/api/v1/channels');
    const hook = channels.find((c) => c.name === 'e2e-hook');
    assert.deepEqual(hook && { type: hook.type, minSeverity: hook.minSeverity, url: hook.url }, { type: 'webhook', minSeverity: 'HIGH', url: 'http://127.0.0.1:9/hook' });
    await page.getByRole('cell', { name: /^e2e-hook/ }).waitFor();
    await page.getByRole('row', { name: /e2e-hook/ }).getByRole('button', { name: 'Delete' }).click();
    await page.getByText('"e2e-hook" deleted').waitFor();
    assert.ok(!(await api<{ channels: { name: string }[] }>('/api/v1/channels')).channels.some((c) => c.name === 'e2e-hook'));

    // Sensitivity of the application.
    await page.getByLabel('Sensitivity of shop').selectOption('LOW');
    await eventually(async () => (await api<{ settings: { scope: string; level: string }[] }>('/api/v1/sensitivity')).settings.some((x) => x.scope === 'application:shop' && x.level === 'LOW'), 'the sensitivity is stored');
    await eventually(async () => (await page.getByLabel('Sensitivity of shop').inputValue()) === 'LOW' && (await page.getByLabel('Sensitivity of shop').isEnabled()), 'the page shows the stored level');
    await page.getByLabel('Sensitivity of shop').selectOption('');
    await eventually(async () => !(await api<{ settings: { scope: string }[] }>('/api/v1/sensitivity')).settings.some((x) => x.scope === 'application:shop'), 'the override is removed');

    // Coverage: a selector, then back to everything. A bad selector is refused with the server's reason.
    await page.getByLabel('Only what matches these selectors', { exact: false }).check();
    await page.getByRole('textbox', { name: 'Selectors' }).fill('{namespace="shop"');
    await page.getByRole('button', { name: 'Save coverage' }).click();
    await page.getByRole('alert').filter({ hasText: 'coverage[0]' }).waitFor();
    await page.getByRole('textbox', { name: 'Selectors' }).fill('{namespace="shop"}');
    await page.getByRole('button', { name: 'Save coverage' }).click();
    await eventually(async () => {
      const { coverage } = await api<{ coverage: unknown }>('/api/v1/coverage');
      return Array.isArray(coverage) && coverage.length === 1 && coverage[0] === '{namespace="shop"}';
    }, 'the coverage is stored');
    await page.reload();
    await eventually(async () => (await page.getByRole('textbox', { name: 'Selectors' }).inputValue()) === '{namespace="shop"}', 'the page shows the stored selector after a reload');
    await page.getByLabel('Everything').check();
    await page.getByRole('button', { name: 'Save coverage' }).click();
    await eventually(async () => (await api<{ coverage: unknown }>('/api/v1/coverage')).coverage === 'all', 'the coverage is back to all');
    assert.deepEqual(errors, []);
  });

  /** The insight as the server has it now (names grow as anomalies join). */
  async function insightNow(id: string): Promise<Insight> {
    return api<Insight>(`/api/v1/insights/${encodeURIComponent(id)}`);
  }

  /** The detail page's heading is the insight's current name. */
  async function headingIsInsight(page: Page, id: string): Promise<void> {
    const h1 = page.locator('main h1');
    await h1.waitFor();
    await eventually(async () => (await h1.innerText()) === (await insightNow(id)).name, `the heading names insight ${id}`);
  }
});

describe('dashboard with API tokens (headless Chromium against vigil serve)', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-dashboard-auth-'));
  const TOKEN = 'ui-read-token-0123456789abcdef';
  let vigil: VigilProcess | undefined;
  let browser: Browser | undefined;
  before(async () => {
    ensureDashboardBuilt();
    writeFileSync(join(dir, 'vigil.yaml'), `server:\n  host: 127.0.0.1\nauth:\n  tokens:\n    - name: ui\n      token: ${TOKEN}\n      scopes: [read]\n`);
    vigil = await startVigilProcess(['--config', join(dir, 'vigil.yaml'), '--data-dir', join(dir, 'data')]);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await vigil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for a token, keeps it in this browser and sends it as a bearer token', async () => {
    const context = await browser!.newContext({ baseURL: vigil!.url });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/');
    const prompt = page.getByRole('form', { name: 'API token needed' });
    await prompt.waitFor();
    await prompt.getByLabel('API token').fill(TOKEN);
    const authorizations: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/v1/')) authorizations.push(r.headers().authorization ?? '');
    });
    await prompt.getByRole('button', { name: 'Save token' }).click();
    await page.getByTestId('stat-reactive').filter({ hasText: /^0$/ }).waitFor();
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
    assert.equal(await prompt.count(), 0, 'the prompt is gone');
    assert.equal(await inPage<string>(page, `localStorage.getItem('vigil.token')`), TOKEN);
    assert.ok(authorizations.length > 0 && authorizations.every((a) => a === `Bearer ${TOKEN}`), JSON.stringify(authorizations));
    assert.deepEqual(errors, []);
    await context.close();
  });
});

/** Polls `check` until it is true (WAIT_MS at most). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The list says it shows exactly `n` insights. */
async function waitCount(page: Page, n: number): Promise<void> {
  await page.getByTestId('result-count').filter({ hasText: new RegExp(`^${n} insights?$`) }).waitFor();
}

function fakeInsight(id: string, k: number): Insight {
  const sev = (['HIGH', 'MEDIUM', 'LOW'] as const)[k % 3]!;
  const start = Date.now() - (k + 1) * 60_000;
  return {
    id, type: 'REACTIVE', name: `Synthetic insight ${k}`, severity: sev, status: k % 4 === 0 ? 'CLOSED' : 'ONGOING', application: 'shop',
    startMs: start, endMs: k % 4 === 0 ? start + 30_000 : null, updatedMs: start + 30_000, resources: [`service:shop/s${k}`], anomalyIds: [`a-${k}`], eventIds: [],
    rootCauses: [], recommendations: [], prediction: null,
  };
}
