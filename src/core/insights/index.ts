export * from './anomaly-tracker.js';
export * from './drift-tracker.js';
export * from './insight-correlator.js';
export * from './insight-name.js';
export * from './root-cause.js';
export * from './insights-engine.js';
