export * from './nab-scorer.js';
