// One insight: overview, aggregated timeline, graphed anomalies, relevant events, root-cause
// candidates, recommendations and feedback; for a proactive insight, its forecast first.
import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { isMissingEndpoint } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { useLiveReload } from '../../api/use-live-reload.js';
import type { AnomalyWithSeries, Forecast, Insight, VigilEvent } from '../../api/types.js';
import { SeverityBadge, StatusBadge, TypeBadge } from '../../components/badges.js';
import { EventTable } from '../../components/event-table.js';
import { RelativeTime } from '../../components/relative-time.js';
import { ErrorNote, FeatureError, Loading } from '../../components/status-notes.js';
import { useDocumentTitle } from '../../document-title.js';
import { useNow } from '../../clock.js';
import { absoluteTime, duration, formatValue } from '../../format.js';
import { useLinkSettings } from '../../use-link-settings.js';
import { AnomalyChart } from './anomaly-chart.js';
import { FeedbackPanel } from './feedback-panel.js';
import { ForecastChart } from './forecast-chart.js';
import { RecommendationList, RootCauseList } from './root-causes.js';
import { Timeline } from './timeline.js';

const HOUR = 3_600_000;
const CHARTS_SHOWN = 12;

export function InsightDetailPage() {
  const { id = '' } = useParams();
  const path = `/api/v1/insights/${encodeURIComponent(id)}`;
  const insight = useApi<Insight>(path);
  const anomalies = useApi<{ anomalies: AnomalyWithSeries[] }>(`${path}/anomalies`);
  const i = insight.data;
  // Relevant events may precede the insight by hours (a deployment, then the symptoms).
  const eventWindow = i ? { from: Math.floor(i.startMs - 24 * HOUR), to: Math.ceil((i.endMs ?? i.updatedMs) + HOUR), limit: 1000 } : undefined;
  const events = useApi<{ events: VigilEvent[] }>(i && i.eventIds.length > 0 ? '/api/v1/events' : null, eventWindow);
  const forecast = useApi<Forecast>(i?.type === 'PROACTIVE' ? `${path}/forecast` : null);
  useLiveReload(() => {
    insight.reload();
    anomalies.reload();
    if (i?.type === 'PROACTIVE') forecast.reload();
  }, (changed) => changed.id === id);
  useDocumentTitle(i ? i.name : 'Insight');
  const links = useLinkSettings();
  const now = useNow();

  const relevant = useMemo(() => {
    if (!i || !events.data) return [];
    const ids = new Set(i.eventIds);
    return events.data.events.filter((e) => ids.has(e.id)).sort((a, b) => b.timeMs - a.timeMs);
  }, [i, events.data]);
  const anomalyList = anomalies.data?.anomalies ?? [];
  const newestPointMs = useMemo(() => {
    let t = -Infinity;
    for (const a of anomalyList) {
      const ts = a.series?.timesMs;
      if (ts && ts.length > 0) t = Math.max(t, ts[ts.length - 1]!);
    }
    return t;
  }, [anomalyList]);

  if (insight.error) {
    return (
      <section className="page">
        <p>
          <Link to="/insights">← Insights</Link>
        </p>
        <h1>Insight</h1>
        <ErrorNote error={insight.error} retry={insight.reload} />
      </section>
    );
  }
  if (!i) return <section className="page"><Loading what="Loading the insight" /></section>;

  const openEndMs = i.endMs ?? (Number.isFinite(newestPointMs) ? Math.max(newestPointMs, i.updatedMs) : Math.max(i.updatedMs, now));
  const chartsShown = anomalyList.slice(0, CHARTS_SHOWN);
  // A forecast has no root cause to rank; say nothing rather than "no candidate".
  const showRootCauses = i.type === 'REACTIVE' || i.rootCauses.length > 0;

  return (
    <article className="page insight-detail" aria-labelledby="insight-title" data-testid="insight-detail">
      <p className="crumbs">
        <Link to={`/insights?type=${i.type.toLowerCase()}`}>← {i.type === 'REACTIVE' ? 'Reactive' : 'Proactive'} insights</Link>
      </p>
      <header className="detail-head">
        <h1 id="insight-title">{i.name}</h1>
        <div className="badges">
          <SeverityBadge severity={i.severity} />
          <StatusBadge status={i.status} />
          <TypeBadge type={i.type} />
        </div>
      </header>

      <section aria-labelledby="overview" className="card overview">
        <h2 id="overview" className="sr-only">
          Overview
        </h2>
        <dl className="facts">
          <div>
            <dt>Application</dt>
            <dd>{i.application ? <Link to={`/insights?application=${encodeURIComponent(i.application)}`}>{i.application}</Link> : <span className="muted">none</span>}</dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd>
              <RelativeTime ms={i.startMs} />
            </dd>
          </div>
          <div>
            <dt>{i.status === 'CLOSED' ? 'Ended' : 'Duration'}</dt>
            <dd>{i.endMs !== null ? <RelativeTime ms={i.endMs} /> : duration(openEndMs - i.startMs)}</dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd>
              <RelativeTime ms={i.updatedMs} />
            </dd>
          </div>
          {i.prediction ? (
            <div>
              <dt>Predicted</dt>
              <dd>
                <RelativeTime ms={i.prediction.expectedMs} />
              </dd>
            </div>
          ) : null}
        </dl>
        <div className="resources-line">
          <span className="label">Affected resources ({i.resources.length})</span>
          <ul className="chip-list" aria-label="Affected resources">
            {i.resources.map((r) => (
              <li key={r}>
                <Link className="res" to={`/resources?q=${encodeURIComponent(r)}`}>
                  {r}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      </section>

      {i.type === 'PROACTIVE' ? (
        <section aria-labelledby="forecast-title">
          <h2 id="forecast-title">Forecast</h2>
          {i.prediction ? <PredictionSummary insight={i} /> : null}
          {forecast.data && (forecast.data.history.timesMs.length > 0 || forecast.data.forecast) ? <ForecastChart forecast={forecast.data} /> : null}
          {forecast.data && forecast.data.history.timesMs.length === 0 && !forecast.data.forecast ? <p className="note">The server holds no recent points of this series (it restarted since the prediction), so the forecast cannot be drawn.</p> : null}
          {forecast.loading && !forecast.data ? <Loading what="Loading the forecast" /> : null}
          {forecast.error && !isMissingEndpoint(forecast.error) ? <FeatureError error={forecast.error} feature="The forecast" retry={forecast.reload} /> : null}
        </section>
      ) : null}

      {anomalyList.length > 0 || relevant.length > 0 ? (
        <section aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          <div className="card">
            <Timeline anomalies={anomalyList} events={relevant} nowMs={openEndMs} />
          </div>
        </section>
      ) : null}

      {i.anomalyIds.length > 0 ? (
        <section aria-labelledby="graphs-title">
          <h2 id="graphs-title">
            Graphed anomalies <span className="count">{anomalyList.length}</span>
          </h2>
          {anomalies.error ? <ErrorNote error={anomalies.error} retry={anomalies.reload} /> : null}
          {anomalies.loading && !anomalies.data ? <Loading what="Loading the anomalies" /> : null}
          <div className="chart-grid">
            {chartsShown.map((a) => (
              <AnomalyChart key={a.id} anomaly={a} events={relevant} {...links} />
            ))}
          </div>
          {anomalyList.length > CHARTS_SHOWN ? <p className="note">{anomalyList.length - CHARTS_SHOWN} more anomalies are listed in the timeline above.</p> : null}
        </section>
      ) : null}

      <div className={showRootCauses ? 'two-col' : undefined}>
        {showRootCauses ? (
          <section aria-labelledby="rc-title">
            <h2 id="rc-title">Root-cause candidates</h2>
            <RootCauseList rootCauses={i.rootCauses} />
          </section>
        ) : null}
        <section aria-labelledby="rec-title">
          <h2 id="rec-title">Recommendations</h2>
          <RecommendationList recommendations={i.recommendations} />
        </section>
      </div>

      {i.eventIds.length > 0 ? (
        <section aria-labelledby="events-title">
          <h2 id="events-title">
            Relevant events <span className="count">{i.eventIds.length}</span>
          </h2>
          {events.error ? <ErrorNote error={events.error} retry={events.reload} /> : null}
          {events.loading && !events.data ? <Loading what="Loading events" /> : null}
          {events.data ? <EventTable events={relevant} caption="Relevant events" anchors /> : null}
          {events.data && relevant.length < i.eventIds.length ? <p className="note">{i.eventIds.length - relevant.length} relevant event(s) lie outside the 24 hours before the insight.</p> : null}
        </section>
      ) : null}

      <FeedbackPanel insightId={i.id} />
    </article>
  );
}

function PredictionSummary({ insight }: { readonly insight: Insight }) {
  const p = insight.prediction!;
  return (
    <div className="card prediction" data-testid="prediction">
      <p className="prediction-main">
        <code className="series-key">{p.seriesKey}</code> is predicted to reach <b>{formatValue(p.limit)}</b> <RelativeTime ms={p.expectedMs} />
      </p>
      <p className="sub">
        Most likely at {absoluteTime(p.expectedMs)}; between {absoluteTime(p.earliestMs)} and {absoluteTime(p.latestMs)}.
      </p>
    </div>
  );
}
