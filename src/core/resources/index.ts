// Resources, applications and coverage: label selectors, the rules that map a series' labels to a
// resource and application, config validation, and resource liveness.
export * from './label-selector.js';
export * from './resource-rules.js';
export * from './resource-rules-config.js';
export * from './resource-tracker.js';
