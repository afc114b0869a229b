// Notification channels (read, add, edit, delete), recent deliveries, runbooks and their runs.
// These endpoints come with the notifications feature; without it each section says "not available".
import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { SEVERITIES, type Channel, type LooseRecord, type Severity } from '../../api/types.js';
import { RelativeTime } from '../../components/relative-time.js';
import { Empty, ErrorNote, FeatureError, Loading } from '../../components/status-notes.js';
import { titleCase } from '../../format.js';
import { adminHint } from './admin-hint.js';

const CHANNEL_TYPES = ['webhook', 'slack', 'pagerduty', 'opsgenie', 'alertmanager'] as const;
const MESSAGE_TYPES = ['NEW_INSIGHT', 'CLOSED_INSIGHT', 'NEW_ASSOCIATION', 'SEVERITY_UPGRADED', 'NEW_RECOMMENDATION'] as const;

/** The list in a response that is either the array itself or `{ <key>: [...] }`. */
export function listIn<T>(data: unknown, keys: readonly string[]): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === 'object') {
    for (const k of keys) {
      const v = (data as Record<string, unknown>)[k];
      if (Array.isArray(v)) return v as T[];
    }
  }
  return [];
}

interface ChannelDraft {
  name: string;
  type: string;
  url: string;
  minSeverity: Severity;
  types: string[];
  rateLimitPerMinute: number;
  secret: string;
}

const EMPTY_DRAFT: ChannelDraft = { name: '', type: 'webhook', url: '', minSeverity: 'MEDIUM', types: [...MESSAGE_TYPES], rateLimitPerMinute: 60, secret: '' };

export function ChannelsSection() {
  const channels = useApi<unknown>('/api/v1/channels');
  const deliveries = useApi<unknown>('/api/v1/deliveries', { limit: 50 });
  const [draft, setDraft] = useState<ChannelDraft | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const list = listIn<Channel>(channels.data, ['channels', 'items']);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { type: draft.type, url: draft.url.trim(), minSeverity: draft.minSeverity, types: draft.types, rateLimitPerMinute: draft.rateLimitPerMinute };
      if (draft.secret) body.secret = draft.secret;
      await apiSend('PUT', `/api/v1/channels/${encodeURIComponent(draft.name.trim())}`, body);
      setDraft(null);
      setEditing(null);
      channels.reload();
    } catch (err) {
      setError(adminHint(err as Error));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (name: string) => {
    if (!window.confirm(`Delete the channel "${name}"?`)) return;
    setError(null);
    try {
      await apiSend('DELETE', `/api/v1/channels/${encodeURIComponent(name)}`);
      channels.reload();
    } catch (err) {
      setError(adminHint(err as Error));
    }
  };

  return (
    <section className="card settings-section" aria-labelledby="channels-title" id="channels">
      <h2 id="channels-title">Notification channels</h2>
      {channels.error ? <FeatureError error={channels.error} feature="Notification channels" retry={channels.reload} /> : null}
      {channels.loading && !channels.data ? <Loading /> : null}
      {channels.data !== undefined ? (
        <>
          {list.length === 0 ? <Empty>No channel yet: insights are shown here but not sent anywhere.</Empty> : null}
          {list.length > 0 ? (
            <div className="table-wrap">
              <table className="table">
                <caption className="sr-only">Channels</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col" className="hide-narrow">Endpoint</th>
                    <th scope="col">From severity</th>
                    <th scope="col" className="hide-narrow">Messages</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((c) => (
                    <tr key={c.name}>
                      <td>{c.name}</td>
                      <td>{c.type}</td>
                      <td className="hide-narrow">
                        <code className="url">{c.url ?? ''}</code>
                      </td>
                      <td>{c.minSeverity ?? 'MEDIUM'}</td>
                      <td className="hide-narrow">{(c.types ?? MESSAGE_TYPES).map((t) => titleCase(t)).join(', ')}</td>
                      <td className="row">
                        <button
                          type="button"
                          className="btn small"
                          onClick={() => {
                            setEditing(c.name);
                            setDraft({ name: c.name, type: c.type, url: c.url ?? '', minSeverity: c.minSeverity ?? 'MEDIUM', types: [...(c.types ?? MESSAGE_TYPES)], rateLimitPerMinute: c.rateLimitPerMinute ?? 60, secret: '' });
                          }}
                        >
                          Edit
                        </button>
                        <button type="button" className="btn small danger" onClick={() => void remove(c.name)}>
                          Delete
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {draft ? (
            <form className="channel-form" onSubmit={save} aria-label={editing ? `Edit channel ${editing}` : 'New channel'}>
              <div className="settings-grid">
                <label className="field">
                  <span>Name</span>
                  <input required pattern="[A-Za-z0-9_.\-]{1,64}" value={draft.name} disabled={editing !== null} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
                </label>
                <label className="field">
                  <span>Type</span>
                  <select value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })}>
                    {CHANNEL_TYPES.map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field grow">
                  <span>URL</span>
                  <input required type="url" value={draft.url} placeholder="https://hooks.example.com/vigil" onChange={(e) => setDraft({ ...draft, url: e.target.value })} />
                </label>
                <label className="field">
                  <span>Secret / key {editing ? '(blank: keep)' : '(optional)'}</span>
                  <input type="password" autoComplete="off" value={draft.secret} onChange={(e) => setDraft({ ...draft, secret: e.target.value })} />
                </label>
                <label className="field">
                  <span>From severity</span>
                  <select value={draft.minSeverity} onChange={(e) => setDraft({ ...draft, minSeverity: e.target.value as Severity })}>
                    {[...SEVERITIES].reverse().map((s) => (
                      <option key={s} value={s}>
                        {s.toLowerCase()}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field">
                  <span>At most per minute</span>
                  <input type="number" min={1} max={10000} value={draft.rateLimitPerMinute} onChange={(e) => setDraft({ ...draft, rateLimitPerMinute: Number(e.target.value) })} />
                </label>
              </div>
              <fieldset className="field">
                <legend>Messages</legend>
                <div className="chips">
                  {MESSAGE_TYPES.map((t) => (
                    <label key={t} className={`chip${draft.types.includes(t) ? ' on' : ''}`}>
                      <input type="checkbox" checked={draft.types.includes(t)} onChange={() => setDraft({ ...draft, types: draft.types.includes(t) ? draft.types.filter((x) => x !== t) : [...draft.types, t] })} />
                      {titleCase(t)}
                    </label>
                  ))}
                </div>
              </fieldset>
              <div className="actions">
                <button type="submit" className="btn primary" disabled={busy || draft.types.length === 0}>
                  {editing ? 'Save channel' : 'Add channel'}
                </button>
                <button
                  type="button"
                  className="btn"
                  onClick={() => {
                    setDraft(null);
                    setEditing(null);
                  }}
                >
                  Cancel
                </button>
              </div>
            </form>
          ) : (
            <button type="button" className="btn" onClick={() => setDraft({ ...EMPTY_DRAFT, types: [...MESSAGE_TYPES] })}>
              Add a channel
            </button>
          )}
          {error ? <ErrorNote error={error} /> : null}
          <h3>Recent deliveries</h3>
          {deliveries.error ? <FeatureError error={deliveries.error} feature="The delivery log" retry={deliveries.reload} /> : null}
          {deliveries.data !== undefined ? <LooseTable rows={listIn<LooseRecord>(deliveries.data, ['deliveries', 'items'])} columns={['timeMs', 'channel', 'type', 'insightId', 'status', 'attempts', 'error']} empty="Nothing was sent yet." /> : null}
        </>
      ) : null}
    </section>
  );
}

export function RunbooksSection() {
  const runbooks = useApi<unknown>('/api/v1/runbooks');
  const runs = useApi<unknown>('/api/v1/runbook-runs', { limit: 50 });
  return (
    <section className="card settings-section" aria-labelledby="runbooks-title" id="runbooks">
      <h2 id="runbooks-title">Runbooks</h2>
      {runbooks.error ? <FeatureError error={runbooks.error} feature="Runbooks" retry={runbooks.reload} /> : null}
      {runbooks.loading && !runbooks.data ? <Loading /> : null}
      {runbooks.data !== undefined ? <LooseTable rows={listIn<LooseRecord>(runbooks.data, ['runbooks', 'items'])} columns={['name', 'match', 'action', 'dryRun', 'enabled']} empty="No runbook is configured (runbooks are defined in vigil.yaml)." /> : null}
      <h3>Recent runs</h3>
      {runs.error ? <FeatureError error={runs.error} feature="The runbook audit trail" retry={runs.reload} /> : null}
      {runs.data !== undefined ? <LooseTable rows={listIn<LooseRecord>(runs.data, ['runs', 'runbookRuns', 'items'])} columns={['timeMs', 'runbook', 'insightId', 'dryRun', 'status', 'result', 'error']} empty="No runbook has run yet." /> : null}
    </section>
  );
}

/** A table over records whose exact shape is not fixed here: the listed columns that occur, as text. */
function LooseTable({ rows, columns, empty }: { readonly rows: readonly LooseRecord[]; readonly columns: readonly string[]; readonly empty: string }) {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  const present = columns.filter((c) => rows.some((r) => r[c] !== undefined && r[c] !== null));
  const cols = present.length > 0 ? present : Object.keys(rows[0]!).slice(0, 6);
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c} scope="col">
                {c === 'timeMs' ? 'When' : titleCase(c.replace(/([a-z])([A-Z])/g, '$1_$2'))}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, k) => (
            <tr key={k}>
              {cols.map((c) => (
                <td key={c}>{c.endsWith('Ms') && typeof r[c] === 'number' ? <RelativeTime ms={r[c] as number} /> : <CellText value={r[c]} />}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CellText({ value }: { readonly value: unknown }) {
  if (value === undefined || value === null) return <span className="muted">—</span>;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return <>{String(value)}</>;
  return <code className="json">{JSON.stringify(value)}</code>;
}

