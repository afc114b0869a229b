// Times, durations and numbers as an on-call engineer reads them at 3 a.m.: relative first
// ("12 min ago"), the absolute time one hover away.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "12 min ago", "in 3 h", "5 d ago". */
export function relativeTime(ms: number, nowMs: number): string {
  const d = ms - nowMs;
  const a = Math.abs(d);
  if (a < 45_000) return 'just now';
  const text = a < HOUR ? `${Math.round(a / MINUTE)} min` : a < DAY ? `${roundTo(a / HOUR)} h` : a < 60 * DAY ? `${roundTo(a / DAY)} d` : `${Math.round(a / (30 * DAY))} mo`;
  return d < 0 ? `${text} ago` : `in ${text}`;
}

function roundTo(x: number): string {
  return x < 10 ? String(Math.round(x * 10) / 10) : String(Math.round(x));
}

/** A duration: "45 s", "12 min", "3 h 20 min", "2 d 4 h". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const a = Math.max(0, ms);
  if (a < MINUTE) return `${Math.round(a / 1000)} s`;
  if (a < HOUR) return `${Math.round(a / MINUTE)} min`;
  if (a < DAY) {
    const h = Math.floor(a / HOUR);
    const m = Math.round((a - h * HOUR) / MINUTE);
    return m > 0 && h < 10 ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(a / DAY);
  const h = Math.round((a - d * DAY) / HOUR);
  return h > 0 && d < 10 ? `${d} d ${h} h` : `${d} d`;
}

const absoluteFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
const shortFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function absoluteTime(ms: number): string {
  return Number.isFinite(ms) ? absoluteFormat.format(ms) : '—';
}

export function shortTime(ms: number): string {
  return Number.isFinite(ms) ? shortFormat.format(ms) : '—';
}

/** Value for an <input type="datetime-local"> (local time, minutes). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fromLocalInput(s: string): number | null {
  const t = new Date(s).getTime();
  return Number.isFinite(t) ? t : null;
}

/** 3 significant digits with SI suffixes: 1.23k, 45.6M, 0.00123. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1e12) return `${(v / 1e12).toPrecision(3)}T`;
  if (a >= 1e9) return `${(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  if (a === 0) return '0';
  if (a >= 1) return String(Number(v.toPrecision(4)));
  return String(Number(v.toPrecision(3)));
}

export function percent(x: number): string {
  return `${Math.round(x * 100)} %`;
}

export function titleCase(s: string): string {
  return s.toLowerCase().replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
}

export const RANGES = { '12h': 12 * HOUR, '1d': DAY, '1w': 7 * DAY, '1m': 30 * DAY } as const;
export type RangeKey = keyof typeof RANGES | 'custom' | 'all';
