/**
 * Authenticity checks for event webhooks. Each returns a value, never throws:
 *
 *   GitHub          X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the hook secret>
 *   Vigil generic   X-Vigil-Signature:   sha256=<hex HMAC-SHA256 of the raw body with the shared secret>
 *   ArgoCD          cannot sign bodies (argocd-notifications `service.webhook` only sets static
 *                   headers), so it authenticates with a bearer token in a header:
 *                     service.webhook.vigil: |
 *                       url: https://vigil.example.com/api/v1/webhooks/argocd
 *                       headers:
 *                       - name: Authorization
 *                         value: Bearer $vigil-token     # from argocd-notifications-secret
 *                   checked by verifyBearerToken. Use HTTPS: the token travels with every request.
 *
 * The HMAC must be computed over the exact bytes received (before JSON parsing): re-serialised
 * JSON differs in whitespace and key order. Comparisons use timingSafeEqual on equal-length
 * buffers, so a forger learns nothing from response times.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCode = 'VIGIL_ERR_SIGNATURE_MISSING' | 'VIGIL_ERR_SIGNATURE_MALFORMED' | 'VIGIL_ERR_SIGNATURE_MISMATCH' | 'VIGIL_ERR_SIGNATURE_NOT_CONFIGURED';

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 400 | 401 | 500; readonly code: SignatureCode; readonly reason: string };

export const GITHUB_SIGNATURE_HEADER = 'X-Hub-Signature-256';
export const VIGIL_SIGNATURE_HEADER = 'X-Vigil-Signature';

type HeaderValue = string | readonly string[] | undefined | null;

const SHA256_HEX = /^sha256=([0-9a-fA-F]{64})$/;

/** Checks `sha256=<hex>` in `headerValue` against HMAC-SHA256(secret, rawBody). */
export function verifyHmacSha256Hex(
  secret: string | Uint8Array,
  rawBody: Uint8Array,
  headerValue: HeaderValue,
  headerName: string = VIGIL_SIGNATURE_HEADER,
): SignatureCheck {
  if (secret.length === 0) {
    return { ok: false, status: 500, code: 'VIGIL_ERR_SIGNATURE_NOT_CONFIGURED', reason: `no secret is configured to check ${headerName}` };
  }
  const value = single(headerValue);
  if (value === null) {
    return { ok: false, status: 401, code: 'VIGIL_ERR_SIGNATURE_MISSING', reason: `missing ${headerName} header; sign the raw body: ${headerName}: sha256=<hex HMAC-SHA256>` };
  }
  if (value === undefined) {
    return { ok: false, status: 400, code: 'VIGIL_ERR_SIGNATURE_MALFORMED', reason: `${headerName} was sent more than once; send it once` };
  }
  const m = SHA256_HEX.exec(value.trim());
  if (m === null) {
    return { ok: false, status: 400, code: 'VIGIL_ERR_SIGNATURE_MALFORMED', reason: `${headerName} must be "sha256=" followed by 64 hex digits` };
  }
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(m[1]!, 'hex');
  if (!timingSafeEqual(expected, given)) {
    return { ok: false, status: 401, code: 'VIGIL_ERR_SIGNATURE_MISMATCH', reason: `${headerName} does not match the body: wrong secret, or the body was changed after signing` };
  }
  return { ok: true };
}

/** GitHub webhooks: `X-Hub-Signature-256`. */
export function verifyGithubSignature(secret: string | Uint8Array, rawBody: Uint8Array, header: HeaderValue): SignatureCheck {
  return verifyHmacSha256Hex(secret, rawBody, header, GITHUB_SIGNATURE_HEADER);
}

/**
 * ArgoCD (and any sender that cannot sign): `Authorization: Bearer <token>`. Both sides are hashed
 * before comparing so that timingSafeEqual gets equal lengths and the token length does not leak.
 */
export function verifyBearerToken(expectedToken: string, authorizationHeader: HeaderValue): SignatureCheck {
  if (expectedToken.length === 0) {
    return { ok: false, status: 500, code: 'VIGIL_ERR_SIGNATURE_NOT_CONFIGURED', reason: 'no token is configured for this endpoint' };
  }
  const value = single(authorizationHeader);
  if (value === null) {
    return { ok: false, status: 401, code: 'VIGIL_ERR_SIGNATURE_MISSING', reason: 'missing Authorization header; send Authorization: Bearer <token>' };
  }
  if (value === undefined) {
    return { ok: false, status: 400, code: 'VIGIL_ERR_SIGNATURE_MALFORMED', reason: 'Authorization was sent more than once; send it once' };
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value.trim());
  if (m === null) {
    return { ok: false, status: 400, code: 'VIGIL_ERR_SIGNATURE_MALFORMED', reason: 'Authorization must be "Bearer <token>"' };
  }
  const a = createHash('sha256').update(m[1]!).digest();
  const b = createHash('sha256').update(expectedToken).digest();
  if (!timingSafeEqual(a, b)) return { ok: false, status: 401, code: 'VIGIL_ERR_SIGNATURE_MISMATCH', reason: 'bearer token does not match' };
  return { ok: true };
}

/** The one header value; null when absent or empty, undefined when repeated. */
function single(h: HeaderValue): string | null | undefined {
  if (h === undefined || h === null) return null;
  if (typeof h === 'string') return h.trim() === '' ? null : h;
  if (h.length === 0) return null;
  if (h.length > 1) return undefined;
  return h[0]!.trim() === '' ? null : h[0]!;
}
