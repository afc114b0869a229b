// Loading a resource from the API into a component: one request per key, the previous one
// aborted; `reload()` fetches again without blanking what is shown (no flicker on live updates).
import { useCallback, useEffect, useRef, useState } from 'react';
import { apiGet, type Params, withParams } from './client.js';

export interface ApiState<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  reload(): void;
}

export function useApi<T>(path: string | null, params?: Params): ApiState<T> {
  const key = path === null ? null : withParams(path, params);
  const [state, setState] = useState<{ key: string | null; data: T | undefined; error: Error | undefined; loading: boolean }>({ key, data: undefined, error: undefined, loading: key !== null });
  const [tick, setTick] = useState(0);
  const current = useRef(key);
  current.current = key;

  useEffect(() => {
    if (key === null) return;
    const ac = new AbortController();
    setState((s) => (s.key === key ? { ...s, loading: true } : { key, data: undefined, error: undefined, loading: true }));
    apiGet<T>(key, undefined, ac.signal).then(
      (data) => {
        if (current.current === key) setState({ key, data, error: undefined, loading: false });
      },
      (error: Error) => {
        if (error.name === 'AbortError') return;
        if (current.current === key) setState((s) => ({ key, data: s.key === key ? s.data : undefined, error, loading: false }));
      },
    );
    return () => ac.abort();
  }, [key, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const fresh = state.key === key;
  return { data: fresh ? state.data : undefined, error: fresh ? state.error : undefined, loading: fresh ? state.loading : key !== null, reload };
}
