// The knowledge base as the insights engine's recommender.
import { loadKnowledgeBase } from '../adapters/knowledge/index.js';
import { recommend } from '../core/recommend/index.js';
import type { Recommender } from '../core/insights/index.js';

/** Loads knowledge/recommendations.yaml (or `path`); throws with the file, rule and field on a bad entry. */
export async function loadRecommender(path?: string): Promise<Recommender> {
  const kb = await loadKnowledgeBase(path);
  if (!kb.ok) throw new Error(kb.reason);
  const rules = kb.rules;
  return (insight, anomalies, events) => recommend(rules, { insight, anomalies, events });
}
