export * from './types.js';
export * from './formats.js';
export * from './delivery.js';
export * from './runbook.js';
