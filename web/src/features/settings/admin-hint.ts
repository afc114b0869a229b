import { ApiError } from '../../api/client.js';

/** A 403 on a write means the token lacks the admin scope: say so. */
export function adminHint(e: Error): Error {
  if (e instanceof ApiError && e.status === 403) return new Error(`${e.reason}. Changing settings needs a token with scope "admin" (Settings → This browser).`);
  return e;
}
