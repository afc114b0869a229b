// The catalogue of Vigil's coded errors (STYLE.md: "coded errors"). Core and adapters return
// these codes as values; only the HTTP edge maps them to a status. docs/errors.md lists them and
// test/app/errors.test.ts keeps the two in sync.

export interface ErrorSpec {
  readonly status: number;
  readonly message: string;
}

export const ERRORS = {
  VIGIL_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  VIGIL_ERR_CONTENT_TYPE: { status: 415, message: 'The Content-Type (or Content-Encoding) is not one this endpoint accepts.' },
  VIGIL_ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body (or its decompressed size) is over the limit.' },
  VIGIL_ERR_SNAPPY: { status: 400, message: 'The snappy-compressed body is truncated or corrupt.' },
  VIGIL_ERR_PROTOBUF: { status: 400, message: 'The protobuf message is malformed.' },
  VIGIL_ERR_LABELS: { status: 400, message: 'A label set is invalid (name syntax, UTF-8, size or duplicates).' },
  VIGIL_ERR_SAMPLES_REJECTED: { status: 400, message: 'Some samples were rejected (out of order or duplicate); the rest were accepted.' },
  VIGIL_ERR_OTLP: { status: 400, message: 'The OTLP payload is invalid.' },
  VIGIL_ERR_EVENT_INVALID: { status: 400, message: 'The event payload is invalid.' },
  VIGIL_ERR_UNAUTHORIZED: { status: 401, message: 'A bearer token is required.' },
  VIGIL_ERR_FORBIDDEN: { status: 403, message: 'The token lacks the scope this endpoint needs.' },
  VIGIL_ERR_SIGNATURE: { status: 401, message: 'The webhook signature is missing or does not match.' },
  VIGIL_ERR_NOT_FOUND: { status: 404, message: 'No such resource.' },
  VIGIL_ERR_CONFLICT: { status: 409, message: 'The request conflicts with the configuration (e.g. deleting a channel defined in vigil.yaml).' },
  VIGIL_ERR_CHANNEL_INVALID: { status: 400, message: 'The notification channel is invalid; the reason names the field.' },
  VIGIL_ERR_OVERLOADED: { status: 429, message: 'Vigil is overloaded; retry after the delay in Retry-After.' },
  VIGIL_ERR_SERIES_LIMIT: { status: 429, message: 'The active-series limit is reached; new series are refused.' },
  VIGIL_ERR_UNAVAILABLE: { status: 503, message: 'Vigil is starting or shutting down; retry shortly.' },
  VIGIL_ERR_INTERNAL: { status: 500, message: 'An internal error occurred; the request was not applied.' },
  VIGIL_ERR_CONFIG: { status: 500, message: 'The configuration is invalid.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly reason: string };
}

export function errorBody(code: ErrorCode, reason?: string): ErrorBody {
  return { error: { code, reason: reason ?? ERRORS[code].message } };
}

/** Thrown only at start-up (config, store), never on a request path. */
export class VigilError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'VigilError';
  }
}
