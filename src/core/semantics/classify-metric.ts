/**
 * What a metric measures, guessed from its name, unit, type and labels, so that an anomaly can be
 * weighed (an error rate rising matters more than a GC count wobbling) and its direction judged
 * (latency up is bad, free disk down is bad). The guess is a first-match walk over an ordered table
 * of rules kept as data in DEFAULT_SEMANTIC_RULES, so the docs can render it and a person can
 * read why a series got its kind; operators correct it with SemanticOverride entries, which win.
 *
 *   overrides (first match on the name)  ─►  DEFAULT_SEMANTIC_RULES (first match)  ─►  other/both
 *
 * Order matters and is deliberate: errors before everything (`http_requests_total{code="500"}` is an
 * error count, not throughput), capacity before saturation (`node_memory_MemAvailable_bytes` is
 * headroom, not usage), CPU/time-spent before latency (`node_cpu_seconds_total` is busy time, not
 * a duration), histogram counts before latency (`…_duration_seconds_count` is a request count).
 */
import type { BadDirection, Labels, MetricKind, MetricType } from '../model/index.js';

export interface MetricSemantics {
  readonly kind: MetricKind;
  readonly badDirection: BadDirection;
}

export interface ClassifyInput {
  readonly name: string;
  readonly unit?: string;
  readonly type: MetricType;
  readonly labels: Labels;
}

/** One row of the rule table. Every condition given must hold; absent conditions always hold. */
export interface SemanticRule {
  readonly kind: MetricKind;
  readonly badDirection: BadDirection;
  /** Tested against the metric name. */
  readonly name?: RegExp;
  /** Tested against the unit (OTLP UCUM unit or Prometheus unit); an absent unit is ''. */
  readonly unit?: RegExp;
  /** Some label whose name matches `name` has a value matching `value`. */
  readonly label?: { readonly name: RegExp; readonly value: RegExp };
  /** The metric type is one of these. */
  readonly types?: readonly MetricType[];
  /** One line for the docs: why this rule exists. */
  readonly why: string;
}

/** An operator's correction. `match` is a regular expression on the metric name; first match wins. */
export interface SemanticOverride {
  readonly match: string;
  readonly kind?: MetricKind;
  readonly badDirection?: BadDirection;
}

/** The direction that hurts for each kind, used when an override names a kind but no direction. */
export const DEFAULT_BAD_DIRECTION: Readonly<Record<MetricKind, BadDirection>> = {
  latency: 'up',
  errors: 'up',
  // Both directions of a traffic change are interesting, but a fall is the one that means users
  // cannot reach the service; a rise is usually load, which saturation metrics report as well.
  throughput: 'down',
  saturation: 'up',
  capacity: 'down',
  other: 'both',
};

const STATUS_LABEL = /^(code|status|status_code|http_status|http_status_code|http_response_status_code|response_code)$/;

/**
 * The default rule table, in evaluation order. Names follow Prometheus / node-exporter /
 * OpenTelemetry semantic-convention / CloudWatch habits.
 */
export const DEFAULT_SEMANTIC_RULES: readonly SemanticRule[] = [
  {
    kind: 'other',
    badDirection: 'both',
    name: /^(node_scrape_collector_|scrape_(duration|samples|series)_|promhttp_metric_handler_)/,
    why: "the monitoring's own bookkeeping (an exporter's collector durations, Prometheus' scrape_* series): not the service's latency or errors",
  },
  {
    kind: 'errors',
    badDirection: 'up',
    name: /error|fail|5xx|exception|_errors_total|rejected|dropped|timeouts?(_|$)/i,
    why: 'the name counts errors, failures, exceptions, rejections or timeouts',
  },
  {
    kind: 'errors',
    badDirection: 'up',
    label: { name: STATUS_LABEL, value: /^(5\d\d|5xx)$/i },
    why: 'a status/code label says 5xx: the server-error slice of a request count',
  },
  {
    kind: 'capacity',
    badDirection: 'down',
    name: /_free|_avail|available|inodes_free|burstbalance|credit_?balance|ssl_earliest_cert_expiry|remaining|headroom/i,
    why: 'free, available or remaining headroom (disk, memory, burst credits, certificate lifetime)',
  },
  {
    kind: 'saturation',
    badDirection: 'down',
    name: /cpu/i,
    label: { name: /^(mode|state)$/, value: /^idle$/i },
    why: "idle CPU time (`node_cpu_seconds_total{mode=\"idle\"}`): headroom, so less of it is the bad side, and more of it after a busy spell is recovery, not an incident",
  },
  {
    kind: 'saturation',
    badDirection: 'up',
    name: /cpu|utili[sz]ation|_usage|(^|_)load(\d+|avg|_average)?(_|$)|memory_used|pressure|saturation|_seconds_total$/i,
    why: 'usage of a finite resource (CPU, memory, load, pressure) or time spent busy (`_seconds_total`)',
  },
  {
    kind: 'saturation',
    badDirection: 'up',
    name: /connections|_activity_count$|pool_(active|used|in_use|pending)|_in_use|queue_(depth|length|size|messages)|consumergroup_lag|_backlog|working_set_bytes|memory_rss|_inflight|in_flight/i,
    why: 'occupancy of a bounded resource: connections in use, queue depth or lag, in-flight work, resident memory',
  },
  {
    kind: 'throughput',
    badDirection: 'down',
    name: /_count$/,
    types: ['counter', 'gauge', 'unknown'],
    why: 'the observation count of a histogram or summary is a request count, not a duration',
  },
  {
    kind: 'latency',
    badDirection: 'up',
    name: /_seconds|_milliseconds|_duration|latency|response_time|_ms$/i,
    why: 'a duration: `_seconds`, `_duration`, `latency` (also the `_bucket` and `_p99` series of a duration histogram)',
  },
  {
    kind: 'latency',
    badDirection: 'up',
    unit: /^(s|ms|us|ns|seconds|milliseconds|microseconds|nanoseconds)$/,
    types: ['gauge', 'histogram', 'summary', 'unknown'],
    why: 'the unit is a time and the value is not a running total',
  },
  {
    kind: 'throughput',
    badDirection: 'down',
    name: /requests_total|_requests|_bytes_total|_packets_total|_ops_total|_operations_total|throughput|(^|_)(rps|qps|tps)(_|$)|requests_per|(received|sent|transmit|receive)(_|$)/i,
    why: 'a rate of requests, operations, bytes or packets',
  },
];

/**
 * Whether series of this kind are never negative: error and request rates, durations, usage of a
 * resource, free headroom. 'other' may be anything (a temperature, a delta gauge).
 */
export function neverNegative(kind: MetricKind): boolean {
  return kind !== 'other';
}

const compiled = new Map<string, RegExp | null>();

function overridePattern(match: string): RegExp | null {
  let re = compiled.get(match);
  if (re === undefined) {
    try {
      re = new RegExp(match);
    } catch {
      re = null;
    }
    compiled.set(match, re);
  }
  return re;
}

/**
 * Why an override is unusable, or null when it is fine. Configuration validation calls this at
 * start so a bad pattern stops the server with a reason; classifyMetric itself skips a pattern
 * that does not compile (it never matches) rather than throwing on the ingest path.
 */
export function checkSemanticOverride(o: SemanticOverride): string | null {
  if (typeof o.match !== 'string' || o.match === '') return 'override `match` must be a non-empty regular expression';
  if (overridePattern(o.match) === null) return `override match ${JSON.stringify(o.match)} is not a valid regular expression`;
  if (o.kind === undefined && o.badDirection === undefined) return `override ${JSON.stringify(o.match)} sets neither kind nor badDirection`;
  if (o.kind !== undefined && !(o.kind in DEFAULT_BAD_DIRECTION)) return `override ${JSON.stringify(o.match)}: unknown kind ${JSON.stringify(o.kind)}`;
  if (o.badDirection !== undefined && o.badDirection !== 'up' && o.badDirection !== 'down' && o.badDirection !== 'both') {
    return `override ${JSON.stringify(o.match)}: badDirection must be up, down or both`;
  }
  return null;
}

/** First rule of `rules` that matches, or undefined. */
export function matchSemanticRule(input: ClassifyInput, rules: readonly SemanticRule[] = DEFAULT_SEMANTIC_RULES): SemanticRule | undefined {
  const unit = input.unit ?? '';
  for (const rule of rules) {
    if (rule.types !== undefined && !rule.types.includes(input.type)) continue;
    if (rule.name !== undefined && !rule.name.test(input.name)) continue;
    if (rule.unit !== undefined && !rule.unit.test(unit)) continue;
    if (rule.label !== undefined && !someLabel(input.labels, rule.label.name, rule.label.value)) continue;
    return rule;
  }
  return undefined;
}

function someLabel(labels: Labels, name: RegExp, value: RegExp): boolean {
  for (const k in labels) {
    if (k !== '__name__' && name.test(k) && value.test(labels[k]!)) return true;
  }
  return false;
}

/**
 * Kind and bad direction of a metric. Overrides are tried first (first whose `match` matches the
 * name); an override that sets only `kind` takes that kind's default direction, one that sets only
 * `badDirection` keeps the rule table's kind.
 */
export function classifyMetric(input: ClassifyInput, overrides?: readonly SemanticOverride[]): MetricSemantics {
  const rule = matchSemanticRule(input);
  const base: MetricSemantics = rule ? { kind: rule.kind, badDirection: rule.badDirection } : { kind: 'other', badDirection: 'both' };
  if (overrides) {
    for (const o of overrides) {
      const re = overridePattern(o.match);
      if (re === null || !re.test(input.name)) continue;
      const kind = o.kind ?? base.kind;
      const badDirection = o.badDirection ?? (o.kind !== undefined ? DEFAULT_BAD_DIRECTION[o.kind] : base.badDirection);
      return { kind, badDirection };
    }
  }
  return base;
}
