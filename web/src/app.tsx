// The dashboard shell: navigation, theme, live-update status, token prompt, and one route per view
// (every view is a deep link; the server answers index.html for them).
import { Suspense, lazy, useEffect, useState, type FormEvent } from 'react';
import { NavLink, Route, Routes, useLocation } from 'react-router';
import { LiveProvider, useLiveState } from './api/live.js';
import { UNAUTHORIZED_EVENT, authToken, setAuthToken } from './api/client.js';
import { ClockProvider } from './clock.js';
import { useTheme } from './theme.js';
import { useDocumentTitle } from './document-title.js';
import { DashboardPage } from './features/dashboard/dashboard-page.js';
import { InsightsPage } from './features/insights/insights-page.js';
import { EventsPage } from './features/events/events-page.js';
import { ResourcesPage } from './features/resources/resources-page.js';
import { Loading } from './components/status-notes.js';

// Charts (uPlot) and settings load on first use: the dashboard and lists stay a small download.
const InsightDetailPage = lazy(() => import('./features/insights/insight-detail-page.js').then((m) => ({ default: m.InsightDetailPage })));
const SettingsPage = lazy(() => import('./features/settings/settings-page.js').then((m) => ({ default: m.SettingsPage })));

export function App() {
  return (
    <ClockProvider>
      <LiveProvider>
        <Shell />
      </LiveProvider>
    </ClockProvider>
  );
}

const NAV = [
  { to: '/', label: 'Dashboard', end: true },
  { to: '/insights', label: 'Insights', end: false },
  { to: '/events', label: 'Events', end: false },
  { to: '/resources', label: 'Resources', end: false },
  { to: '/settings', label: 'Settings', end: false },
] as const;

function Shell() {
  const location = useLocation();
  // Move focus to the page on navigation, so keyboard and screen-reader users land on the content.
  useEffect(() => {
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [location.pathname]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="Vigil dashboard">
          <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="currentColor" opacity="0.15" />
            <path d="M6 17h5l3-8 4 14 3-9 2 3h3" fill="none" stroke="currentColor" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
          <span>Vigil</span>
        </NavLink>
        <nav aria-label="Main" className="mainnav">
          {NAV.map((n) => (
            <NavLink key={n.to} to={n.to} end={n.end}>
              {n.label}
            </NavLink>
          ))}
        </nav>
        <div className="topbar-tools">
          <LiveIndicator />
          <ThemeToggle />
        </div>
      </header>
      <TokenPrompt />
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<DashboardPage />} />
            <Route path="/insights" element={<InsightsPage />} />
            <Route path="/insights/:id" element={<InsightDetailPage />} />
            <Route path="/events" element={<EventsPage />} />
            <Route path="/resources" element={<ResourcesPage />} />
            <Route path="/settings" element={<SettingsPage />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </main>
    </>
  );
}

function LiveIndicator() {
  const state = useLiveState();
  const text = { connecting: 'Connecting', live: 'Live', reconnecting: 'Reconnecting', polling: 'Polling' }[state];
  const title = {
    connecting: 'Connecting to the live update stream',
    live: 'Live: insights update as they change',
    reconnecting: 'The live stream dropped; reconnecting (refreshing every 15 s meanwhile)',
    polling: 'No live stream on this server: refreshing every 15 s',
  }[state];
  return (
    <span className={`live live-${state}`} title={title} role="status" data-testid="live-state">
      <span className="dot" aria-hidden="true" />
      {text}
    </span>
  );
}

function ThemeToggle() {
  const theme = useTheme();
  const next = theme.resolved === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" className="btn icon" onClick={() => theme.set(next)} aria-label={`Switch to ${next} theme`} title={`Switch to ${next} theme`}>
      {theme.resolved === 'dark' ? (
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <circle cx="12" cy="12" r="4.5" fill="currentColor" />
          <g stroke="currentColor" strokeWidth="2" strokeLinecap="round">
            <path d="M12 2v2M12 20v2M2 12h2M20 12h2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
          </g>
        </svg>
      ) : (
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path d="M20 14.5A8.5 8.5 0 0 1 9.5 4a8.5 8.5 0 1 0 10.5 10.5z" fill="currentColor" />
        </svg>
      )}
    </button>
  );
}

/** Shown when the server answers 401: paste a token (kept in this browser's localStorage). */
function TokenPrompt() {
  const [reason, setReason] = useState<string | null>(null);
  const [value, setValue] = useState('');
  useEffect(() => {
    const on = (e: Event) => setReason((e as CustomEvent<string>).detail || 'this server needs an API token');
    window.addEventListener(UNAUTHORIZED_EVENT, on);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, on);
  }, []);
  if (reason === null) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAuthToken(value);
    window.location.reload();
  };
  return (
    <form className="token-prompt" onSubmit={submit} aria-labelledby="token-title">
      <h2 id="token-title">API token needed</h2>
      <p>
        {reason}. {authToken() ? 'The saved token was refused. ' : ''}Paste a token with scope <code>read</code> (or <code>admin</code> to change settings); it is kept in this browser only.
      </p>
      <div className="row">
        <label className="grow">
          <span className="sr-only">API token</span>
          <input type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} placeholder="Bearer token" autoFocus />
        </label>
        <button type="submit" className="btn primary" disabled={value.trim() === ''}>
          Save token
        </button>
        <button type="button" className="btn" onClick={() => setReason(null)}>
          Dismiss
        </button>
      </div>
    </form>
  );
}

function NotFound() {
  const location = useLocation();
  useDocumentTitle('Not found');
  return (
    <section className="page">
      <h1>Not found</h1>
      <p>
        There is no page at <code>{location.pathname}</code>. <NavLink to="/">Back to the dashboard</NavLink>
      </p>
    </section>
  );
}
