// Webhook signature checks (src/adapters/events/signature.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

import { verifyBearerToken, verifyGithubSignature, verifyHmacSha256Hex } from '../../../src/adapters/events/index.js';

const body = Buffer.from('{"zen":"Keep it logically awesome.","hook_id":1}');
const sign = (secret: string, b: Buffer = body): string => 'sha256=' + createHmac('sha256', secret).update(b).digest('hex');

describe('HMAC signatures', () => {
  it('accepts a valid GitHub and Vigil signature', () => {
    assert.deepEqual(verifyGithubSignature('s3cret', body, sign('s3cret')), { ok: true });
    assert.deepEqual(verifyHmacSha256Hex('s3cret', body, sign('s3cret')), { ok: true });
    assert.deepEqual(verifyHmacSha256Hex('s3cret', body, [sign('s3cret').toUpperCase().replace('SHA256=', 'sha256=')]), { ok: true });
  });

  it('rejects a wrong secret or a changed body as a mismatch', () => {
    const r = verifyGithubSignature('s3cret', body, sign('other'));
    assert.ok(!r.ok && r.code === 'VIGIL_ERR_SIGNATURE_MISMATCH' && r.status === 401);
    const changed = verifyHmacSha256Hex('s3cret', Buffer.from(body.toString() + ' '), sign('s3cret'));
    assert.ok(!changed.ok && changed.code === 'VIGIL_ERR_SIGNATURE_MISMATCH');
  });

  it('tells a missing header from a malformed one', () => {
    for (const h of [undefined, null, '', []]) {
      const r = verifyGithubSignature('s3cret', body, h);
      assert.ok(!r.ok && r.code === 'VIGIL_ERR_SIGNATURE_MISSING' && r.reason.includes('X-Hub-Signature-256'));
    }
    for (const h of ['sha1=' + 'a'.repeat(40), 'sha256=xyz', sign('s3cret').slice(0, -2), 'sha256=' + 'g'.repeat(64), [sign('s3cret'), sign('s3cret')]]) {
      const r = verifyHmacSha256Hex('s3cret', body, h);
      assert.ok(!r.ok && r.code === 'VIGIL_ERR_SIGNATURE_MALFORMED' && r.status === 400, String(h));
    }
  });

  it('refuses to check without a secret', () => {
    const r = verifyHmacSha256Hex('', body, sign(''));
    assert.ok(!r.ok && r.code === 'VIGIL_ERR_SIGNATURE_NOT_CONFIGURED');
  });
});

describe('bearer tokens (ArgoCD)', () => {
  it('accepts the configured token and rejects others', () => {
    assert.deepEqual(verifyBearerToken('tok-123', 'Bearer tok-123'), { ok: true });
    const wrong = verifyBearerToken('tok-123', 'Bearer tok-1234');
    assert.ok(!wrong.ok && wrong.code === 'VIGIL_ERR_SIGNATURE_MISMATCH');
    const missing = verifyBearerToken('tok-123', undefined);
    assert.ok(!missing.ok && missing.code === 'VIGIL_ERR_SIGNATURE_MISSING');
    const malformed = verifyBearerToken('tok-123', 'Basic dXNlcjpwYXNz');
    assert.ok(!malformed.ok && malformed.code === 'VIGIL_ERR_SIGNATURE_MALFORMED');
  });
});
