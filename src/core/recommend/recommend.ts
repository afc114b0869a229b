/**
 * Picks recommendations for one insight from the knowledge base (knowledge-base.ts).
 *
 *   subjects = the insight's anomalies (+ the forecast series of a proactive insight, when no
 *              anomaly covers it)
 *   per rule: insight-level conditions ─► subjects matching the per-anomaly conditions
 *             ─► linked events of the named classes before the onset ─► rank
 *   fallbacks only for subjects no specific rule explained ─► merge equal titles ─► top 5
 *
 * Rank = priority + specificity + 2 · coverage. Priority is the author's judgement (a rollback
 * after a bad deploy beats "scale up"); specificity rewards a rule that matched on more evidence (a
 * metric-name or event condition says more than a kind); coverage (share of the insight's
 * anomalies the rule explains) breaks the remaining ties in favour of the rule that explains most.
 */
import type { Anomaly, Insight, MetricKind, Recommendation, VigilEvent } from '../model/index.js';
import type { AnomalyDirection, KnowledgeRule, RuleMatch } from './knowledge-base.js';

export interface RecommendContext {
  readonly insight: Insight;
  /** The insight's anomalies. */
  readonly anomalies: readonly Anomaly[];
  /** Events linked to the insight (the relevant-events look-back is the caller's job). */
  readonly events: readonly VigilEvent[];
}

export const MAX_RECOMMENDATIONS = 5;

/**
 * How long after the onset an event still counts as "before" it. Deployment tools report
 * completion (ArgoCD "sync succeeded", a GitHub deployment_status) after the new version has
 * started taking traffic, so a strict "event before onset" would miss the most common cause.
 */
export const EVENT_AFTER_ONSET_TOLERANCE_MS = 5 * 60_000;

/** What a rule is matched against: an anomaly, or the forecast series of a proactive insight. */
interface Subject {
  readonly anomaly: Anomaly | null;
  readonly metricName: string;
  readonly resource: string;
  /** null when unknown (a forecast series with no anomaly). */
  readonly kind: MetricKind | null;
  readonly direction: AnomalyDirection | null;
  readonly startMs: number;
  readonly labels: Readonly<Record<string, string>>;
}

interface Candidate {
  readonly rule: KnowledgeRule;
  readonly rank: number;
  readonly subjects: number[];
  readonly events: VigilEvent[];
}

export function recommend(rules: readonly KnowledgeRule[], context: RecommendContext): Recommendation[] {
  const subjects = subjectsOf(context);
  const specific: Candidate[] = [];
  const fallbacks: Candidate[] = [];
  for (const rule of rules) {
    const c = evaluate(rule, subjects, context);
    if (c !== null) (rule.fallback ? fallbacks : specific).push(c);
  }

  // A fallback ("latency rose: look at …") is offered only for what no specific rule explained.
  const claimed = new Set<number>();
  for (const c of specific) for (const s of c.subjects) claimed.add(s);
  const kept: Candidate[] = [...specific];
  for (const c of fallbacks) {
    const open = c.subjects.filter((s) => !claimed.has(s));
    if (open.length > 0) kept.push({ ...c, subjects: open });
  }

  kept.sort((a, b) => b.rank - a.rank || cmp(a.rule.id, b.rule.id));

  // Rules that give the same advice (same title) for different evidence — e.g. OOM kills seen
  // through cAdvisor and through kube-state-metrics — become one recommendation with both.
  const byTitle = new Map<string, { first: Candidate; subjects: Set<number>; events: Map<string, VigilEvent> }>();
  for (const c of kept) {
    const key = c.rule.title.toLowerCase();
    const m = byTitle.get(key);
    if (m === undefined) {
      byTitle.set(key, { first: c, subjects: new Set(c.subjects), events: new Map(c.events.map((e) => [e.id, e])) });
    } else {
      for (const s of c.subjects) m.subjects.add(s);
      for (const e of c.events) if (!m.events.has(e.id)) m.events.set(e.id, e);
    }
  }

  const out: Recommendation[] = [];
  for (const { first, subjects: subjectSet, events } of byTitle.values()) {
    if (out.length === MAX_RECOMMENDATIONS) break;
    // Earliest onset first, so the reason names what started the incident before its echoes; the
    // remaining keys make the text independent of the order the anomalies were passed in.
    const matched = [...subjectSet].map((i) => subjects[i]!).sort(bySubjectOrder);
    const evs = [...events.values()];
    out.push({
      id: first.rule.id,
      title: first.rule.title,
      description: first.rule.description,
      reason: fillReason(first.rule.reason, matched, evs, context.insight),
      links: first.rule.links,
      relatedEventIds: evs.map((e) => e.id),
      relatedAnomalyIds: unique(matched.flatMap((s) => (s.anomaly === null ? [] : [s.anomaly.id]))),
    });
  }
  return out;
}

function bySubjectOrder(a: Subject, b: Subject): number {
  return a.startMs - b.startMs || cmp(a.metricName, b.metricName) || cmp(a.resource, b.resource) || cmp(a.anomaly?.id ?? '', b.anomaly?.id ?? '');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function evaluate(rule: KnowledgeRule, subjects: readonly Subject[], ctx: RecommendContext): Candidate | null {
  const m = rule.match;
  if (m.insightType !== undefined && m.insightType !== ctx.insight.type) return null;

  const perSubject = m.kinds !== undefined || m.metricNames !== undefined || m.directions !== undefined || m.labels !== undefined;
  const matched: number[] = [];
  for (let i = 0; i < subjects.length; i++) if (subjectMatches(m, subjects[i]!)) matched.push(i);
  const need = m.minAnomalies ?? (perSubject ? 1 : 0);
  if (matched.length < need) return null;

  let events: VigilEvent[] = [];
  if (m.eventClasses !== undefined) {
    const onsetMs = matched.length > 0 ? Math.min(...matched.map((i) => subjects[i]!.startMs)) : ctx.insight.startMs;
    events = ctx.events.filter((e) => {
      if (!m.eventClasses!.includes(e.class)) return false;
      if (e.timeMs > onsetMs + EVENT_AFTER_ONSET_TOLERANCE_MS) return false;
      return m.eventWithinMs === undefined || onsetMs - e.timeMs <= m.eventWithinMs;
    });
    if (events.length === 0) return null;
    // Closest to the onset first: that is the one the reason names.
    events.sort((a, b) => Math.abs(onsetMs - a.timeMs) - Math.abs(onsetMs - b.timeMs) || cmp(a.id, b.id));
  }

  const realAnomalies = ctx.anomalies.length;
  const coverage = realAnomalies === 0 ? 0 : matched.filter((i) => subjects[i]!.anomaly !== null).length / realAnomalies;
  return { rule, rank: rule.priority + specificity(m) + 2 * coverage, subjects: matched, events };
}

function specificity(m: RuleMatch): number {
  let s = 0;
  if (m.metricNames !== undefined) s += 3;
  if (m.labels !== undefined) s += 3;
  if (m.eventClasses !== undefined) s += 4;
  if (m.eventWithinMs !== undefined) s += 1;
  if (m.kinds !== undefined) s += 1;
  if (m.directions !== undefined) s += 1;
  if (m.insightType !== undefined) s += 1;
  if (m.minAnomalies !== undefined && m.minAnomalies > 1) s += 1;
  return s;
}

function subjectMatches(m: RuleMatch, s: Subject): boolean {
  // A forecast series has no known kind or direction; its name (or labels) must then carry the
  // evidence, so an unknown kind or direction neither matches nor vetoes a rule that names metrics.
  const namedByEvidence = m.metricNames !== undefined || m.labels !== undefined;
  if (m.kinds !== undefined) {
    if (s.kind === null ? !namedByEvidence : !m.kinds.includes(s.kind)) return false;
  }
  if (m.directions !== undefined) {
    if (s.direction === null ? !namedByEvidence : !m.directions.includes(s.direction)) return false;
  }
  if (m.metricNames !== undefined && !m.metricNames.some((re) => re.test(s.metricName))) return false;
  if (m.labels !== undefined) {
    for (const cond of m.labels) {
      if (!cond.names.some((n) => s.labels[n] !== undefined && cond.value.test(s.labels[n]))) return false;
    }
  }
  return true;
}

function subjectsOf(ctx: RecommendContext): Subject[] {
  const out: Subject[] = ctx.anomalies.map((a) => ({
    anomaly: a,
    metricName: a.metricName,
    resource: a.resource,
    kind: a.kind,
    direction: a.direction,
    startMs: a.startMs,
    labels: parseSeriesKey(a.seriesKey)?.labels ?? {},
  }));
  const p = ctx.insight.prediction;
  if (p !== null && !ctx.anomalies.some((a) => a.seriesKey === p.seriesKey)) {
    const parsed = parseSeriesKey(p.seriesKey);
    if (parsed !== null) {
      out.push({
        anomaly: null,
        metricName: parsed.name,
        resource: ctx.insight.resources[0] ?? '',
        kind: null,
        direction: null,
        startMs: ctx.insight.startMs,
        labels: parsed.labels,
      });
    }
  }
  return out;
}

/**
 * Inverse of model's seriesKey(): `name{a="x",b="y"}` with `\\`, `\"` and `\n` escapes. Returns
 * null for a string that is not in that form.
 */
export function parseSeriesKey(key: string): { name: string; labels: Record<string, string> } | null {
  const brace = key.indexOf('{');
  if (brace < 0 || !key.endsWith('}')) return null;
  const name = key.slice(0, brace);
  const labels: Record<string, string> = {};
  let i = brace + 1;
  const end = key.length - 1;
  while (i < end) {
    const eq = key.indexOf('="', i);
    if (eq < 0) return null;
    const label = key.slice(i, eq);
    let j = eq + 2;
    let value = '';
    for (; j < end; j++) {
      const ch = key[j]!;
      if (ch === '\\') {
        const nx = key[++j];
        value += nx === 'n' ? '\n' : (nx ?? '');
      } else if (ch === '"') {
        break;
      } else {
        value += ch;
      }
    }
    if (key[j] !== '"') return null;
    labels[label] = value;
    i = j + 1;
    if (key[i] === ',') i++;
    else if (i !== end) return null;
  }
  if (name !== '') labels.__name__ = name;
  return { name, labels };
}

const FILLERS: Readonly<Record<string, string>> = {
  metric: 'the affected metrics',
  resource: 'the affected resources',
  event: 'a recent change',
  application: 'the application',
};

function fillReason(template: string, subjects: readonly Subject[], events: readonly VigilEvent[], insight: Insight): string {
  const resources = unique(subjects.map((s) => s.resource).filter((r) => r !== ''));
  const values: Record<string, string> = {
    metric: listOf(unique(subjects.map((s) => s.metricName).filter((n) => n !== ''))),
    resource: listOf(resources.length > 0 ? resources : [...insight.resources]),
    event: listOf(events.map((e) => e.name), 2),
    application: insight.application ?? '',
  };
  return template.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (whole, name: string) => {
    if (!(name in FILLERS)) return whole;
    return values[name] !== '' ? values[name]! : FILLERS[name]!;
  });
}

/** "a", "a and b", "a, b and c", "a, b, c and 2 more". */
function listOf(items: readonly string[], max = 3): string {
  if (items.length === 0) return '';
  if (items.length === 1) return items[0]!;
  if (items.length <= max) return items.slice(0, -1).join(', ') + ' and ' + items[items.length - 1]!;
  return items.slice(0, max).join(', ') + ` and ${items.length - max} more`;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
