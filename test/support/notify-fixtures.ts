// Notification messages for channel tests: a realistic reactive insight (bad deployment raising
// latency and errors) and helpers to derive its later transitions.
import type { Anomaly, Insight, NotificationType, Severity, VigilEvent } from '../../src/core/model/index.js';
import type { NotificationMessage } from '../../src/core/notify/index.js';

export const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
const MIN = 60_000;

export function makeAnomaly(id: string, fields: Partial<Anomaly> = {}): Anomaly {
  return {
    id,
    seriesId: 1,
    seriesKey: 'http_request_duration_seconds_p99{instance="api-1:8080",job="api"}',
    metricName: 'http_request_duration_seconds_p99',
    resource: 'api-1',
    application: 'checkout',
    kind: 'latency',
    direction: 'above',
    startMs: T0 + 2 * MIN,
    endMs: null,
    peakScore: 0.999,
    peakMs: T0 + 4 * MIN,
    peakValue: 1.84,
    expected: 0.21,
    lower: 0.15,
    upper: 0.3,
    role: 'CAUSAL',
    cause: 'shift',
    ...fields,
  };
}

export function makeEvent(id: string, fields: Partial<VigilEvent> = {}): VigilEvent {
  return { id, class: 'DEPLOYMENT', source: 'argocd', name: 'deployment v2.3.1 of checkout-api', timeMs: T0, resources: ['api-1'], application: 'checkout', attributes: { revision: 'abc123' }, ...fields };
}

export function makeInsight(id: string, fields: Partial<Insight> = {}): Insight {
  return {
    id,
    type: 'REACTIVE',
    name: 'p99 latency and 5xx errors rose on checkout after deployment v2.3.1',
    severity: 'HIGH',
    status: 'ONGOING',
    application: 'checkout',
    startMs: T0 + 2 * MIN,
    endMs: null,
    updatedMs: T0 + 5 * MIN,
    resources: ['api-1', 'db-1'],
    anomalyIds: ['an-1-1', 'an-2-1'],
    eventIds: ['ev-1'],
    rootCauses: [{ rank: 1, kind: 'EVENT', ref: 'ev-1', title: 'deployment v2.3.1 of checkout-api', confidence: 0.82, evidence: ['2 minutes before the first anomaly'] }],
    recommendations: [{
      id: 'rollback-bad-deploy',
      title: 'Roll back the deployment',
      description: 'Latency and errors rose right after a deployment; roll back to the previous revision and compare.',
      reason: 'deployment preceded the anomalies',
      links: ['https://argo-cd.readthedocs.io/en/stable/user-guide/commands/argocd_app_rollback/'],
      relatedEventIds: ['ev-1'],
      relatedAnomalyIds: ['an-1-1'],
    }],
    prediction: null,
    ...fields,
  };
}

export function makeMessage(insight: Insight, type: NotificationType = 'NEW_INSIGHT', fields: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    id: `${insight.id}:${type === 'NEW_INSIGHT' ? 1 : type === 'CLOSED_INSIGHT' ? 9 : 5}`,
    version: 1,
    type,
    timeMs: insight.updatedMs,
    insight,
    anomalies: [
      makeAnomaly('an-1-1'),
      makeAnomaly('an-2-1', { seriesId: 2, seriesKey: 'http_requests_errors_rate{code="500",instance="api-1:8080"}', metricName: 'http_requests_errors_rate', kind: 'errors', role: 'CONTEXTUAL', peakScore: 0.99, peakValue: 12, expected: 0.4, lower: 0, upper: 1 }),
    ],
    events: [makeEvent('ev-1')],
    dashboardUrl: `https://vigil.example.com/insights/${insight.id}`,
    ...fields,
  };
}

/** The closing message of the same insight. */
export function closedMessage(open: NotificationMessage, endMs = open.insight.startMs + 30 * MIN): NotificationMessage {
  const insight: Insight = { ...open.insight, status: 'CLOSED', endMs, updatedMs: endMs };
  return { ...open, id: `${insight.id}:9`, type: 'CLOSED_INSIGHT', timeMs: endMs, insight };
}

export function withSeverity(m: NotificationMessage, severity: Severity, type: NotificationType = 'SEVERITY_UPGRADED'): NotificationMessage {
  return { ...m, id: `${m.insight.id}:${type}:${severity}`, type, insight: { ...m.insight, severity } };
}
