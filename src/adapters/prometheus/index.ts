export * from './prometheus-client.js';
export * from './prometheus-puller.js';
