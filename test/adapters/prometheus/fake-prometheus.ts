// A fake of the Prometheus HTTP API for unit tests: series with known sample functions, answered by
// /api/v1/series, /api/v1/query_range (with Prometheus' 11,000-points limit and 5-minute lookback),
// /api/v1/metadata and /api/v1/status/buildinfo. It can be reached over a real node:http socket
// (to test refused connections and timeouts) or through an in-process `fetch` (for property tests).
// Time is the test's clock: no sample newer than `now()` exists.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Labels } from '../../../src/core/model/index.js';

export interface FakeSeries {
  readonly labels: Labels;
  /** First sample time; samples every intervalMs until untilMs (inclusive). */
  readonly fromMs: number;
  readonly untilMs: number;
  readonly intervalMs: number;
  readonly value: (tMs: number) => number;
}

export interface FakeRequest {
  readonly path: string;
  readonly params: URLSearchParams;
}

interface Matcher {
  readonly name: string;
  readonly test: (v: string) => boolean;
}

const LOOKBACK_MS = 5 * 60_000;
const MAX_POINTS = 11_000;

export class FakePrometheus {
  readonly series: FakeSeries[] = [];
  metadata: Record<string, { type: string; unit: string; help: string }[]> = {};
  readonly requests: FakeRequest[] = [];
  /** When set, every API call answers this status with a Prometheus error body. */
  failWith: { status: number; errorType: string; error: string } | null = null;
  private server: Server | null = null;
  private port = 0;

  constructor(readonly now: () => number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** In-process fetch with the same answers as the socket. */
  readonly fetch: typeof fetch = async (input, init) => {
    const u = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const params = new URLSearchParams(u.search);
    if (typeof init?.body === 'string') for (const [k, v] of new URLSearchParams(init.body)) params.append(k, v);
    const { status, body } = this.handle(u.pathname, params);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };

  async listen(port = 0): Promise<string> {
    const server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.url;
  }

  /** Stops listening (clients get ECONNREFUSED); `listen(fake.port)` brings it back. */
  async goDown(): Promise<number> {
    const s = this.server;
    this.server = null;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    return this.port;
  }

  async comeBack(): Promise<void> {
    await this.listen(this.port);
  }

  close(): Promise<number> {
    return this.goDown();
  }

  queryRanges(): FakeRequest[] {
    return this.requests.filter((r) => r.path === '/api/v1/query_range');
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://fake');
    const params = new URLSearchParams(u.search);
    let raw = '';
    for await (const chunk of req) raw += chunk;
    if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(raw)) params.append(k, v);
    }
    const { status, body } = this.handle(u.pathname, params, req.headers.authorization);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  /** Last Authorization header seen over the socket. */
  lastAuthorization: string | undefined;

  handle(path: string, params: URLSearchParams, authorization?: string): { status: number; body: unknown } {
    this.lastAuthorization = authorization;
    this.requests.push({ path, params });
    if (this.failWith) return err(this.failWith.status, this.failWith.errorType, this.failWith.error);
    const now = this.now();
    switch (path) {
      case '/api/v1/series': {
        const selectors = params.getAll('match[]');
        if (selectors.length === 0) return err(400, 'bad_data', 'no match[] parameter provided');
        const matchers: Matcher[][] = [];
        for (const s of selectors) {
          const m = parseSelector(s);
          if (typeof m === 'string') return err(400, 'bad_data', m);
          matchers.push(m);
        }
        const startMs = Number(params.get('start')) * 1000;
        const endMs = Math.min(Number(params.get('end')) * 1000, now);
        const data = this.series
          .filter((s) => s.fromMs <= endMs && s.untilMs >= startMs && matchers.some((m) => matches(s.labels, m)))
          .map((s) => s.labels);
        return { status: 200, body: { status: 'success', data } };
      }
      case '/api/v1/query_range': {
        const m = parseSelector(params.get('query') ?? '');
        if (typeof m === 'string') return err(400, 'bad_data', `invalid parameter "query": ${m}`);
        const startMs = Math.round(Number(params.get('start')) * 1000);
        const endMs = Math.round(Number(params.get('end')) * 1000);
        const stepMs = Math.round(Number(params.get('step')) * 1000);
        if (endMs < startMs) return err(400, 'bad_data', 'invalid parameter "end": end timestamp must not be before start time');
        if (Math.floor((endMs - startMs) / stepMs) + 1 > MAX_POINTS) {
          return err(400, 'bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
        }
        const result = [];
        for (const s of this.series) {
          if (!matches(s.labels, m)) continue;
          const values: [number, string][] = [];
          for (let t = startMs; t <= endMs; t += stepMs) {
            const limit = Math.min(t, s.untilMs, now);
            if (limit < s.fromMs || t > s.untilMs) continue; // not born yet, or ended (stale marker)
            const latest = s.fromMs + Math.floor((limit - s.fromMs) / s.intervalMs) * s.intervalMs;
            if (t - latest >= LOOKBACK_MS) continue;
            values.push([t / 1000, formatValue(s.value(latest))]);
          }
          if (values.length > 0) result.push({ metric: s.labels, values });
        }
        return { status: 200, body: { status: 'success', data: { resultType: 'matrix', result } } };
      }
      case '/api/v1/metadata':
        return { status: 200, body: { status: 'success', data: this.metadata } };
      case '/api/v1/status/buildinfo':
        return { status: 200, body: { status: 'success', data: { version: '2.42.0-fake', revision: 'abc', branch: 'main', goVersion: 'go1.20' } } };
      default:
        return { status: 404, body: '404 page not found' };
    }
  }
}

function err(status: number, errorType: string, error: string): { status: number; body: unknown } {
  return { status, body: { status: 'error', errorType, error } };
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function matches(labels: Labels, matchers: readonly Matcher[]): boolean {
  return matchers.every((m) => m.test(labels[m.name] ?? ''));
}

/** `name{a="b", c=~"d|e"}` or `{...}` -> matchers, or a Prometheus-like parse error message. */
export function parseSelector(text: string): Matcher[] | string {
  const s = text.trim();
  const out: Matcher[] = [];
  let i = 0;
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(s);
  if (nameMatch) {
    const name = nameMatch[0];
    out.push({ name: '__name__', test: (v) => v === name });
    i = name.length;
  }
  if (i === s.length) return out.length > 0 ? out : '1:1: parse error: unexpected end of input';
  if (s[i] !== '{') return `1:${i + 1}: parse error: unexpected character: '${s[i]}'`;
  i++;
  for (;;) {
    while (s[i] === ' ' || s[i] === ',') i++;
    if (s[i] === '}') break;
    if (i >= s.length) return `1:${i + 1}: parse error: unexpected end of input inside braces`;
    const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(s.slice(i));
    if (!label) return `1:${i + 1}: parse error: unexpected character inside braces: '${s[i]}'`;
    i += label[0].length;
    while (s[i] === ' ') i++;
    const op = /^(=~|!~|!=|=)/.exec(s.slice(i));
    if (!op) return `1:${i + 1}: parse error: unexpected character after label name`;
    i += op[0].length;
    while (s[i] === ' ') i++;
    if (s[i] !== '"') return `1:${i + 1}: parse error: expected a string`;
    i++;
    let value = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\') {
        i++;
        value += s[i] === 'n' ? '\n' : s[i];
      } else value += s[i];
      i++;
    }
    if (i >= s.length) return `1:${i + 1}: parse error: unterminated quoted string`;
    i++;
    const name = label[0];
    const v = value;
    if (op[0] === '=') out.push({ name, test: (x) => x === v });
    else if (op[0] === '!=') out.push({ name, test: (x) => x !== v });
    else {
      const re = new RegExp(`^(?:${v})$`);
      out.push({ name, test: op[0] === '=~' ? (x) => re.test(x) : (x) => !re.test(x) });
    }
  }
  if (i !== s.length - 1) return `1:${i + 2}: parse error: unexpected character after selector`;
  if (!out.some((m) => !m.test(''))) return `1:1: parse error: vector selector must contain at least one non-empty matcher`;
  return out;
}
