/**
 * A reusable, columnar batch of decoded samples: one row per sample, three typed arrays. The
 * decoder appends into it; the pipeline reads rows [0, count) and then sets `count = 0` to reuse it.
 * Capacity grows by doubling (amortised O(1), a handful of allocations per process lifetime, never
 * one per sample).
 */
export interface SampleBatch {
  /** Series id from the interner's `resolve` (always >= 0: dropped series are not appended). */
  ids: Int32Array;
  timesMs: Float64Array;
  /** Values bit for bit as received; see `isStaleMarker` for Prometheus' stale NaN. */
  values: Float64Array;
  count: number;
}

export function createSampleBatch(capacity = 1024): SampleBatch {
  const n = Math.max(1, Math.ceil(capacity));
  return { ids: new Int32Array(n), timesMs: new Float64Array(n), values: new Float64Array(n), count: 0 };
}

/** Ensures room for at least `minCapacity` rows, doubling; keeps rows [0, count). */
export function growSampleBatch(batch: SampleBatch, minCapacity: number): void {
  const cap = batch.ids.length;
  if (minCapacity <= cap) return;
  let next = cap * 2;
  while (next < minCapacity) next *= 2;
  const ids = new Int32Array(next);
  const timesMs = new Float64Array(next);
  const values = new Float64Array(next);
  ids.set(batch.ids.subarray(0, batch.count));
  timesMs.set(batch.timesMs.subarray(0, batch.count));
  values.set(batch.values.subarray(0, batch.count));
  batch.ids = ids;
  batch.timesMs = timesMs;
  batch.values = values;
}

/**
 * Prometheus marks a series as gone ("stale") with one special NaN, bit pattern
 * 0x7ff0000000000002 (prometheus/model/value.StaleNaN). Ordinary NaN samples are a different
 * pattern (0x7ff8000000000001 in Prometheus), so the bits, not isNaN, decide.
 */
export const STALE_NAN_HI = 0x7ff00000;
export const STALE_NAN_LO = 0x00000002;

/** True if row `i` of the batch holds Prometheus' stale marker (compares the bits). */
export function isStaleMarker(batch: SampleBatch, i: number): boolean {
  const v = batch.values[i];
  if (v === v) return false; // not NaN: the common case, no bit inspection
  const words = new Uint32Array(batch.values.buffer, batch.values.byteOffset + i * 8, 2);
  return words[0] === STALE_NAN_LO && words[1] === STALE_NAN_HI;
}
