/**
 * A runbook's HTTP action (an ArgoCD rollback, an Argo Rollouts abort, a scale request): one
 * request with a deadline. Redirects are not followed — a bearer token must not travel to
 * whatever host a redirect names — and the answer is read only up to a bound, for the audit log.
 */
import { readBounded } from '../http-body.js';

export interface HttpActionRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  /** Sent as Authorization: Bearer <token>; never logged. */
  readonly bearerToken?: string;
  readonly timeoutMs: number;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

export interface HttpActionResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly httpStatus: number | null;
  readonly durationMs: number;
  readonly detail: string;
}

const MAX_ANSWER_BYTES = 2048;

export async function runHttpAction(req: HttpActionRequest): Promise<HttpActionResult> {
  const started = performance.now();
  const headers: Record<string, string> = { ...req.headers };
  if (req.bearerToken !== undefined) headers.authorization = `Bearer ${req.bearerToken}`;
  const doFetch = req.fetch ?? fetch;
  const elapsed = (): number => Math.round(performance.now() - started);
  let res: Response;
  try {
    res = await doFetch(req.url, {
      method: req.method,
      headers,
      ...(req.body !== null ? { body: req.body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(Math.max(1, req.timeoutMs)),
    });
  } catch (e) {
    const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return { status: 'TIMED_OUT', httpStatus: null, durationMs: elapsed(), detail: `no answer within the ${req.timeoutMs} ms timeout` };
    const cause = err.cause ? ` (${[err.cause.code, err.cause.message].filter(Boolean).join(' ')})` : '';
    return { status: 'FAILED', httpStatus: null, durationMs: elapsed(), detail: `request failed: ${err.message ?? String(e)}${cause}` };
  }
  let text = '';
  try {
    text = await readBounded(res, MAX_ANSWER_BYTES);
  } catch {
    text = '(answer body unreadable)';
  }
  const ok = res.status >= 200 && res.status < 300;
  const where = res.status >= 300 && res.status < 400 ? ` (redirect to ${res.headers.get('location') ?? '?'} not followed)` : '';
  return { status: ok ? 'SUCCEEDED' : 'FAILED', httpStatus: res.status, durationMs: elapsed(), detail: `HTTP ${res.status}${where}${text !== '' ? `: ${text}` : ''}` };
}
