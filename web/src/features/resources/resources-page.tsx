// The resource inventory: what Vigil analyses, its coverage state, tags, when it last reported,
// how many series it has, and its health (the worst ongoing insight that names it).
import { useMemo } from 'react';
import { Link } from 'react-router';
import { useApi } from '../../api/use-api.js';
import { useLiveReload } from '../../api/use-live-reload.js';
import type { InsightPage, Resource, Severity } from '../../api/types.js';
import { RelativeTime } from '../../components/relative-time.js';
import { Empty, ErrorNote, Loading } from '../../components/status-notes.js';
import { useDocumentTitle } from '../../document-title.js';
import { useSearchState } from '../../use-search-state.js';
import { ApplicationSelect } from '../../components/application-select.js';

type ResourceHealth = 'HEALTHY' | 'LOW' | 'MEDIUM' | 'HIGH' | 'RETIRED';
const RANK: Record<Severity, number> = { LOW: 1, MEDIUM: 2, HIGH: 3 };
const SHOWN_MAX = 2000;

export function ResourcesPage() {
  useDocumentTitle('Resources');
  const [params, update] = useSearchState();
  const q = params.get('q') ?? '';
  const application = params.get('application') ?? '';
  const healthFilter = params.get('health') ?? '';
  const resources = useApi<{ resources: Resource[] }>('/api/v1/resources');
  const ongoing = useApi<InsightPage>('/api/v1/insights', { status: 'ONGOING', limit: 1000 });
  useLiveReload(ongoing.reload);

  const worst = useMemo(() => {
    const m = new Map<string, { severity: Severity; insightId: string }>();
    for (const i of ongoing.data?.items ?? []) {
      for (const r of i.resources) {
        const cur = m.get(r);
        if (!cur || RANK[i.severity] > RANK[cur.severity]) m.set(r, { severity: i.severity, insightId: i.id });
      }
    }
    return m;
  }, [ongoing.data]);

  const all = resources.data?.resources ?? [];
  const apps = useMemo(() => [...new Set(all.map((r) => r.application).filter((a): a is string => !!a))].sort(), [all]);
  const healthOf = (r: Resource): ResourceHealth => (r.retiredMs !== null ? 'RETIRED' : worst.get(r.key)?.severity ?? 'HEALTHY');
  const needle = q.trim().toLowerCase();
  const rows = all
    .filter((r) => !application || r.application === application)
    .filter((r) => !healthFilter || (healthFilter === 'UNHEALTHY' ? worst.has(r.key) && r.retiredMs === null : healthOf(r) === healthFilter))
    .filter((r) => !needle || r.key.toLowerCase().includes(needle) || r.type.toLowerCase().includes(needle) || Object.entries(r.tags).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(needle)))
    .sort((a, b) => {
      const ha = worst.get(a.key);
      const hb = worst.get(b.key);
      return (hb ? RANK[hb.severity] : 0) - (ha ? RANK[ha.severity] : 0) || a.key.localeCompare(b.key);
    });

  const set = (k: string, v: string) =>
    update((p) => {
      if (v) p.set(k, v);
      else p.delete(k);
    });

  return (
    <section className="page" aria-labelledby="res-title">
      <div className="page-head">
        <h1 id="res-title">Resources</h1>
      </div>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label className="field grow">
          <span>Search</span>
          <input type="search" name="q" value={q} placeholder="key, type or tag" onChange={(e) => set('q', e.target.value)} />
        </label>
        <ApplicationSelect value={application} applications={apps} onChange={(a) => set('application', a ?? '')} />
        <label className="field">
          <span>Health</span>
          <select name="health" value={healthFilter} onChange={(e) => set('health', e.target.value)}>
            <option value="">Any</option>
            <option value="UNHEALTHY">In an ongoing insight</option>
            <option value="HEALTHY">Healthy</option>
            <option value="RETIRED">Retired</option>
          </select>
        </label>
      </form>
      <p className="result-count" aria-live="polite">
        {resources.data ? `${rows.length} of ${all.length} resources` : '\u00a0'}
      </p>
      {resources.error ? <ErrorNote error={resources.error} retry={resources.reload} /> : null}
      {resources.loading && !resources.data ? <Loading what="Loading resources" /> : null}
      {resources.data && rows.length === 0 ? <Empty>{all.length === 0 ? 'No resource has reported yet.' : 'No resource matches.'}</Empty> : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table className="table resources-table" data-testid="resources-table">
            <caption className="sr-only">Resources</caption>
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Health</th>
                <th scope="col" className="hide-narrow">Application</th>
                <th scope="col" className="hide-narrow">Coverage</th>
                <th scope="col" className="hide-narrow">Tags</th>
                <th scope="col">Last seen</th>
                <th scope="col" className="num">Series</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, SHOWN_MAX).map((r) => {
                const h = healthOf(r);
                const w = worst.get(r.key);
                return (
                  <tr key={r.key}>
                    <td>
                      <code className="res">{r.key}</code>
                      <span className="sub">{r.type}</span>
                    </td>
                    <td>
                      {w && h !== 'RETIRED' ? (
                        <Link to={`/insights/${encodeURIComponent(w.insightId)}`} className={`badge sev sev-${w.severity.toLowerCase()}`}>
                          {w.severity}
                        </Link>
                      ) : (
                        <span className={`badge health-${h === 'RETIRED' ? 'retired' : 'healthy'}`}>{h === 'RETIRED' ? 'Retired' : 'Healthy'}</span>
                      )}
                    </td>
                    <td className="hide-narrow">{r.application ?? <span className="muted">—</span>}</td>
                    <td className="hide-narrow">{r.coverage ?? (r.retiredMs !== null ? 'retired' : 'analysed')}</td>
                    <td className="hide-narrow tags-cell">
                      {Object.entries(r.tags).map(([k, v]) => (
                        <span key={k} className="tag">
                          {k}={v}
                        </span>
                      ))}
                    </td>
                    <td className="nowrap">
                      <RelativeTime ms={r.lastSeenMs} />
                    </td>
                    <td className="num">{r.seriesCount}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {rows.length > SHOWN_MAX ? <p className="note">Showing the first {SHOWN_MAX}; narrow the search to see the rest.</p> : null}
        </div>
      ) : null}
    </section>
  );
}
