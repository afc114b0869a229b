import type { ReactNode } from 'react';
import { ApiError, isMissingEndpoint } from '../api/client.js';

export function Loading({ what = 'Loading' }: { readonly what?: string }) {
  return (
    <p className="note loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function ErrorNote({ error, retry }: { readonly error: Error; readonly retry?: () => void }) {
  const text = error instanceof ApiError ? `${error.reason}${error.code.startsWith('VIGIL_ERR') ? ` (${error.code})` : ''}` : error.message;
  return (
    <div className="note error" role="alert">
      <span>{text}</span>
      {retry ? (
        <button type="button" className="btn small" onClick={retry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** For optional server features: a clear "not available" instead of an error when the route is missing. */
export function FeatureError({ error, feature, retry }: { readonly error: Error; readonly feature: string; readonly retry?: () => void }) {
  if (isMissingEndpoint(error)) {
    return (
      <p className="note unavailable" data-testid="not-available">
        {feature}: not available on this server (the endpoint is not installed).
      </p>
    );
  }
  return <ErrorNote error={error} {...(retry ? { retry } : {})} />;
}

export function Empty({ children }: { readonly children: ReactNode }) {
  return <p className="note empty">{children}</p>;
}
