import { useEffect, useRef } from 'react';
import { useLiveInsights } from './live.js';
import type { Insight } from './types.js';

/**
 * Runs `reload` shortly after live insight changes (coalesced: a burst of changes costs one
 * refetch). `filter` can ignore changes that do not concern the view.
 */
export function useLiveReload(reload: () => void, filter?: (i: Insight) => boolean, delayMs = 400): void {
  const timer = useRef<number | undefined>(undefined);
  const latest = useRef({ reload, filter });
  latest.current = { reload, filter };
  useLiveInsights((i) => {
    if (i && latest.current.filter && !latest.current.filter(i)) return;
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      latest.current.reload();
    }, delayMs);
  });
  useEffect(() => () => window.clearTimeout(timer.current), []);
}
