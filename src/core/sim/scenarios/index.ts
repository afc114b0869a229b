// Scripted incidents with ground truth, and incident-free days, for evaluating the insights engine.
export * from './app-model.js';
export * from './scenario-catalogue.js';
export * from './scenario-stream.js';
export * from './scenario-check.js';
