// Links out of the dashboard: the same series in Prometheus' graph page or Grafana Explore, and
// recommendation links. Every href built here is http(s) only, whatever the data says.

/** The page's origin (relative links resolve against it); a placeholder outside a browser. */
function pageOrigin(): string {
  return (globalThis as { location?: { origin?: string } }).location?.origin ?? 'http://localhost';
}

/** The URL when it is http(s), else null (no javascript:, data:, ...). */
export function safeHttpUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    const u = new URL(raw, pageOrigin());
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

function base(raw: string): string | null {
  const u = safeHttpUrl(raw.trim());
  return u ? u.replace(/\/+$/, '') : null;
}

/** Prometheus' graph page for `expr` over [fromMs, toMs]. */
export function prometheusGraphUrl(prometheusBase: string, expr: string, fromMs: number, toMs: number): string | null {
  const b = base(prometheusBase);
  if (!b) return null;
  const rangeSec = Math.max(60, Math.round((toMs - fromMs) / 1000));
  const q = new URLSearchParams({
    'g0.expr': expr,
    'g0.tab': '0',
    'g0.range_input': `${rangeSec}s`,
    'g0.end_input': new Date(toMs).toISOString().slice(0, 19).replace('T', ' '),
    'g0.moment_input': new Date(toMs).toISOString().slice(0, 19).replace('T', ' '),
  });
  return `${b}/graph?${q.toString()}`;
}

/** Grafana Explore with `expr` over [fromMs, toMs] (the default Prometheus data source unless a uid is set). */
export function grafanaExploreUrl(grafanaBase: string, datasourceUid: string, expr: string, fromMs: number, toMs: number): string | null {
  const b = base(grafanaBase);
  if (!b) return null;
  const left = {
    ...(datasourceUid ? { datasource: datasourceUid } : {}),
    queries: [{ refId: 'A', expr, ...(datasourceUid ? { datasource: { uid: datasourceUid } } : {}) }],
    range: { from: String(Math.round(fromMs)), to: String(Math.round(toMs)) },
  };
  return `${b}/explore?orgId=1&left=${encodeURIComponent(JSON.stringify(left))}`;
}
