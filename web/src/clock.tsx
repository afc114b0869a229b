// "Now" as the server sees it. Vigil stamps insights with its own clock (the demo runs an
// accelerated, simulated one), so relative times and "last 12 hours" are measured against the
// server's time: its offset from this browser is taken from /api/v1/health (`toMs` defaults to the
// server's now) and refreshed every minute. The value ticks every 15 s so "3 min ago" stays true.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { apiGet } from './api/client.js';
import type { Health } from './api/types.js';

const ClockContext = createContext<number>(Date.now());
const TICK_MS = 15_000;
const SYNC_MS = 60_000;

export function ClockProvider({ children }: { children: ReactNode }) {
  const [offsetMs, setOffsetMs] = useState(0);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    let stopped = false;
    const sync = async () => {
      const t0 = Date.now();
      try {
        const h = await apiGet<Health>('/api/v1/health');
        const t1 = Date.now();
        if (!stopped && Number.isFinite(h.toMs)) {
          const off = h.toMs - (t0 + t1) / 2;
          // Ignore network jitter: only a real difference (an accelerated or skewed clock) counts.
          setOffsetMs(Math.abs(off) < 2000 ? 0 : off);
        }
      } catch {
        /* keep the last offset */
      }
    };
    void sync();
    const s = window.setInterval(() => void sync(), SYNC_MS);
    const t = window.setInterval(() => setNow(Date.now()), TICK_MS);
    return () => {
      stopped = true;
      window.clearInterval(s);
      window.clearInterval(t);
    };
  }, []);

  return <ClockContext.Provider value={now + offsetMs}>{children}</ClockContext.Provider>;
}

/** The server's current time (ms), updated every 15 s. */
export function useNow(): number {
  return useContext(ClockContext);
}
