// Error replies at the HTTP edge: always `{ error: { code, reason } }` (errors.ts, docs/errors.md).
import type { FastifyReply } from 'fastify';
import { ERRORS, errorBody, type ErrorCode } from './errors.js';

export function fail(reply: FastifyReply, code: ErrorCode, reason?: string, status?: number): FastifyReply {
  return reply.code(status ?? ERRORS[code].status).type('application/json').send(errorBody(code, reason));
}

/** RFC 3339 or epoch milliseconds; NaN when neither. */
export function parseTimeParam(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  return Number.isNaN(t) ? NaN : t;
}
