import { useCallback, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';

/**
 * The page's query string as state: filters live in the URL (deep links, back/forward), but a
 * control shows its new value at once. React Router applies navigations in a transition, so a
 * checkbox bound straight to the URL would flick back until the navigation commits.
 */
export function useSearchState(): [URLSearchParams, (change: (p: URLSearchParams) => void) => void] {
  const [params, setParams] = useSearchParams();
  const key = params.toString();
  const [local, setLocal] = useState(() => new URLSearchParams(key));
  const [syncedKey, setSyncedKey] = useState(key);
  const latest = useRef(local);
  if (syncedKey !== key) {
    // The URL changed (a link, back / forward, or our own update committing): follow it.
    setSyncedKey(key);
    const fromUrl = new URLSearchParams(key);
    setLocal(fromUrl);
    latest.current = fromUrl;
  }
  const update = useCallback(
    (change: (p: URLSearchParams) => void) => {
      const next = new URLSearchParams(latest.current);
      change(next);
      latest.current = next;
      setLocal(next);
      setParams(next, { replace: true });
    },
    [setParams],
  );
  return [local, update];
}
