// The recommendations knowledge base on disk: YAML read and validated (rules in core/recommend).
export * from './load-knowledge-base.js';
