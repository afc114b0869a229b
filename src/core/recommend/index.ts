// Recommendations: the knowledge base as validated data, and the rules applied to an insight.
export * from './knowledge-base.js';
export * from './recommend.js';
