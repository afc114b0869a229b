// System health at a glance: ongoing reactive and proactive insights by severity, resources
// analysed in the last hour, MTTR over a chosen range, and a card per application.
import { Link } from 'react-router';
import { useApi } from '../../api/use-api.js';
import { useLiveReload } from '../../api/use-live-reload.js';
import { SEVERITIES, type ApplicationSummary, type Health, type Insight, type InsightPage, type Severity, type VigilEvent } from '../../api/types.js';
import { HealthBadge } from '../../components/badges.js';
import { EventTable } from '../../components/event-table.js';
import { Empty, ErrorNote, Loading } from '../../components/status-notes.js';
import { useDocumentTitle } from '../../document-title.js';
import { useSearchState } from '../../use-search-state.js';
import { useNow } from '../../clock.js';
import { duration, RANGES } from '../../format.js';
import { InsightList } from '../insights/insight-list.js';

const MTTR_RANGES = { '1d': 'last day', '1w': 'last week', '1m': 'last 30 days' } as const;
type MttrRange = keyof typeof MTTR_RANGES;

export function DashboardPage() {
  useDocumentTitle('Dashboard');
  const [params, update] = useSearchState();
  const mttrRange = (params.get('mttr') ?? '1w') as MttrRange;
  const range: MttrRange = mttrRange in MTTR_RANGES ? mttrRange : '1w';
  const now = useNow();
  // Whole minutes, so the health request is not re-sent on every clock tick.
  const toMs = Math.floor(now / 60_000) * 60_000;
  const health = useApi<Health>('/api/v1/health', { from: toMs - RANGES[range], to: toMs });
  const apps = useApi<{ applications: ApplicationSummary[] }>('/api/v1/applications');
  const ongoing = useApi<InsightPage>('/api/v1/insights', { status: 'ONGOING', sort: 'severity', limit: 1000 });
  const closed = useApi<InsightPage>('/api/v1/insights', { status: 'CLOSED', sort: 'updatedMs', limit: 5 });
  const events = useApi<{ events: VigilEvent[] }>('/api/v1/events', { limit: 6 });
  useLiveReload(() => {
    health.reload();
    apps.reload();
    ongoing.reload();
    closed.reload();
    events.reload();
  });

  const items = ongoing.data?.items ?? [];
  const reactive = items.filter((i) => i.type === 'REACTIVE');
  const proactive = items.filter((i) => i.type === 'PROACTIVE');

  return (
    <section className="page" aria-labelledby="dash-title">
      <div className="page-head">
        <h1 id="dash-title">System health</h1>
        <label className="inline-field">
          MTTR over
          <select value={range} onChange={(e) => update((p) => p.set('mttr', e.target.value))}>
            {Object.entries(MTTR_RANGES).map(([k, text]) => (
              <option key={k} value={k}>
                {text}
              </option>
            ))}
          </select>
        </label>
      </div>

      {health.error ? <ErrorNote error={health.error} retry={health.reload} /> : null}
      <div className="stat-grid">
        <StatCard title="Ongoing reactive insights" value={health.data?.openReactiveInsights} to="/insights?type=reactive&status=ONGOING" bySeverity={countBySeverity(reactive)} testId="stat-reactive" />
        <StatCard title="Ongoing proactive insights" value={health.data?.openProactiveInsights} to="/insights?type=proactive&status=ONGOING" bySeverity={countBySeverity(proactive)} testId="stat-proactive" />
        <StatCard title="Resources analysed" value={health.data?.resourcesAnalysed} to="/resources" note="reported in the last hour" testId="stat-resources" />
        <StatCard title="Mean time to recover" value={health.data ? duration(health.data.mttrMs) : undefined} note={`insights closed in the ${MTTR_RANGES[range]}`} testId="stat-mttr" />
      </div>

      <h2>Applications</h2>
      {apps.error ? <ErrorNote error={apps.error} retry={apps.reload} /> : null}
      {apps.loading && !apps.data ? <Loading what="Loading applications" /> : null}
      {apps.data && apps.data.applications.length === 0 ? <Empty>No application is defined yet: resources are grouped into applications by labels (see docs/configuration.md).</Empty> : null}
      <div className="app-grid">
        {apps.data?.applications.map((a) => <ApplicationCard key={a.name} app={a} />)}
      </div>

      <div className="two-col">
        <section aria-labelledby="ongoing-reactive">
          <h2 id="ongoing-reactive">
            Ongoing reactive insights <span className="count">{reactive.length}</span>
          </h2>
          <OngoingList state={ongoing} insights={reactive} label="Ongoing reactive insights" empty="Nothing is going wrong right now." />
        </section>
        <section aria-labelledby="ongoing-proactive">
          <h2 id="ongoing-proactive">
            Ongoing proactive insights <span className="count">{proactive.length}</span>
          </h2>
          <OngoingList state={ongoing} insights={proactive} label="Ongoing proactive insights" empty="No exhaustion is predicted." />
        </section>
      </div>

      <div className="two-col">
        <section aria-labelledby="recently-closed">
          <h2 id="recently-closed">
            Recently closed <Link to="/insights?status=CLOSED&sort=updatedMs" className="more">all</Link>
          </h2>
          <OngoingList state={closed} insights={closed.data?.items ?? []} label="Recently closed insights" empty="No insight has closed yet." />
        </section>
        <section aria-labelledby="latest-events">
          <h2 id="latest-events">
            Latest events <Link to="/events" className="more">all</Link>
          </h2>
          {events.error ? <ErrorNote error={events.error} retry={events.reload} /> : null}
          {events.data && events.data.events.length === 0 ? <Empty>No deployment or change event yet.</Empty> : null}
          {events.data && events.data.events.length > 0 ? <EventTable events={events.data.events} caption="Latest events" compact /> : null}
        </section>
      </div>
    </section>
  );
}

function countBySeverity(items: readonly Insight[]): Record<Severity, number> {
  const out: Record<Severity, number> = { HIGH: 0, MEDIUM: 0, LOW: 0 };
  for (const i of items) out[i.severity]++;
  return out;
}

interface StatCardProps {
  readonly title: string;
  readonly value: number | string | undefined;
  readonly to?: string;
  readonly note?: string;
  readonly bySeverity?: Record<Severity, number>;
  readonly testId: string;
}

function StatCard({ title, value, to, note, bySeverity, testId }: StatCardProps) {
  const body = (
    <>
      <span className="stat-title">{title}</span>
      <span className="stat-value" data-testid={testId}>
        {value ?? '…'}
      </span>
      {bySeverity ? (
        <span className="sev-split" aria-label="by severity">
          {SEVERITIES.map((s) => (
            <span key={s} className={`sev-pill sev-${s.toLowerCase()}${bySeverity[s] === 0 ? ' zero' : ''}`} title={`${bySeverity[s]} ${s.toLowerCase()} severity`}>
              {bySeverity[s]} {s.toLowerCase()}
            </span>
          ))}
        </span>
      ) : null}
      {note ? <span className="stat-note">{note}</span> : null}
    </>
  );
  return to ? (
    <Link to={to} className="card stat-card link-card">
      {body}
    </Link>
  ) : (
    <div className="card stat-card">{body}</div>
  );
}

function ApplicationCard({ app }: { readonly app: ApplicationSummary }) {
  return (
    <Link to={`/insights?application=${encodeURIComponent(app.name)}&status=ONGOING`} className={`card app-card health-edge-${app.health.toLowerCase()}`} data-testid="app-card">
      <span className="app-card-head">
        <span className="app-name">{app.name}</span>
        <HealthBadge health={app.health} />
      </span>
      <span className="app-facts">
        <span>
          <b>{app.ongoingReactive}</b> reactive
        </span>
        <span>
          <b>{app.ongoingProactive}</b> proactive
        </span>
        <span>
          <b>{app.resources}</b> resources
        </span>
        <span title="mean time to recover, last 30 days">
          MTTR <b>{duration(app.mttrMs)}</b>
        </span>
      </span>
    </Link>
  );
}

function OngoingList({ state, insights, label, empty }: { readonly state: { loading: boolean; error: Error | undefined; data: unknown; reload(): void }; readonly insights: readonly Insight[]; readonly label: string; readonly empty: string }) {
  if (state.error) return <ErrorNote error={state.error} retry={state.reload} />;
  if (state.loading && !state.data) return <Loading what="Loading insights" />;
  if (insights.length === 0) return <Empty>{empty}</Empty>;
  return <InsightList insights={insights} compact label={label} />;
}
