// Shapes of the Vigil HTTP API as the dashboard reads them (src/app/openapi.ts is the contract).
// The vocabulary types come from the core model itself, so a renamed field breaks the build here.
import type {
  Anomaly, EventClass, FeedbackValue, Insight, InsightStatus, InsightType, ResourceRecord, Sensitivity, Severity, VigilEvent,
} from '../../../src/core/model/index.js';

export type { Anomaly, EventClass, FeedbackValue, Insight, InsightStatus, InsightType, ResourceRecord, Sensitivity, Severity, VigilEvent };

export const SEVERITIES: readonly Severity[] = ['HIGH', 'MEDIUM', 'LOW'];
export const EVENT_CLASS_NAMES: readonly EventClass[] = ['DEPLOYMENT', 'CONFIG_CHANGE', 'INFRASTRUCTURE', 'SECURITY_CHANGE', 'SCHEMA_CHANGE', 'SCALING'];
export const FEEDBACK_VALUES: readonly FeedbackValue[] = ['USEFUL', 'NOT_USEFUL', 'TOO_SENSITIVE', 'NOISY_DATA', 'INCORRECT'];

export interface Health {
  readonly openReactiveInsights: number;
  readonly openProactiveInsights: number;
  readonly resourcesAnalysed: number;
  readonly mttrMs: number | null;
  readonly fromMs: number;
  readonly toMs: number;
  readonly bySeverity: Readonly<Record<Severity, number>>;
}

export type AppHealth = 'HEALTHY' | 'DEGRADED' | 'UNHEALTHY';

export interface ApplicationSummary {
  readonly name: string;
  readonly health: AppHealth;
  readonly ongoingReactive: number;
  readonly ongoingProactive: number;
  readonly resources: number;
  readonly mttrMs: number | null;
}

export interface InsightPage {
  readonly items: Insight[];
  readonly total: number;
}

export interface SeriesPoints {
  readonly timesMs: readonly number[];
  readonly values: readonly (number | null)[];
  /** Per-point band, when the server sends it; otherwise the anomaly's band at its peak is drawn. */
  readonly expected?: readonly (number | null)[];
  readonly lower?: readonly (number | null)[];
  readonly upper?: readonly (number | null)[];
}

export type AnomalyWithSeries = Omit<Anomaly, 'expected' | 'lower' | 'upper'> & {
  readonly expected: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly series?: SeriesPoints;
};

export interface Feedback {
  readonly insightId: string;
  readonly value: FeedbackValue;
  readonly comment?: string | null;
  readonly timeMs: number;
}

export interface Forecast {
  readonly seriesKey: string;
  readonly limit: number;
  readonly history: { readonly timesMs: readonly number[]; readonly values: readonly (number | null)[] };
  /** null when the server cannot forecast the series any more (e.g. it restarted and lost the points). */
  readonly forecast: {
    readonly timesMs: readonly number[];
    readonly expected: readonly (number | null)[];
    readonly lower: readonly (number | null)[];
    readonly upper: readonly (number | null)[];
  } | null;
  readonly prediction: { readonly earliestMs: number; readonly expectedMs: number; readonly latestMs: number; readonly limit: number };
}

export interface SensitivitySetting {
  readonly scope: string;
  readonly level: Sensitivity;
}

export interface SensitivityResponse {
  readonly settings: readonly SensitivitySetting[];
  readonly default: Sensitivity;
}

export type Coverage = 'all' | readonly string[];

export interface ServerStatus {
  readonly status: string;
  readonly startedAt?: string;
  readonly series?: number;
  readonly resources?: number;
  readonly store?: string;
  readonly prometheusPull?: string;
  readonly auth?: string;
  /** When the server knows it (pull source): the Prometheus base URL for "open in Prometheus" links. */
  readonly prometheusUrl?: string | null;
  readonly grafanaUrl?: string | null;
}

/** A resource as /api/v1/resources lists it (`coverage` when the server reports it). */
export type Resource = ResourceRecord & { readonly coverage?: string };

/** A notification channel as GET /api/v1/channels shows it (URL credentials masked as ***, secret never shown). */
export interface Channel {
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly minSeverity: Severity;
  readonly types: readonly string[];
  readonly rateLimitPerMinute: number;
  /** config: from vigil.yaml; api: set through the API (overrides a configured one of the same name). */
  readonly source: 'config' | 'api';
  readonly secret: '***' | null;
  readonly secretEnv: string | null;
  /** Why the channel cannot be used, or null. */
  readonly problem: string | null;
}

export type LooseRecord = Readonly<Record<string, unknown>>;
