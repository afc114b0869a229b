// Insight names in words an on-call engineer reads at a glance:
//   "p99 latency and 5xx errors rose on checkout-api after deployment v2.3.1"
// metric phrases (most telling kinds first) + rose/fell + where + the top event, if any.
import type { Anomaly, Labels, MetricKind, VigilEvent } from '../model/index.js';

/** How much a kind of metric says about user impact; used for naming order and severity. */
export const KIND_WEIGHT: Readonly<Record<MetricKind, number>> = {
  errors: 3,
  latency: 3,
  throughput: 2,
  capacity: 2,
  saturation: 1,
  other: 1,
};

const QUANTILE_SUFFIX = /_p(\d{2,3})$/;

/** A short phrase for what a series measures: "p99 latency", "5xx errors", "CPU use", "traffic". */
export function describeMetric(metricName: string, kind: MetricKind, labels: Labels = {}): string {
  const name = metricName.toLowerCase();
  switch (kind) {
    case 'latency': {
      const m = QUANTILE_SUFFIX.exec(name);
      if (m) return 'p' + m[1] + ' latency';
      const q = labels.quantile;
      if (q !== undefined && /^0\.\d+$/.test(q)) return 'p' + q.slice(2).padEnd(2, '0') + ' latency';
      return 'latency';
    }
    case 'errors': {
      const code = labels.status ?? labels.code ?? labels.status_code ?? labels.http_status_code;
      if (code !== undefined && /^[1-5]/.test(code)) return code[0] + 'xx errors';
      return 'errors';
    }
    case 'throughput':
      return 'traffic';
    case 'saturation':
      if (name.includes('cpu') && (labels.mode ?? labels.state)?.toLowerCase() === 'idle') return 'idle CPU';
      if (name.includes('cpu')) return 'CPU use';
      if (name.includes('mem')) return 'memory use';
      if (name.includes('disk') || name.includes('_io')) return 'disk I/O';
      return 'saturation';
    case 'capacity':
      if (name.includes('disk') || name.includes('filesystem') || name.includes('fs_')) return 'free disk space';
      if (name.includes('mem')) return 'free memory';
      return 'capacity';
    default:
      return metricName;
  }
}

function joinWords(parts: readonly string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return parts.slice(0, -1).join(', ') + ' and ' + parts[parts.length - 1];
}

/** Where the insight happens: the application, else the single resource, else "r and N other resources". */
export function insightPlace(application: string | null, resources: readonly string[]): string {
  if (application !== null) return application;
  if (resources.length <= 1) return resources[0] ?? 'unknown resource';
  return resources[0] + ' and ' + (resources.length - 1) + (resources.length === 2 ? ' other resource' : ' other resources');
}

export interface NameInput {
  readonly application: string | null;
  readonly resources: readonly string[];
  readonly anomalies: readonly Anomaly[];
  /** Labels of a series by key, for nicer phrases ("5xx errors"); optional. */
  readonly labelsOf?: (seriesKey: string) => Labels | undefined;
  readonly topEvent?: VigilEvent | null;
}

/** At most this many metric phrases; the rest become "and N more metrics". */
const MAX_PHRASES = 3;

export function insightName(input: NameInput): string {
  // One phrase per (metric phrase, direction), ordered by kind weight, then known kinds before
  // 'other' (CPU use before node_memory_Cached_bytes), then onset.
  const sorted = [...input.anomalies].sort(
    (a, b) => KIND_WEIGHT[b.kind] - KIND_WEIGHT[a.kind] || Number(a.kind === 'other') - Number(b.kind === 'other') || a.startMs - b.startMs,
  );
  const groups: { phrase: string; verb: string }[] = [];
  const seen = new Set<string>();
  for (const a of sorted) {
    const phrase = describeMetric(a.metricName, a.kind, input.labelsOf?.(a.seriesKey));
    const verb = a.direction === 'above' ? 'rose' : 'fell';
    const key = phrase + '|' + verb;
    if (seen.has(key)) continue;
    seen.add(key);
    groups.push({ phrase, verb });
  }
  const shown = groups.slice(0, MAX_PHRASES);
  const more = groups.length - shown.length;
  let text: string;
  const verbs = new Set(shown.map((g) => g.verb));
  if (verbs.size === 1) {
    const phrases = shown.map((g) => g.phrase);
    if (more > 0) phrases.push(more + (more === 1 ? ' more metric' : ' more metrics'));
    text = joinWords(phrases) + ' ' + shown[0]!.verb;
  } else {
    const clauses = shown.map((g) => g.phrase + ' ' + g.verb);
    if (more > 0) clauses.push(more + (more === 1 ? ' more metric changed' : ' more metrics changed'));
    text = joinWords(clauses);
  }
  const place = insightPlace(input.application, input.resources);
  text = (text.length > 0 ? text : 'metrics changed') + ' on ' + place;
  const ev = input.topEvent;
  if (ev) {
    // "deployment v2.3.1 of checkout-api" on checkout-api reads better without the repetition.
    const suffix = ' of ' + place;
    const evName = ev.name.endsWith(suffix) ? ev.name.slice(0, -suffix.length) : ev.name;
    text += ' after ' + evName;
  }
  return text;
}
