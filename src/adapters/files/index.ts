export * from './nab-corpus.js';
