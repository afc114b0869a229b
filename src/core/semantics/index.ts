// Metric semantics: what a series measures (kind, bad direction), counter rates, histogram
// quantiles and OpenTelemetry → Prometheus naming. Pure; used by every ingest path.
export * from './classify-metric.js';
export * from './counter-rates.js';
export * from './histogram-quantile.js';
export * from './prom-name.js';
