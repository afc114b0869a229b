// Prometheus remote-write 1.0 receive path: snappy block decompression, WriteRequest decoding into
// a reusable SampleBatch, and label-set interning. The HTTP route lives in the server adapter.
export { compressSnappy, decompressSnappy, snappyUncompressedLength } from './snappy-block.js';
export type { SnappyResult } from './snappy-block.js';
export {
  DEFAULT_MAX_LABEL_COUNT,
  DEFAULT_MAX_LABEL_NAME_BYTES,
  DEFAULT_MAX_LABEL_VALUE_BYTES,
  INTERN_INVALID,
  LabelInterner,
} from './label-interner.js';
export type { LabelInternerOptions, ResolveSeries } from './label-interner.js';
export { STALE_NAN_HI, STALE_NAN_LO, createSampleBatch, growSampleBatch, isStaleMarker } from './sample-batch.js';
export type { SampleBatch } from './sample-batch.js';
export { decodeWriteRequest } from './write-request-decoder.js';
export type { RemoteWriteMetadata, WriteDecodeError, WriteDecodeOk, WriteDecodeResult } from './write-request-decoder.js';
export { encodeWriteRequest } from './write-request-encoder.js';
export type { EncodeOptions, RemoteWriteMetadataInput, RemoteWriteSample, RemoteWriteSeries } from './write-request-encoder.js';
