// What a notification channel is handed, and what it answers. Pure types shared by the formatters
// (core/notify), the senders (adapters/notify) and the delivery engine (app).
import type { Anomaly, Insight, NotificationType, Severity, VigilEvent } from '../model/index.js';

export const CHANNEL_TYPES = ['webhook', 'slack', 'pagerduty', 'opsgenie', 'alertmanager'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const NOTIFICATION_TYPES: readonly NotificationType[] = ['NEW_INSIGHT', 'NEW_ASSOCIATION', 'SEVERITY_UPGRADED', 'NEW_RECOMMENDATION', 'CLOSED_INSIGHT'];

/** One message about one insight transition. The same message is re-sent on retry (same id). */
export interface NotificationMessage {
  /** Unique per transition: `<insightId>:<transition seq>`; receivers may deduplicate on it. */
  readonly id: string;
  /** Version of the generic webhook body (docs/notifications.md). */
  readonly version: 1;
  readonly type: NotificationType;
  readonly timeMs: number;
  /** The insight as it is now (status, severity, root causes, recommendations). */
  readonly insight: Insight;
  /** Its anomalies, with the series they come from (seriesKey). */
  readonly anomalies: readonly Anomaly[];
  /** Its relevant events. */
  readonly events: readonly VigilEvent[];
  /** Link to the insight in the dashboard, when the server's public URL is known. */
  readonly dashboardUrl: string | null;
}

/** A configured channel (vigil.yaml `notifications.channels[]` or the API). Secrets are resolved values. */
export interface ChannelSpec {
  readonly name: string;
  readonly type: ChannelType;
  /** Lowest severity sent (default MEDIUM, as DevOps Guru). */
  readonly minSeverity: Severity;
  /** Message types sent (default: all five). */
  readonly types: readonly NotificationType[];
  /** At most this many deliveries per minute on this channel (default 60). */
  readonly rateLimitPerMinute: number;
  /** Endpoint: webhook / Slack incoming-webhook / Alertmanager base URL / PagerDuty or Opsgenie API base. */
  readonly url: string;
  /** webhook: HMAC-SHA256 key; pagerduty: routing key; opsgenie: API key. */
  readonly secret?: string;
}

export type DeliveryResult =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly retryable: boolean; readonly reason: string; readonly status?: number; readonly retryAfterMs?: number };

/** Does a channel want this message? Pure filter on severity and type. */
export function channelWants(spec: Pick<ChannelSpec, 'minSeverity' | 'types'>, type: NotificationType, severity: Severity): boolean {
  const rank = { LOW: 0, MEDIUM: 1, HIGH: 2 } as const;
  return spec.types.includes(type) && rank[severity] >= rank[spec.minSeverity];
}
