// A receiver that is down for 10 minutes gets every notification after it comes back, in order.
//
// In process, on an injected clock (no 10-minute sleep): the real notifier, the real webhook sender
// and a real HTTP receiver on a loopback port. For five simulated minutes the receiver answers 503;
// for the next five its port is closed (connection refused). Seven transitions happen meanwhile.
// Then it listens again. The notifier ticks once per simulated second, as in `vigil serve`.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';

import { createChannelSender } from '../../src/adapters/notify/index.js';
import { MemoryStore } from '../../src/adapters/store/index.js';
import { Notifier } from '../../src/app/notifier.js';
import type { InsightTransition } from '../../src/core/model/index.js';
import type { ChannelSpec } from '../../src/core/notify/index.js';
import { seededRandom } from '../../src/core/sim/index.js';
import { T0, makeInsight } from '../support/notify-fixtures.js';

const MIN = 60_000;
const log = pino({ level: 'silent' });

interface Request {
  readonly atMs: number;
  readonly id: string;
  readonly seq: number;
  readonly status: number;
}

/** A webhook receiver whose behaviour the test switches: 'ok', '503', or closed ('down'). */
class Receiver {
  mode: 'ok' | '503' = '503';
  readonly requests: Request[] = [];
  #server: Server | null = null;
  port = 0;

  constructor(private readonly now: () => number) {}

  async listen(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string };
        const status = this.mode === 'ok' ? 200 : 503;
        this.requests.push({ atMs: this.now(), id: body.id, seq: Number(body.id.split(':').at(-1)), status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver is down for maintenance');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const s = this.#server;
    this.#server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()).closeAllConnections());
  }
}

describe('notification delivery through a 10-minute receiver outage', () => {
  let receiver: Receiver | undefined;
  after(async () => receiver?.close());

  it('delivers every message once the receiver is back, in transition order, none lost, within the rate limit', async () => {
    let now = T0;
    const clock = { now: () => now };
    receiver = new Receiver(clock.now);
    await receiver.listen();
    const store = new MemoryStore();
    await store.migrate();
    const spec: ChannelSpec = { name: 'ops', type: 'webhook', url: `http://127.0.0.1:${receiver.port}/vigil`, minSeverity: 'MEDIUM', types: ['NEW_INSIGHT', 'SEVERITY_UPGRADED', 'CLOSED_INSIGHT'], rateLimitPerMinute: 6 };
    const notifier = new Notifier({
      store, log, clock, random: seededRandom(42), configChannels: [spec], env: {},
      retry: { initialDelayMs: 1000, maxDelayMs: 60_000, maxAgeMs: 86_400_000 },
      createSender: (s) => createChannelSender(s, { nowMs: clock.now, timeoutMs: 5000 }),
    });

    // Seven transitions during the outage: five insights open, one is upgraded, one closes.
    // A LOW one in between is not for this channel (minSeverity MEDIUM).
    const plan: [number, InsightTransition][] = [
      [10_000, { insightId: 'ins-a', type: 'NEW_INSIGHT', timeMs: T0 + 10_000, severity: 'MEDIUM' }],
      [70_000, { insightId: 'ins-b', type: 'NEW_INSIGHT', timeMs: T0 + 70_000, severity: 'HIGH' }],
      [130_000, { insightId: 'ins-low', type: 'NEW_INSIGHT', timeMs: T0 + 130_000, severity: 'LOW' }],
      [190_000, { insightId: 'ins-c', type: 'NEW_INSIGHT', timeMs: T0 + 190_000, severity: 'HIGH' }],
      [250_000, { insightId: 'ins-a', type: 'SEVERITY_UPGRADED', timeMs: T0 + 250_000, severity: 'HIGH' }],
      [370_000, { insightId: 'ins-d', type: 'NEW_INSIGHT', timeMs: T0 + 370_000, severity: 'MEDIUM' }],
      [430_000, { insightId: 'ins-e', type: 'NEW_INSIGHT', timeMs: T0 + 430_000, severity: 'HIGH' }],
      [490_000, { insightId: 'ins-b', type: 'CLOSED_INSIGHT', timeMs: T0 + 490_000, severity: 'HIGH' }],
    ];
    for (const id of ['ins-a', 'ins-b', 'ins-c', 'ins-d', 'ins-e', 'ins-low']) await store.upsertInsights([makeInsight(id, { severity: id === 'ins-low' ? 'LOW' : 'HIGH' })]);

    const outageEnd = T0 + 10 * MIN;
    let next = 0;
    let downSince: number | null = null;
    for (; now < outageEnd + 5 * MIN; now += 1000) {
      while (next < plan.length && T0 + plan[next]![0] <= now) await store.appendTransitions([plan[next++]![1]]);
      if (now >= T0 + 5 * MIN && now < outageEnd && downSince === null) {
        await receiver.close(); // connection refused from here on
        downSince = now;
      }
      if (now >= outageEnd && downSince !== null) {
        receiver.mode = 'ok';
        await receiver.listen(receiver.port);
        downSince = null;
      }
      await notifier.runOnce();
      if (now >= outageEnd && (await store.listOutbox({ statuses: ['PENDING'] })).length === 0) break;
    }
    await notifier.stop();
    assert.equal(next, plan.length);

    const transitions = await store.listTransitions(0);
    const wanted = transitions.filter((t) => t.insightId !== 'ins-low').map((t) => `${t.insightId}:${t.seq}`);
    assert.equal(wanted.length, 7);

    // Nothing got through while it was down; it was tried, and the failures are in the log.
    const during = receiver.requests.filter((r) => r.atMs < outageEnd);
    assert.ok(during.length > 0 && during.every((r) => r.status === 503), 'the 503 phase saw attempts, all refused');
    const lines = await store.listDeliveries({ channel: 'ops', limit: 1000 });
    assert.ok(lines.some((l) => l.outcome === 'RETRY' && l.httpStatus === 503), 'a 503 answer is logged as RETRY with its status');
    assert.ok(lines.some((l) => l.outcome === 'RETRY' && l.httpStatus === null && /network error/.test(l.reason ?? '')), 'connection refused is logged as RETRY without status');

    // After it came back: every message exactly once, in seq order.
    const delivered = receiver.requests.filter((r) => r.status === 200);
    assert.deepEqual(delivered.map((r) => r.id), wanted);
    // The ordering rule held throughout: no attempt, failed or not, ever went ahead of an older message.
    for (let i = 1; i < receiver.requests.length; i++) {
      assert.ok(receiver.requests[i]!.seq >= receiver.requests[i - 1]!.seq, `request ${i} (${receiver.requests[i]!.id}) overtook ${receiver.requests[i - 1]!.id}`);
    }
    // The rate limit (6 a minute, burst 1) spaces the backlog: at most 7 in any minute.
    for (const r of delivered) assert.ok(delivered.filter((x) => x.atMs >= r.atMs && x.atMs < r.atMs + MIN).length <= 7);
    assert.ok(delivered.at(-1)!.atMs - delivered[0]!.atMs >= 50_000, 'seven messages at 6/min take about a minute');
    // Retries were spread by backoff, not one per tick: far fewer attempts than the 600 seconds of outage.
    assert.ok(during.length < 60, `${during.length} attempts during the outage`);

    const rows = await store.listOutbox({ channel: 'ops', limit: 1000 });
    assert.deepEqual(rows.map((r) => r.status), Array(7).fill('DELIVERED'));
    assert.ok(rows[0]!.attempts > 3, `the head was retried (${rows[0]!.attempts} attempts)`);
    const lastLine = (await store.listDeliveries({ channel: 'ops', insightId: 'ins-b', limit: 1 }))[0]!;
    assert.equal(lastLine.type, 'CLOSED_INSIGHT');
    assert.equal(lastLine.outcome, 'DELIVERED');
    assert.equal(lastLine.httpStatus, 200);
  });
});
