// Replays the scripted incident scenarios and the incident-free weeks through the real pipeline
// (VigilApp: series registry -> detector -> anomaly tracker -> insights -> store) and scores the
// insights against each scenario's ground truth. Used by `vigil eval scenarios`.
import { pino } from 'pino';
import type { Insight } from '../core/model/index.js';
import { MemoryStore } from '../adapters/store/index.js';
import { SCENARIOS, quietDays, scenarioStream, type Scenario, type ScenarioRun } from '../core/sim/scenarios/index.js';
import type { Recommender } from '../core/insights/index.js';
import { resolveConfig } from './config.js';
import { VigilApp } from './vigil-app.js';
import { RecordFeeder } from './record-feeder.js';

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly expectedInsights: number;
  readonly insights: readonly Insight[];
  readonly single: boolean;
  readonly rootCauseOk: boolean;
  readonly rootCauseSeen: string;
  readonly rootCauseExpected: string;
  readonly relevantEventOk: boolean | null;
}

/** Streams one run through a fresh VigilApp (memory store) and returns the insights it produced. */
export async function replay(run: ScenarioRun, recommender?: Recommender): Promise<{ insights: Insight[]; app: VigilApp }> {
  let now = run.startMs;
  const store = new MemoryStore();
  await store.migrate();
  const app = new VigilApp({
    config: resolveConfig({ log: { level: 'silent' } }, {}), store, log: pino({ level: 'silent' }), clock: { now: () => now },
    dependencies: run.dependencies, ...(recommender ? { recommender } : {}),
  });
  await app.restore();
  // One batch per time step, as a scrape would deliver it; the clock follows the samples.
  const feeder = new RecordFeeder(app, run.startMs);
  for (const r of run) {
    await feeder.add(r);
    if (r.kind === 'sample') now = r.timeMs;
  }
  await feeder.flush();
  now = run.endMs;
  await app.persistInsights();
  const page = await store.listInsights({ limit: 1000, sort: 'startMs' });
  return { insights: page.items, app };
}

function describeTruth(s: Scenario): string {
  const t = s.expected.rootCause;
  return t.kind === 'EVENT' ? `event "${t.eventName}"` : `${t.metric} on ${t.resource}`;
}

export async function evaluateScenario(s: Scenario, seed: number, recommender?: Recommender): Promise<ScenarioResult> {
  const run = scenarioStream(s, { seed });
  const { insights, app } = await replay(run, recommender);
  const reactive = insights.filter((i) => i.type === 'REACTIVE');
  const main = reactive.find((i) => i.application === s.expected.application && run.onsetMs !== null && i.startMs >= run.onsetMs - 3_600_000) ?? reactive[0];
  let rootCauseOk = false;
  let seen = 'no insight';
  const truth = s.expected.rootCause;
  if (s.expected.reactive === 0 && s.expected.proactive) {
    const p = insights.find((i) => i.type === 'PROACTIVE');
    seen = p ? `proactive: ${p.prediction?.seriesKey ?? p.name}` : 'no proactive insight';
    rootCauseOk = p !== undefined && p.prediction !== null && p.prediction.seriesKey.startsWith(s.expected.proactive.metric + '{');
  } else if (main) {
    const top = main.rootCauses[0];
    if (!top) seen = 'no root cause';
    else if (top.kind === 'EVENT') {
      const e = await app.store.getEvent(top.ref);
      seen = `event "${e?.name ?? top.ref}"`;
      rootCauseOk = truth.kind === 'EVENT' && e?.name === truth.eventName;
    } else {
      const a = (await app.store.listAnomalies(main.id)).find((x) => x.id === top.ref);
      seen = a ? `${a.metricName} on ${a.resource}` : top.title;
      rootCauseOk = truth.kind === 'ANOMALY' && a !== undefined && a.resource === truth.resource && a.metricName === truth.metric;
    }
  }
  let relevantEventOk: boolean | null = null;
  if (s.expected.relevantEventName && main) {
    const names = await Promise.all(main.eventIds.map(async (id) => (await app.store.getEvent(id))?.name));
    relevantEventOk = names.includes(s.expected.relevantEventName);
  }
  return {
    id: s.id, title: s.title, expectedInsights: s.expected.insights, insights, single: insights.length === s.expected.insights,
    rootCauseOk, rootCauseSeen: seen, rootCauseExpected: describeTruth(s), relevantEventOk,
  };
}

export interface ScenarioSuiteResult {
  readonly results: readonly ScenarioResult[];
  readonly quietInsights: readonly Insight[];
  readonly quietDays: number;
}

export async function evaluateScenarios(opts: { seed?: number; quietDays?: number; recommender?: Recommender; onProgress?: (line: string) => void } = {}): Promise<ScenarioSuiteResult> {
  const seed = opts.seed ?? 1;
  const results: ScenarioResult[] = [];
  for (const s of SCENARIOS) {
    const r = await evaluateScenario(s, seed, opts.recommender);
    opts.onProgress?.(`${s.id}: ${r.insights.length} insight(s), root cause ${r.rootCauseOk ? 'ok' : 'wrong'}`);
    results.push(r);
  }
  const days = opts.quietDays ?? 14;
  const { insights } = await replay(quietDays(days, { seed }), opts.recommender);
  opts.onProgress?.(`quiet ${days} days: ${insights.length} insight(s)`);
  return { results, quietInsights: insights, quietDays: days };
}
