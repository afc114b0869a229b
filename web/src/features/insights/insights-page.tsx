// Insights list: reactive / proactive tabs, filters (status, severity, application, time range),
// sorting, and live updates. Every filter lives in the URL, so a filtered view is a deep link.
import { useMemo, type KeyboardEvent } from 'react';
import { useApi } from '../../api/use-api.js';
import { useLiveReload } from '../../api/use-live-reload.js';
import { SEVERITIES, type ApplicationSummary, type InsightPage, type InsightType, type Severity } from '../../api/types.js';
import { Empty, ErrorNote, Loading } from '../../components/status-notes.js';
import { useDocumentTitle } from '../../document-title.js';
import { useNow } from '../../clock.js';
import { RANGES, fromLocalInput, toLocalInput, type RangeKey } from '../../format.js';
import { InsightList } from './insight-list.js';
import { useSearchState } from '../../use-search-state.js';
import { ApplicationSelect } from '../../components/application-select.js';

const PAGE_SIZE = 1000;
const SORTS = { startMs: 'Newest first', severity: 'Severity', updatedMs: 'Recently updated' } as const;
const RANGE_LABELS: Record<RangeKey, string> = { '12h': '12 h', '1d': '1 d', '1w': '1 w', '1m': '1 m', custom: 'Custom', all: 'All' };

export function InsightsPage() {
  const [params, update] = useSearchState();
  const now = useNow();
  const type: InsightType = params.get('type')?.toLowerCase() === 'proactive' ? 'PROACTIVE' : 'REACTIVE';
  useDocumentTitle(type === 'REACTIVE' ? 'Reactive insights' : 'Proactive insights');
  const status = params.get('status')?.toUpperCase() ?? '';
  const severity = (params.get('severity') ?? '').split(',').map((s) => s.trim().toUpperCase()).filter((s): s is Severity => (SEVERITIES as readonly string[]).includes(s));
  const application = params.get('application') ?? '';
  const range = (params.get('range') ?? 'all') as RangeKey;
  const sort = (params.get('sort') ?? 'startMs') as keyof typeof SORTS;
  const page = Math.max(0, Number(params.get('page') ?? 0) || 0);

  const minute = Math.floor(now / 60_000) * 60_000;
  const { fromMs, toMs } = useMemo(() => {
    if (range === 'custom') return { fromMs: numOrNull(params.get('from')), toMs: numOrNull(params.get('to')) };
    if (range in RANGES) return { fromMs: minute - RANGES[range as keyof typeof RANGES], toMs: null };
    return { fromMs: null, toMs: null };
  }, [range, params, minute]);

  const list = useApi<InsightPage>('/api/v1/insights', {
    type: type.toLowerCase(),
    status: status === 'ONGOING' || status === 'CLOSED' ? status : undefined,
    severity: severity.length > 0 ? severity.join(',') : undefined,
    application: application || undefined,
    from: fromMs ?? undefined,
    to: toMs ?? undefined,
    sort: sort in SORTS ? sort : 'startMs',
    limit: PAGE_SIZE,
    offset: page * PAGE_SIZE,
  });
  const apps = useApi<{ applications: ApplicationSummary[] }>('/api/v1/applications');
  useLiveReload(list.reload, (i) => i.type === type);

  const set = (changes: Record<string, string | null>) =>
    update((p) => {
      for (const [k, v] of Object.entries(changes)) {
        if (v === null || v === '') p.delete(k);
        else p.set(k, v);
      }
      if (!('page' in changes)) p.delete('page');
    });

  const toggleSeverity = (s: Severity) => {
    const next = severity.includes(s) ? severity.filter((x) => x !== s) : [...severity, s];
    set({ severity: next.length ? next.join(',') : null });
  };

  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const next = type === 'REACTIVE' ? 'proactive' : 'reactive';
    set({ type: next });
    document.getElementById(`tab-${next}`)?.focus();
  };

  const total = list.data?.total ?? 0;
  const items = list.data?.items ?? [];
  const filtered = status !== '' || severity.length > 0 || application !== '' || range !== 'all';

  return (
    <section className="page" aria-labelledby="insights-title">
      <div className="page-head">
        <h1 id="insights-title">Insights</h1>
      </div>
      <div className="tabs" role="tablist" aria-label="Insight type">
        {(['REACTIVE', 'PROACTIVE'] as const).map((t) => (
          <button
            key={t}
            id={`tab-${t.toLowerCase()}`}
            type="button"
            role="tab"
            aria-selected={type === t}
            aria-controls="insights-panel"
            tabIndex={type === t ? 0 : -1}
            className="tab"
            onClick={() => set({ type: t.toLowerCase() })}
            onKeyDown={onTabKey}
          >
            {t === 'REACTIVE' ? 'Reactive' : 'Proactive'}
          </button>
        ))}
      </div>

      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label className="field">
          <span>Status</span>
          <select name="status" value={status} onChange={(e) => set({ status: e.target.value || null })}>
            <option value="">Any</option>
            <option value="ONGOING">Ongoing</option>
            <option value="CLOSED">Closed</option>
          </select>
        </label>
        <fieldset className="field sev-filter">
          <legend>Severity</legend>
          <div className="chips">
            {SEVERITIES.map((s) => (
              <label key={s} className={`chip sev-chip sev-${s.toLowerCase()}${severity.includes(s) ? ' on' : ''}`}>
                <input type="checkbox" name={`severity-${s}`} checked={severity.includes(s)} onChange={() => toggleSeverity(s)} />
                {s.toLowerCase()}
              </label>
            ))}
          </div>
        </fieldset>
        <ApplicationSelect value={application} applications={apps.data?.applications.map((a) => a.name) ?? []} onChange={(a) => set({ application: a })} />
        <fieldset className="field">
          <legend>Time range</legend>
          <div className="segmented" role="group">
            {(['12h', '1d', '1w', '1m', 'custom', 'all'] as const).map((r) => (
              <button
                key={r}
                type="button"
                className={`seg${range === r ? ' on' : ''}`}
                aria-pressed={range === r}
                onClick={() => set(r === 'custom' ? { range: 'custom', from: String(fromMs ?? minute - RANGES['1d']), to: String(toMs ?? minute) } : { range: r === 'all' ? null : r, from: null, to: null })}
              >
                {RANGE_LABELS[r]}
              </button>
            ))}
          </div>
        </fieldset>
        {range === 'custom' ? (
          <div className="field custom-range">
            <label>
              <span>From</span>
              <input type="datetime-local" name="from" value={fromMs !== null ? toLocalInput(fromMs) : ''} onChange={(e) => set({ from: String(fromLocalInput(e.target.value) ?? '') })} />
            </label>
            <label>
              <span>To</span>
              <input type="datetime-local" name="to" value={toMs !== null ? toLocalInput(toMs) : ''} onChange={(e) => set({ to: String(fromLocalInput(e.target.value) ?? '') })} />
            </label>
          </div>
        ) : null}
        <label className="field">
          <span>Sort</span>
          <select name="sort" value={sort} onChange={(e) => set({ sort: e.target.value === 'startMs' ? null : e.target.value })}>
            {Object.entries(SORTS).map(([k, text]) => (
              <option key={k} value={k}>
                {text}
              </option>
            ))}
          </select>
        </label>
        {filtered ? (
          <button type="button" className="btn small clear" onClick={() =>
              update((p) => {
                for (const k of [...p.keys()]) if (k !== 'type') p.delete(k);
              })
            }>
            Clear filters
          </button>
        ) : null}
      </form>

      <div id="insights-panel" role="tabpanel" aria-labelledby={`tab-${type.toLowerCase()}`}>
        <p className="result-count" aria-live="polite" data-testid="result-count">
          {list.data ? (total === items.length && page === 0 ? `${total} insight${total === 1 ? '' : 's'}` : `${page * PAGE_SIZE + 1}–${page * PAGE_SIZE + items.length} of ${total} insights`) : '\u00a0'}
        </p>
        {list.error ? <ErrorNote error={list.error} retry={list.reload} /> : null}
        {list.loading && !list.data ? <Loading what="Loading insights" /> : null}
        {list.data && items.length === 0 ? <Empty>{filtered ? 'No insight matches these filters.' : type === 'REACTIVE' ? 'No reactive insight yet.' : 'No proactive insight yet.'}</Empty> : null}
        {items.length > 0 ? <InsightList insights={items} label={`${type === 'REACTIVE' ? 'Reactive' : 'Proactive'} insights`} /> : null}
        {total > PAGE_SIZE ? (
          <div className="pager">
            <button type="button" className="btn" disabled={page === 0} onClick={() => set({ page: page > 1 ? String(page - 1) : null })}>
              Previous
            </button>
            <button type="button" className="btn" disabled={(page + 1) * PAGE_SIZE >= total} onClick={() => set({ page: String(page + 1) })}>
              Next
            </button>
          </div>
        ) : null}
      </div>
    </section>
  );
}

function numOrNull(s: string | null): number | null {
  if (s === null || s === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}
