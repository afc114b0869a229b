// Polling helpers for the end-to-end tests: wait for a condition with a deadline that says what
// was awaited (and the last error seen), fetch JSON that fails loudly on a non-2xx answer.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `fn` every `intervalMs` until it returns something other than undefined; a throw counts as
 * "not yet" and is quoted if the deadline passes. `diagnose` adds context (peer logs) to the error.
 */
export async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>, opts: { intervalMs?: number; diagnose?: () => string } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const context = opts.diagnose?.() ?? '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}${context ? `\n${context}` : ''}`);
    }
    await sleep(opts.intervalMs ?? 250);
  }
}

/** GET (or `init`) `url` and parse JSON; a non-2xx answer throws with its status and body. */
export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000), ...init });
  if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}
