export {
  IngestPipeline, createIngestCounts, resetIngestCounts, isStaleMarker, guessMetricType, NOT_COVERED, SERIES_LIMIT,
  type IngestCounts, type ScoredBatchObserver, type IngestPipelineOptions, type RateTracker, type SampleBatchLike, type SeriesPlacement, type SeriesSemantics,
} from './ingest-pipeline.js';
export { SeriesHistory, DEFAULT_HISTORY_POINTS } from './series-history.js';
