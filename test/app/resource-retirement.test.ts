// Resources are retired when their series stop reporting for resources.retireAfter (stream time),
// and only then — also when stream time moves by days between two checkpoints (a fast replay).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { MemoryStore } from '../../src/adapters/store/index.js';
import { resolveConfig } from '../../src/app/config.js';
import { VigilApp, createIngestCounts } from '../../src/app/vigil-app.js';

const T0 = Date.UTC(2026, 0, 5);
const MIN = 60_000;

async function makeApp(): Promise<{ app: VigilApp; now: { t: number } }> {
  const store = new MemoryStore();
  await store.migrate();
  const now = { t: T0 };
  const app = new VigilApp({ config: resolveConfig({ log: { level: 'silent' }, resources: { retireAfter: '15m' } }, {}), store, log: pino({ level: 'silent' }), clock: { now: () => now.t } });
  await app.restore();
  return { app, now };
}

/** One sample per minute of each instance's `up` from `fromMin` to `toMin` (exclusive). */
function feed(app: VigilApp, now: { t: number }, instances: readonly string[], fromMin: number, toMin: number): void {
  const counts = createIngestCounts();
  for (let m = fromMin; m < toMin; m++) {
    const t = T0 + m * MIN;
    now.t = t;
    const ids = new Int32Array(instances.map((i) => app.seriesId({ __name__: 'up', job: 'node', instance: i }, t, 'gauge')));
    app.ingest({ ids, timesMs: new Float64Array(ids.length).fill(t), values: new Float64Array(ids.length).fill(1), count: ids.length }, counts);
  }
}

describe('resource retirement', () => {
  it('keeps resources that report while stream time moves by days between checkpoints', async () => {
    const { app, now } = await makeApp();
    feed(app, now, ['a:9100', 'b:9100'], 0, 1);
    await app.flush();
    // Two days of samples with no checkpoint in between, then a flush.
    feed(app, now, ['a:9100', 'b:9100'], 1, 2 * 1440);
    await app.flush();
    const rs = app.listResources();
    assert.equal(rs.length, 2);
    assert.ok(rs.every((r) => r.retiredMs === null), JSON.stringify(rs));
    assert.equal(app.resourceCount(), 2);
  });

  it('retires a resource whose series stopped reporting for retireAfter, and only that one', async () => {
    const { app, now } = await makeApp();
    feed(app, now, ['a:9100', 'b:9100'], 0, 60);
    await app.flush(true);
    // b stops; a goes on for 20 more minutes (past the 15-minute retireAfter).
    feed(app, now, ['a:9100'], 60, 80);
    await app.flush();
    const byKey = new Map(app.listResources().map((r) => [r.key, r]));
    const retired = [...byKey.values()].filter((r) => r.retiredMs !== null);
    assert.equal(retired.length, 1, JSON.stringify([...byKey.values()]));
    assert.match(retired[0]!.key, /b/);
    assert.equal(app.resourceCount(), 1);
  });
});
