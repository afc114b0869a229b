// Notification channels (read, add, edit, delete), recent deliveries, runbooks and their runs.
// These endpoints come with the notifications feature; without it each section says "not available".
import { useState, type FormEvent } from 'react';
import { apiSend } from '../../api/client.js';
import { useApi } from '../../api/use-api.js';
import { SEVERITIES, type Channel, type LooseRecord, type Severity } from '../../api/types.js';
import { RelativeTime } from '../../components/relative-time.js';
import { Empty, ErrorNote, FeatureError, Loading } from '../../components/status-notes.js';
import { duration, titleCase } from '../../format.js';
import { adminHint } from './admin-hint.js';

const CHANNEL_TYPES = ['webhook', 'slack', 'pagerduty', 'opsgenie', 'alertmanager'] as const;
const MESSAGE_TYPES = ['NEW_INSIGHT', 'CLOSED_INSIGHT', 'NEW_ASSOCIATION', 'SEVERITY_UPGRADED', 'NEW_RECOMMENDATION'] as const;

interface ChannelDraft {
  name: string;
  type: string;
  url: string;
  minSeverity: Severity;
  types: string[];
  rateLimitPerMinute: number;
  secret: string;
  secretEnv: string;
}

const EMPTY_DRAFT: ChannelDraft = { name: '', type: 'webhook', url: '', minSeverity: 'MEDIUM', types: [...MESSAGE_TYPES], rateLimitPerMinute: 60, secret: '', secretEnv: '' };
/** Types whose URL has a default API base on the server. */
const URL_OPTIONAL = new Set(['pagerduty', 'opsgenie']);

export function ChannelsSection() {
  const channels = useApi<{ channels: Channel[] }>('/api/v1/channels');
  const deliveries = useApi<{ deliveries: LooseRecord[] }>('/api/v1/deliveries', { limit: 50 });
  const [draft, setDraft] = useState<ChannelDraft | null>(null);
  const [editing, setEditing] = useState<Channel | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const list = channels.data?.channels ?? [];

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    setBusy(true);
    setError(null);
    setMessage('');
    try {
      const body: Record<string, unknown> = { type: draft.type, minSeverity: draft.minSeverity, types: draft.types, rateLimitPerMinute: draft.rateLimitPerMinute };
      if (draft.url.trim()) body.url = draft.url.trim();
      if (draft.secret) body.secret = draft.secret;
      if (draft.secretEnv.trim()) body.secretEnv = draft.secretEnv.trim();
      await apiSend('PUT', `/api/v1/channels/${encodeURIComponent(draft.name.trim())}`, body);
      setMessage(`Channel "${draft.name.trim()}" saved.`);
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
    setMessage('');
    try {
      const r = await apiSend<{ now: string; droppedMessages: number }>('DELETE', `/api/v1/channels/${encodeURIComponent(name)}`);
      setMessage(r.now === 'config' ? `"${name}" is back to its vigil.yaml definition.` : `"${name}" deleted${r.droppedMessages ? `; ${r.droppedMessages} queued message(s) dropped` : ''}.`);
      channels.reload();
    } catch (err) {
      setError(adminHint(err as Error));
    }
  };
  const test = async (name: string) => {
    setError(null);
    setMessage(`Sending a test message to "${name}"…`);
    try {
      const r = await apiSend<{ delivered: boolean; status: number | null; reason: string | null }>('POST', `/api/v1/channels/${encodeURIComponent(name)}/test`);
      setMessage(r.delivered ? `Test message delivered to "${name}" (HTTP ${r.status}).` : `Test message to "${name}" failed: ${r.reason ?? `HTTP ${r.status}`}.`);
      deliveries.reload();
    } catch (err) {
      setMessage('');
      setError(adminHint(err as Error));
    }
  };
  const masked = editing !== null && editing.url.includes('***');

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
                      <td>
                        {c.name}
                        <span className="sub">{c.source === 'config' ? 'vigil.yaml' : 'set here'}</span>
                        {c.problem ? <span className="sub error-text">{c.problem}</span> : null}
                      </td>
                      <td>{c.type}</td>
                      <td className="hide-narrow">
                        <code className="url">{c.url}</code>
                      </td>
                      <td>{c.minSeverity.toLowerCase()}</td>
                      <td className="hide-narrow">{c.types.length === MESSAGE_TYPES.length ? 'all' : c.types.map((t) => titleCase(t)).join(', ')}</td>
                      <td className="row">
                        <button type="button" className="btn small" onClick={() => void test(c.name)}>
                          Test
                        </button>
                        <button
                          type="button"
                          className="btn small"
                          onClick={() => {
                            setEditing(c);
                            setDraft({ name: c.name, type: c.type, url: c.url.includes('***') ? '' : c.url, minSeverity: c.minSeverity, types: [...c.types], rateLimitPerMinute: c.rateLimitPerMinute, secret: '', secretEnv: c.secretEnv ?? '' });
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
            <form className="channel-form" onSubmit={save} aria-label={editing ? `Edit channel ${editing.name}` : 'New channel'}>
              <div className="settings-grid">
                <label className="field">
                  <span>Name</span>
                  <input required pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}" value={draft.name} disabled={editing !== null} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
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
                  <span>URL{URL_OPTIONAL.has(draft.type) ? ' (optional: the service’s default API)' : ''}{masked ? ' — the saved one is masked: enter it again' : ''}</span>
                  <input required={!URL_OPTIONAL.has(draft.type)} type="url" value={draft.url} placeholder="https://hooks.example.com/vigil" onChange={(e) => setDraft({ ...draft, url: e.target.value })} />
                </label>
                <label className="field">
                  <span>Secret / key{editing?.secret ? ' (not shown: enter it again to keep one)' : ' (optional)'}</span>
                  <input type="password" autoComplete="off" value={draft.secret} onChange={(e) => setDraft({ ...draft, secret: e.target.value })} />
                </label>
                <label className="field">
                  <span>…or from the environment variable</span>
                  <input type="text" pattern="[A-Z_][A-Z0-9_]*" value={draft.secretEnv} placeholder="VIGIL_PAGERDUTY_KEY" onChange={(e) => setDraft({ ...draft, secretEnv: e.target.value })} />
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
                  <input type="number" min={1} max={100000} value={draft.rateLimitPerMinute} onChange={(e) => setDraft({ ...draft, rateLimitPerMinute: Number(e.target.value) })} />
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
          <p role="status" className="sent">
            {message}
          </p>
          {error ? <ErrorNote error={error} /> : null}
          <h3>Recent deliveries</h3>
          {deliveries.error ? <FeatureError error={deliveries.error} feature="The delivery log" retry={deliveries.reload} /> : null}
          {deliveries.data !== undefined ? <LooseTable rows={deliveries.data.deliveries ?? []} columns={['timeMs', 'channel', 'type', 'insightId', 'attempt', 'outcome', 'httpStatus', 'reason']} empty="Nothing was sent yet." /> : null}
        </>
      ) : null}
    </section>
  );
}

export function RunbooksSection() {
  const runbooks = useApi<{ runbooks: LooseRecord[]; dryRun?: boolean; scriptDir?: string | null }>('/api/v1/runbooks');
  const runs = useApi<{ runs: LooseRecord[] }>('/api/v1/runbook-runs', { limit: 50 });
  return (
    <section className="card settings-section" aria-labelledby="runbooks-title" id="runbooks">
      <h2 id="runbooks-title">Runbooks</h2>
      {runbooks.error ? <FeatureError error={runbooks.error} feature="Runbooks" retry={runbooks.reload} /> : null}
      {runbooks.loading && !runbooks.data ? <Loading /> : null}
      {runbooks.data !== undefined ? (
        <>
          <p className="muted">Runbooks are defined in vigil.yaml (notifications.runbooks); {runbooks.data.dryRun ? 'they run in dry-run mode by default: nothing is executed, each run is recorded.' : 'each run is recorded below.'}</p>
          <LooseTable rows={runbooks.data.runbooks ?? []} columns={['name', 'match', 'action', 'timeoutMs', 'rateLimit', 'dryRun']} empty="No runbook is configured." />
        </>
      ) : null}
      <h3>Recent runs</h3>
      {runs.error ? <FeatureError error={runs.error} feature="The runbook audit trail" retry={runs.reload} /> : null}
      {runs.data !== undefined ? <LooseTable rows={runs.data.runs ?? []} columns={['timeMs', 'runbook', 'insightId', 'transition', 'status', 'target', 'detail', 'durationMs']} empty="No runbook has run yet." /> : null}
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
                {c === 'timeMs' ? 'When' : titleCase(c.replace(/Ms$/, '').replace(/([a-z])([A-Z])/g, '$1_$2'))}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, k) => (
            <tr key={k}>
              {cols.map((c) => (
                <td key={c}>{c === 'timeMs' && typeof r[c] === 'number' ? <RelativeTime ms={r[c] as number} /> : c.endsWith('Ms') && typeof r[c] === 'number' ? duration(r[c] as number) : <CellText value={r[c]} />}</td>
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

