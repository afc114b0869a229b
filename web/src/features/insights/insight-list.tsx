// A dense list of insights: one row per insight, the whole row a link to its detail. Rows are plain
// elements with `content-visibility: auto`, so a thousand of them lay out and scroll smoothly
// (the browser skips rendering the rows off screen).
import { Link } from 'react-router';
import type { Insight } from '../../api/types.js';
import { SeverityBadge, StatusBadge } from '../../components/badges.js';
import { RelativeTime } from '../../components/relative-time.js';

export interface InsightListProps {
  readonly insights: readonly Insight[];
  /** Compact rows (dashboard): fewer columns. */
  readonly compact?: boolean;
  readonly label: string;
}

export function InsightList({ insights, compact = false, label }: InsightListProps) {
  return (
    <div className={`insight-list${compact ? ' compact' : ''}`}>
      <div className="insight-row head" aria-hidden="true">
        <span>Severity</span>
        <span>Insight</span>
        {compact ? null : <span>Application</span>}
        {compact ? null : <span>Status</span>}
        <span>Started</span>
        {compact ? null : <span>Updated</span>}
      </div>
      <ol className="rows" aria-label={label} data-testid="insight-rows">
        {insights.map((i) => (
          <li key={i.id} className={`insight-row sev-row-${i.severity.toLowerCase()}`}>
            <Link to={`/insights/${encodeURIComponent(i.id)}`} className="row-link" data-insight-id={i.id}>
              <span className="cell sev-cell">
                <SeverityBadge severity={i.severity} />
              </span>
              <span className="cell name-cell">
                <span className="insight-name">{i.name}</span>
                {i.type === 'PROACTIVE' && i.prediction ? (
                  <span className="sub">
                    predicted <RelativeTime ms={i.prediction.expectedMs} />
                  </span>
                ) : (
                  <span className="sub">
                    {i.anomalyIds.length} anomal{i.anomalyIds.length === 1 ? 'y' : 'ies'} · {i.resources.length} resource{i.resources.length === 1 ? '' : 's'}
                    {compact && i.application ? ` · ${i.application}` : ''}
                  </span>
                )}
              </span>
              {compact ? null : <span className="cell app-cell">{i.application ?? <span className="muted">—</span>}</span>}
              {compact ? null : (
                <span className="cell status-cell">
                  <StatusBadge status={i.status} />
                </span>
              )}
              <span className="cell time-cell">
                <RelativeTime ms={i.startMs} />
              </span>
              {compact ? null : (
                <span className="cell time-cell">
                  <RelativeTime ms={i.updatedMs} />
                </span>
              )}
            </Link>
          </li>
        ))}
      </ol>
    </div>
  );
}
