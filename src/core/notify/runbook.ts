/**
 * Runbook rules, pure: which insights a rule matches, and what exactly its action would run —
 * with every insight field substituted as DATA, never as code:
 *
 *   - script arguments: each template becomes exactly one argv element (no shell ever sees it, so
 *     `$(rm -rf /)` or `; reboot` in a label is just text in one argument);
 *   - HTTP bodies: values are JSON-encoded (an object body has its string leaves substituted and
 *     is serialised as a whole; a string body gets each value as a JSON string literal);
 *   - HTTP URLs: values are percent-encoded (they cannot add a path segment, query or host);
 *   - environment: VIGIL_INSIGHT_* variables and the whole insight as VIGIL_INSIGHT_JSON.
 *
 * Substitution is one pass over the template: a value that itself contains `{{insight.id}}` is
 * not expanded again.
 */
import type { Anomaly, EventClass, Insight, MetricKind, NotificationType, Severity, VigilEvent } from '../model/index.js';

export interface RunbookMatch {
  /** Exact application name. */
  readonly application?: string;
  /** Lowest severity matched. */
  readonly severity?: Severity;
  /** Some anomaly of the insight is of this kind. */
  readonly metricKind?: MetricKind;
  /** Some relevant event of the insight is of this class. */
  readonly eventClass?: EventClass;
  /** Some recommendation of the insight has this id (knowledge/recommendations.yaml). */
  readonly recommendationId?: string;
  /** Transitions that trigger the rule; default NEW_INSIGHT only (act once, when it opens). */
  readonly types?: readonly NotificationType[];
}

export interface HttpActionSpec {
  readonly method: string;
  /** May hold templates (percent-encoded when substituted). */
  readonly url: string;
  /** Fixed values: no templates in headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON value whose strings may hold templates, or a string template (values JSON-encoded). */
  readonly body?: unknown;
  /** Environment variable holding a bearer token (Authorization: Bearer …), resolved at run time. */
  readonly bearerTokenEnv?: string;
}

export interface ScriptActionSpec {
  /** Relative to runbooks.scriptDir (the allow-listed directory). */
  readonly path: string;
  /** Each element one argv entry after substitution. */
  readonly args?: readonly string[];
}

export type RunbookAction = { readonly http: HttpActionSpec } | { readonly script: ScriptActionSpec };

export interface RunbookRule {
  readonly name: string;
  readonly match: RunbookMatch;
  readonly action: RunbookAction;
  readonly timeoutMs: number;
  /** At most `max` runs (dry runs included) per `perMs`. */
  readonly rateLimit: { readonly max: number; readonly perMs: number };
  /** Overrides runbooks.dryRun for this rule when set. */
  readonly dryRun?: boolean;
}

export interface RunbookContext {
  readonly transition: NotificationType;
  readonly insight: Insight;
  readonly anomalies: readonly Pick<Anomaly, 'kind'>[];
  readonly events: readonly Pick<VigilEvent, 'class'>[];
}

const RANK: Record<Severity, number> = { LOW: 0, MEDIUM: 1, HIGH: 2 };

export function runbookMatches(rule: Pick<RunbookRule, 'match'>, ctx: RunbookContext): boolean {
  const m = rule.match;
  const types = m.types ?? ['NEW_INSIGHT'];
  if (!types.includes(ctx.transition)) return false;
  if (m.application !== undefined && ctx.insight.application !== m.application) return false;
  if (m.severity !== undefined && RANK[ctx.insight.severity] < RANK[m.severity]) return false;
  if (m.metricKind !== undefined && !ctx.anomalies.some((a) => a.kind === m.metricKind)) return false;
  if (m.eventClass !== undefined && !ctx.events.some((e) => e.class === m.eventClass)) return false;
  if (m.recommendationId !== undefined && !ctx.insight.recommendations.some((r) => r.id === m.recommendationId)) return false;
  return true;
}

/** The fields a template may use. */
export const TEMPLATE_FIELDS = [
  'insight.id',
  'insight.name',
  'insight.application',
  'insight.severity',
  'insight.status',
  'insight.type',
  'insight.startMs',
  'transition.type',
  'runbook.name',
] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];
export type TemplateValues = Readonly<Record<TemplateField, string>>;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Why a template is not valid (an unknown field), or null. Checked when the configuration loads. */
export function templateProblem(template: string): string | null {
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(m[1]!)) {
      return `unknown template field "{{${m[1]}}}" — use one of ${TEMPLATE_FIELDS.map((f) => `{{${f}}}`).join(', ')}`;
    }
  }
  return null;
}

/** Every template problem in an HTTP body value (strings at any depth). */
export function bodyTemplateProblem(body: unknown): string | null {
  if (typeof body === 'string') return templateProblem(body);
  if (Array.isArray(body)) {
    for (const v of body) {
      const p = bodyTemplateProblem(v);
      if (p) return p;
    }
    return null;
  }
  if (body !== null && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) {
      const p = templateProblem(k) ?? bodyTemplateProblem(v);
      if (p) return p;
    }
  }
  return null;
}

export function templateValues(ctx: RunbookContext, runbook: string): TemplateValues {
  const i = ctx.insight;
  return {
    'insight.id': i.id,
    'insight.name': i.name,
    'insight.application': i.application ?? '',
    'insight.severity': i.severity,
    'insight.status': i.status,
    'insight.type': i.type,
    'insight.startMs': String(i.startMs),
    'transition.type': ctx.transition,
    'runbook.name': runbook,
  };
}

/** One pass: each placeholder is replaced by encode(value); the result is not scanned again. */
export function renderTemplate(template: string, values: TemplateValues, encode: (value: string) => string = (v) => v): string {
  return template.replace(PLACEHOLDER, (whole, field: string) => {
    const v = (values as Record<string, string>)[field];
    return v === undefined ? whole : encode(v);
  });
}

/** Script arguments: one argv element per template, however many spaces or quotes the value holds. */
export function renderArgv(args: readonly string[], values: TemplateValues): string[] {
  return args.map((a) => renderTemplate(a, values));
}

/** A URL template: values percent-encoded, so they stay inside the component they were put in. */
export function renderUrl(url: string, values: TemplateValues): string {
  return renderTemplate(url, values, encodeURIComponent);
}

function renderValue(v: unknown, values: TemplateValues): unknown {
  if (typeof v === 'string') return renderTemplate(v, values);
  if (Array.isArray(v)) return v.map((x) => renderValue(x, values));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [renderTemplate(k, values), renderValue(x, values)]));
  return v;
}

/**
 * The JSON request body. An object (or array) body: substituted leaf by leaf, then serialised —
 * a value can only ever be a JSON string. A string body: a JSON text with placeholders standing
 * where a JSON value goes, e.g. `{"app": {{insight.application}}}`; each becomes a JSON string.
 */
export function renderJsonBody(body: unknown, values: TemplateValues): string {
  if (typeof body === 'string') return renderTemplate(body, values, (v) => JSON.stringify(v));
  return JSON.stringify(renderValue(body, values));
}

/** Environment for a script: the insight's fields, and the insight itself as JSON. */
export function runbookEnv(ctx: RunbookContext, runbook: string, dryRun: boolean): Record<string, string> {
  const v = templateValues(ctx, runbook);
  return {
    VIGIL_RUNBOOK: runbook,
    VIGIL_TRANSITION: ctx.transition,
    VIGIL_INSIGHT_ID: v['insight.id'],
    VIGIL_INSIGHT_NAME: v['insight.name'],
    VIGIL_INSIGHT_APPLICATION: v['insight.application'],
    VIGIL_INSIGHT_SEVERITY: v['insight.severity'],
    VIGIL_INSIGHT_STATUS: v['insight.status'],
    VIGIL_INSIGHT_TYPE: v['insight.type'],
    VIGIL_INSIGHT_START_MS: v['insight.startMs'],
    VIGIL_INSIGHT_JSON: JSON.stringify(ctx.insight),
    VIGIL_DRY_RUN: dryRun ? '1' : '0',
  };
}

/** What a rule's action would run for this context, fully rendered (the runner executes exactly this). */
export type PlannedAction =
  | { readonly kind: 'http'; readonly method: string; readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly body: string | null; readonly bearerTokenEnv: string | null }
  | { readonly kind: 'script'; readonly path: string; readonly argv: readonly string[]; readonly env: Readonly<Record<string, string>> };

export function planRunbookAction(rule: RunbookRule, ctx: RunbookContext, dryRun: boolean): PlannedAction {
  const values = templateValues(ctx, rule.name);
  if ('http' in rule.action) {
    const h = rule.action.http;
    const hasBody = h.body !== undefined;
    return {
      kind: 'http',
      method: h.method.toUpperCase(),
      url: renderUrl(h.url, values),
      headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...(h.headers ?? {}) },
      body: hasBody ? renderJsonBody(h.body, values) : null,
      bearerTokenEnv: h.bearerTokenEnv ?? null,
    };
  }
  const s = rule.action.script;
  return { kind: 'script', path: s.path, argv: renderArgv(s.args ?? [], values), env: runbookEnv(ctx, rule.name, dryRun) };
}

/** The audit `target`: `POST <url>` or the script and its argv as JSON (exact, unambiguous). */
export function describeAction(a: PlannedAction): string {
  return a.kind === 'http' ? `${a.method} ${a.url}` : JSON.stringify([a.path, ...a.argv]);
}

/** True when `max` runs already happened within `perMs` before `nowMs` (run times in any order). */
export function runbookRateLimited(recentRunTimesMs: readonly number[], limit: RunbookRule['rateLimit'], nowMs: number): boolean {
  let n = 0;
  for (const t of recentRunTimesMs) if (t > nowMs - limit.perMs) n++;
  return n >= limit.max;
}
