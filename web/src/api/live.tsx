// Live updates: one Server-Sent Events connection to GET /api/v1/stream for the whole page.
// EventSource cannot send an Authorization header, so the stream is read with fetch() and parsed
// here (the text/event-stream format of the HTML standard, §9.2.6). Without the endpoint (older
// server) or while it is down, subscribers are told to refetch every 15 s instead.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useSetting } from '../settings-store.js';
import { authHeaders } from './client.js';
import type { Insight } from './types.js';
import { SseParser } from './sse-parser.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'polling';
/** An insight that was created or changed; null: "something may have changed, refetch". */
export type InsightListener = (insight: Insight | null) => void;

interface LiveContextValue {
  readonly state: LiveState;
  subscribe(l: InsightListener): () => void;
}

const POLL_MS = 15_000;
const LiveContext = createContext<LiveContextValue>({ state: 'polling', subscribe: () => () => undefined });

export function LiveProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<LiveState>('connecting');
  const listeners = useRef(new Set<InsightListener>());
  const token = useSetting('token');

  useEffect(() => {
    const ac = new AbortController();
    let pollTimer: number | undefined;
    let retryTimer: number | undefined;
    let backoffMs = 1000;
    const emit = (i: Insight | null) => {
      for (const l of listeners.current) l(i);
    };
    const startPolling = () => {
      if (pollTimer === undefined) pollTimer = window.setInterval(() => emit(null), POLL_MS);
    };
    const stopPolling = () => {
      if (pollTimer !== undefined) window.clearInterval(pollTimer);
      pollTimer = undefined;
    };

    const connect = async (): Promise<void> => {
      let res: Response;
      try {
        res = await fetch('/api/v1/stream', { headers: { accept: 'text/event-stream', ...authHeaders() }, signal: ac.signal, cache: 'no-store' });
      } catch {
        return retry();
      }
      if (res.status === 404 || !res.ok || !res.body) {
        // No stream on this server (or not allowed): poll, and look again now and then.
        setState('polling');
        startPolling();
        await res.body?.cancel().catch(() => undefined);
        retryTimer = window.setTimeout(() => void connect(), res.status === 404 ? 60_000 : 15_000);
        return;
      }
      setState('live');
      stopPolling();
      backoffMs = 1000;
      // Anything may have changed while disconnected.
      emit(null);
      const parser = new SseParser();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const msg of parser.push(value)) {
            if (msg.event !== 'insight') continue;
            try {
              emit(JSON.parse(msg.data) as Insight);
            } catch {
              /* a malformed message is skipped; the next refetch corrects the view */
            }
          }
        }
      } catch {
        /* connection dropped */
      }
      return retry();
    };
    const retry = () => {
      if (ac.signal.aborted) return;
      setState('reconnecting');
      startPolling();
      retryTimer = window.setTimeout(() => void connect(), backoffMs);
      backoffMs = Math.min(30_000, backoffMs * 2);
    };
    void connect();
    return () => {
      ac.abort();
      stopPolling();
      if (retryTimer !== undefined) window.clearTimeout(retryTimer);
    };
  }, [token]);

  const subscribe = useCallback((l: InsightListener) => {
    listeners.current.add(l);
    return () => {
      listeners.current.delete(l);
    };
  }, []);
  const value = useMemo(() => ({ state, subscribe }), [state, subscribe]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLiveState(): LiveState {
  return useContext(LiveContext).state;
}

/** Calls `onInsight` for every live insight change (latest callback, one subscription). */
export function useLiveInsights(onInsight: InsightListener): void {
  const { subscribe } = useContext(LiveContext);
  const cb = useRef(onInsight);
  cb.current = onInsight;
  useEffect(() => subscribe((i) => cb.current(i)), [subscribe]);
}
