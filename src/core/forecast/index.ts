export * from './capacity-forecaster.js';
export * from './capacity-target.js';
export * from './proactive-insights.js';
