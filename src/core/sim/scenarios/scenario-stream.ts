/**
 * Replays a scenario (or incident-free days) as a time-ordered stream of samples and events, one
 * step at a time, so a 14-day run never sits in memory:
 *
 *   for each step t (start, start + stepSec, … ≤ end):
 *     events with time ≤ t (not yet emitted)   ─► { kind: 'event', event }
 *     shared traffic (daily × weekly × AR(1) noise × bursts)
 *       ─► per series: base(t) ─► effects ─► noise ─► clamp ─► counters integrate ─► { kind: 'sample', … }
 *
 * The run object is re-iterable: each iteration restarts from the seed, so two iterations (and two
 * runs with the same seed) yield identical records.
 */
import type { Labels, MetricType, VigilEvent } from '../../model/index.js';
import { seededRandom } from '../index.js';
import {
  APPLICATION,
  RESOURCES,
  appDependencies,
  appPlacement,
  appSeries,
  certificateRenewalsSec,
  dailyTraffic,
  dayOfWeek,
  hourOfDay,
  weeklyTraffic,
  type SimSeries,
  type WorldState,
} from './app-model.js';
import type { MetricEffect, Scenario, ScenarioEventSpec, SeriesTarget } from './scenario-catalogue.js';

export type ScenarioRecord =
  | { readonly kind: 'sample'; readonly timeMs: number; readonly labels: Labels; readonly value: number; readonly metricType: MetricType }
  | { readonly kind: 'event'; readonly event: VigilEvent };

export interface StreamOptions {
  readonly stepSec?: number;
  readonly seed?: number;
  /** Start of the run (epoch ms); default DEFAULT_START_MS, a Monday 00:00 UTC. */
  readonly startMs?: number;
}

export interface ScenarioRun extends Iterable<ScenarioRecord> {
  readonly id: string;
  readonly startMs: number;
  /** null for incident-free runs. */
  readonly onsetMs: number | null;
  readonly endMs: number;
  readonly stepSec: number;
  readonly series: readonly SimSeries[];
  /** Every event the stream emits, in time order. */
  readonly events: readonly VigilEvent[];
  /** Caller -> callees by resource key. */
  readonly dependencies: Map<string, string[]>;
  /** Resource -> what it runs on (service -> pod, pod -> node). */
  readonly placement: Map<string, string[]>;
}

/** 2026-01-05 00:00 UTC, a Monday: runs start at the beginning of a week unless told otherwise. */
export const DEFAULT_START_MS = Date.UTC(2026, 0, 5);

const DAY_SEC = 86_400;
const HOUR_SEC = 3600;
/** Harmless warm-up events stay this far from the onset, outside any sensible look-back window. */
const BENIGN_GAP_SEC = 6 * HOUR_SEC;

/** Does a series (labels + resource key) match a target? */
export function matchesTarget(s: { readonly labels: Labels; readonly resource: string }, target: SeriesTarget): boolean {
  if (s.resource !== target.resource || s.labels.__name__ !== target.metric) return false;
  if (target.labels !== undefined) {
    for (const [k, v] of Object.entries(target.labels)) if (s.labels[k] !== v) return false;
  }
  return true;
}

/** A scenario as a stream. The onset is `warmupDays` days after the start at `onsetHourUtc`. */
export function scenarioStream(scenario: Scenario, options: StreamOptions = {}): ScenarioRun {
  const stepSec = options.stepSec ?? 60;
  const startMs = options.startMs ?? DEFAULT_START_MS;
  const startSec = startMs / 1000;
  const onsetSec = startSec + scenario.warmupDays * DAY_SEC + scenario.onsetHourUtc * HOUR_SEC;
  const endSec = onsetSec + scenario.afterOnsetSec;

  const events: VigilEvent[] = [];
  // One harmless frontend deployment a day at 14:00, far enough before the onset.
  for (let d = 0; d <= scenario.warmupDays; d++) {
    const at = startSec + d * DAY_SEC + 14 * HOUR_SEC;
    if (at > onsetSec - BENIGN_GAP_SEC) break;
    events.push(makeEvent(`${scenario.id}/benign-${d}`, at, {
      atSec: 0, class: 'DEPLOYMENT', source: 'argocd', name: `deployment v1.${4 + d}.0 of frontend`,
      resources: [RESOURCES.frontend, RESOURCES.frontendPod], attributes: { revision: `v1.${4 + d}.0`, outcome: 'succeeded' },
    }));
  }
  scenario.events.forEach((e, i) => events.push(makeEvent(`${scenario.id}/event-${i}`, onsetSec + e.atSec, e)));

  return makeRun(scenario.id, startSec, onsetSec, endSec, stepSec, options.seed ?? 1, events, scenario.effects);
}

/**
 * Incident-free days with the full daily and weekly cycle, and harmless events: a successful
 * deployment every weekday at 11:00 (rotating over the services), a config change on Tuesdays and
 * Thursdays at 15:00, the frontend autoscaler scaling up at 19:00 and down at 23:00 on weekdays,
 * and the certificate's renewal when it falls inside the run.
 */
export function quietDays(days = 14, options: StreamOptions = {}): ScenarioRun {
  const stepSec = options.stepSec ?? 60;
  const startMs = options.startMs ?? DEFAULT_START_MS;
  const startSec = startMs / 1000;
  const endSec = startSec + days * DAY_SEC - stepSec;
  const services = [
    { name: 'frontend', keys: [RESOURCES.frontend, RESOURCES.frontendPod] },
    { name: 'checkout-api', keys: [RESOURCES.checkoutApi, RESOURCES.checkoutPod] },
    { name: 'payments-api', keys: [RESOURCES.paymentsApi, RESOURCES.paymentsPod] },
    { name: 'worker', keys: [RESOURCES.worker, RESOURCES.workerPod] },
  ];
  const events: VigilEvent[] = [];
  let n = 0;
  const add = (at: number, spec: Omit<ScenarioEventSpec, 'atSec'>): void => {
    if (at >= startSec && at <= endSec) events.push(makeEvent(`quiet/${n++}`, at, { atSec: 0, ...spec }));
  };
  for (let d = 0; d < days; d++) {
    const dayStart = startSec + d * DAY_SEC;
    const dow = dayOfWeek(dayStart);
    if (dow === 0 || dow === 6) continue;
    const svc = services[d % services.length]!;
    add(dayStart + 11 * HOUR_SEC, {
      class: 'DEPLOYMENT', source: 'argocd', name: `deployment v1.${10 + d}.0 of ${svc.name}`, resources: svc.keys,
      attributes: { revision: `v1.${10 + d}.0`, outcome: 'succeeded' },
    });
    if (dow === 2 || dow === 4) {
      add(dayStart + 15 * HOUR_SEC, { class: 'CONFIG_CHANGE', source: 'kubernetes', name: 'ConfigMap frontend-config updated (banner text)', resources: services[0]!.keys });
    }
    add(dayStart + 19 * HOUR_SEC, { class: 'SCALING', source: 'kubernetes', name: 'frontend scaled from 3 to 4 replicas', resources: services[0]!.keys, attributes: { from: '3', to: '4' } });
    add(dayStart + 23 * HOUR_SEC, { class: 'SCALING', source: 'kubernetes', name: 'frontend scaled from 4 to 3 replicas', resources: services[0]!.keys, attributes: { from: '4', to: '3' } });
  }
  for (const at of certificateRenewalsSec(startSec, endSec)) {
    add(at, { class: 'INFRASTRUCTURE', source: 'kubernetes', name: 'certificate shop-tls renewed', resources: [RESOURCES.certificate] });
  }
  events.sort((a, b) => a.timeMs - b.timeMs);
  return makeRun(`quiet-${days}d`, startSec, null, endSec, stepSec, options.seed ?? 1, events, []);
}

/** One incident of the demo: a scenario of the catalogue placed relative to the demo's "now". */
export interface DemoIncident {
  readonly scenarioId: string;
  /** Onset relative to now, seconds (negative: in the past). */
  readonly onsetSec: number;
  /** The incident's effects stop after this long (absent: they go on). */
  readonly durationSec?: number;
}

/**
 * What `vigil demo` plays: a closed noisy-neighbour incident five hours ago, a disk filling since
 * nine hours ago, a memory leak after a deployment three hours ago, a certificate whose renewal is
 * stuck, and a bad deployment twelve minutes before now (seen live on the accelerated clock).
 */
export const DEMO_INCIDENTS: readonly DemoIncident[] = [
  { scenarioId: 'disk-filling', onsetSec: -9 * HOUR_SEC },
  { scenarioId: 'noisy-neighbour', onsetSec: -5 * HOUR_SEC, durationSec: 50 * 60 },
  { scenarioId: 'memory-leak-after-deploy', onsetSec: -3 * HOUR_SEC },
  { scenarioId: 'certificate-expiry', onsetSec: -2 * HOUR_SEC },
  { scenarioId: 'bad-deployment', onsetSec: -12 * 60 },
];

export interface DemoRunOptions extends StreamOptions {
  /** Days of history before now (default 4: two to learn, two analysed). */
  readonly historyDays?: number;
  /** How long the run goes on after now (default 30 days; the demo paces it in real time). */
  readonly futureSec?: number;
  readonly incidents?: readonly DemoIncident[];
}

/**
 * The demo world from `historyDays` before `nowMs` on: routine harmless events (weekday
 * deployments, config changes, scaling) and the incidents of DEMO_INCIDENTS composed from the
 * scenario catalogue, each at its own onset. Routine events stay out of the three hours before an
 * onset, so the incident's own change is the one a look-back finds.
 */
export function demoRun(nowMs: number, scenarios: readonly Scenario[], options: DemoRunOptions = {}): ScenarioRun {
  const stepSec = options.stepSec ?? 60;
  const nowSec = Math.floor(nowMs / 1000 / stepSec) * stepSec;
  const startSec = nowSec - Math.round((options.historyDays ?? 4) * DAY_SEC / stepSec) * stepSec;
  const endSec = nowSec + (options.futureSec ?? 30 * DAY_SEC);
  const incidents = options.incidents ?? DEMO_INCIDENTS;
  const events: VigilEvent[] = [];
  const effects: MetricEffect[] = [];
  const onsets: number[] = [];
  for (const inc of incidents) {
    const sc = scenarios.find((x) => x.id === inc.scenarioId);
    if (!sc) throw new RangeError(`demo incident "${inc.scenarioId}" is not in the scenario catalogue`);
    const onset = nowSec + inc.onsetSec;
    onsets.push(onset);
    sc.events.forEach((e, i) => events.push(makeEvent(`demo/${sc.id}/${onset}/${i}`, onset + e.atSec, e)));
    // Effects are anchored at the run start (makeRun's anchor without an onset).
    const shift = onset - startSec;
    for (const e of sc.effects) {
      const from = Math.max(0, shift + e.fromSec);
      const end = inc.durationSec === undefined ? e.toSec : Math.min(e.toSec ?? Number.POSITIVE_INFINITY, inc.durationSec);
      effects.push({ ...e, fromSec: from, ...(end === undefined ? {} : { toSec: shift + end }) });
    }
  }
  // Routine events on the calendar (weekdays at fixed hours): the quiet run from the midnight before.
  const midnight = Math.floor(startSec / DAY_SEC) * DAY_SEC;
  const quiet = quietDays(Math.ceil((endSec - midnight) / DAY_SEC) + 1, { stepSec, startMs: midnight * 1000, seed: options.seed ?? 1 });
  for (const e of quiet.events) {
    const t = e.timeMs / 1000;
    if (t < startSec || t > endSec || onsets.some((o) => t > o - 3 * HOUR_SEC && t < o + HOUR_SEC)) continue;
    events.push({ ...e, id: `demo/routine/${e.id}` });
  }
  events.sort((a, b) => a.timeMs - b.timeMs);
  return makeRun('demo', startSec, null, endSec, stepSec, options.seed ?? 1, events, effects);
}

function makeEvent(id: string, atSec: number, spec: ScenarioEventSpec): VigilEvent {
  return Object.freeze({
    id,
    class: spec.class,
    source: spec.source,
    name: spec.name,
    timeMs: Math.round(atSec * 1000),
    resources: Object.freeze([...spec.resources]),
    application: APPLICATION,
    attributes: Object.freeze({ ...(spec.attributes ?? {}) }),
  });
}

interface ActiveEffect {
  readonly fromSec: number;
  readonly toSec: number;
  readonly mul: ((s: number) => number) | undefined;
  readonly add: ((s: number) => number) | undefined;
}

function makeRun(
  id: string,
  startSec: number,
  onsetSec: number | null,
  endSec: number,
  stepSec: number,
  seed: number,
  eventsIn: VigilEvent[],
  effects: readonly MetricEffect[],
): ScenarioRun {
  if (!(stepSec > 0) || !Number.isFinite(stepSec)) throw new RangeError(`stepSec must be a positive number, got ${stepSec}`);
  const series = appSeries();
  const events = [...eventsIn].filter((e) => e.timeMs / 1000 <= endSec).sort((a, b) => a.timeMs - b.timeMs);
  const anchor = onsetSec ?? startSec;
  // Effects resolved to series once, with absolute times.
  const perSeries: ActiveEffect[][] = series.map((s) =>
    effects
      .filter((e) => matchesTarget(s, e.target))
      .map((e) => ({ fromSec: anchor + e.fromSec, toSec: e.toSec === undefined ? Number.POSITIVE_INFINITY : anchor + e.toSec, mul: e.mul, add: e.add })),
  );
  return {
    id,
    startMs: startSec * 1000,
    onsetMs: onsetSec === null ? null : onsetSec * 1000,
    endMs: endSec * 1000,
    stepSec,
    series,
    events,
    dependencies: appDependencies(),
    placement: appPlacement(),
    [Symbol.iterator]: () => generate(series, perSeries, events, startSec, endSec, stepSec, seed),
  };
}

function* generate(
  series: readonly SimSeries[],
  effects: readonly ActiveEffect[][],
  events: readonly VigilEvent[],
  startSec: number,
  endSec: number,
  stepSec: number,
  seed: number,
): Generator<ScenarioRecord> {
  const rand = seededRandom(seed);
  const gauss = (): number => {
    let u = rand();
    while (u === 0) u = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const poisson = (mean: number): number => {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = rand();
    while (p > limit) {
      k++;
      p *= rand();
    }
    return k;
  };
  const counters = new Float64Array(series.length);
  for (let i = 0; i < series.length; i++) counters[i] = series[i]!.initial;

  // Traffic noise is AR(1) so it wanders like real traffic instead of flickering per step;
  // the coefficient is per minute, so other steps keep the same correlation time (~10 min).
  const phi = Math.pow(0.9, stepSec / 60);
  const innov = 0.03 * Math.sqrt(1 - phi * phi) / Math.sqrt(1 - 0.81);
  let ar = 0;
  // Benign bursts: about two a day, 5–20 min, +15–35 %.
  const burstChance = stepSec / (12 * HOUR_SEC);
  let burstUntil = -1;
  let burstAmp = 1;

  const world: WorldState = { tSec: startSec, sinceStartSec: 0, load: 1 };
  let nextEvent = 0;
  for (let tSec = startSec; tSec <= endSec; tSec += stepSec) {
    const timeMs = Math.round(tSec * 1000);
    while (nextEvent < events.length && events[nextEvent]!.timeMs <= timeMs) yield { kind: 'event', event: events[nextEvent++]! };

    ar = phi * ar + innov * gauss();
    if (tSec >= burstUntil) {
      burstAmp = 1;
      if (rand() < burstChance) {
        burstUntil = tSec + (5 + 15 * rand()) * 60;
        burstAmp = 1.15 + 0.2 * rand();
      }
    }
    world.tSec = tSec;
    world.sinceStartSec = tSec - startSec;
    world.load = dailyTraffic(hourOfDay(tSec)) * weeklyTraffic(dayOfWeek(tSec)) * Math.exp(ar) * burstAmp;

    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      let v = s.base(world);
      for (const e of effects[i]!) {
        if (tSec < e.fromSec || tSec >= e.toSec) continue;
        const since = tSec - e.fromSec;
        if (e.mul !== undefined) v *= e.mul(since);
        if (e.add !== undefined) v += e.add(since);
      }
      if (s.noise > 0) v *= Math.exp(s.noise * gauss() - (s.noise * s.noise) / 2);
      v = Math.min(s.max, Math.max(s.min, v));
      if (s.metricType === 'counter') {
        counters[i]! += s.discrete ? poisson(v * stepSec) : v * stepSec;
        v = counters[i]!;
      }
      yield { kind: 'sample', timeMs, labels: s.labels, value: v, metricType: s.metricType };
    }
  }
}
