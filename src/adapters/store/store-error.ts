/**
 * Why a store call was refused. The port's methods are promises, so a refusal is a rejected promise
 * carrying a stable `code` (for callers and the API edge to map) and a `reason` a person can act on.
 */
export type StoreErrorCode =
  /** A value the schema cannot hold faithfully (e.g. a fractional or unsafe millisecond time). */
  | 'VIGIL_ERR_STORE_INVALID'
  /** A series key already belongs to another series id. */
  | 'VIGIL_ERR_STORE_CONFLICT'
  /** The database was migrated by a newer Vigil than this one. */
  | 'VIGIL_ERR_STORE_SCHEMA_TOO_NEW'
  /** The database could not be opened or reached. */
  | 'VIGIL_ERR_STORE_UNAVAILABLE'
  /** The store was used after close(). */
  | 'VIGIL_ERR_STORE_CLOSED';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly reason: string;

  constructor(code: StoreErrorCode, reason: string, options?: { cause?: unknown }) {
    super(`${code}: ${reason}`, options);
    this.name = 'StoreError';
    this.code = code;
    this.reason = reason;
  }
}
