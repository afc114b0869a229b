/**
 * The recommendations knowledge base: rules kept as data (knowledge/recommendations.yaml) so an
 * operator can read, extend and correct them without touching code. This file validates the raw
 * parsed document once, at load, and compiles it into KnowledgeRule values; recommend.ts applies
 * them to an insight.
 *
 *   YAML ─► (adapter) parse ─► validateKnowledgeBase ─► KnowledgeRule[] ─► recommend(rules, context)
 *
 * Validation collects every problem (not only the first) and names the rule by index and id and the
 * exact field, the way the config validation in core/resources does, so one edit fixes the file:
 *
 *   rules[7](oom-killed).match.kinds[0]: unknown kind "latncy"; allowed: latency, errors, …
 */
import { EVENT_CLASSES, type EventClass, type InsightType, type MetricKind } from '../model/index.js';

export type AnomalyDirection = 'above' | 'below';

/** One label condition: some label named in `names` has a value matching `value`. */
export interface LabelCondition {
  /** Label names tried in turn (the YAML key `code|status|status_code` lists three). */
  readonly names: readonly string[];
  readonly value: RegExp;
}

/**
 * When a rule applies. Every condition given must hold; absent ones always hold. Conditions on
 * single anomalies (kinds, metricNames, directions, labels) select the anomalies a rule is about;
 * the others are about the insight as a whole.
 */
export interface RuleMatch {
  readonly kinds?: readonly MetricKind[];
  /** Searched anywhere in the metric name, case-insensitively (anchor with ^ and $). Any one suffices. */
  readonly metricNames?: readonly RegExp[];
  readonly directions?: readonly AnomalyDirection[];
  /** At least one linked event of one of these classes. */
  readonly eventClasses?: readonly EventClass[];
  /** …no longer than this before the onset of the matching anomalies. */
  readonly eventWithinMs?: number;
  readonly insightType?: InsightType;
  /** Every label condition must hold on the anomaly's series. */
  readonly labels?: readonly LabelCondition[];
  /** At least this many matching anomalies (default 1 when a per-anomaly condition is given). */
  readonly minAnomalies?: number;
}

export interface KnowledgeRule {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Template; {{metric}}, {{resource}}, {{event}} and {{application}} are filled in per insight. */
  readonly reason: string;
  readonly links: readonly string[];
  /** 0–100, higher first. */
  readonly priority: number;
  /**
   * A generic rule for one kind of metric: offered only for anomalies that no specific rule
   * explained, so it never crowds out advice that fits better.
   */
  readonly fallback: boolean;
  readonly match: RuleMatch;
}

export interface KnowledgeBaseError {
  readonly key: string;
  readonly fix: string;
}

export type KnowledgeBaseResult =
  | { readonly ok: true; readonly rules: readonly KnowledgeRule[] }
  | { readonly ok: false; readonly errors: readonly KnowledgeBaseError[] };

export const METRIC_KINDS: readonly MetricKind[] = ['latency', 'errors', 'throughput', 'saturation', 'capacity', 'other'];
export const REASON_PLACEHOLDERS = ['metric', 'resource', 'event', 'application'] as const;

const RULE_KEYS = ['id', 'title', 'description', 'reason', 'links', 'match', 'priority', 'fallback'];
const MATCH_KEYS = ['kinds', 'metricNames', 'directions', 'eventClasses', 'eventWithinMs', 'insightType', 'labels', 'minAnomalies'];
const ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
// Links must be absolute https URLs: they are rendered as clickable links in notifications and the
// dashboard, and a plain-http or relative link there is either insecure or broken.
const LINK_PATTERN = /^https:\/\/[a-z0-9.-]+\.[a-z]{2,}(\/\S*)?$/i;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g;
const MAX_RULES = 10_000;
/** Four weeks: a longer look-back would tie unrelated changes to an incident. */
const MAX_EVENT_WITHIN_MS = 28 * 86_400_000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates a parsed knowledge-base document: either `{ rules: [...] }` (optionally with
 * `version: 1`) or a bare list of rules. Returns compiled rules (regular expressions built, frozen)
 * or every error found.
 */
export function validateKnowledgeBase(raw: unknown): KnowledgeBaseResult {
  const errors: KnowledgeBaseError[] = [];
  let list: unknown;
  if (Array.isArray(raw)) {
    list = raw;
  } else if (isObj(raw)) {
    for (const k of Object.keys(raw)) {
      if (k !== 'rules' && k !== 'version') errors.push({ key: k, fix: 'unknown top-level key; allowed: version, rules' });
    }
    if (raw.version !== undefined && raw.version !== 1) errors.push({ key: 'version', fix: 'must be 1 (the only format so far)' });
    list = raw.rules;
  }
  if (!Array.isArray(list) || list.length === 0) {
    errors.push({ key: 'rules', fix: 'must be a non-empty list of rules, each {id, title, description, reason, links, match, priority}' });
    return { ok: false, errors };
  }
  if (list.length > MAX_RULES) {
    errors.push({ key: 'rules', fix: `at most ${MAX_RULES} rules` });
    return { ok: false, errors };
  }

  const rules: KnowledgeRule[] = [];
  const seenIds = new Map<string, number>();
  list.forEach((item, i) => {
    const rule = validateRule(item, i, errors, seenIds);
    if (rule !== null) rules.push(rule);
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, rules: Object.freeze(rules) };
}

function validateRule(item: unknown, i: number, errors: KnowledgeBaseError[], seenIds: Map<string, number>): KnowledgeRule | null {
  if (!isObj(item)) {
    errors.push({ key: `rules[${i}]`, fix: 'must be a mapping {id, title, description, reason, links, match, priority}' });
    return null;
  }
  const idOk = typeof item.id === 'string' && ID_PATTERN.test(item.id);
  // Name the rule by index and id, so the key points at it whether the reader counts or searches.
  const at = idOk ? `rules[${i}](${item.id as string})` : `rules[${i}]`;
  const before = errors.length;
  const err = (field: string, fix: string): void => {
    errors.push({ key: `${at}.${field}`, fix });
  };

  for (const k of Object.keys(item)) {
    if (!RULE_KEYS.includes(k)) err(k, `unknown key; a rule has ${RULE_KEYS.join(', ')}`);
  }
  if (!idOk) {
    err('id', 'must be a kebab-case identifier such as "bad-deployment-rollback"');
  } else {
    const first = seenIds.get(item.id as string);
    if (first !== undefined) err('id', `"${item.id as string}" is already used by rules[${first}]; ids must be unique`);
    else seenIds.set(item.id as string, i);
  }
  for (const f of ['title', 'description', 'reason'] as const) {
    if (typeof item[f] !== 'string' || (item[f] as string).trim() === '') err(f, 'must be a non-empty string');
  }
  if (typeof item.reason === 'string') {
    for (const m of item.reason.matchAll(PLACEHOLDER)) {
      if (!(REASON_PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
        err('reason', `unknown placeholder {{${m[1]!}}}; allowed: ${REASON_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`);
      }
    }
  }

  const links: string[] = [];
  if (!Array.isArray(item.links) || item.links.length === 0) {
    err('links', 'must be a non-empty list of https URLs to official documentation');
  } else {
    item.links.forEach((l, j) => {
      if (typeof l !== 'string' || !LINK_PATTERN.test(l)) err(`links[${j}]`, 'must be an absolute https URL such as https://kubernetes.io/docs/…');
      else links.push(l);
    });
  }

  const priority = item.priority;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 100) {
    err('priority', 'must be an integer from 0 to 100 (higher is offered first)');
  }
  const fallback = item.fallback ?? false;
  if (typeof fallback !== 'boolean') err('fallback', 'must be true or false');

  const match = validateMatch(item.match, err);
  if (match !== null) {
    if (fallback === true && match.kinds === undefined && match.insightType === undefined) {
      err('match', 'a fallback rule must name the kinds (or insight type) it is the fallback for');
    }
    if (typeof item.reason === 'string' && /\{\{\s*event\s*\}\}/.test(item.reason) && match.eventClasses === undefined) {
      err('reason', 'uses {{event}} but match has no eventClasses, so there is never an event to name');
    }
  }

  if (errors.length > before || match === null) return null;
  return Object.freeze({
    id: item.id as string,
    title: (item.title as string).trim(),
    description: (item.description as string).trim(),
    reason: (item.reason as string).trim(),
    links: Object.freeze(links),
    priority: priority as number,
    fallback: fallback as boolean,
    match,
  });
}

function validateMatch(raw: unknown, err: (field: string, fix: string) => void): RuleMatch | null {
  if (!isObj(raw)) {
    err('match', 'must be a mapping with at least one of ' + MATCH_KEYS.join(', '));
    return null;
  }
  const present = Object.keys(raw).filter((k) => raw[k] !== undefined && raw[k] !== null);
  if (present.length === 0) {
    // A rule with no condition would be offered for every insight: never what an author meant.
    err('match', 'has no condition; give at least one of ' + MATCH_KEYS.join(', '));
    return null;
  }
  let ok = true;
  const fail = (field: string, fix: string): void => {
    err(`match.${field}`, fix);
    ok = false;
  };
  for (const k of present) {
    if (!MATCH_KEYS.includes(k)) fail(k, `unknown condition; allowed: ${MATCH_KEYS.join(', ')}`);
  }

  const enumList = <T extends string>(field: string, allowed: readonly T[]): T[] | undefined => {
    const v = raw[field];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.length === 0) {
      fail(field, `must be a non-empty list of: ${allowed.join(', ')}`);
      return undefined;
    }
    const out: T[] = [];
    v.forEach((x, j) => {
      if (typeof x === 'string' && (allowed as readonly string[]).includes(x)) out.push(x as T);
      else fail(`${field}[${j}]`, `unknown value ${JSON.stringify(x)}; allowed: ${allowed.join(', ')}`);
    });
    return out;
  };

  const kinds = enumList('kinds', METRIC_KINDS);
  const directions = enumList<AnomalyDirection>('directions', ['above', 'below']);
  const eventClasses = enumList<EventClass>('eventClasses', EVENT_CLASSES);

  let metricNames: RegExp[] | undefined;
  if (raw.metricNames !== undefined && raw.metricNames !== null) {
    if (!Array.isArray(raw.metricNames) || raw.metricNames.length === 0) {
      fail('metricNames', 'must be a non-empty list of regular expressions, e.g. ["oom", "last_terminated_reason"]');
    } else {
      metricNames = [];
      raw.metricNames.forEach((p, j) => {
        const re = compile(p);
        if (typeof re === 'string') fail(`metricNames[${j}]`, re);
        else metricNames!.push(re);
      });
    }
  }

  let labels: LabelCondition[] | undefined;
  if (raw.labels !== undefined && raw.labels !== null) {
    if (!isObj(raw.labels) || Object.keys(raw.labels).length === 0) {
      fail('labels', 'must be a mapping of label name (or names joined by |) to a regular expression, e.g. {code|status: "^5"}');
    } else {
      labels = [];
      for (const [k, p] of Object.entries(raw.labels)) {
        const names = k.split('|').map((s) => s.trim());
        if (names.some((n) => !LABEL_NAME.test(n))) {
          fail(`labels.${k}`, 'the key must be a label name, or several joined by |, such as code|status_code');
          continue;
        }
        const re = compile(p);
        if (typeof re === 'string') fail(`labels.${k}`, re);
        else labels.push({ names, value: re });
      }
    }
  }

  let eventWithinMs: number | undefined;
  if (raw.eventWithinMs !== undefined && raw.eventWithinMs !== null) {
    const v = raw.eventWithinMs;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > MAX_EVENT_WITHIN_MS) {
      fail('eventWithinMs', `must be a whole number of milliseconds from 1 to ${MAX_EVENT_WITHIN_MS} (4 weeks), e.g. 3600000 for one hour`);
    } else if (eventClasses === undefined) {
      fail('eventWithinMs', 'needs eventClasses: it bounds how long before the onset such an event may be');
    } else {
      eventWithinMs = v;
    }
  }

  let insightType: InsightType | undefined;
  if (raw.insightType !== undefined && raw.insightType !== null) {
    if (raw.insightType === 'REACTIVE' || raw.insightType === 'PROACTIVE') insightType = raw.insightType;
    else fail('insightType', 'must be REACTIVE or PROACTIVE');
  }

  let minAnomalies: number | undefined;
  if (raw.minAnomalies !== undefined && raw.minAnomalies !== null) {
    const v = raw.minAnomalies;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 1000) fail('minAnomalies', 'must be a whole number from 1 to 1000');
    else minAnomalies = v;
  }

  if (!ok) return null;
  const m: { -readonly [K in keyof RuleMatch]: RuleMatch[K] } = {};
  if (kinds !== undefined) m.kinds = Object.freeze(kinds);
  if (metricNames !== undefined) m.metricNames = Object.freeze(metricNames);
  if (directions !== undefined) m.directions = Object.freeze(directions);
  if (eventClasses !== undefined) m.eventClasses = Object.freeze(eventClasses);
  if (eventWithinMs !== undefined) m.eventWithinMs = eventWithinMs;
  if (insightType !== undefined) m.insightType = insightType;
  if (labels !== undefined) m.labels = Object.freeze(labels);
  if (minAnomalies !== undefined) m.minAnomalies = minAnomalies;
  return Object.freeze(m);
}

/** A case-insensitive, non-global (so stateless) RegExp, or why the pattern is unusable. */
function compile(p: unknown): RegExp | string {
  if (typeof p !== 'string' || p === '') return 'must be a non-empty regular expression string';
  try {
    return new RegExp(p, 'i');
  } catch (e) {
    return `${JSON.stringify(p)} is not a valid regular expression: ${(e as Error).message}`;
  }
}
