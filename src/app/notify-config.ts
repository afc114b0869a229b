// The `notifications:` and `runbooks:` sections of vigil.yaml, and the channel body of
// PUT /api/v1/channels/{name}: one schema each, checked the same way wherever a channel comes from.
// config.ts mounts the sections (passing its duration parser in, so the two files do not import
// each other) and calls resolveNotifications() once at start.
import { statSync } from 'node:fs';
import { isAbsolute, normalize, resolve as resolvePath, sep } from 'node:path';
import { z } from 'zod';
import { EVENT_CLASSES, type NotificationType } from '../core/model/index.js';
import {
  CHANNEL_TYPES,
  NOTIFICATION_TYPES,
  bodyTemplateProblem,
  channelSpecProblem,
  renderUrl,
  templateProblem,
  TEMPLATE_FIELDS,
  type ChannelSpec,
  type RetryPolicy,
  type RunbookRule,
  type TemplateValues,
} from '../core/notify/index.js';
import type { ChannelRecord } from '../core/ports/index.js';

/** The duration parser of config.ts: `30s`, `5m`, … (or seconds as a number) to milliseconds, with a default. */
export type DurationSchema = (fallback: string) => z.ZodPipe<z.ZodDefault<z.ZodUnion<readonly [z.ZodString, z.ZodNumber]>>, z.ZodTransform<number, string | number>>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAME_FIX = 'letters, digits, ".", "_" and "-" (at most 64, starting with a letter or digit) — it appears in API paths';
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const SEVERITY = z.enum(['LOW', 'MEDIUM', 'HIGH']);
const MESSAGE_TYPE = z.enum(NOTIFICATION_TYPES as readonly NotificationType[] as [NotificationType, ...NotificationType[]]);

/** Default API bases for the channels that have one. */
export const DEFAULT_CHANNEL_URLS: Readonly<Partial<Record<ChannelSpec['type'], string>>> = {
  pagerduty: 'https://events.pagerduty.com',
  opsgenie: 'https://api.opsgenie.com',
};

/** A channel as written in vigil.yaml or sent to the API (without its name there). */
const channelFields = {
  type: z.enum(CHANNEL_TYPES),
  url: z.string().min(1).optional(),
  secretEnv: z.string().regex(ENV_NAME, 'an environment variable name such as VIGIL_PAGERDUTY_KEY').optional(),
  minSeverity: SEVERITY.default('MEDIUM'),
  types: z.array(MESSAGE_TYPE).min(1, 'give at least one message type, or leave types out for all five').default([...NOTIFICATION_TYPES]),
  rateLimitPerMinute: z.number().int().positive().max(100_000).default(60),
};

export const channelConfigSchema = z.strictObject({ name: z.string().regex(NAME, NAME_FIX), ...channelFields });
/** The body of PUT /api/v1/channels/{name}: the same fields, and optionally the secret itself. */
export const channelBodySchema = z.strictObject({ ...channelFields, secret: z.string().min(1).max(4096).optional() });

export type ChannelInput = z.output<typeof channelBodySchema> & { readonly name: string };

export function notificationsSchema(duration: DurationSchema) {
  return z.strictObject({
    channels: z.array(channelConfigSchema).default([]),
    retry: z.strictObject({
      initialDelay: duration('1s'),
      maxDelay: duration('5m'),
      maxAge: duration('24h'),
    }).prefault({}),
  }).prefault({});
}

const httpActionSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  bearerTokenEnv: z.string().regex(ENV_NAME, 'an environment variable name such as ARGOCD_TOKEN').optional(),
});

const scriptActionSchema = z.strictObject({
  path: z.string().min(1),
  args: z.array(z.string()).default([]),
});

export function runbooksSchema(duration: DurationSchema) {
  const rule = z.strictObject({
    name: z.string().regex(NAME, NAME_FIX),
    match: z.strictObject({
      application: z.string().min(1).optional(),
      severity: SEVERITY.optional(),
      metricKind: z.enum(['latency', 'errors', 'throughput', 'saturation', 'capacity', 'other']).optional(),
      eventClass: z.enum(EVENT_CLASSES).optional(),
      recommendationId: z.string().min(1).optional(),
      types: z.array(MESSAGE_TYPE).min(1).optional(),
    }).prefault({}),
    action: z.strictObject({ http: httpActionSchema.optional(), script: scriptActionSchema.optional() }),
    timeout: duration('30s'),
    rateLimit: z.strictObject({ max: z.number().int().positive().default(1), per: duration('1h') }).prefault({}),
    dryRun: z.boolean().optional(),
  });
  return z.strictObject({
    /** The only directory scripts may run from (allow-list). */
    scriptDir: z.string().min(1).optional(),
    /** Every rule records what it would do and runs nothing (a rule's own dryRun wins). */
    dryRun: z.boolean().default(false),
    rules: z.array(rule).default([]),
  }).prefault({});
}

type NotificationsSection = z.output<ReturnType<typeof notificationsSchema>>;
type RunbooksSection = z.output<ReturnType<typeof runbooksSchema>>;

export interface ResolvedRunbooks {
  /** Absolute; null when no scriptDir is configured (script actions are then refused). */
  readonly scriptDir: string | null;
  readonly dryRun: boolean;
  readonly rules: readonly RunbookRule[];
}

export interface ResolvedNotifications {
  readonly channels: readonly ChannelSpec[];
  readonly retry: RetryPolicy;
  readonly runbooks: ResolvedRunbooks;
}

export interface NotifyProblem {
  readonly key: string;
  readonly problem: string;
}

/**
 * A channel from config or API input as the senders take it: URL defaulted where the service has
 * one, the secret read from the environment (secretEnv) or given directly. Problems name the field.
 */
export function resolveChannel(input: ChannelInput, env: NodeJS.ProcessEnv, key: string): { ok: true; spec: ChannelSpec } | { ok: false; problems: NotifyProblem[] } {
  const problems: NotifyProblem[] = [];
  const url = input.url ?? DEFAULT_CHANNEL_URLS[input.type];
  if (url === undefined) problems.push({ key: `${key}.url`, problem: `a ${input.type} channel needs url: (an http:// or https:// URL)` });
  let secret = input.secret;
  if (secret === undefined && input.secretEnv !== undefined) {
    secret = env[input.secretEnv] || undefined;
    if (secret === undefined) problems.push({ key: `${key}.secretEnv`, problem: `environment variable ${input.secretEnv} is not set — export it, or remove secretEnv` });
  }
  if (problems.length > 0) return { ok: false, problems };
  const spec: ChannelSpec = {
    name: input.name,
    type: input.type,
    url: url!,
    minSeverity: input.minSeverity,
    types: [...new Set(input.types)],
    rateLimitPerMinute: input.rateLimitPerMinute,
    ...(secret !== undefined ? { secret } : {}),
  };
  const p = channelSpecProblem(spec);
  if (p !== null) return { ok: false, problems: [{ key, problem: p }] };
  return { ok: true, spec };
}

/** A channel stored through the API, resolved like a configured one (its secretEnv is read now). */
export function resolveChannelRecord(r: ChannelRecord, env: NodeJS.ProcessEnv): { ok: true; spec: ChannelSpec } | { ok: false; problems: NotifyProblem[] } {
  const input: ChannelInput = {
    name: r.name,
    type: r.type as ChannelSpec['type'],
    minSeverity: r.minSeverity,
    types: [...r.types],
    rateLimitPerMinute: r.rateLimitPerMinute,
    url: r.url,
    ...(r.secret !== null ? { secret: r.secret } : {}),
    ...(r.secretEnv !== null ? { secretEnv: r.secretEnv } : {}),
  };
  return resolveChannel(input, env, `channel "${r.name}"`);
}

const SAMPLE_VALUES = Object.fromEntries(TEMPLATE_FIELDS.map((f) => [f, 'x'])) as unknown as TemplateValues;

/** Checks the notifications and runbooks sections beyond their shape; reads env for secrets and stats scriptDir. */
export function resolveNotifications(n: NotificationsSection, r: RunbooksSection, env: NodeJS.ProcessEnv): { value: ResolvedNotifications; problems: NotifyProblem[] } {
  const problems: NotifyProblem[] = [];
  const channels: ChannelSpec[] = [];
  const names = new Set<string>();
  n.channels.forEach((c, i) => {
    const key = `notifications.channels[${i}]`;
    if (names.has(c.name)) problems.push({ key: `${key}.name`, problem: `channel name "${c.name}" is used twice — names must be unique` });
    names.add(c.name);
    const res = resolveChannel(c, env, key);
    if (res.ok) channels.push(res.spec);
    else problems.push(...res.problems);
  });
  const retry: RetryPolicy = { initialDelayMs: n.retry.initialDelay, maxDelayMs: n.retry.maxDelay, maxAgeMs: n.retry.maxAge };
  if (retry.initialDelayMs <= 0) problems.push({ key: 'notifications.retry.initialDelay', problem: 'must be above zero, e.g. 1s' });
  if (retry.maxDelayMs < retry.initialDelayMs) problems.push({ key: 'notifications.retry.maxDelay', problem: `must be at least initialDelay (${n.retry.initialDelay} ms)` });
  if (retry.maxAgeMs <= 0) problems.push({ key: 'notifications.retry.maxAge', problem: 'must be above zero, e.g. 24h' });

  let scriptDir: string | null = null;
  if (r.scriptDir !== undefined) {
    scriptDir = resolvePath(r.scriptDir);
    let isDir = false;
    try {
      isDir = statSync(scriptDir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) problems.push({ key: 'runbooks.scriptDir', problem: `${scriptDir} is not a directory — create it and put the runbook scripts there, or remove scriptDir` });
  }
  const rules: RunbookRule[] = [];
  const ruleNames = new Set<string>();
  r.rules.forEach((rule, i) => {
    const key = `runbooks.rules[${i}]`;
    const before = problems.length;
    if (ruleNames.has(rule.name)) problems.push({ key: `${key}.name`, problem: `runbook name "${rule.name}" is used twice — names must be unique` });
    ruleNames.add(rule.name);
    const { http, script } = rule.action;
    if ((http === undefined) === (script === undefined)) {
      problems.push({ key: `${key}.action`, problem: 'give exactly one of http: {method, url, …} or script: {path, args}' });
    }
    if (http !== undefined) {
      const tp = templateProblem(http.url) ?? bodyTemplateProblem(http.body);
      if (tp) problems.push({ key: `${key}.action.http`, problem: tp });
      else if (!isHttpUrl(renderUrl(http.url, SAMPLE_VALUES))) problems.push({ key: `${key}.action.http.url`, problem: 'must be an http:// or https:// URL (templates such as {{insight.application}} may stand in its path or query)' });
      for (const [h, v] of Object.entries(http.headers ?? {})) {
        if (templateProblem(v) !== null || /\{\{/.test(v)) problems.push({ key: `${key}.action.http.headers.${h}`, problem: 'headers are fixed values: no templates (put insight fields in the url or body)' });
      }
      if (http.bearerTokenEnv !== undefined && !env[http.bearerTokenEnv]) {
        problems.push({ key: `${key}.action.http.bearerTokenEnv`, problem: `environment variable ${http.bearerTokenEnv} is not set — export it, or remove bearerTokenEnv` });
      }
    }
    if (script !== undefined) {
      if (scriptDir === null) problems.push({ key: `${key}.action.script`, problem: 'script actions need runbooks.scriptDir: the one directory scripts may run from' });
      const pathProblem = scriptPathProblem(script.path);
      if (pathProblem) problems.push({ key: `${key}.action.script.path`, problem: pathProblem });
      script.args.forEach((a, j) => {
        const tp = templateProblem(a);
        if (tp) problems.push({ key: `${key}.action.script.args[${j}]`, problem: tp });
      });
    }
    if (problems.length > before) return;
    const action = http !== undefined
      ? { http: { method: http.method, url: http.url, ...(http.headers ? { headers: http.headers } : {}), ...(http.body !== undefined ? { body: http.body } : {}), ...(http.bearerTokenEnv ? { bearerTokenEnv: http.bearerTokenEnv } : {}) } }
      : { script: { path: script!.path, args: script!.args } };
    rules.push({
      name: rule.name,
      match: Object.fromEntries(Object.entries(rule.match).filter(([, v]) => v !== undefined)),
      action,
      timeoutMs: rule.timeout,
      rateLimit: { max: rule.rateLimit.max, perMs: rule.rateLimit.per },
      ...(rule.dryRun !== undefined ? { dryRun: rule.dryRun } : {}),
    });
  });
  return { value: { channels, retry, runbooks: { scriptDir, dryRun: r.dryRun, rules } }, problems };
}

/** A script path is relative to scriptDir and stays inside it (symlinks are checked again at run time). */
export function scriptPathProblem(path: string): string | null {
  if (path.includes('\0')) return 'must not contain NUL';
  if (isAbsolute(path)) return 'must be relative to runbooks.scriptDir (e.g. rollback.sh), not absolute';
  const n = normalize(path);
  if (n === '..' || n.startsWith(`..${sep}`) || n.split(sep).includes('..')) return 'must stay inside runbooks.scriptDir: no ".." segments';
  return null;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
