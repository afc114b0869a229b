// kill -9 of `vigil serve` between an insight opening and its delivery: after a restart the
// notification is delivered, and delivered once to a receiver that honours the dedup key.
//
// The insight and its NEW_INSIGHT transition are written to the SQLite store before Vigil starts
// (as the insights engine would have, moments before a crash). The webhook receiver holds the
// first delivery open without answering — the message is on the wire, not acknowledged — and the
// test kills Vigil with SIGKILL right then. Vigil restarts on the same data directory.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openStore } from '../../src/adapters/store/index.js';
import { startVigilProcess, type VigilProcess } from '../support/vigil-process.js';
import { makeAnomaly, makeInsight } from '../support/notify-fixtures.js';

/** Counts every request, and processes each message id once (the dedup key), as a careful receiver does. */
class DedupReceiver {
  readonly raw: { id: string; delivery: string | undefined }[] = [];
  readonly processed: string[] = [];
  holdNext = true;
  held: ServerResponse | null = null;
  #onRequest: (() => void) | null = null;
  readonly server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; type: string; insight: { id: string } };
      this.raw.push({ id: body.id, delivery: req.headers['x-vigil-delivery'] as string | undefined });
      this.#onRequest?.();
      if (this.holdNext) {
        this.holdNext = false;
        this.held = res; // no answer: the sender cannot know whether it arrived
        return;
      }
      if (!this.processed.includes(body.id)) this.processed.push(body.id);
      res.writeHead(200).end('ok');
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/vigil`;
  }

  async waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; requests so far: ${JSON.stringify(this.raw)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.#onRequest = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  close(): Promise<void> {
    this.held?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()).closeAllConnections());
  }
}

describe('kill -9 between an insight opening and its notification', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-kill9-'));
  const receiver = new DedupReceiver();
  let vigil: VigilProcess | undefined;
  after(async () => {
    await vigil?.kill9();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers the notification after the restart, once by its dedup key', async () => {
    const url = await receiver.listen();
    const dataDir = join(dir, 'data');
    const config = join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      [
        `dataDir: ${JSON.stringify(dataDir)}`,
        'log:',
        '  level: info',
        'notifications:',
        '  channels:',
        '    - name: oncall-hook',
        '      type: webhook',
        `      url: ${JSON.stringify(url)}`,
        '  retry:',
        '    initialDelay: 200ms',
        '    maxDelay: 2s',
        '',
      ].join('\n'),
    );

    // The engine's writes, as they were when Vigil died: insight, anomaly, NEW_INSIGHT transition.
    const store = await openStore({ kind: 'sqlite', path: join(dataDir, 'vigil.db') });
    const insight = makeInsight('ins-kill9', { severity: 'HIGH' });
    await store.upsertInsights([insight]);
    await store.upsertAnomalies([{ insightId: insight.id, anomaly: makeAnomaly('an-1-1') }]);
    await store.appendTransitions([{ insightId: insight.id, type: 'NEW_INSIGHT', timeMs: insight.startMs, severity: 'HIGH' }]);
    const [transition] = await store.listTransitions(0);
    await store.close();
    const id = `${insight.id}:${transition!.seq}`;

    vigil = await startVigilProcess(['--config', config]);
    await receiver.waitFor(() => receiver.held !== null, 30_000, 'the first delivery');
    await vigil.kill9(); // mid-delivery: sent, never acknowledged
    receiver.held!.destroy();
    assert.equal(receiver.processed.length, 0, 'nothing was acknowledged before the kill');

    vigil = await startVigilProcess(['--config', config]);
    await receiver.waitFor(() => receiver.processed.length === 1, 30_000, 'the delivery after the restart');
    // Give a duplicate every chance to show up.
    await new Promise((resolve) => setTimeout(resolve, 3000));

    assert.deepEqual(receiver.processed, [id], 'processed exactly once by its dedup key');
    assert.ok(receiver.raw.length >= 2, `at least once on the wire: ${receiver.raw.length} requests`);
    assert.ok(receiver.raw.every((r) => r.id === id && r.delivery === id), `every request carried the same id: ${JSON.stringify(receiver.raw)}`);

    const deliveries = (await (await fetch(`${vigil.url}/api/v1/deliveries?channel=oncall-hook`)).json()) as { deliveries: { messageId: string; outcome: string; httpStatus: number | null; attempt: number }[] };
    assert.equal(deliveries.deliveries[0]?.messageId, id);
    assert.equal(deliveries.deliveries[0]?.outcome, 'DELIVERED');
    assert.equal(deliveries.deliveries[0]?.httpStatus, 200);
    assert.equal(deliveries.deliveries.filter((d) => d.outcome === 'DELIVERED').length, 1);

    // A graceful restart after delivery sends nothing again.
    const before = receiver.raw.length;
    assert.equal(await vigil.stop(), 0, vigil.output());
    vigil = await startVigilProcess(['--config', config]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(receiver.raw.length, before, 'a delivered message is not sent again after a restart');
    assert.equal(await vigil.stop(), 0, vigil.output());
    vigil = undefined;
  });
});
