// Vigil's vocabulary as plain data (DESIGN.md, "Vocabulary"). Pure types and tiny helpers only.

/** A series' labels: name -> value. `__name__` holds the metric name, as in Prometheus. */
export type Labels = Readonly<Record<string, string>>;

/** What a series measures; decides which direction is bad and how much an anomaly weighs. */
export type MetricKind = 'latency' | 'errors' | 'throughput' | 'saturation' | 'capacity' | 'other';

/** Which deviation hurts: a rise, a fall, or either. */
export type BadDirection = 'up' | 'down' | 'both';

/** How a source reported a series; counters are turned into rates before detection. */
export type MetricType = 'gauge' | 'counter' | 'histogram' | 'summary' | 'unknown';

export const EVENT_CLASSES = ['DEPLOYMENT', 'CONFIG_CHANGE', 'INFRASTRUCTURE', 'SECURITY_CHANGE', 'SCHEMA_CHANGE', 'SCALING'] as const;
export type EventClass = (typeof EVENT_CLASSES)[number];

/** Something that happened (a deployment, a config change, ...), normalised from any source. */
export interface VigilEvent {
  /** Stable id; the same source event always gets the same id, so re-delivery is idempotent. */
  readonly id: string;
  readonly class: EventClass;
  /** e.g. `argocd`, `github`, `kubernetes`, `cloudtrail`, `generic`. */
  readonly source: string;
  /** Short human text: "deployment v2.3.1 of checkout-api". */
  readonly name: string;
  readonly timeMs: number;
  /** Resource keys the event touched (may be empty). */
  readonly resources: readonly string[];
  readonly application: string | null;
  /** Extra source fields kept as strings (revision, actor, url, ...). */
  readonly attributes: Readonly<Record<string, string>>;
}

/** One analysed metric series. `id` indexes the detector bank; `key` is the canonical label string. */
export interface SeriesDescriptor {
  readonly id: number;
  readonly key: string;
  readonly name: string;
  readonly labels: Labels;
  readonly resource: string;
  readonly application: string | null;
  readonly kind: MetricKind;
  readonly badDirection: BadDirection;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
}

/** A monitored thing (host, pod, service, volume, ...). */
export interface ResourceRecord {
  readonly key: string;
  readonly type: string;
  readonly application: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly seriesCount: number;
  /** Set when the resource stopped reporting and was retired from analysis. */
  readonly retiredMs: number | null;
}

/**
 * Canonical key of a label set: labels sorted by name, `name="value"` joined by commas, inside
 * braces, with the metric name in front — the Prometheus text form, so keys read like selectors.
 */
export function seriesKey(labels: Labels): string {
  const names = Object.keys(labels).filter((n) => n !== '__name__').sort();
  let out = labels.__name__ ?? '';
  out += '{';
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (i > 0) out += ',';
    out += n + '="' + escapeLabelValue(labels[n]!) + '"';
  }
  return out + '}';
}

/** Escapes a label value for the Prometheus text form (backslash, quote, newline). */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

// ---- Anomalies and insights (issue: insights engine) -------------------------------------------

export type Severity = 'LOW' | 'MEDIUM' | 'HIGH';
export type Sensitivity = 'LOW' | 'MEDIUM' | 'HIGH';
export type InsightStatus = 'ONGOING' | 'CLOSED';
export type InsightType = 'REACTIVE' | 'PROACTIVE';
export type NotificationType = 'NEW_INSIGHT' | 'NEW_ASSOCIATION' | 'SEVERITY_UPGRADED' | 'NEW_RECOMMENDATION' | 'CLOSED_INSIGHT';
export type FeedbackValue = 'USEFUL' | 'NOT_USEFUL' | 'TOO_SENSITIVE' | 'NOISY_DATA' | 'INCORRECT';

/** A period in which one series deviates. Times are stream (sample) times in ms. */
export interface Anomaly {
  readonly id: string;
  readonly seriesId: number;
  readonly seriesKey: string;
  readonly metricName: string;
  readonly resource: string;
  readonly application: string | null;
  readonly kind: MetricKind;
  readonly direction: 'above' | 'below';
  readonly startMs: number;
  /** null while open. */
  readonly endMs: number | null;
  readonly peakScore: number;
  readonly peakMs: number;
  /** Value and expected band at the peak. */
  readonly peakValue: number;
  readonly expected: number;
  readonly lower: number;
  readonly upper: number;
  /** CAUSAL: likely part of the cause; CONTEXTUAL: a symptom or context (DevOps Guru's terms). */
  readonly role: 'CAUSAL' | 'CONTEXTUAL';
  /** The detector statistic that decided (point, shift, variance, stuck). */
  readonly cause: string;
}

export interface RootCauseCandidate {
  readonly rank: number;
  readonly kind: 'EVENT' | 'ANOMALY';
  /** Event id or anomaly id. */
  readonly ref: string;
  readonly title: string;
  readonly confidence: number;
  readonly evidence: readonly string[];
}

export interface Recommendation {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly reason: string;
  readonly links: readonly string[];
  readonly relatedEventIds: readonly string[];
  readonly relatedAnomalyIds: readonly string[];
}

export interface InsightPrediction {
  readonly seriesKey: string;
  /** When the forecast crosses the limit: earliest / most likely / latest (ms). */
  readonly earliestMs: number;
  readonly expectedMs: number;
  readonly latestMs: number;
  readonly limit: number;
}

export interface Insight {
  readonly id: string;
  readonly type: InsightType;
  readonly name: string;
  readonly severity: Severity;
  readonly status: InsightStatus;
  readonly application: string | null;
  readonly startMs: number;
  readonly endMs: number | null;
  readonly updatedMs: number;
  readonly resources: readonly string[];
  readonly anomalyIds: readonly string[];
  readonly eventIds: readonly string[];
  readonly rootCauses: readonly RootCauseCandidate[];
  readonly recommendations: readonly Recommendation[];
  readonly prediction: InsightPrediction | null;
}

/** A lifecycle transition, recorded for notification. */
export interface InsightTransition {
  readonly insightId: string;
  readonly type: NotificationType;
  readonly timeMs: number;
  readonly severity: Severity;
}
