// Builders for the recommendation tests: an insight, anomalies and events with sensible defaults,
// and the shipped knowledge base parsed and validated (test code may read files; core may not).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

import type { Anomaly, Insight, Labels, VigilEvent } from '../../../src/core/model/index.js';
import { seriesKey } from '../../../src/core/model/index.js';
import { validateKnowledgeBase, type KnowledgeRule } from '../../../src/core/recommend/index.js';

export const T0_MS = Date.UTC(2026, 10, 21, 10, 0, 0);
export const MINUTE_MS = 60_000;

export const SHIPPED_KB_PATH = fileURLToPath(new URL('../../../knowledge/recommendations.yaml', import.meta.url));

export function shippedRules(): readonly KnowledgeRule[] {
  const r = validateKnowledgeBase(parseYaml(readFileSync(SHIPPED_KB_PATH, 'utf8')));
  if (!r.ok) throw new Error('shipped knowledge base is invalid: ' + JSON.stringify(r.errors));
  return r.rules;
}

let nextId = 0;

export function anomaly(labels: Labels, o: Partial<Anomaly> = {}): Anomaly {
  const id = o.id ?? `anomaly-${++nextId}`;
  return {
    id,
    seriesId: nextId,
    seriesKey: seriesKey(labels),
    metricName: labels.__name__ ?? '',
    resource: o.resource ?? 'pod/checkout-api-7d9f',
    application: 'checkout',
    kind: 'other',
    direction: 'above',
    startMs: T0_MS,
    endMs: null,
    peakScore: 0.999,
    peakMs: T0_MS + 5 * MINUTE_MS,
    peakValue: 2,
    expected: 1,
    lower: 0.5,
    upper: 1.5,
    role: 'CAUSAL',
    cause: 'shift',
    ...o,
  };
}

export function insight(o: Partial<Insight> = {}): Insight {
  return {
    id: 'insight-1',
    type: 'REACTIVE',
    name: 'test insight',
    severity: 'HIGH',
    status: 'ONGOING',
    application: 'checkout',
    startMs: T0_MS,
    endMs: null,
    updatedMs: T0_MS,
    resources: ['pod/checkout-api-7d9f'],
    anomalyIds: [],
    eventIds: [],
    rootCauses: [],
    recommendations: [],
    prediction: null,
    ...o,
  };
}

export function event(o: Partial<VigilEvent> = {}): VigilEvent {
  return {
    id: o.id ?? `event-${++nextId}`,
    class: 'DEPLOYMENT',
    source: 'argocd',
    name: 'deployment v2.3.1 of checkout-api',
    timeMs: T0_MS - 10 * MINUTE_MS,
    resources: ['deployment/checkout-api'],
    application: 'checkout',
    attributes: {},
    ...o,
  };
}
