// The one place the dashboard talks HTTP. Every call carries the bearer token the user pasted (when
// the server has auth tokens configured) and turns Vigil's `{error: {code, reason}}` into ApiError.
import { readSetting, writeSetting } from '../settings-store.js';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, readonly reason: string) {
    super(reason);
    this.name = 'ApiError';
  }
}

/** Fired on window when the server answers 401: the layout asks for a token. */
export const UNAUTHORIZED_EVENT = 'vigil:unauthorized';

export function authToken(): string {
  return readSetting('token');
}

export function setAuthToken(token: string): void {
  writeSetting('token', token.trim());
}

export function authHeaders(): Record<string, string> {
  const t = authToken();
  return t ? { authorization: `Bearer ${t}` } : {};
}

export type Params = Readonly<Record<string, string | number | undefined | null | false>>;

export function withParams(path: string, params?: Params): string {
  if (!params) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== false && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function request<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', `cannot reach the Vigil server (${(err as Error).message})`);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; reason?: string } } | undefined)?.error;
    if (res.status === 401) window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT, { detail: e?.reason ?? '' }));
    throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e?.reason ?? `${method} ${path.split('?')[0]} answered ${res.status}`);
  }
  return json as T;
}

export function apiGet<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
  return request<T>('GET', withParams(path, params), undefined, signal);
}

export function apiSend<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return request<T>(method, path, body);
}

/** True when the server does not have this endpoint (an optional feature not installed). */
export function isMissingEndpoint(err: unknown): boolean {
  // The server's not-found handler says "no route GET /path"; a missing item names the item instead.
  return err instanceof ApiError && ((err.status === 404 && err.reason.startsWith('no route')) || err.status === 405);
}
