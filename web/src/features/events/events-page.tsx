// Events (deployments, config changes, ...): filter by class, source, application and time.
import { useMemo } from 'react';
import { useApi } from '../../api/use-api.js';
import { EVENT_CLASS_NAMES, type ApplicationSummary, type EventClass, type VigilEvent } from '../../api/types.js';
import { EventTable } from '../../components/event-table.js';
import { Empty, ErrorNote, Loading } from '../../components/status-notes.js';
import { useDocumentTitle } from '../../document-title.js';
import { useSearchState } from '../../use-search-state.js';
import { useNow } from '../../clock.js';
import { RANGES, fromLocalInput, titleCase, toLocalInput, type RangeKey } from '../../format.js';
import { ApplicationSelect } from '../../components/application-select.js';

const PAGE = 200;
const KNOWN_SOURCES = ['argocd', 'github', 'kubernetes', 'cloudtrail', 'helm', 'generic'];

export function EventsPage() {
  useDocumentTitle('Events');
  const [params, update] = useSearchState();
  const now = useNow();
  const classes = (params.get('class') ?? '').split(',').map((c) => c.trim().toUpperCase()).filter((c): c is EventClass => (EVENT_CLASS_NAMES as readonly string[]).includes(c));
  const source = params.get('source') ?? '';
  const application = params.get('application') ?? '';
  const range = (params.get('range') ?? 'all') as RangeKey;
  const shown = Math.max(PAGE, Number(params.get('shown') ?? PAGE) || PAGE);
  const minute = Math.floor(now / 60_000) * 60_000;
  const num = (s: string | null) => (s && Number.isFinite(Number(s)) ? Number(s) : undefined);
  const fromMs = range === 'custom' ? num(params.get('from')) : range in RANGES ? minute - RANGES[range as keyof typeof RANGES] : undefined;
  const toMs = range === 'custom' ? num(params.get('to')) : undefined;

  const list = useApi<{ events: VigilEvent[] }>('/api/v1/events', {
    class: classes.length > 0 ? classes.join(',') : undefined,
    source: source || undefined,
    application: application || undefined,
    from: fromMs,
    to: toMs,
    limit: Math.min(1000, shown),
  });
  const apps = useApi<{ applications: ApplicationSummary[] }>('/api/v1/applications');
  const sources = useMemo(() => [...new Set([...KNOWN_SOURCES, ...(list.data?.events.map((e) => e.source) ?? []), ...(source ? [source] : [])])].sort(), [list.data, source]);

  const set = (changes: Record<string, string | null>) =>
    update((p) => {
      for (const [k, v] of Object.entries(changes)) {
        if (v === null || v === '') p.delete(k);
        else p.set(k, v);
      }
      if (!('shown' in changes)) p.delete('shown');
    });
  const toggleClass = (c: EventClass) => {
    const next = classes.includes(c) ? classes.filter((x) => x !== c) : [...classes, c];
    set({ class: next.length ? next.join(',') : null });
  };
  const events = list.data?.events ?? [];

  return (
    <section className="page" aria-labelledby="events-title">
      <div className="page-head">
        <h1 id="events-title">Events</h1>
        <button type="button" className="btn small" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <fieldset className="field">
          <legend>Class</legend>
          <div className="chips">
            {EVENT_CLASS_NAMES.map((c) => (
              <label key={c} className={`chip${classes.includes(c) ? ' on' : ''}`}>
                <input type="checkbox" name={`class-${c}`} checked={classes.includes(c)} onChange={() => toggleClass(c)} />
                {titleCase(c)}
              </label>
            ))}
          </div>
        </fieldset>
        <label className="field">
          <span>Source</span>
          <select name="source" value={source} onChange={(e) => set({ source: e.target.value || null })}>
            <option value="">Any source</option>
            {sources.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <ApplicationSelect value={application} applications={apps.data?.applications.map((a) => a.name) ?? []} onChange={(a) => set({ application: a })} />
        <label className="field">
          <span>Time</span>
          <select name="range" value={range} onChange={(e) => set(e.target.value === 'custom' ? { range: 'custom', from: String(fromMs ?? minute - RANGES['1d']), to: String(minute) } : { range: e.target.value === 'all' ? null : e.target.value, from: null, to: null })}>
            <option value="12h">Last 12 hours</option>
            <option value="1d">Last day</option>
            <option value="1w">Last week</option>
            <option value="1m">Last 30 days</option>
            <option value="all">All time</option>
            <option value="custom">Custom…</option>
          </select>
        </label>
        {range === 'custom' ? (
          <div className="field custom-range">
            <label>
              <span>From</span>
              <input type="datetime-local" value={fromMs !== undefined ? toLocalInput(fromMs) : ''} onChange={(e) => set({ from: String(fromLocalInput(e.target.value) ?? '') })} />
            </label>
            <label>
              <span>To</span>
              <input type="datetime-local" value={toMs !== undefined ? toLocalInput(toMs) : ''} onChange={(e) => set({ to: String(fromLocalInput(e.target.value) ?? '') })} />
            </label>
          </div>
        ) : null}
      </form>
      <p className="result-count" aria-live="polite">
        {list.data ? `${events.length}${events.length >= shown ? '+' : ''} event${events.length === 1 ? '' : 's'}` : '\u00a0'}
      </p>
      {list.error ? <ErrorNote error={list.error} retry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading what="Loading events" /> : null}
      {list.data && events.length === 0 ? <Empty>No event matches these filters.</Empty> : null}
      {events.length > 0 ? <EventTable events={events} caption="Events" /> : null}
      {events.length >= shown && shown < 1000 ? (
        <div className="pager">
          <button type="button" className="btn" onClick={() => set({ shown: String(Math.min(1000, shown + PAGE)) })}>
            Show more
          </button>
        </div>
      ) : null}
    </section>
  );
}
