// drainRequest: reads and discards an unread request body, bounded in bytes and time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { drainRequest } from '../../src/app/drain-request.js';

function message(headers: Record<string, string>): IncomingMessage {
  const m = new IncomingMessage(new Socket());
  m.headers = headers;
  return m;
}

describe('drainRequest', () => {
  it('reads the rest of the body to its end', async () => {
    const m = message({ 'content-length': '6' });
    m.pause();
    const done = drainRequest(m, { maxBytes: 100, timeoutMs: 5_000 });
    m.push(Buffer.from('abc'));
    m.push(Buffer.from('def'));
    m.push(null);
    await done;
    assert.equal(m.readableEnded, true);
  });

  it('does not read a body declared larger than the bound', async () => {
    const m = message({ 'content-length': '1000' });
    m.pause();
    await drainRequest(m, { maxBytes: 100, timeoutMs: 5_000 });
    assert.equal(m.isPaused(), true, 'left alone: the connection is simply closed');
  });

  it('stops after the bound when no length was declared, and at the deadline when the body trickles', async () => {
    const chunked = message({ 'transfer-encoding': 'chunked' });
    const over = drainRequest(chunked, { maxBytes: 10, timeoutMs: 60_000 });
    chunked.push(Buffer.alloc(11));
    await over;
    const slow = message({ 'content-length': '100' });
    const t0 = performance.now();
    const alive = setTimeout(() => undefined, 1_000); // the drain's own timer is unref()ed
    await drainRequest(slow, { maxBytes: 1000, timeoutMs: 50 });
    clearTimeout(alive);
    assert.ok(performance.now() - t0 >= 45);
  });

  it('returns at once for a request already read', async () => {
    const m = message({});
    m.complete = true;
    await drainRequest(m, { maxBytes: 10, timeoutMs: 60_000 });
  });
});
