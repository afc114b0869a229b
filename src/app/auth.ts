// Bearer tokens with scopes (ingest, read, admin). Tokens are compared as SHA-256 digests with
// timingSafeEqual, so neither a token's length nor its prefix leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ResolvedToken, Scope } from './config.js';

export type AuthResult = { ok: true; name: string } | { ok: false; status: 401 | 403; code: 'VIGIL_ERR_UNAUTHORIZED' | 'VIGIL_ERR_FORBIDDEN'; reason: string };

export class TokenAuth {
  private readonly digests: { name: string; digest: Buffer; scopes: ReadonlySet<Scope> }[];

  constructor(tokens: readonly ResolvedToken[]) {
    this.digests = tokens.map((t) => ({ name: t.name, digest: sha256(t.token), scopes: new Set<Scope>(t.scopes) }));
  }

  /** True when no tokens are configured: the server then listens on localhost only. */
  get open(): boolean {
    return this.digests.length === 0;
  }

  check(authorization: string | undefined, scope: Scope): AuthResult {
    if (this.open) return { ok: true, name: 'anonymous' };
    if (!authorization) return { ok: false, status: 401, code: 'VIGIL_ERR_UNAUTHORIZED', reason: `this endpoint needs a bearer token with scope "${scope}" (Authorization: Bearer <token>)` };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return { ok: false, status: 401, code: 'VIGIL_ERR_UNAUTHORIZED', reason: 'the Authorization header must be "Bearer <token>"' };
    const d = sha256(m[1]!);
    const hit = this.digests.find((t) => timingSafeEqual(t.digest, d));
    if (!hit) return { ok: false, status: 401, code: 'VIGIL_ERR_UNAUTHORIZED', reason: 'the bearer token is not valid' };
    // admin implies every scope.
    if (!hit.scopes.has(scope) && !hit.scopes.has('admin')) {
      return { ok: false, status: 403, code: 'VIGIL_ERR_FORBIDDEN', reason: `token "${hit.name}" lacks scope "${scope}"` };
    }
    return { ok: true, name: hit.name };
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
