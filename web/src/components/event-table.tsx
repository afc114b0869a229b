import type { VigilEvent } from '../api/types.js';
import { titleCase } from '../format.js';
import { RelativeTime } from './relative-time.js';

export interface EventTableProps {
  readonly events: readonly VigilEvent[];
  readonly caption: string;
  /** Give each row an id (`event-<id>`) so timeline markers and root causes can link to it. */
  readonly anchors?: boolean;
  /** When, class and name only (dashboard). */
  readonly compact?: boolean;
}

/** Events, newest first as given. Names, resources and attributes are untrusted text: rendered as text only. */
export function EventTable({ events, caption, anchors = false, compact = false }: EventTableProps) {
  return (
    <div className="table-wrap">
      <table className="table events-table" data-testid="events-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Class</th>
            <th scope="col">Event</th>
            {compact ? null : (
              <>
                <th scope="col" className="hide-narrow">Source</th>
                <th scope="col" className="hide-narrow">Application</th>
                <th scope="col" className="hide-narrow">Resources</th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id} id={anchors ? `event-${e.id}` : undefined}>
              <td className="nowrap">
                <RelativeTime ms={e.timeMs} />
              </td>
              <td>
                <span className={`badge ev ev-${e.class.toLowerCase()}`}>{titleCase(e.class)}</span>
              </td>
              <td className="event-name">
                <span>{e.name}</span>
                {!compact && Object.keys(e.attributes).length > 0 ? (
                  <details className="attrs">
                    <summary>details</summary>
                    <dl>
                      {Object.entries(e.attributes).map(([k, v]) => (
                        <div key={k}>
                          <dt>{k}</dt>
                          <dd>{v}</dd>
                        </div>
                      ))}
                    </dl>
                  </details>
                ) : null}
              </td>
              {compact ? null : (
                <>
                  <td className="hide-narrow">{e.source}</td>
                  <td className="hide-narrow">{e.application ?? <span className="muted">—</span>}</td>
                  <td className="hide-narrow resources-cell">
                    {e.resources.slice(0, 4).map((r) => (
                      <code key={r} className="res">
                        {r}
                      </code>
                    ))}
                    {e.resources.length > 4 ? <span className="muted"> +{e.resources.length - 4}</span> : null}
                  </td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
