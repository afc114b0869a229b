// Root-cause candidates with their evidence, and recommendations with their reasons and links.
import type { Insight } from '../../api/types.js';
import { Empty } from '../../components/status-notes.js';
import { percent } from '../../format.js';
import { safeHttpUrl } from '../../links.js';

export function RootCauseList({ rootCauses }: { readonly rootCauses: Insight['rootCauses'] }) {
  if (rootCauses.length === 0) return <Empty>No candidate yet.</Empty>;
  return (
    <ol className="root-causes" data-testid="root-causes">
      {[...rootCauses]
        .sort((a, b) => a.rank - b.rank)
        .map((rc) => {
          const c = Math.max(0, Math.min(1, rc.confidence));
          return (
            <li key={`${rc.kind}-${rc.ref}`} className="card rc">
              <div className="rc-head">
                <span className="rank">#{rc.rank}</span>
                <a href={rc.kind === 'EVENT' ? `#event-${encodeURIComponent(rc.ref)}` : `#anomaly-${encodeURIComponent(rc.ref)}`} className="rc-title">
                  {rc.title}
                </a>
                <span className="badge">{rc.kind === 'EVENT' ? 'event' : 'anomaly'}</span>
              </div>
              <div className="confidence" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(c * 100)} aria-label="confidence">
                <span className="bar" style={{ width: `${c * 100}%` }} />
                <span className="conf-text">{percent(c)} confidence</span>
              </div>
              {rc.evidence.length > 0 ? (
                <ul className="evidence">
                  {rc.evidence.map((ev, k) => (
                    <li key={k}>{ev}</li>
                  ))}
                </ul>
              ) : null}
            </li>
          );
        })}
    </ol>
  );
}

export function RecommendationList({ recommendations }: { readonly recommendations: Insight['recommendations'] }) {
  if (recommendations.length === 0) return <Empty>No recommendation for this insight.</Empty>;
  return (
    <ul className="recommendations" data-testid="recommendations">
      {recommendations.map((r) => (
        <li key={r.id} className="card rec">
          <h3>{r.title}</h3>
          <p>{r.description}</p>
          {r.reason ? (
            <p className="why">
              <b>Why:</b> {r.reason}
            </p>
          ) : null}
          {r.links.length > 0 ? (
            <ul className="rec-links">
              {r.links.map((l) => {
                // Links come from the knowledge base: only http(s) becomes a link.
                const href = safeHttpUrl(l);
                return <li key={l}>{href ? <a href={href} target="_blank" rel="noopener noreferrer">{l}</a> : <span>{l}</span>}</li>;
              })}
            </ul>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
