/**
 * A small client for the Prometheus HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/),
 * enough for pulling: series discovery, range queries, metric metadata and build info. Works against
 * anything that speaks the API (Prometheus, Thanos, Mimir, VictoriaMetrics, ...).
 *
 * Every call returns a value, never throws for an expected failure: the puller needs to know whether
 * to back off and retry (network error, timeout, 5xx, 429) or whether the request itself is wrong
 * (4xx: a bad selector will not get better by asking again). Prometheus' JSON error body
 * (`{"status":"error","errorType":"bad_data","error":"..."}`) is surfaced in `reason`.
 */
import type { Labels } from '../../core/model/index.js';

export interface PrometheusClientOptions {
  /** e.g. `http://prometheus:9090` or `https://host/prometheus` (a path prefix is kept). */
  readonly baseUrl: string;
  readonly bearerToken?: string;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
  /** Injectable for tests; default the global fetch. */
  readonly fetch?: typeof fetch;
}

export type PrometheusErrorCode =
  | 'VIGIL_ERR_PROM_UNREACHABLE'
  | 'VIGIL_ERR_PROM_TIMEOUT'
  | 'VIGIL_ERR_PROM_HTTP'
  | 'VIGIL_ERR_PROM_BAD_RESPONSE';

export interface PrometheusFailure {
  readonly ok: false;
  /** True when asking again later may succeed (network error, timeout, 5xx, 429). */
  readonly retryable: boolean;
  readonly status?: number;
  readonly code: PrometheusErrorCode;
  readonly reason: string;
}

export type PrometheusResult<T> = { readonly ok: true; readonly value: T } | PrometheusFailure;

/** One series of a range query; `timesMs` ascending, `values` may hold NaN and ±Infinity. */
export interface RangeSeries {
  readonly labels: Labels;
  readonly timesMs: Float64Array;
  readonly values: Float64Array;
}

export interface MetricMetadata {
  /** As Prometheus reports it: counter, gauge, histogram, gaugehistogram, summary, info, stateset, unknown. */
  readonly type: string;
  readonly unit: string;
  readonly help: string;
}

export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
  readonly goVersion: string;
}

/** The calls the puller needs; PrometheusClient implements it, tests may fake it. */
export interface PrometheusApi {
  series(matchers: readonly string[], startMs: number, endMs: number): Promise<PrometheusResult<Labels[]>>;
  queryRange(query: string, startMs: number, endMs: number, stepSec: number): Promise<PrometheusResult<RangeSeries[]>>;
  metadata(): Promise<PrometheusResult<Map<string, MetricMetadata>>>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_BODY_IN_REASON = 300;

export class PrometheusClient implements PrometheusApi {
  private readonly baseUrl: string;
  private readonly bearerToken: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: PrometheusClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.bearerToken = options.bearerToken;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchFn = options.fetch ?? fetch;
  }

  /** `/api/v1/series`: the label sets of every series matching any of `matchers` in [startMs, endMs]. */
  async series(matchers: readonly string[], startMs: number, endMs: number): Promise<PrometheusResult<Labels[]>> {
    const form = new URLSearchParams();
    for (const m of matchers) form.append('match[]', m);
    form.set('start', toPromTime(startMs));
    form.set('end', toPromTime(endMs));
    const res = await this.call('/api/v1/series', form);
    if (!res.ok) return res;
    if (!Array.isArray(res.value)) return badResponse('/api/v1/series', 'data is not a list');
    const out: Labels[] = [];
    for (const item of res.value) {
      if (!isStringRecord(item)) return badResponse('/api/v1/series', 'a series is not a label set');
      out.push(item);
    }
    return { ok: true, value: out };
  }

  /**
   * `/api/v1/query_range`: evaluates `query` at start, start + step, ... ≤ end. Prometheus refuses
   * more than 11,000 points per series; callers chunk long ranges (see PrometheusPuller).
   */
  async queryRange(query: string, startMs: number, endMs: number, stepSec: number): Promise<PrometheusResult<RangeSeries[]>> {
    const form = new URLSearchParams();
    form.set('query', query);
    form.set('start', toPromTime(startMs));
    form.set('end', toPromTime(endMs));
    form.set('step', String(stepSec));
    const res = await this.call('/api/v1/query_range', form);
    if (!res.ok) return res;
    const data = res.value as { resultType?: unknown; result?: unknown } | null;
    if (data === null || typeof data !== 'object' || !Array.isArray(data.result)) return badResponse('/api/v1/query_range', 'data.result is not a list');
    if (data.resultType !== 'matrix') return badResponse('/api/v1/query_range', `expected resultType "matrix", got "${String(data.resultType)}"`);
    const out: RangeSeries[] = [];
    for (const item of data.result as unknown[]) {
      const s = item as { metric?: unknown; values?: unknown };
      if (!isStringRecord(s.metric) || !Array.isArray(s.values)) return badResponse('/api/v1/query_range', 'a result has no metric or values');
      const n = s.values.length;
      const timesMs = new Float64Array(n);
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const pair = s.values[i] as unknown;
        if (!Array.isArray(pair) || typeof pair[0] !== 'number' || typeof pair[1] !== 'string') {
          return badResponse('/api/v1/query_range', 'a point is not [seconds, "value"]');
        }
        // Seconds with up to millisecond precision; round so that 1.001 * 1000 stays an integer.
        timesMs[i] = Math.round(pair[0] * 1000);
        values[i] = parseSampleValue(pair[1]);
      }
      out.push({ labels: s.metric, timesMs, values });
    }
    return { ok: true, value: out };
  }

  /** `/api/v1/metadata`: metric family name -> its first metadata entry. */
  async metadata(): Promise<PrometheusResult<Map<string, MetricMetadata>>> {
    const res = await this.call('/api/v1/metadata', null);
    if (!res.ok) return res;
    if (res.value === null || typeof res.value !== 'object') return badResponse('/api/v1/metadata', 'data is not an object');
    const out = new Map<string, MetricMetadata>();
    for (const [name, entries] of Object.entries(res.value as Record<string, unknown>)) {
      // Several targets may disagree; the first entry is as good as any for choosing a model.
      const first = Array.isArray(entries) ? (entries[0] as Record<string, unknown> | undefined) : undefined;
      if (!first) continue;
      out.set(name, {
        type: typeof first.type === 'string' ? first.type : 'unknown',
        unit: typeof first.unit === 'string' ? first.unit : '',
        help: typeof first.help === 'string' ? first.help : '',
      });
    }
    return { ok: true, value: out };
  }

  /** `/api/v1/status/buildinfo`. */
  async buildInfo(): Promise<PrometheusResult<BuildInfo>> {
    const res = await this.call('/api/v1/status/buildinfo', null);
    if (!res.ok) return res;
    const d = (res.value ?? {}) as Record<string, unknown>;
    const str = (k: string): string => (typeof d[k] === 'string' ? (d[k] as string) : '');
    return { ok: true, value: { version: str('version'), revision: str('revision'), branch: str('branch'), goVersion: str('goVersion') } };
  }

  /** GET when `form` is null, else a form POST (long matcher lists would overflow a URL). Returns `data`. */
  private async call(path: string, form: URLSearchParams | null): Promise<PrometheusResult<unknown>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.bearerToken !== undefined) headers.authorization = `Bearer ${this.bearerToken}`;
    if (form !== null) headers['content-type'] = 'application/x-www-form-urlencoded';
    const url = this.baseUrl + path;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(url, {
        method: form === null ? 'GET' : 'POST',
        headers,
        body: form === null ? undefined : form.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        return { ok: false, retryable: true, code: 'VIGIL_ERR_PROM_TIMEOUT', reason: `${url}: no answer within ${this.timeoutMs} ms` };
      }
      const detail = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
      return { ok: false, retryable: true, code: 'VIGIL_ERR_PROM_UNREACHABLE', reason: `${url}: cannot reach Prometheus (${detail})` };
    }
    const body = parseJson(text) as ApiBody | null;
    const status = response.status;
    if (status < 200 || status >= 300) {
      // 408/429/5xx are the server's trouble (overload, restarting, query timeout); any other 4xx is ours.
      const retryable = status >= 500 || status === 429 || status === 408;
      const promError = body !== null && typeof body === 'object' && typeof body.error === 'string'
        ? `${typeof body.errorType === 'string' ? body.errorType + ': ' : ''}${body.error}`
        : clip(text);
      return { ok: false, retryable, status, code: 'VIGIL_ERR_PROM_HTTP', reason: `${url} answered ${status}: ${promError || response.statusText}` };
    }
    if (body === null || typeof body !== 'object') {
      return { ok: false, retryable: false, status, code: 'VIGIL_ERR_PROM_BAD_RESPONSE', reason: `${url} did not answer JSON: ${clip(text)}` };
    }
    if (body.status !== 'success') {
      const msg = typeof body.error === 'string' ? body.error : `status "${String(body.status)}"`;
      return { ok: false, retryable: false, status, code: 'VIGIL_ERR_PROM_BAD_RESPONSE', reason: `${url}: ${msg}` };
    }
    return { ok: true, value: body.data };
  }
}

/** Prometheus sample values travel as strings so that NaN and ±Inf survive JSON. */
export function parseSampleValue(text: string): number {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    default:
      return Number(text);
  }
}

/** Epoch ms -> the API's epoch seconds (decimal, millisecond precision). */
function toPromTime(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** The envelope of every Prometheus API answer. */
interface ApiBody {
  status?: unknown;
  data?: unknown;
  errorType?: unknown;
  error?: unknown;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isStringRecord(v: unknown): v is Record<string, string> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  for (const x of Object.values(v)) if (typeof x !== 'string') return false;
  return true;
}

function badResponse(path: string, what: string): PrometheusFailure {
  return { ok: false, retryable: false, code: 'VIGIL_ERR_PROM_BAD_RESPONSE', reason: `${path}: unexpected answer (${what})` };
}

function clip(text: string): string {
  const t = text.trim();
  return t.length > MAX_BODY_IN_REASON ? t.slice(0, MAX_BODY_IN_REASON) + '…' : t;
}
