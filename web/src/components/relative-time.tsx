import { useNow } from '../clock.js';
import { absoluteTime, relativeTime } from '../format.js';

export interface RelativeTimeProps {
  readonly ms: number | null | undefined;
  /** Shown when ms is null (an open end, say). */
  readonly empty?: string;
}

/** "12 min ago", with the absolute time on hover and for screen readers. */
export function RelativeTime({ ms, empty = '—' }: RelativeTimeProps) {
  const now = useNow();
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return <span className="muted">{empty}</span>;
  const abs = absoluteTime(ms);
  return (
    <time dateTime={new Date(ms).toISOString()} title={abs} aria-label={`${relativeTime(ms, now)} (${abs})`}>
      {relativeTime(ms, now)}
    </time>
  );
}
