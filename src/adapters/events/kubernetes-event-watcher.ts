/**
 * Streams Kubernetes Events into Vigil with the API server's list + watch protocol:
 *
 *   LIST  /api/v1[/namespaces/<ns>]/events?limit=500[&continue=…]     → items + resourceVersion RV
 *         (items older than the watcher's start are not emitted unless includeExisting)
 *   WATCH …/events?watch=1&resourceVersion=RV&allowWatchBookmarks=true&timeoutSeconds=300
 *         newline-delimited JSON: {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{…}}
 *         every object's metadata.resourceVersion advances RV
 *
 *   stream ends (server timeout)     → watch again from RV at once
 *   410 Gone (HTTP or ERROR object)  → RV too old: LIST again, then watch
 *   network error, 5xx, 401/403      → backoff: min(max, initial · 2^attempt), jittered to [½, 1]×,
 *                                      then watch again from RV (401 also re-reads the token file)
 *
 * ADDED and MODIFIED (a repeat: count went up) objects are normalised by the core's
 * fromKubernetesEvent and handed to `onEvents`; DELETED (TTL expiry) is ignored. Ids already
 * emitted recently are not emitted again after a relist. Timers are unref()'d: the watcher never
 * keeps the process alive on its own. RBAC needed: `list` and `watch` on `events` (core group), in
 * one namespace or cluster-wide.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { readFile } from 'node:fs/promises';
import { fromKubernetesEvent } from '../../core/events/index.js';
import type { VigilEvent } from '../../core/model/index.js';
import { loadInClusterConfig, loadKubeconfig, SERVICE_ACCOUNT_DIR, type KubeConnection, type KubeConnectionResult } from './kubeconfig.js';

export interface KubernetesEventWatcherConfig {
  readonly kubeconfigPath?: string;
  /** Context to use instead of current-context. */
  readonly context?: string;
  readonly inCluster?: boolean;
  /** Watch one namespace; undefined or '' = all namespaces; '@self' = the context's / pod's own namespace. */
  readonly namespace?: string;
  readonly onEvents: (events: VigilEvent[]) => void;
  /** Told about every error that causes a reconnect (for logging). */
  readonly onError?: (reason: string) => void;
  /** Emit events that already existed before start() (default false). */
  readonly includeExisting?: boolean;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How often a token file is re-read (projected service-account tokens rotate). Default 60 s. */
  readonly tokenRefreshMs?: number;
  /** Server-side watch timeout; the watcher reconnects when it expires. Default 300 s. */
  readonly watchTimeoutSec?: number;
  readonly serviceAccountDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => number;
  readonly random?: () => number;
}

export type WatcherState = 'idle' | 'connecting' | 'watching' | 'backoff' | 'stopped';

export interface WatcherStatus {
  readonly state: WatcherState;
  readonly lastError: string | null;
  /** Kubernetes Event objects received (list items and watch ADDED/MODIFIED). */
  readonly eventsSeen: number;
  /** Vigil events handed to onEvents. */
  readonly eventsEmitted: number;
  readonly resourceVersion: string | null;
  readonly relists: number;
  readonly reconnects: number;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const GONE = 410;
const LIST_PAGE = 500;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_LINE_BYTES = 16 * 1024 * 1024;
const RECENT_IDS = 10_000;
/** A watch that ends this soon without sending anything counts as a failure (no hot reconnect loop). */
const MIN_HEALTHY_WATCH_MS = 1_000;

export class KubernetesEventWatcher {
  private state: WatcherState = 'idle';
  private lastError: string | null = null;
  private eventsSeen = 0;
  private eventsEmitted = 0;
  private relists = 0;
  private reconnects = 0;
  private rv: string | null = null;
  private attempt = 0;
  private startedMs = 0;
  private conn: KubeConnection | null = null;
  private token: string | undefined;
  private tokenReadMs = -Infinity;
  private readonly recent = new Set<string>();
  private currentRequest: http.ClientRequest | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly config: KubernetesEventWatcherConfig) {
    if (config.kubeconfigPath === undefined && config.inCluster !== true) {
      throw new TypeError('KubernetesEventWatcher needs kubeconfigPath or inCluster: true');
    }
    this.now = config.now ?? Date.now;
    this.random = config.random ?? Math.random;
  }

  start(): void {
    if (this.loopDone !== null) return;
    this.startedMs = this.now();
    this.state = 'connecting';
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.currentRequest?.destroy();
    if (this.sleepTimer !== null) clearTimeout(this.sleepTimer);
    this.wake?.();
    await this.loopDone;
  }

  status(): WatcherStatus {
    return {
      state: this.state,
      lastError: this.lastError,
      eventsSeen: this.eventsSeen,
      eventsEmitted: this.eventsEmitted,
      resourceVersion: this.rv,
      relists: this.relists,
      reconnects: this.reconnects,
    };
  }

  // ---- the loop

  private get stopped(): boolean {
    return this.state === 'stopped';
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.conn === null) this.conn = unwrap(await this.loadConnection());
        if (this.rv === null) {
          this.state = 'connecting';
          await this.list();
        }
        if (this.stopped) break;
        const outcome = await this.watchOnce();
        if (outcome === 'gone') {
          this.rv = null; // relist at once: the gap is bounded by the list
        } else {
          this.reconnects++;
          this.state = 'connecting';
        }
      } catch (e) {
        if (this.stopped) break;
        const reason = (e as Error).message;
        this.lastError = reason;
        if (e instanceof HttpStatusError && e.status === 401) this.tokenReadMs = -Infinity;
        if (e instanceof HttpStatusError && e.status === GONE) this.rv = null;
        try {
          this.config.onError?.(reason);
        } catch {
          // a failing logger must not stop the watcher
        }
        this.state = 'backoff';
        await this.sleep(this.backoffMs());
        if (!this.stopped) {
          this.state = 'connecting';
          this.reconnects++;
        }
      }
    }
  }

  private backoffMs(): number {
    const initial = this.config.initialBackoffMs ?? 1_000;
    const max = this.config.maxBackoffMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    // Jitter in [½, 1]×base: many watchers restarted together do not hit the API server in step.
    return base / 2 + (this.random() * base) / 2;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        this.sleepTimer = null;
        resolve();
      };
      this.sleepTimer = setTimeout(() => this.wake?.(), ms);
      this.sleepTimer.unref();
    });
  }

  private async loadConnection(): Promise<KubeConnectionResult> {
    if (this.config.inCluster === true) return loadInClusterConfig(this.config.env ?? process.env, this.config.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
    return loadKubeconfig(this.config.kubeconfigPath!, this.config.context);
  }

  private eventsPath(): string {
    let ns = this.config.namespace;
    if (ns === '@self') ns = this.conn?.namespace;
    return ns !== undefined && ns !== '' ? `/api/v1/namespaces/${encodeURIComponent(ns)}/events` : '/api/v1/events';
  }

  // ---- list

  private async list(): Promise<void> {
    let cont: string | undefined;
    let listRv: string | null = null;
    do {
      const q = new URLSearchParams({ limit: String(LIST_PAGE) });
      if (cont !== undefined) q.set('continue', cont);
      const body = JSON.parse(await this.getText(`${this.eventsPath()}?${q}`)) as { metadata?: { resourceVersion?: string; continue?: string }; items?: unknown[] };
      listRv ??= body.metadata?.resourceVersion ?? null;
      cont = body.metadata?.continue || undefined;
      const out: VigilEvent[] = [];
      for (const item of body.items ?? []) {
        this.eventsSeen++;
        const r = fromKubernetesEvent(item);
        if (!r.ok) continue;
        for (const ev of r.events) if (this.config.includeExisting === true || ev.timeMs >= this.startedMs) out.push(ev);
      }
      this.emit(out);
    } while (cont !== undefined && !this.stopped);
    if (listRv === null) throw new Error('event list response carried no metadata.resourceVersion');
    this.rv = listRv;
    this.relists++;
  }

  // ---- watch

  private watchOnce(): Promise<'gone' | 'ended'> {
    const q = new URLSearchParams({
      watch: '1',
      resourceVersion: this.rv!,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(this.config.watchTimeoutSec ?? 300),
    });
    return this.open(`${this.eventsPath()}?${q}`).then(
      (res) =>
        new Promise<'gone' | 'ended'>((resolve, reject) => {
          const openedMs = this.now();
          let settled = false;
          let gotData = false;
          let buf = '';
          const settle = (fn: () => void): void => {
            if (settled) return;
            settled = true;
            fn();
          };
          if (res.statusCode === GONE) {
            res.resume();
            settle(() => resolve('gone'));
            return;
          }
          if (res.statusCode !== 200) {
            readAll(res)
              .then((text) => settle(() => reject(statusError(res.statusCode ?? 0, text))))
              .catch((e: Error) => settle(() => reject(e)));
            return;
          }
          this.state = 'watching';
          this.attempt = 0;
          this.lastError = null;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (settled) return;
            gotData = true;
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl).trim();
              buf = buf.slice(nl + 1);
              if (line === '') continue;
              const verdict = this.handleLine(line);
              if (verdict !== null) {
                res.destroy();
                if (verdict === 'gone') settle(() => resolve('gone'));
                else settle(() => reject(new Error(verdict)));
                return;
              }
            }
            if (buf.length > MAX_LINE_BYTES) {
              res.destroy();
              settle(() => reject(new Error('watch line larger than 16 MiB')));
            }
          });
          res.on('end', () => {
            if (!gotData && this.now() - openedMs < MIN_HEALTHY_WATCH_MS) settle(() => reject(new Error('watch closed by the server without sending anything')));
            else settle(() => resolve('ended'));
          });
          res.on('error', (e) => settle(() => reject(new Error(`watch stream failed: ${e.message}`))));
          res.on('close', () => {
            if (!res.complete) settle(() => reject(new Error('watch connection dropped')));
          });
        }),
    );
  }

  /** null to carry on; 'gone' to relist; any other text is an error to back off on. */
  private handleLine(line: string): null | 'gone' | string {
    let msg: { type?: string; object?: unknown };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return 'watch sent a line that is not JSON';
    }
    const obj = msg.object as { metadata?: { resourceVersion?: string }; code?: number; message?: string } | undefined;
    switch (msg.type) {
      case 'ERROR':
        if (obj?.code === GONE) return 'gone';
        return `watch error ${obj?.code ?? ''}: ${obj?.message ?? 'unknown'}`;
      case 'BOOKMARK':
        if (obj?.metadata?.resourceVersion) this.rv = obj.metadata.resourceVersion;
        return null;
      case 'ADDED':
      case 'MODIFIED': {
        if (obj?.metadata?.resourceVersion) this.rv = obj.metadata.resourceVersion;
        this.eventsSeen++;
        const r = fromKubernetesEvent(obj);
        if (r.ok) this.emit(r.events);
        return null;
      }
      case 'DELETED':
        if (obj?.metadata?.resourceVersion) this.rv = obj.metadata.resourceVersion;
        return null;
      default:
        return `watch sent an unknown type ${JSON.stringify(msg.type)}`;
    }
  }

  private emit(events: VigilEvent[]): void {
    const fresh = events.filter((e) => !this.recent.has(e.id));
    if (fresh.length === 0) return;
    for (const e of fresh) {
      this.recent.add(e.id);
      if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value!);
    }
    this.eventsEmitted += fresh.length;
    try {
      this.config.onEvents(fresh);
    } catch (e) {
      this.lastError = `onEvents failed: ${(e as Error).message}`;
    }
  }

  // ---- HTTP

  private async bearer(): Promise<string | undefined> {
    const conn = this.conn!;
    if (conn.tokenFile === undefined) return conn.token;
    if (this.now() - this.tokenReadMs >= (this.config.tokenRefreshMs ?? 60_000)) {
      this.token = (await readFile(conn.tokenFile, 'utf8')).trim();
      this.tokenReadMs = this.now();
    }
    return this.token;
  }

  private async open(pathAndQuery: string): Promise<http.IncomingMessage> {
    const conn = this.conn!;
    const url = new URL(conn.server + pathAndQuery);
    const token = await this.bearer();
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'vigil-event-watcher' };
    if (token !== undefined && token !== '') headers.Authorization = `Bearer ${token}`;
    const secure = url.protocol === 'https:';
    const options: https.RequestOptions = { method: 'GET', headers };
    if (secure) {
      if (conn.ca !== undefined) options.ca = conn.ca;
      if (conn.cert !== undefined) options.cert = conn.cert;
      if (conn.key !== undefined) options.key = conn.key;
      options.rejectUnauthorized = !conn.insecureSkipTlsVerify;
    }
    return new Promise((resolve, reject) => {
      if (this.stopped) {
        reject(new Error('stopped'));
        return;
      }
      const req = (secure ? https : http).request(url, options, (res) => resolve(res));
      this.currentRequest = req;
      req.on('error', (e) => reject(new Error(`cannot reach ${url.origin}: ${e.message}`)));
      req.end();
    });
  }

  private async getText(pathAndQuery: string): Promise<string> {
    const res = await this.open(pathAndQuery);
    const text = await readAll(res);
    if (res.statusCode !== 200) throw statusError(res.statusCode ?? 0, text);
    return text;
  }
}

function unwrap(r: KubeConnectionResult): KubeConnection {
  if (!r.ok) throw new Error(r.reason);
  return r.connection;
}

function statusError(status: number, body: string): HttpStatusError {
  let message = body.slice(0, 200);
  try {
    const s = JSON.parse(body) as { message?: string };
    if (typeof s.message === 'string') message = s.message;
  } catch {
    // not a Status object
  }
  const hint = status === 401 ? ' (token rejected)' : status === 403 ? ' (RBAC: grant list and watch on events)' : '';
  return new HttpStatusError(status, `HTTP ${status}${hint}: ${message}`);
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        res.destroy();
        reject(new Error('response larger than 64 MiB'));
        return;
      }
      chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('close', () => {
      if (!res.complete) reject(new Error('connection dropped while reading the response'));
    });
  });
}
