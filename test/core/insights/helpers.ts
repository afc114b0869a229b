// Shared test-side helpers for the insights tests: series descriptors, scored points, events.
import type { BadDirection, MetricKind, SeriesDescriptor, VigilEvent } from '../../../src/core/model/index.js';
import type { ScoredPoint } from '../../../src/core/insights/index.js';

export const MIN = 60_000;
export const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);

export function makeSeries(id: number, name: string, kind: MetricKind, resource: string, application: string | null, badDirection: BadDirection = 'up', labels: Record<string, string> = {}): SeriesDescriptor {
  const all = { __name__: name, ...labels };
  return { id, key: `${name}{id="${id}"}`, name, labels: all, resource, application, kind, badDirection, firstSeenMs: T0, lastSeenMs: T0 };
}

/** A scored point: `score` on side `direction` (+1 above expected, −1 below, 0 none). */
export function point(score: number, direction = 0, cause = 1): ScoredPoint {
  return { score, expected: 100, lower: 90, upper: 110, direction, cause };
}

export const QUIET = point(0.1, 0, 0);

export function makeEvent(id: string, timeMs: number, fields: Partial<VigilEvent> = {}): VigilEvent {
  return { id, class: 'DEPLOYMENT', source: 'argocd', name: `deployment ${id}`, timeMs, resources: [], application: null, attributes: {}, ...fields };
}
