// One config file (vigil.yaml), validated once at start (STYLE.md: "config validated once").
// Precedence: defaults < file < environment < command-line flags. A bad value stops the server
// with the key that is wrong and how to fix it. The result is deeply frozen.
import { readFileSync } from 'node:fs';
import { resolve as resolvePath, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { validateResourceRulesConfig, type ResourceRulesConfig } from '../core/resources/index.js';
import { checkSemanticOverride } from '../core/semantics/index.js';
import { notificationsSchema, resolveNotifications, runbooksSchema, type ResolvedNotifications } from './notify-config.js';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses Prometheus-style durations: `500ms`, `30s`, `5m`, `12h`, `7d`, `2w`. */
export function parseDurationMs(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]!]!);
}

const duration = (fallback: string) =>
  z.union([z.string(), z.number()]).default(fallback).transform((v, ctx) => {
    if (typeof v === 'number') return v * 1000;
    const ms = parseDurationMs(v);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration — write e.g. 30s, 5m, 12h or 7d` });
      return z.NEVER;
    }
    return ms;
  });

const SCOPES = ['ingest', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const tokenSchema = z.strictObject({
  name: z.string().min(1),
  token: z.string().min(16, 'a token needs at least 16 characters — generate one with `openssl rand -hex 32`').optional(),
  tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as VIGIL_INGEST_TOKEN').optional(),
  scopes: z.array(z.enum(SCOPES)).min(1, 'give at least one of ingest, read, admin'),
});

const semanticsOverride = z.strictObject({
  match: z.string().min(1),
  kind: z.enum(['latency', 'errors', 'throughput', 'saturation', 'capacity', 'other']).optional(),
  badDirection: z.enum(['up', 'down', 'both']).optional(),
});

export const configSchema = z.strictObject({
  server: z.strictObject({
    port: z.number().int().min(0).max(65535).default(8080),
    /** Defaults to 127.0.0.1 when no tokens are configured, else 0.0.0.0. */
    host: z.string().optional(),
    bodyLimitBytes: z.number().int().positive().default(16 * 1024 * 1024),
    maxInFlightIngest: z.number().int().positive().default(64),
    /** Printed in links (notifications, dashboards). */
    externalUrl: z.string().url().optional(),
  }).prefault({}),
  dataDir: z.string().default('./data'),
  store: z.strictObject({
    kind: z.enum(['sqlite', 'postgres']).default('sqlite'),
    /** SQLite file; default <dataDir>/vigil.db. */
    path: z.string().optional(),
    /** PostgreSQL connection string (or env VIGIL_STORE_URL). */
    url: z.string().optional(),
    schema: z.string().regex(/^[a-z_][a-z0-9_]*$/).optional(),
  }).prefault({}),
  auth: z.strictObject({ tokens: z.array(tokenSchema).default([]) }).prefault({}),
  ingest: z.strictObject({
    maxSeries: z.number().int().positive().default(2_000_000),
    maxDecompressedBytes: z.number().int().positive().default(64 * 1024 * 1024),
    maxLabelValueBytes: z.number().int().positive().default(16 * 1024),
    maxLabels: z.number().int().positive().default(64),
  }).prefault({}),
  prometheus: z.strictObject({
    url: z.string().url().optional(),
    selectors: z.array(z.string()).default(['{__name__=~".+"}']),
    warmStart: duration('7d'),
    step: duration('60s'),
    pollInterval: duration('60s'),
    bearerTokenEnv: z.string().optional(),
  }).prefault({}),
  webhooks: z.strictObject({
    /** Env var holding the GitHub webhook secret (default VIGIL_GITHUB_WEBHOOK_SECRET). */
    githubSecretEnv: z.string().default('VIGIL_GITHUB_WEBHOOK_SECRET'),
    /** Env var holding the secret for X-Vigil-Signature on generic events (optional). */
    genericSecretEnv: z.string().default('VIGIL_WEBHOOK_SECRET'),
  }).prefault({}),
  kubernetes: z.strictObject({
    enabled: z.boolean().default(false),
    kubeconfig: z.string().optional(),
    inCluster: z.boolean().default(false),
    namespace: z.string().optional(),
  }).prefault({}),
  resources: z.strictObject({
    resourceLabels: z.array(z.string()).optional(),
    applicationLabels: z.array(z.string()).optional(),
    applications: z.array(z.strictObject({ name: z.string().min(1), selector: z.string().min(1) })).default([]),
    coverage: z.union([z.literal('all'), z.array(z.string())]).default('all'),
    retireAfter: duration('15m'),
  }).prefault({}),
  semantics: z.strictObject({ overrides: z.array(semanticsOverride).default([]) }).prefault({}),
  checkpoint: z.strictObject({ interval: duration('5m') }).prefault({}),
  insights: z.strictObject({
    /** A series opens no anomaly before it has this much history (its daily profile needs two days; a Prometheus warm start supplies it). */
    learningPeriod: duration('2d'),
    /** A capacity forecast may open a proactive insight only after this much history of its series. */
    forecastMinHistory: duration('1h'),
    /** Default sensitivity: LOW, MEDIUM or HIGH (per application overrides come from feedback and the API). */
    sensitivity: z.enum(['LOW', 'MEDIUM', 'HIGH']).default('MEDIUM'),
  }).prefault({}),
  notifications: notificationsSchema(duration),
  runbooks: runbooksSchema(duration),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).prefault({}),
});

export type VigilConfig = z.output<typeof configSchema>;

export interface ResolvedToken {
  readonly name: string;
  readonly token: string;
  readonly scopes: readonly Scope[];
}

/** Config after env and flags are applied, with secrets resolved. */
export interface ResolvedConfig extends VigilConfig {
  readonly resolved: {
    readonly host: string;
    readonly tokens: readonly ResolvedToken[];
    readonly storePath: string;
    readonly storeUrl: string | undefined;
    readonly githubSecret: string | undefined;
    readonly genericSecret: string | undefined;
    readonly prometheusBearerToken: string | undefined;
    /** resources: with defaults filled in and every selector checked. */
    readonly resourceRules: ResourceRulesConfig;
    /** notifications: and runbooks:, checked, with channel secrets read from the environment. */
    readonly notifications: ResolvedNotifications;
  };
}

export interface ConfigProblem {
  readonly key: string;
  readonly problem: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[], readonly source: string) {
    super(`invalid configuration (${source}):\n` + problems.map((p) => `  ${p.key}: ${p.problem}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export interface ConfigFlags {
  readonly port?: number;
  readonly host?: string;
  readonly dataDir?: string;
  readonly prometheusUrl?: string;
  readonly logLevel?: string;
}

/**
 * Loads and validates the configuration. `file` may be undefined (embedded defaults).
 * Throws ConfigError naming every bad key; nothing else throws.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv, flags: ConfigFlags = {}): ResolvedConfig {
  let raw: unknown = {};
  const source = file ?? 'defaults';
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([{ key: '--config', problem: `cannot read ${file}: ${(err as Error).message}` }], source);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError([{ key: '(file)', problem: `not valid YAML: ${(err as Error).message}` }], source);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ConfigError([{ key: '(file)', problem: 'the top level must be a mapping of keys such as server:, store:, prometheus:' }], source);
    }
  }
  return resolveConfig(raw, env, flags, source);
}

export function resolveConfig(raw: unknown, env: NodeJS.ProcessEnv, flags: ConfigFlags = {}, source = 'config'): ResolvedConfig {
  const merged = structuredClone(raw) as Record<string, Record<string, unknown>>;
  const section = (name: string): Record<string, unknown> => (merged[name] ??= {});
  // Environment overrides (mainly secrets), then flags.
  if (env.VIGIL_PORT) section('server').port = Number(env.VIGIL_PORT);
  if (env.VIGIL_DATA_DIR) (merged as Record<string, unknown>).dataDir = env.VIGIL_DATA_DIR;
  if (env.VIGIL_PROMETHEUS_URL) section('prometheus').url = env.VIGIL_PROMETHEUS_URL;
  if (env.VIGIL_LOG_LEVEL) section('log').level = env.VIGIL_LOG_LEVEL;
  if (flags.port !== undefined) section('server').port = flags.port;
  if (flags.host !== undefined) section('server').host = flags.host;
  if (flags.dataDir !== undefined) (merged as Record<string, unknown>).dataDir = flags.dataDir;
  if (flags.prometheusUrl !== undefined) section('prometheus').url = flags.prometheusUrl;
  if (flags.logLevel !== undefined) section('log').level = flags.logLevel;

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ key: formatPath(i.path), problem: explain(i) })), source);
  }
  const cfg = parsed.data;
  const problems: ConfigProblem[] = [];
  const tokens: ResolvedToken[] = [];
  cfg.auth.tokens.forEach((t, i) => {
    const value = t.token ?? (t.tokenEnv ? env[t.tokenEnv] : undefined);
    if (!value) {
      problems.push({ key: `auth.tokens[${i}]`, problem: t.tokenEnv ? `environment variable ${t.tokenEnv} is not set — export it or give token:` : 'give token: or tokenEnv:' });
    } else if (value.length < 16) {
      problems.push({ key: `auth.tokens[${i}]`, problem: 'a token needs at least 16 characters — generate one with `openssl rand -hex 32`' });
    } else tokens.push({ name: t.name, token: value, scopes: t.scopes });
  });
  const storeUrl = env.VIGIL_STORE_URL ?? cfg.store.url;
  if (cfg.store.kind === 'postgres' && !storeUrl) {
    problems.push({ key: 'store.url', problem: 'store.kind is postgres but no connection string — set store.url or VIGIL_STORE_URL (postgres://user@host:5432/db)' });
  }
  if (cfg.kubernetes.enabled && !cfg.kubernetes.inCluster && !cfg.kubernetes.kubeconfig && !env.KUBECONFIG) {
    problems.push({ key: 'kubernetes.kubeconfig', problem: 'kubernetes.enabled needs kubeconfig: <path>, inCluster: true, or KUBECONFIG set' });
  }
  const { retireAfter: _retireAfter, ...ruleSection } = cfg.resources;
  const rules = validateResourceRulesConfig(Object.fromEntries(Object.entries(ruleSection).filter(([, v]) => v !== undefined)));
  if (!rules.ok) for (const e of rules.errors) problems.push({ key: e.key, problem: e.fix });
  cfg.semantics.overrides.forEach((o, i) => {
    const p = checkSemanticOverride(o);
    if (p) problems.push({ key: `semantics.overrides[${i}]`, problem: p });
  });
  const notify = resolveNotifications(cfg.notifications, cfg.runbooks, env);
  problems.push(...notify.problems);
  if (problems.length > 0 || !rules.ok) throw new ConfigError(problems, source);
  const host = cfg.server.host ?? (tokens.length === 0 ? '127.0.0.1' : '0.0.0.0');
  const dataDir = resolvePath(cfg.dataDir);
  const out: ResolvedConfig = {
    ...cfg,
    dataDir,
    resolved: {
      host,
      tokens,
      storePath: cfg.store.path ? resolvePath(cfg.store.path) : join(dataDir, 'vigil.db'),
      storeUrl,
      githubSecret: env[cfg.webhooks.githubSecretEnv] || undefined,
      genericSecret: env[cfg.webhooks.genericSecretEnv] || undefined,
      prometheusBearerToken: cfg.prometheus.bearerTokenEnv ? env[cfg.prometheus.bearerTokenEnv] : env.VIGIL_PROMETHEUS_BEARER_TOKEN,
      resourceRules: rules.value,
      notifications: notify.value,
    },
  };
  return deepFreeze(out);
}

function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : (s ? '.' : '') + String(p);
  return s || '(top level)';
}

function explain(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} — check the spelling against docs/configuration.md`;
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `must be one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.code === 'invalid_type') return `expected ${issue.expected}${issue.message.includes('received') ? ' (' + issue.message.replace(/^.*received/, 'got') + ')' : ''}`;
  return issue.message;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
