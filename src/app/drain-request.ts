// Answering before the request body has been read (413 on its Content-Length, 401, 429) and then
// closing the connection makes the client fail with EPIPE / ECONNRESET while it is still writing,
// so it never sees the coded reason (measured: 8 of 30 fetches of a 17 MiB body to a 16 MiB limit).
// The unread rest is therefore read and discarded first — never buffered — up to a bound in bytes
// and time, so a huge or trickling body cannot pin the connection.
import type { IncomingMessage } from 'node:http';

export interface DrainLimits {
  /** Most bytes read and discarded; a larger declared body is not drained at all. */
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** Resolves once the body has ended, the bound is passed or the deadline comes; never rejects. */
export function drainRequest(raw: IncomingMessage, limits: DrainLimits): Promise<void> {
  if (raw.complete || raw.readableEnded || raw.destroyed) return Promise.resolve();
  const declared = Number(raw.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limits.maxBytes) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (): void => {
      clearTimeout(timer);
      raw.removeListener('data', onData);
      raw.removeListener('end', finish);
      raw.removeListener('error', finish);
      raw.removeListener('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > limits.maxBytes) finish();
    };
    const timer = setTimeout(finish, limits.timeoutMs);
    timer.unref();
    raw.on('data', onData);
    raw.once('end', finish);
    raw.once('error', finish);
    raw.once('close', finish);
    raw.resume();
  });
}
