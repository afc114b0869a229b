// Settings: this browser (token, theme, query links), then the server's through its API — coverage,
// sensitivity per application, notification channels and runbooks. Features the server does not
// have (older version, not configured) say so instead of failing.
import { useEffect, useState, type FormEvent } from 'react';
import { apiSend } from '../../api/client.js';
import { adminHint } from './admin-hint.js';
import { useApi } from '../../api/use-api.js';
import type { ApplicationSummary, Coverage, Sensitivity, SensitivityResponse } from '../../api/types.js';
import { ErrorNote, FeatureError, Loading } from '../../components/status-notes.js';
import { useDocumentTitle } from '../../document-title.js';
import { readSetting, useSetting, writeSetting } from '../../settings-store.js';
import { useTheme } from '../../theme.js';
import { ChannelsSection, RunbooksSection } from './notifications-settings.js';

export function SettingsPage() {
  useDocumentTitle('Settings');
  useEffect(() => {
    // Deep links to a section (#links, #coverage, ...) once the page has rendered.
    const h = window.location.hash.slice(1);
    if (h) document.getElementById(h)?.scrollIntoView();
  }, []);
  return (
    <section className="page settings" aria-labelledby="settings-title">
      <div className="page-head">
        <h1 id="settings-title">Settings</h1>
      </div>
      <BrowserSettings />
      <CoverageSection />
      <SensitivitySection />
      <ChannelsSection />
      <RunbooksSection />
    </section>
  );
}

function BrowserSettings() {
  const theme = useTheme();
  const token = useSetting('token');
  const [tokenDraft, setTokenDraft] = useState('');
  const [links, setLinks] = useState(() => ({ prometheusUrl: readSetting('prometheusUrl'), grafanaUrl: readSetting('grafanaUrl'), grafanaDatasource: readSetting('grafanaDatasource') }));
  const [saved, setSaved] = useState(false);
  const saveLinks = (e: FormEvent) => {
    e.preventDefault();
    writeSetting('prometheusUrl', links.prometheusUrl.trim());
    writeSetting('grafanaUrl', links.grafanaUrl.trim());
    writeSetting('grafanaDatasource', links.grafanaDatasource.trim());
    setSaved(true);
  };
  return (
    <section className="card settings-section" aria-labelledby="browser-title" id="links">
      <h2 id="browser-title">This browser</h2>
      <div className="settings-grid">
        <fieldset className="field">
          <legend>Theme</legend>
          <div className="segmented" role="group">
            {(['system', 'light', 'dark'] as const).map((t) => (
              <button key={t} type="button" className={`seg${theme.setting === t ? ' on' : ''}`} aria-pressed={theme.setting === t} onClick={() => theme.set(t)}>
                {t === 'system' ? 'System' : t === 'light' ? 'Light' : 'Dark'}
              </button>
            ))}
          </div>
        </fieldset>
        <form
          className="field"
          onSubmit={(e) => {
            e.preventDefault();
            writeSetting('token', tokenDraft.trim());
            setTokenDraft('');
          }}
        >
          <label htmlFor="token-input">API token {token ? <span className="muted">(one is saved)</span> : <span className="muted">(none: fine when the server has no tokens configured)</span>}</label>
          <div className="row">
            <input id="token-input" type="password" autoComplete="off" value={tokenDraft} onChange={(e) => setTokenDraft(e.target.value)} placeholder="paste a bearer token" />
            <button type="submit" className="btn" disabled={!tokenDraft.trim()}>
              Save
            </button>
            {token ? (
              <button type="button" className="btn" onClick={() => writeSetting('token', '')}>
                Forget
              </button>
            ) : null}
          </div>
        </form>
      </div>
      <form className="settings-grid" onSubmit={saveLinks} onChange={() => setSaved(false)}>
        <label className="field">
          <span>Prometheus URL (for “Open in Prometheus”)</span>
          <input type="url" name="prometheusUrl" value={links.prometheusUrl} placeholder="http://prometheus:9090" onChange={(e) => setLinks({ ...links, prometheusUrl: e.target.value })} />
        </label>
        <label className="field">
          <span>Grafana URL (for “Open in Grafana”)</span>
          <input type="url" name="grafanaUrl" value={links.grafanaUrl} placeholder="http://grafana:3000" onChange={(e) => setLinks({ ...links, grafanaUrl: e.target.value })} />
        </label>
        <label className="field">
          <span>Grafana data source uid (optional)</span>
          <input type="text" name="grafanaDatasource" value={links.grafanaDatasource} onChange={(e) => setLinks({ ...links, grafanaDatasource: e.target.value })} />
        </label>
        <div className="field actions">
          <button type="submit" className="btn primary">
            Save links
          </button>
          <span role="status">{saved ? 'Saved.' : ''}</span>
        </div>
      </form>
    </section>
  );
}

function CoverageSection() {
  const cov = useApi<{ coverage: Coverage }>('/api/v1/coverage');
  const [mode, setMode] = useState<'all' | 'selectors'>('all');
  const [text, setText] = useState('');
  const [state, setState] = useState<{ saving: boolean; error: Error | null; saved: boolean }>({ saving: false, error: null, saved: false });
  useEffect(() => {
    if (!cov.data) return;
    const c = cov.data.coverage;
    setMode(c === 'all' ? 'all' : 'selectors');
    setText(c === 'all' ? '' : c.join('\n'));
  }, [cov.data]);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const selectors = text.split('\n').map((s) => s.trim()).filter(Boolean);
    setState({ saving: true, error: null, saved: false });
    try {
      await apiSend('PUT', '/api/v1/coverage', { coverage: mode === 'all' ? 'all' : selectors });
      setState({ saving: false, error: null, saved: true });
      cov.reload();
    } catch (err) {
      setState({ saving: false, error: err as Error, saved: false });
    }
  };
  return (
    <section className="card settings-section" aria-labelledby="coverage-title" id="coverage">
      <h2 id="coverage-title">Coverage</h2>
      <p className="muted">Which resources Vigil analyses. A change applies to series seen from now on and survives restarts.</p>
      {cov.error ? <FeatureError error={cov.error} feature="Coverage" retry={cov.reload} /> : null}
      {cov.loading && !cov.data ? <Loading /> : null}
      {cov.data ? (
        <form onSubmit={save}>
          <div className="radios">
            <label>
              <input type="radio" name="coverage-mode" checked={mode === 'all'} onChange={() => setMode('all')} /> Everything
            </label>
            <label>
              <input type="radio" name="coverage-mode" checked={mode === 'selectors'} onChange={() => setMode('selectors')} /> Only what matches these selectors (one per line)
            </label>
          </div>
          <label className="field">
            <span className="sr-only">Selectors</span>
            <textarea name="selectors" rows={4} value={text} disabled={mode === 'all'} placeholder={'{namespace="shop"}\n{app_kubernetes_io_part_of="checkout"}'} onChange={(e) => setText(e.target.value)} spellCheck={false} />
          </label>
          <div className="actions">
            <button type="submit" className="btn primary" disabled={state.saving || (mode === 'selectors' && !text.trim())}>
              Save coverage
            </button>
            <span role="status">{state.saved ? 'Saved.' : ''}</span>
          </div>
          {state.error ? <ErrorNote error={adminHint(state.error)} /> : null}
        </form>
      ) : null}
    </section>
  );
}

const LEVELS: readonly Sensitivity[] = ['LOW', 'MEDIUM', 'HIGH'];

function SensitivitySection() {
  const sens = useApi<SensitivityResponse>('/api/v1/sensitivity');
  const apps = useApi<{ applications: ApplicationSummary[] }>('/api/v1/applications');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // The level being saved shows at once, not the stored one until the reload lands.
  const [pending, setPending] = useState<{ scope: string; level: Sensitivity | null } | null>(null);
  const settings = sens.data?.settings ?? [];
  const byScope = new Map(settings.map((s) => [s.scope, s.level]));
  const appNames = [...new Set([...(apps.data?.applications.map((a) => a.name) ?? []), ...settings.filter((s) => s.scope.startsWith('application:')).map((s) => s.scope.slice('application:'.length))])].sort();
  const seriesOverrides = settings.filter((s) => s.scope.startsWith('series:'));

  const put = async (scope: string, level: Sensitivity | null) => {
    setBusy(scope);
    setPending({ scope, level });
    setError(null);
    try {
      await apiSend('PUT', '/api/v1/sensitivity', { scope, level });
      sens.reload();
    } catch (e) {
      setError(adminHint(e as Error));
      setPending(null);
    } finally {
      setBusy(null);
    }
  };
  useEffect(() => setPending(null), [sens.data]);
  const shown = (scope: string): string => (pending?.scope === scope ? pending.level ?? '' : byScope.get(scope) ?? '');

  return (
    <section className="card settings-section" aria-labelledby="sens-title" id="sensitivity">
      <h2 id="sens-title">Sensitivity</h2>
      <p className="muted">
        How readily anomalies open insights. LOW opens fewer. Feedback “too sensitive” or “noisy data” lowers an application’s level.
        {sens.data ? <> Default: <b>{sens.data.default}</b>.</> : null}
      </p>
      {sens.error ? <FeatureError error={sens.error} feature="Sensitivity settings" retry={sens.reload} /> : null}
      {sens.loading && !sens.data ? <Loading /> : null}
      {sens.data ? (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">Sensitivity per application</caption>
            <thead>
              <tr>
                <th scope="col">Application</th>
                <th scope="col">Level</th>
              </tr>
            </thead>
            <tbody>
              {appNames.length === 0 ? (
                <tr>
                  <td colSpan={2} className="muted">
                    No application yet.
                  </td>
                </tr>
              ) : null}
              {appNames.map((name) => {
                const scope = `application:${name}`;
                return (
                  <tr key={name}>
                    <td>{name}</td>
                    <td>
                      <select aria-label={`Sensitivity of ${name}`} value={shown(scope)} disabled={busy === scope} onChange={(e) => void put(scope, (e.target.value || null) as Sensitivity | null)}>
                        <option value="">Default ({sens.data!.default.toLowerCase()})</option>
                        {LEVELS.map((l) => (
                          <option key={l} value={l}>
                            {l.toLowerCase()}
                          </option>
                        ))}
                      </select>
                    </td>
                  </tr>
                );
              })}
              {seriesOverrides.map((s) => (
                <tr key={s.scope}>
                  <td>
                    <code className="series-key">{s.scope.slice('series:'.length)}</code> <span className="muted">(one series)</span>
                  </td>
                  <td className="row">
                    <span>{s.level.toLowerCase()}</span>
                    <button type="button" className="btn small" disabled={busy === s.scope} onClick={() => void put(s.scope, null)}>
                      Reset
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {error ? <ErrorNote error={error} /> : null}
    </section>
  );
}
