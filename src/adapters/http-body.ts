// Shared by the adapters that call receivers over HTTP (notification channels, runbook actions):
// reading an answer without trusting its size. A module at src/adapters/, not an adapter itself.

/** The answer's text, at most `max` bytes; the rest is discarded without being buffered. */
export async function readBounded(res: Response, max: number): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.byteLength;
    if (n >= max) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
