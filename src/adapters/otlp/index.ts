// OTLP/HTTP metrics ingest: protobuf and OTLP/JSON ExportMetricsServiceRequest → Vigil points,
// and the partial-success responses. Wired to POST /v1/metrics by the app layer.
export * from './otlp-model.js';
export * from './otlp-protobuf.js';
export * from './otlp-json.js';
export * from './otlp-metrics-decoder.js';
export * from './otlp-encode.js';
