/**
 * Which series get a capacity forecast, and against which limit. A first-match walk over
 * CAPACITY_RULES, kept as data (like DEFAULT_SEMANTIC_RULES) so the docs can render it and a
 * person can read why a series is watched. Called once per new series, never per sample.
 *
 * Modes:
 *   forecast  the trend + seasonal forecast must reach `limit` (free bytes → 0, a ratio → 1)
 *   deadline  the value is itself a time (certificate not-after, unix seconds): no forecasting
 *   growth    the limit is relative: GROWTH_FACTOR × the series' typical level (queue backlogs)
 */
import type { BadDirection, Labels, MetricKind } from '../model/index.js';

export type CapacityMode = 'forecast' | 'deadline' | 'growth';

export interface CapacityTarget {
  readonly limit: number;
  readonly direction: 'down' | 'up';
  readonly mode: CapacityMode;
  /** Rule id (CapacityRule.id), for explanations and the recommendation knowledge base. */
  readonly rule: string;
  /** Human subject for insight names, labels filled in: "Disk /data", "TLS certificate for api.example.com". */
  readonly subject: string;
  /** Verb phrase: "predicted to fill", "expires", "predicted to run out". */
  readonly outcome: string;
  /** Whether the subject already says where (a certificate's host), so no "on <resource>" is added. */
  readonly located: boolean;
  /** Time to exhaustion below which the insight is HIGH, then MEDIUM; LOW beyond. */
  readonly highBelowMs: number;
  readonly mediumBelowMs: number;
}

/** The subset of SeriesDescriptor the table needs. */
export interface CapacitySeries {
  readonly name: string;
  readonly labels: Labels;
  readonly kind: MetricKind;
  readonly badDirection: BadDirection;
}

export interface CapacityContext {
  /** Value of a known `_max` / `_limit` sibling (e.g. a pool's max size): becomes the limit. */
  readonly maxValue?: number;
}

type RuleLimit = number | 'ratio' | 'percent' | 'ratio-or-percent' | 'max-sibling' | 'growth';

export interface CapacityRule {
  readonly id: string;
  readonly name: RegExp;
  readonly mode: CapacityMode;
  readonly direction: 'down' | 'up';
  readonly limit: RuleLimit;
  /** `{a|b}` is the first of labels a, b present; `{host:a|b}` takes the host out of a URL. */
  readonly subject: string;
  readonly outcome: string;
  readonly located?: boolean;
  readonly highBelowMs?: number;
  readonly mediumBelowMs?: number;
  readonly why: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A queue is "exhausted" when forecast to hold this many times its typical backlog (issue 4). */
export const GROWTH_FACTOR = 10;
const RATIO_NAME = /(_ratio|_fraction)$/i;
const PERCENT_NAME = /(_percent|_pct|_percentage)$|percent/i;

export const CAPACITY_RULES: readonly CapacityRule[] = [
  {
    id: 'certificate-expiry',
    name: /ssl_earliest_cert_expiry|cert(ificate)?_?expir|x509_cert_not_after|cert_not_after|certificate_expiration_timestamp/i,
    mode: 'deadline',
    direction: 'down',
    limit: 0,
    subject: 'TLS certificate for {host:instance|target|subject_CN|common_name|cn|name|secret_name}',
    outcome: 'expires',
    located: true,
    // Renewal (ACME, cert-manager) normally happens 30 days ahead: 9 days left means it failed.
    highBelowMs: 3 * DAY_MS,
    mediumBelowMs: 14 * DAY_MS,
    why: 'the value is the not-after time (unix seconds): exhaustion is that time, no forecast needed',
  },
  {
    id: 'burst-credits',
    name: /burst_?balance|cpu_?credit_?balance|credit_?balance/i,
    mode: 'forecast',
    direction: 'down',
    limit: 0,
    subject: 'Burst credits of {volume_id|VolumeId|instance_id|InstanceId|device|instance}',
    outcome: 'predicted to run out',
    why: 'burst / CPU credit balances (EBS BurstBalance, cpu_credit_balance): performance drops to baseline at 0',
  },
  {
    id: 'inodes-free',
    name: /inodes_free|inodes_avail|filesystem_files_free|files_free/i,
    mode: 'forecast',
    direction: 'down',
    limit: 0,
    subject: 'Inodes of {mountpoint|device|persistentvolumeclaim}',
    outcome: 'predicted to run out',
    why: 'free inodes: no new file can be created at 0 even with free space',
  },
  {
    id: 'disk-free',
    name: /(filesystem|disk|fs|volume|storage).*(free|avail)|(free|avail).*(disk|filesystem|storage)|volume_stats_available/i,
    mode: 'forecast',
    direction: 'down',
    limit: 0,
    subject: 'Disk {mountpoint|persistentvolumeclaim|device|volume}',
    outcome: 'predicted to fill',
    why: 'free or available filesystem bytes: writes fail at 0',
  },
  {
    id: 'memory-available',
    name: /mem(ory)?_?(available|avail|free)|memavailable|memfree/i,
    mode: 'forecast',
    direction: 'down',
    limit: 0,
    subject: 'Memory',
    outcome: 'predicted to run out',
    why: 'available memory: the OOM killer acts near 0',
  },
  {
    id: 'connection-pool',
    name: /(pool|connections?).*(in_?use|active|used|busy|usage|utili[sz]ation)|(in_?use|active|used).*(pool|connections?)/i,
    mode: 'forecast',
    direction: 'up',
    limit: 'max-sibling',
    subject: 'Connection pool {pool|name|datasource|db}',
    outcome: 'predicted to be exhausted',
    why: 'connections in use reach the pool maximum (a known `_max` sibling, else ratio semantics when the name says ratio/percent)',
  },
  {
    id: 'quota',
    name: /quota/i,
    mode: 'forecast',
    direction: 'up',
    limit: 'ratio-or-percent',
    subject: 'Quota {quota|resource|name|namespace}',
    outcome: 'predicted to be used up',
    why: 'quota use as a ratio (or percent): requests are refused at the quota',
  },
  {
    id: 'queue-growth',
    name: /queue.*(depth|length|size|backlog|messages|ready|visible)|(backlog|consumer_?lag|messages_?ready|approximatenumberofmessagesvisible)/i,
    mode: 'growth',
    direction: 'up',
    limit: 'growth',
    subject: 'Queue {queue|queue_name|topic|QueueName|name}',
    outcome: `predicted to grow past ${GROWTH_FACTOR}× its typical backlog`,
    why: `a queue has no hard limit; a persistent rise to ${GROWTH_FACTOR}× its typical depth means consumers cannot keep up`,
  },
  {
    id: 'utilisation-ratio',
    name: /_ratio$|_fraction$|_percent$|_pct$|_percentage$|utili[sz]ation/i,
    mode: 'forecast',
    direction: 'up',
    limit: 'ratio-or-percent',
    subject: '{__name__}',
    outcome: 'predicted to reach 100%',
    why: 'a utilisation ratio (→ 1) or percentage (→ 100)',
  },
];

/**
 * The limit a series is forecast against, or null when it is not capacity-like. `lastValue`
 * decides between 1 and 100 for a utilisation whose name does not say which.
 */
export function capacityTarget(series: CapacitySeries, lastValue: number, context: CapacityContext = {}): CapacityTarget | null {
  const name = series.name;
  for (const rule of CAPACITY_RULES) {
    if (!rule.name.test(name)) continue;
    // null: the rule matched the name but has no limit for it (a raw pool count without `_max`).
    const limit = resolveLimit(rule.limit, name, lastValue, context);
    if (limit === null) continue;
    const labels = { ...series.labels, __name__: series.labels.__name__ ?? name };
    return {
      limit,
      direction: rule.direction,
      mode: rule.mode,
      rule: rule.id,
      subject: renderTemplate(rule.subject, labels).trim(),
      outcome: rule.outcome,
      located: rule.located ?? false,
      highBelowMs: rule.highBelowMs ?? DAY_MS,
      mediumBelowMs: rule.mediumBelowMs ?? 7 * DAY_MS,
    };
  }
  // Any other headroom series (classified capacity / bad when falling): forecast to 0.
  if (series.kind === 'capacity' && series.badDirection === 'down') {
    return {
      limit: 0,
      direction: 'down',
      mode: 'forecast',
      rule: 'headroom',
      subject: name,
      outcome: 'predicted to run out',
      located: false,
      highBelowMs: DAY_MS,
      mediumBelowMs: 7 * DAY_MS,
    };
  }
  return null;
}

function resolveLimit(limit: RuleLimit, name: string, lastValue: number, context: CapacityContext): number | null {
  if (typeof limit === 'number') return limit;
  if (limit === 'growth') return NaN; // relative: ProactiveInsights sets it from the typical level
  if (limit === 'max-sibling' && context.maxValue !== undefined && Number.isFinite(context.maxValue) && context.maxValue > 0) {
    return context.maxValue;
  }
  if (RATIO_NAME.test(name)) return 1;
  if (PERCENT_NAME.test(name)) return 100;
  // A raw in-use count without a known maximum has no limit to forecast against.
  if (limit === 'max-sibling') return null;
  if (/utili[sz]ation|quota/i.test(name) && Number.isFinite(lastValue)) return Math.abs(lastValue) <= 1 ? 1 : 100;
  return null;
}

/** Fills `{a|b|c}` with the first label present (`host:` prefix: the host part of a URL). */
export function renderTemplate(template: string, labels: Labels): string {
  return template.replace(/\{([^}]+)\}/g, (_m, spec: string) => {
    let host = false;
    let names = spec;
    if (names.startsWith('host:')) {
      host = true;
      names = names.slice(5);
    }
    for (const n of names.split('|')) {
      const v = labels[n];
      if (v !== undefined && v !== '') return host ? hostOf(v) : v;
    }
    return '';
  });
}

/** "https://api.example.com:443/health" → "api.example.com"; a bare "host:port" → "host". */
export function hostOf(target: string): string {
  let s = target.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = s.indexOf('/');
  if (slash >= 0) s = s.slice(0, slash);
  const at = s.lastIndexOf('@');
  if (at >= 0) s = s.slice(at + 1);
  if (s.startsWith('[')) return s.slice(0, s.indexOf(']') + 1);
  const colon = s.indexOf(':');
  return colon >= 0 ? s.slice(0, colon) : s;
}
