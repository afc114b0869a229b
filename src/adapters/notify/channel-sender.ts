/**
 * Sends one notification to one channel over HTTP and says what happened as a value:
 *
 *   2xx                         { ok: true }
 *   429, 5xx, 408               retryable (Retry-After, seconds or HTTP-date, → retryAfterMs)
 *   other 4xx, 3xx              not retryable: the request or the channel config is wrong
 *   network error, timeout      retryable
 *
 * Redirects are not followed: a channel URL that redirects is a config error, and following it
 * would hand a routing key or API key to whatever host the redirect names. The body of an error
 * answer is read (at most 4 KiB) into the reason, because receivers explain themselves there
 * (Slack: "invalid_blocks", Alertmanager: "start time must be before end time").
 *
 * The request itself is built by core/notify (channelRequest); here are only I/O, the clock and the
 * webhook signature (HMAC-SHA256 over `<timestamp>.<body>`, see webhookSigningInput).
 */
import { createHmac } from 'node:crypto';
import {
  channelRequest,
  channelRequestUrl,
  channelSpecProblem,
  resendIntervalMs,
  webhookSigningInput,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  type ChannelRequest,
  type ChannelSpec,
  type ChannelType,
  type DeliveryResult,
  type NotificationMessage,
} from '../../core/notify/index.js';
import { readBounded } from '../http-body.js';

export interface ChannelSenderDeps {
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Whole-request deadline (connect, send, answer). Default 10 s. */
  readonly timeoutMs?: number;
  /** Wall clock in ms. Default Date.now. */
  readonly nowMs?: () => number;
}

export interface ChannelSender {
  readonly name: string;
  readonly type: ChannelType;
  /**
   * Re-send period while the insight is ongoing, or null when the channel needs none.
   * Alertmanager: 60 000 ms — alerts carry endsAt = now + 4 min and resolve unless re-posted.
   */
  readonly resendIntervalMs: number | null;
  send(message: NotificationMessage): Promise<DeliveryResult>;
}

export const DEFAULT_CHANNEL_TIMEOUT_MS = 10_000;
/** A Retry-After beyond this is clamped: a channel asking for a day's pause is as good as down. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;
const MAX_REASON_BODY_BYTES = 4096;

/** Throws (with the field to fix) when `spec` cannot be used: construction happens at config time. */
export function createChannelSender(spec: ChannelSpec, deps: ChannelSenderDeps = {}): ChannelSender {
  const problem = channelSpecProblem(spec);
  if (problem !== null) throw new Error(problem);
  const doFetch = deps.fetch ?? fetch;
  const timeoutMs = deps.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS;
  const now = deps.nowMs ?? Date.now;
  const label = `${spec.type} channel "${spec.name}"`;

  return {
    name: spec.name,
    type: spec.type,
    resendIntervalMs: resendIntervalMs(spec.type),
    async send(message) {
      const nowMs = now();
      let req = channelRequest(spec, message, nowMs);
      if (spec.type === 'webhook') req = signWebhook(req, spec.secret, nowMs);
      const url = channelRequestUrl(spec, req.path);
      let res: Response;
      try {
        res = await doFetch(url, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        return { ok: false, retryable: true, reason: `${label}: ${networkReason(err, timeoutMs)}` };
      }
      let text: string;
      try {
        text = await readBounded(res, MAX_REASON_BODY_BYTES);
      } catch (err) {
        // The status line arrived; a body cut short does not change the verdict on a 2xx.
        text = `(answer body unreadable: ${networkReason(err, timeoutMs)})`;
      }
      return classify(label, res, text, nowMs);
    },
  };
}

/** Adds X-Vigil-Timestamp always, and X-Vigil-Signature when the channel has a secret. */
export function signWebhook(req: ChannelRequest, secret: string | undefined, nowMs: number): ChannelRequest {
  const ts = Math.floor(nowMs / 1000);
  const headers: Record<string, string> = { ...req.headers, [WEBHOOK_TIMESTAMP_HEADER]: String(ts) };
  if (secret !== undefined && secret !== '') {
    headers[WEBHOOK_SIGNATURE_HEADER] = 'sha256=' + createHmac('sha256', secret).update(webhookSigningInput(ts, req.body)).digest('hex');
  }
  return { ...req, headers };
}

function classify(label: string, res: Response, text: string, nowMs: number): DeliveryResult {
  const status = res.status;
  if (status >= 200 && status < 300) return { ok: true, status };
  const said = text.trim() === '' ? '' : `: ${clean(text)}`;
  if (status >= 300 && status < 400) {
    const to = res.headers.get('location');
    return { ok: false, retryable: false, status, reason: `${label} answered ${status} (redirect${to !== null ? ` to ${clean(to)}` : ''}); configure the final URL` };
  }
  if (status === 429 || status === 408 || status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), nowMs);
    return { ok: false, retryable: true, status, reason: `${label} answered ${status}${said}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { ok: false, retryable: false, status, reason: `${label} answered ${status}${said}` };
}

/** Retry-After as ms from now: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause;
  if (cause !== undefined && cause !== null) return `network error: ${[cause.code, cause.message].filter((x) => x !== undefined).join(' ')}`;
  return `network error: ${e?.message ?? String(err)}`;
}

/** One line, no control characters, bounded: receiver text goes into logs. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  const one = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return one.length > 300 ? one.slice(0, 299) + '…' : one;
}
