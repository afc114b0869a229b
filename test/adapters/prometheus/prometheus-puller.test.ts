// Tests for PrometheusPuller (src/adapters/prometheus/prometheus-puller.ts) against the fake
// Prometheus API (test/adapters/prometheus/fake-prometheus.ts) on a manual clock and manual timers:
//
//   * warm start: a long range is chunked under the points limit, delivered oldest chunk first,
//     every grid point exactly once (and a fast-check property over ranges, steps and limits);
//   * outages: 503s and a refused connection back off exponentially with jitter, then the puller
//     catches up with no duplicate and no missing point;
//   * series appearing (warm-started) and disappearing (reported gone after goneAfterMs);
//   * a bad selector: a non-retryable error carrying Prometheus' message;
//   * large metrics split into several queries, label values with regex metacharacters included.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { PrometheusClient, PrometheusPuller, type PullerSink, type PullerStatus, type PrometheusPullerOptions } from '../../../src/adapters/prometheus/index.js';
import { seriesKey, type Labels } from '../../../src/core/model/index.js';
import { FakePrometheus, type FakeSeries } from './fake-prometheus.js';

const T0_MS = Date.UTC(2026, 0, 10, 12, 0, 0);
const MIN_MS = 60_000;
const HOUR_MS = 60 * MIN_MS;

class ManualClock {
  constructor(public ms: number) {}
  now = (): number => this.ms;
}

/** At most one timer is pending at a time in the puller; these record it and fire it on demand. */
class ManualTimers {
  pending: { fn: () => void; dueMs: number; delayMs: number; id: number } | null = null;
  delays: number[] = [];
  private nextId = 1;
  constructor(private readonly clock: ManualClock) {}
  setTimeout = (fn: () => void, ms: number): unknown => {
    assert.equal(this.pending, null, 'the puller scheduled a second cycle while one was pending');
    const id = this.nextId++;
    this.pending = { fn, dueMs: this.clock.ms + ms, delayMs: ms, id };
    this.delays.push(ms);
    return id;
  };
  clearTimeout = (handle: unknown): void => {
    if (this.pending?.id === handle) this.pending = null;
  };
}

interface Delivery {
  labels: Labels;
  type: string;
  times: number[];
  values: number[];
}

class RecordingSink implements PullerSink {
  deliveries: Delivery[] = [];
  gone: { key: string; atMs: number }[] = [];
  statuses: PullerStatus[] = [];
  constructor(private readonly clock: ManualClock) {}
  onSamples(labels: Labels, metricType: string, timesMs: Float64Array, values: Float64Array): void {
    this.deliveries.push({ labels, type: metricType, times: [...timesMs], values: [...values] });
  }
  onSeriesGone(labels: Labels): void {
    this.gone.push({ key: seriesKey(labels), atMs: this.clock.ms });
  }
  onStatus(status: PullerStatus): void {
    this.statuses.push(status);
  }
  /** All delivered times of one series, in delivery order. */
  times(labels: Labels): number[] {
    const key = seriesKey(labels);
    return this.deliveries.filter((d) => seriesKey(d.labels) === key).flatMap((d) => d.times);
  }
}

interface Harness {
  fake: FakePrometheus;
  clock: ManualClock;
  timers: ManualTimers;
  sink: RecordingSink;
  puller: PrometheusPuller;
  /** Fires the pending timer (advancing the clock to it, plus `extraMs`) and waits for the cycle. */
  step(extraMs?: number): Promise<number>;
}

const openFakes: FakePrometheus[] = [];
after(async () => {
  for (const f of openFakes) await f.close();
});

async function harness(series: FakeSeries[], options: Partial<PrometheusPullerOptions> = {}, overSocket = true): Promise<Harness> {
  const clock = new ManualClock(T0_MS);
  const fake = new FakePrometheus(clock.now);
  fake.series.push(...series);
  fake.metadata = { cpu_seconds_total: [{ type: 'counter', unit: 'seconds', help: '' }], temp: [{ type: 'gauge', unit: '', help: '' }] };
  let client: PrometheusClient;
  if (overSocket) {
    openFakes.push(fake);
    client = new PrometheusClient({ baseUrl: await fake.listen(), timeoutMs: 5000 });
  } else {
    client = new PrometheusClient({ baseUrl: 'http://fake', fetch: fake.fetch });
  }
  const timers = new ManualTimers(clock);
  const sink = new RecordingSink(clock);
  const puller = new PrometheusPuller({ client, sink, clock, timers, random: () => 0.5, ...options });
  const step = async (extraMs = 0): Promise<number> => {
    const p = timers.pending;
    assert.ok(p, 'no cycle scheduled');
    timers.pending = null;
    clock.ms = Math.max(clock.ms, p.dueMs) + extraMs;
    p.fn();
    await puller.idle();
    return p.delayMs;
  };
  return { fake, clock, timers, sink, puller, step };
}

function gauge(labels: Labels, fromMs: number, untilMs = Infinity, intervalMs = 1000): FakeSeries {
  return { labels, fromMs, untilMs, intervalMs, value: (t) => (t / 1000) % 977 };
}

/** The grid [fromMs, toMs] with step stepMs, both ends included. */
function grid(fromMs: number, toMs: number, stepMs: number): number[] {
  const out: number[] = [];
  for (let t = fromMs; t <= toMs; t += stepMs) out.push(t);
  return out;
}

describe('PrometheusPuller warm start', () => {
  it('chunks a long range under the points limit, oldest chunk first, every point once', async () => {
    const a = { __name__: 'temp', host: 'a' };
    const b = { __name__: 'temp', host: 'b' };
    const h = await harness([gauge(a, T0_MS - 5 * HOUR_MS), gauge(b, T0_MS - 2 * HOUR_MS)], {
      warmStartMs: 3 * HOUR_MS, stepSec: 1, maxPointsPerQuery: 1000,
    });
    h.puller.start();
    await h.step();
    const queries = h.fake.queryRanges();
    // 3 h at 1 s is 10,801 points: 11 chunks of at most 1,000, for the one batch `temp`.
    assert.equal(queries.length, 11);
    let expectStart = T0_MS - 3 * HOUR_MS;
    for (const q of queries) {
      const s = Number(q.params.get('start')) * 1000;
      const e = Number(q.params.get('end')) * 1000;
      assert.equal(s, expectStart, 'chunks are contiguous and oldest first');
      assert.ok((e - s) / 1000 + 1 <= 1000, `chunk of ${(e - s) / 1000 + 1} points`);
      assert.match(q.params.get('query')!, /^\{__name__="temp"\}$/);
      expectStart = e + 1000;
    }
    assert.equal(expectStart, T0_MS + 1000, 'the last chunk ends at now');
    assert.deepEqual(h.sink.times(a), grid(T0_MS - 3 * HOUR_MS, T0_MS, 1000));
    assert.deepEqual(h.sink.times(b), grid(T0_MS - 2 * HOUR_MS, T0_MS, 1000));
    const first = h.sink.deliveries.find((d) => seriesKey(d.labels) === seriesKey(a))!;
    assert.equal(first.type, 'gauge');
    assert.equal(first.values[0], ((T0_MS - 3 * HOUR_MS) / 1000) % 977);
    const st = h.puller.status();
    assert.equal(st.state, 'ok');
    assert.deepEqual(st.warmStart, { seriesDone: 2, seriesTotal: 2 });
    assert.ok(h.sink.statuses.some((s) => s.state === 'warming'), 'reports warming while it warms');
    await h.puller.stop();
  });

  it('stays under Prometheus\' own 11,000-point limit with the defaults (7 days at 30 s)', async () => {
    const a = { __name__: 'cpu_seconds_total', cpu: '0' };
    const h = await harness([gauge(a, T0_MS - 8 * 24 * HOUR_MS, Infinity, 30_000)], { stepSec: 30 }, false);
    h.puller.start();
    await h.step();
    assert.equal(h.puller.status().lastError, null, JSON.stringify(h.puller.status().lastError));
    assert.equal(h.fake.queryRanges().length, 2);
    assert.deepEqual(h.sink.times(a), grid(T0_MS - 7 * 24 * HOUR_MS, T0_MS, 30_000));
    assert.equal(h.sink.deliveries[0].type, 'counter');
    await h.puller.stop();
  });

  it('delivers exactly the grid once, in order, for any range, step and limit (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }), // stepSec
        fc.integer({ min: 0, max: 400 }), // warm-start length in steps
        fc.integer({ min: 2, max: 60 }), // maxPointsPerQuery
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 4 }), // poll gaps in seconds
        async (stepSec, steps, maxPoints, gapsSec) => {
          const stepMs = stepSec * 1000;
          const a = { __name__: 'temp', host: 'a' };
          const h = await harness([gauge(a, 0, Infinity, 1000)], {
            stepSec, warmStartMs: steps * stepMs, maxPointsPerQuery: maxPoints, pollIntervalMs: 1000,
          }, false);
          h.puller.start();
          await h.step();
          for (const g of gapsSec) await h.step(g * 1000);
          const end = Math.floor(h.clock.ms / stepMs) * stepMs;
          const start = Math.ceil((Math.floor(T0_MS / stepMs) * stepMs - steps * stepMs) / stepMs) * stepMs;
          assert.deepEqual(h.sink.times(a), grid(start, end, stepMs));
          for (const q of h.fake.queryRanges()) {
            const n = (Number(q.params.get('end')) - Number(q.params.get('start'))) / stepSec + 1;
            assert.ok(n <= maxPoints);
          }
          await h.puller.stop();
        },
      ),
      { numRuns: 40, seed: 20260110 },
    );
  });
});

describe('PrometheusPuller outages', () => {
  it('backs off on 503 and refused connections, then catches up without duplicates or gaps', async () => {
    const a = { __name__: 'temp', host: 'a' };
    const b = { __name__: 'cpu_seconds_total', host: 'a' };
    const h = await harness([gauge(a, T0_MS - HOUR_MS), gauge(b, T0_MS - HOUR_MS, Infinity, 15_000)], {
      warmStartMs: 10 * MIN_MS, stepSec: 15, pollIntervalMs: 30_000, backoffBaseMs: 1000, backoffMaxMs: 8000,
    });
    h.puller.start();
    await h.step();
    await h.step();
    assert.equal(h.puller.status().state, 'ok');

    h.fake.failWith = { status: 503, errorType: 'unavailable', error: 'TSDB not ready' };
    await h.step();
    let st = h.puller.status();
    assert.equal(st.state, 'down');
    assert.equal(st.consecutiveFailures, 1);
    assert.equal(st.lastError?.retryable, true);
    assert.equal(st.lastError?.status, 503);
    assert.match(st.lastError!.reason, /TSDB not ready/);
    const backoffs = [await h.step(), await h.step()];
    await h.fake.goDown();
    h.fake.failWith = null;
    backoffs.push(await h.step(), await h.step(), await h.step(), await h.step());
    st = h.puller.status();
    assert.equal(st.consecutiveFailures, 7);
    assert.equal(st.lastError?.code, 'VIGIL_ERR_PROM_UNREACHABLE');
    // Equal jitter with random() = 0.5: three quarters of min(cap, base·2^(n−1)).
    backoffs.push(h.timers.pending!.delayMs);
    assert.deepEqual(backoffs, [750, 1500, 3000, 6000, 6000, 6000, 6000]);

    await h.fake.comeBack();
    await h.step(5 * MIN_MS); // a long outage: the catch-up must cover it
    st = h.puller.status();
    assert.equal(st.state, 'ok');
    assert.equal(st.consecutiveFailures, 0);
    assert.equal(st.lastSuccessMs, h.clock.ms);
    await h.step();
    const end = Math.floor(h.clock.ms / 15_000) * 15_000;
    for (const labels of [a, b]) assert.deepEqual(h.sink.times(labels), grid(T0_MS - 10 * MIN_MS, end, 15_000), seriesKey(labels));
    await h.puller.stop();
    assert.equal(h.puller.status().state, 'stopped');
    assert.equal(h.timers.pending, null, 'stop() cancels the next cycle');
  });

  it('surfaces a bad selector as a non-retryable error with Prometheus\' message', async () => {
    const h = await harness([gauge({ __name__: 'temp' }, T0_MS - HOUR_MS)], { selectors: ['{job="node"'] });
    h.puller.start();
    await h.step();
    const st = h.puller.status();
    assert.equal(st.state, 'down');
    assert.equal(st.lastError?.retryable, false);
    assert.equal(st.lastError?.status, 400);
    assert.match(st.lastError!.reason, /bad_data: 1:\d+: parse error/);
    assert.equal(h.sink.deliveries.length, 0);
    await h.puller.stop();
  });
});

describe('PrometheusPuller discovery', () => {
  it('warm-starts series that appear and reports series gone after goneAfterMs', async () => {
    const steady = { __name__: 'temp', host: 'steady' };
    const late = { __name__: 'temp', host: 'late' };
    const leaving = { __name__: 'cpu_seconds_total', host: 'leaving' };
    const h = await harness([
      gauge(steady, T0_MS - HOUR_MS),
      gauge(late, T0_MS + 10 * MIN_MS),
      gauge(leaving, T0_MS - HOUR_MS, T0_MS + 5 * MIN_MS),
    ], {
      warmStartMs: 30 * MIN_MS, stepSec: 10, pollIntervalMs: MIN_MS, discoveryIntervalMs: 2 * MIN_MS,
      discoveryLookbackMs: MIN_MS, goneAfterMs: 3 * MIN_MS,
    });
    h.puller.start();
    await h.step();
    assert.equal(h.puller.status().series, 2);
    while (h.clock.ms < T0_MS + 20 * MIN_MS) await h.step();
    const end = Math.floor(h.clock.ms / 10_000) * 10_000;

    assert.deepEqual(h.sink.times(steady), grid(T0_MS - 30 * MIN_MS, end, 10_000));
    // The late series is discovered at the first discovery after it starts and warm-started from its
    // first point (inside the warm-start window); then polled like the others.
    assert.deepEqual(h.sink.times(late), grid(T0_MS + 10 * MIN_MS, end, 10_000));
    assert.deepEqual(h.sink.times(leaving), grid(T0_MS - 30 * MIN_MS, T0_MS + 5 * MIN_MS, 10_000));

    assert.equal(h.sink.gone.length, 1);
    assert.equal(h.sink.gone[0].key, seriesKey(leaving));
    // Last listed by the discovery at +6 min (its lookback still covers +5 min); gone 3 min after that,
    // noticed by the next discovery at +10 min.
    assert.equal(h.sink.gone[0].atMs, T0_MS + 10 * MIN_MS);
    const st = h.puller.status();
    assert.equal(st.series, 2);
    assert.deepEqual(st.warmStart, { seriesDone: 3, seriesTotal: 3 });
    await h.puller.stop();
  });

  it('splits a large metric over several queries, label values with regex metacharacters included', async () => {
    const hosts = ['a.b:9100', 'a|b', 'c(d)', 'e*', 'f', 'g\\h', 'i"j'];
    const series = hosts.map((host) => gauge({ __name__: 'temp', job: 'node', host }, T0_MS - HOUR_MS));
    // A stranger that the regex `a.b:9100` would match if it were not escaped.
    const stranger = { __name__: 'temp', job: 'node', host: 'aXb:9100' };
    const h = await harness([...series, gauge(stranger, T0_MS - HOUR_MS)], {
      selectors: hosts.map((host) => `{__name__="temp", host="${host.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"}`),
      warmStartMs: 5 * MIN_MS, stepSec: 60, maxSeriesPerQuery: 3,
    });
    h.puller.start();
    await h.step();
    assert.equal(h.puller.status().lastError, null, JSON.stringify(h.puller.status().lastError));
    const queries = h.fake.queryRanges().map((q) => q.params.get('query')!);
    // 3 + 3 + 1 series: two regex batches, and a batch of one whose labels are all exact.
    assert.equal(queries.length, 3);
    assert.equal(queries.filter((q) => /^\{__name__="temp", job="node", host=~".+"\}$/.test(q)).length, 2, queries.join('\n'));
    assert.ok(queries.includes('{__name__="temp", host="i\\"j", job="node"}'), queries.join('\n'));
    for (const s of series) assert.deepEqual(h.sink.times(s.labels), grid(T0_MS - 5 * MIN_MS, T0_MS, 60_000), seriesKey(s.labels));
    assert.deepEqual(h.sink.times(stranger), []);
    await h.puller.stop();
  });
});

describe('PrometheusPuller against a sloppy server', () => {
  it('never delivers a timestamp twice or out of order, even when answers overlap or are unsorted', async () => {
    // Some Prometheus-compatible servers answer points outside [start, end] or repeat them; the
    // puller's promise to the sink must hold anyway.
    const labels = { __name__: 'temp', host: 'a' };
    const clock = new ManualClock(T0_MS);
    const timers = new ManualTimers(clock);
    const sink = new RecordingSink(clock);
    const answers = [
      [T0_MS - 2000, T0_MS - 1000, T0_MS],
      [T0_MS - 1000, T0_MS, T0_MS + 2000, T0_MS + 1000, T0_MS + 2000, T0_MS + 3000],
      [T0_MS + 3000, T0_MS + 4000],
    ];
    let call = 0;
    const api = {
      series: async () => ({ ok: true as const, value: [labels] }),
      metadata: async () => ({ ok: true as const, value: new Map() }),
      queryRange: async () => {
        const times = answers[Math.min(call++, answers.length - 1)];
        return { ok: true as const, value: [{ labels, timesMs: Float64Array.from(times), values: Float64Array.from(times, (t) => t / 1000) }] };
      },
    };
    const puller = new PrometheusPuller({ client: api, sink, clock, timers, stepSec: 1, warmStartMs: 2000, pollIntervalMs: 3000 });
    puller.start();
    for (let i = 0; i < 3; i++) {
      const p = timers.pending!;
      timers.pending = null;
      clock.ms = p.dueMs;
      p.fn();
      await puller.idle();
    }
    assert.deepEqual(sink.times(labels), [T0_MS - 2000, T0_MS - 1000, T0_MS, T0_MS + 2000, T0_MS + 3000, T0_MS + 4000]);
    for (const d of sink.deliveries) assert.deepEqual(d.values, d.times.map((t) => t / 1000));
    await puller.stop();
  });
});
