/**
 * Snappy block format for remote-write bodies. Remote-write 1.0 mandates `Content-Encoding:
 * snappy` in the *block* format (not the framed/stream format): a varint preamble holding the
 * uncompressed length, then the compressed elements (https://github.com/google/snappy/blob/main/format_description.txt).
 *
 * The preamble is read before decompressing so a small body that claims gigabytes (a decompression
 * bomb) is refused with 413 without allocating the output.
 */
import { compressSync, uncompressSync } from 'snappy';

export type SnappyResult =
  | { readonly ok: true; readonly data: Uint8Array }
  | { readonly ok: false; readonly status: 400 | 413; readonly code: 'VIGIL_ERR_SNAPPY' | 'VIGIL_ERR_BODY_TOO_LARGE'; readonly reason: string };

/**
 * Reads the uncompressed length from a snappy block preamble: a little-endian base-128 varint of
 * at most 5 bytes (the format caps lengths at 2^32 − 1). Returns -1 when it is truncated or too long.
 */
export function snappyUncompressedLength(body: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 5 && i < body.length; i++) {
    const b = body[i];
    n += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) return n > 0xffffffff ? -1 : n;
  }
  return -1;
}

/**
 * Decompresses a snappy block, refusing (413) anything that would expand beyond
 * `maxDecompressedBytes` and reporting (400) truncated or corrupt input. Never throws.
 */
export function decompressSnappy(body: Uint8Array, maxDecompressedBytes: number): SnappyResult {
  const declared = snappyUncompressedLength(body);
  if (declared < 0) {
    return { ok: false, status: 400, code: 'VIGIL_ERR_SNAPPY', reason: body.length === 0 ? 'snappy body is empty' : 'snappy block preamble (uncompressed length) is truncated or malformed' };
  }
  if (declared > maxDecompressedBytes) {
    return {
      ok: false,
      status: 413,
      code: 'VIGIL_ERR_BODY_TOO_LARGE',
      reason: `snappy body decompresses to ${declared} bytes; the limit is ${maxDecompressedBytes}`,
    };
  }
  let data: Uint8Array;
  try {
    data = uncompressSync(body, { asBuffer: true }) as Uint8Array;
  } catch (err) {
    return { ok: false, status: 400, code: 'VIGIL_ERR_SNAPPY', reason: `snappy body is truncated or corrupt (${err instanceof Error ? err.message : String(err)})` };
  }
  // The library checks this too; kept so a lenient build can never hand on a short buffer.
  if (data.length !== declared) {
    return { ok: false, status: 400, code: 'VIGIL_ERR_SNAPPY', reason: `snappy body decompressed to ${data.length} bytes but declares ${declared}` };
  }
  return { ok: true, data };
}

/** Compresses to the snappy block format (what remote-write senders do). */
export function compressSnappy(data: Uint8Array): Uint8Array {
  return compressSync(data);
}
