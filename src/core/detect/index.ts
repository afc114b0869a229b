export * from './detector-bank.js';
