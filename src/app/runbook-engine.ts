/**
 * Runs runbooks from the insight transition feed (cursor "runbook.seq"), and audits every decision.
 *
 *   listTransitions(after cursor) ─► for each: cursor := seq (durable) ─► each rule that matches:
 *     rate limited? ─► RATE_LIMITED   dry run? ─► DRY_RUN (nothing executed)
 *     else script (adapters/runbook: allow-listed dir, no shell, timeout) or HTTP (timeout)
 *     ─► SUCCEEDED / FAILED / TIMED_OUT ─► appendRunbookRun (id <runbook>:<seq>)
 *
 * At most once, unlike notifications: the cursor moves past a transition BEFORE its actions run,
 * so a crash mid-action never repeats it. A rollback or a script is not assumed to be idempotent;
 * a notification is (receivers deduplicate). A crash mid-action leaves no audit row for that run.
 */
import type { Logger } from 'pino';
import type { VigilEvent } from '../core/model/index.js';
import {
  describeAction,
  planRunbookAction,
  runbookMatches,
  runbookRateLimited,
  type PlannedAction,
  type RunbookContext,
  type RunbookRule,
} from '../core/notify/index.js';
import type { RunbookRun, RunbookRunStatus, Store, StoredTransition } from '../core/ports/index.js';
import { runHttpAction, runScript, type HttpActionRequest, type HttpActionResult, type ScriptRunRequest, type ScriptRunResult } from '../adapters/runbook/index.js';

export const RUNBOOK_CURSOR = 'runbook.seq';
const PAGE = 100;
/** Audit detail is bounded: script output and answer bodies are attacker-influenced text. */
const MAX_DETAIL = 8192;

export interface RunbookEngineDeps {
  readonly store: Store;
  readonly log: Logger;
  readonly clock: { now(): number };
  readonly rules: readonly RunbookRule[];
  /** The allow-listed script directory; null refuses every script action. */
  readonly scriptDir: string | null;
  /** runbooks.dryRun: the default for rules without their own dryRun. */
  readonly dryRun: boolean;
  /** Where bearerTokenEnv is read. */
  readonly env: NodeJS.ProcessEnv;
  /** Defaults: adapters/runbook. */
  readonly runScript?: (req: ScriptRunRequest) => Promise<ScriptRunResult>;
  readonly runHttp?: (req: HttpActionRequest) => Promise<HttpActionResult>;
}

export class RunbookEngine {
  readonly #d: RunbookEngineDeps;

  constructor(deps: RunbookEngineDeps) {
    this.#d = deps;
  }

  get rules(): readonly RunbookRule[] {
    return this.#d.rules;
  }

  /** The dry-run setting a rule runs with. */
  dryRunOf(rule: RunbookRule): boolean {
    return rule.dryRun ?? this.#d.dryRun;
  }

  /** Reads every new transition and runs what matches. The cursor moves even with no rules, so rules added later never act on the past. */
  async runOnce(): Promise<void> {
    const store = this.#d.store;
    let cursor = Number((await store.getState(RUNBOOK_CURSOR)) ?? '0') || 0;
    for (;;) {
      const transitions = await store.listTransitions(cursor, PAGE);
      if (transitions.length === 0) return;
      if (this.#d.rules.length === 0) {
        cursor = transitions[transitions.length - 1]!.seq;
        await store.setState(RUNBOOK_CURSOR, String(cursor));
      } else {
        for (const t of transitions) {
          cursor = t.seq;
          await store.setState(RUNBOOK_CURSOR, String(cursor)); // before acting: at most once
          await this.#onTransition(t);
        }
      }
      if (transitions.length < PAGE) return;
    }
  }

  async #onTransition(t: StoredTransition): Promise<void> {
    const store = this.#d.store;
    const insight = await store.getInsight(t.insightId);
    if (insight === null) return;
    const [anomalies, events] = await Promise.all([
      store.listAnomalies(insight.id),
      Promise.all(insight.eventIds.map((id) => store.getEvent(id))).then((es) => es.filter((e): e is VigilEvent => e !== null)),
    ]);
    const ctx: RunbookContext = { transition: t.type, insight, anomalies, events };
    for (const rule of this.#d.rules) {
      if (!runbookMatches(rule, ctx)) continue;
      try {
        await this.#run(rule, ctx, t);
      } catch (err) {
        this.#d.log.error({ err, runbook: rule.name, insight: insight.id }, 'runbook failed to run');
      }
    }
  }

  async #run(rule: RunbookRule, ctx: RunbookContext, t: StoredTransition): Promise<void> {
    const dryRun = this.dryRunOf(rule);
    const planned = planRunbookAction(rule, ctx, dryRun);
    const startedMs = this.#d.clock.now();
    const base = {
      id: `${rule.name}:${t.seq}`, runbook: rule.name, insightId: ctx.insight.id, transition: t.type, timeMs: startedMs, dryRun,
      action: planned.kind, target: describeAction(planned),
    } as const;
    const recent = await this.#d.store.listRunbookRuns({ runbook: rule.name, limit: 1000 });
    const ran = recent.filter((r) => r.status !== 'RATE_LIMITED').map((r) => r.timeMs);
    let status: RunbookRunStatus;
    let detail: string;
    let durationMs = 0;
    if (runbookRateLimited(ran, rule.rateLimit, startedMs)) {
      status = 'RATE_LIMITED';
      detail = `not run: ${rule.rateLimit.max} run(s) already within ${rule.rateLimit.perMs} ms (runbooks.rules[].rateLimit)`;
    } else if (dryRun) {
      status = 'DRY_RUN';
      detail = `dry run, nothing executed; would run: ${dryRunDetail(planned)}`;
    } else {
      const r = await this.#execute(rule, planned);
      status = r.status;
      detail = r.detail;
      durationMs = r.durationMs;
    }
    const run: RunbookRun = { ...base, status, detail: bound(detail), durationMs: Math.max(0, Math.round(durationMs)) };
    const fresh = await this.#d.store.appendRunbookRun(run);
    const fields = { runbook: rule.name, insight: ctx.insight.id, transition: t.type, status, target: run.target };
    if (!fresh) this.#d.log.warn(fields, 'runbook run already recorded');
    else if (status === 'SUCCEEDED' || status === 'DRY_RUN') this.#d.log.info(fields, 'runbook');
    else this.#d.log.warn({ ...fields, detail: run.detail.slice(0, 500) }, 'runbook');
  }

  async #execute(rule: RunbookRule, a: PlannedAction): Promise<{ status: RunbookRunStatus; detail: string; durationMs: number }> {
    if (a.kind === 'script') {
      if (this.#d.scriptDir === null) return { status: 'FAILED', detail: 'not run: runbooks.scriptDir is not configured', durationMs: 0 };
      const r = await (this.#d.runScript ?? runScript)({ scriptDir: this.#d.scriptDir, path: a.path, argv: a.argv, env: a.env, timeoutMs: rule.timeoutMs });
      return { status: r.status, detail: r.detail, durationMs: r.durationMs };
    }
    let bearerToken: string | undefined;
    if (a.bearerTokenEnv !== null) {
      bearerToken = this.#d.env[a.bearerTokenEnv] || undefined;
      if (bearerToken === undefined) return { status: 'FAILED', detail: `not run: environment variable ${a.bearerTokenEnv} (bearerTokenEnv) is not set`, durationMs: 0 };
    }
    const r = await (this.#d.runHttp ?? runHttpAction)({ method: a.method, url: a.url, headers: a.headers, body: a.body, timeoutMs: rule.timeoutMs, ...(bearerToken !== undefined ? { bearerToken } : {}) });
    return { status: r.status, detail: r.detail, durationMs: r.durationMs };
  }
}

function dryRunDetail(a: PlannedAction): string {
  if (a.kind === 'http') return `${a.method} ${a.url}${a.body !== null ? ` with body ${a.body}` : ''}`;
  return `${JSON.stringify([a.path, ...a.argv])} with ${Object.keys(a.env).join(', ')}`;
}

function bound(s: string): string {
  return s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL - 1)}…` : s;
}
