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

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
