// Relevant events and root-cause candidates for one insight.
//
// Following Datadog Watchdog's rule (field-lessons.md), a root cause is a *state change*: a
// deployment, config change, scaling, schema / security / infrastructure change — or a traffic
// surge, which changes the load rather than the code. Degraded metrics are symptoms; when no state
// change explains them, the earliest-onset anomaly is offered as the likely origin, preferring the
// most downstream callee when caller -> callee dependencies are known (a slow database makes its
// callers slow, not the other way round).
//
//   events in [onset − lookBack, onset + afterOnset] on the application / resources / global
//       │ score = class weight × recency × resource overlap
//       ▼
//   state changes (events, traffic surge) by confidence ─► then earliest-onset anomalies ─► ranked candidates
import type { Anomaly, EventClass, Insight, Labels, RootCauseCandidate, VigilEvent } from '../model/index.js';
import { describeMetric } from './insight-name.js';

export interface RootCauseOptions {
  /** How far before onset an event may be and still be relevant (default 2 h). */
  readonly lookBackMs?: number;
  /** Events this soon after onset still count as candidates: sources often report a change when it finishes (default 5 min). */
  readonly afterOnsetMs?: number;
  /** Time constant of the recency weight: an event this long before onset weighs 1/e (default 30 min). */
  readonly recencyMs?: number;
  /** Events scoring below this are linked as relevant but not offered as causes (default 0.05). */
  readonly minEventConfidence?: number;
  /** Caller -> callees, by resource key. */
  readonly dependencies?: ReadonlyMap<string, readonly string[]>;
  /** Onsets this close together count as simultaneous (default 60 s). */
  readonly simultaneousMs?: number;
  /** At most this many candidates (default 5). */
  readonly maxCandidates?: number;
  /** Labels of a series by key, for phrases like "5xx errors". */
  readonly labelsOf?: (seriesKey: string) => Labels | undefined;
}

export interface RootCauseResult {
  readonly candidates: RootCauseCandidate[];
  /** Relevant events from the look-back window to the insight's end, oldest first. */
  readonly eventIds: string[];
}

/** What of an insight the ranking reads. */
export type InsightScope = Pick<Insight, 'application' | 'resources' | 'startMs' | 'endMs' | 'updatedMs'>;

/** How strongly each class of change tends to cause incidents (deployments most, by far). */
export const EVENT_CLASS_WEIGHT: Readonly<Record<EventClass, number>> = {
  DEPLOYMENT: 1,
  CONFIG_CHANGE: 0.9,
  SCHEMA_CHANGE: 0.8,
  SCALING: 0.7,
  INFRASTRUCTURE: 0.7,
  SECURITY_CHANGE: 0.6,
};

const MINUTE = 60_000;
/** A throughput rise of this fraction over the expected rate counts fully as a traffic surge; smaller ones proportionally. */
const SURGE_FULL_RISE = 0.5;

/** "<1 min", "4 min", "2 h 5 min". */
export function formatDuration(ms: number): string {
  const min = Math.round(Math.abs(ms) / MINUTE);
  if (min < 1) return 'less than 1 min';
  if (min < 60) return min + ' min';
  const h = Math.floor(min / 60);
  const m = min % 60;
  return m === 0 ? h + ' h' : h + ' h ' + m + ' min';
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** How an event relates to the insight: null when it does not. */
function overlapOf(e: VigilEvent, application: string | null, resources: ReadonlySet<string>): { factor: number; evidence: string } | null {
  let touched = 0;
  for (const r of e.resources) if (resources.has(r)) touched++;
  if (touched > 0) {
    const names = e.resources.filter((r) => resources.has(r)).slice(0, 3).join(', ');
    return { factor: 0.6 + (0.4 * touched) / Math.max(1, resources.size), evidence: `touches ${names} (${touched} of ${resources.size} affected resources)` };
  }
  if (application !== null && e.application === application) return { factor: 0.7, evidence: `same application ${application}` };
  if (e.resources.length === 0 && e.application === null) return { factor: 0.4, evidence: 'global change (no resource named)' };
  return null;
}

/** Callee -> the resources that call it. */
function callerMap(dependencies: ReadonlyMap<string, readonly string[]> | undefined): Map<string, Set<string>> {
  const callers = new Map<string, Set<string>>();
  for (const [caller, callees] of dependencies ?? []) {
    for (const c of callees) {
      const set = callers.get(c) ?? new Set<string>();
      set.add(caller);
      callers.set(c, set);
    }
  }
  return callers;
}

/** Longest chain of callers above each resource (0 for a resource nobody calls). */
function downstreamDepth(dependencies: ReadonlyMap<string, readonly string[]> | undefined): (resource: string) => number {
  if (!dependencies || dependencies.size === 0) return () => 0;
  const callers = new Map<string, string[]>();
  for (const [caller, callees] of dependencies) {
    for (const c of callees) {
      const list = callers.get(c) ?? [];
      list.push(caller);
      callers.set(c, list);
    }
  }
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (r: string): number => {
    const known = memo.get(r);
    if (known !== undefined) return known;
    if (visiting.has(r)) return 0; // a cycle: stop climbing
    visiting.add(r);
    let d = 0;
    for (const c of callers.get(r) ?? []) d = Math.max(d, 1 + depth(c));
    visiting.delete(r);
    memo.set(r, d);
    return d;
  };
  return depth;
}

/** Ranks root-cause candidates for an insight and lists its relevant events. Pure. */
export function rankRootCauses(insight: InsightScope, anomalies: readonly Anomaly[], events: readonly VigilEvent[], options: RootCauseOptions = {}): RootCauseResult {
  const lookBackMs = options.lookBackMs ?? 2 * 3_600_000;
  const afterOnsetMs = options.afterOnsetMs ?? 5 * MINUTE;
  const recencyMs = options.recencyMs ?? 30 * MINUTE;
  const minEventConfidence = options.minEventConfidence ?? 0.05;
  const simultaneousMs = options.simultaneousMs ?? MINUTE;
  const maxCandidates = options.maxCandidates ?? 5;

  let onset = insight.startMs;
  for (const a of anomalies) onset = Math.min(onset, a.startMs);
  const resources = new Set(insight.resources);
  for (const a of anomalies) resources.add(a.resource);
  const horizonMs = Math.max(insight.endMs ?? insight.updatedMs, onset + afterOnsetMs);

  // ---- relevant events and state-change candidates
  type Scored = { candidate: Omit<RootCauseCandidate, 'rank'>; timeMs: number };
  const stateChanges: Scored[] = [];
  const linked: VigilEvent[] = [];
  const seenEvents = new Set<string>();
  for (const e of events) {
    if (seenEvents.has(e.id)) continue;
    if (e.timeMs < onset - lookBackMs || e.timeMs > horizonMs) continue;
    const overlap = overlapOf(e, insight.application, resources);
    if (overlap === null) continue;
    seenEvents.add(e.id);
    linked.push(e);
    if (e.timeMs > onset + afterOnsetMs) continue;
    const before = onset - e.timeMs;
    const recency = before >= 0 ? Math.exp(-before / recencyMs) : 0.5;
    const confidence = round3(EVENT_CLASS_WEIGHT[e.class] * recency * overlap.factor);
    if (confidence < minEventConfidence) continue;
    const when = before >= 0 ? `${formatDuration(before)} before onset` : `${formatDuration(before)} after onset (reported after it took effect?)`;
    stateChanges.push({
      timeMs: e.timeMs,
      candidate: {
        kind: 'EVENT',
        ref: e.id,
        title: e.name,
        confidence,
        evidence: [`${e.name} ${when}`, overlap.evidence, `${e.class.toLowerCase().replace('_', ' ')} reported by ${e.source}`],
      },
    });
  }
  linked.sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : 1));

  // ---- traffic surge: a rise in throughput that starts no later than every other anomaly (give or
  // take simultaneousMs). A rise on a service whose caller surged no later is that surge carried
  // downstream, not a change of its own: only the most upstream rise is a candidate.
  const ordered = [...anomalies].sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : 1));
  const phrase = (a: Anomaly): string => describeMetric(a.metricName, a.kind, options.labelsOf?.(a.seriesKey));
  const isRise = (a: Anomaly): boolean => a.kind === 'throughput' && a.direction === 'above';
  const surgeIds = new Set<string>();
  const others = ordered.filter((a) => !isRise(a));
  const firstOtherMs = others.length > 0 ? others[0]!.startMs : Infinity;
  const rises = ordered.filter((a) => isRise(a) && a.startMs <= firstOtherMs + simultaneousMs);
  const callersOf = callerMap(options.dependencies);
  for (const a of rises) {
    const callers = callersOf.get(a.resource);
    const carried = callers !== undefined && rises.some((u) => u.id !== a.id && callers.has(u.resource) && u.startMs <= a.startMs + simultaneousMs);
    surgeIds.add(a.id);
    if (carried) continue;
    const lead = firstOtherMs - a.startMs;
    const evidence = [`${phrase(a)} on ${a.resource} rose to ${fmtNum(a.peakValue)} (expected ${fmtNum(a.expected)})`];
    if (Number.isFinite(lead)) evidence.push(lead >= simultaneousMs ? `started ${formatDuration(lead)} before the other anomalies` : 'started together with the other anomalies');
    // A surge well above normal load explains what follows; a rise of a few percent hardly does.
    const rise = Math.abs(a.expected) > 0 ? (a.peakValue - a.expected) / Math.abs(a.expected) : 1;
    const strength = Math.max(0, Math.min(1, rise / SURGE_FULL_RISE));
    stateChanges.push({
      timeMs: a.startMs,
      candidate: { kind: 'ANOMALY', ref: a.id, title: `traffic surge on ${a.resource}`, confidence: round3((lead >= simultaneousMs ? 0.8 : 0.6) * strength), evidence },
    });
  }
  stateChanges.sort((a, b) => b.candidate.confidence - a.candidate.confidence || b.timeMs - a.timeMs || (a.candidate.ref < b.candidate.ref ? -1 : 1));

  // ---- then the earliest-onset anomalies, most downstream first among simultaneous onsets
  const depth = downstreamDepth(options.dependencies);
  const cluster = new Map<string, number>();
  let c = -1;
  let clusterStart = -Infinity;
  for (const a of ordered) {
    if (a.startMs - clusterStart > simultaneousMs) {
      c++;
      clusterStart = a.startMs;
    }
    cluster.set(a.id, c);
  }
  const origins = ordered
    .filter((a) => !surgeIds.has(a.id))
    .sort((a, b) => cluster.get(a.id)! - cluster.get(b.id)! || depth(b.resource) - depth(a.resource) || b.peakScore - a.peakScore || (a.id < b.id ? -1 : 1));
  const originCandidates: Omit<RootCauseCandidate, 'rank'>[] = [];
  const anomalousResources = new Set(anomalies.map((a) => a.resource));
  for (let i = 0; i < origins.length && originCandidates.length < 3; i++) {
    const a = origins[i]!;
    const firstOfOthers = ordered.find((o) => o.resource !== a.resource && o.id !== a.id);
    const evidence: string[] = [];
    if (firstOfOthers === undefined) evidence.push(`${phrase(a)} on ${a.resource} is the only deviating resource`);
    else {
      const lead = firstOfOthers.startMs - a.startMs;
      evidence.push(lead >= simultaneousMs ? `${phrase(a)} on ${a.resource} started ${formatDuration(lead)} before others` : lead <= -simultaneousMs ? `${phrase(a)} on ${a.resource} started ${formatDuration(lead)} after the first anomaly` : `${phrase(a)} on ${a.resource} started together with others`);
    }
    const callersHit = (options.dependencies ? [...options.dependencies].filter(([caller, callees]) => callees.includes(a.resource) && anomalousResources.has(caller)).map(([caller]) => caller) : []);
    if (callersHit.length > 0) evidence.push(`${a.resource} is called by ${callersHit.join(', ')}, which also deviate${callersHit.length === 1 ? 's' : ''}`);
    evidence.push(`peak score ${a.peakScore.toFixed(5)} (${a.cause}) at ${fmtNum(a.peakValue)}, expected ${fmtNum(a.expected)}`);
    const verb = a.direction === 'above' ? 'rose' : 'fell';
    originCandidates.push({ kind: 'ANOMALY', ref: a.id, title: `${phrase(a)} ${verb} on ${a.resource}`, confidence: round3(0.5 / (originCandidates.length + 1)), evidence });
  }

  const all = [...stateChanges.map((s) => s.candidate), ...originCandidates].slice(0, maxCandidates);
  return { candidates: all.map((cand, i) => ({ rank: i + 1, ...cand })), eventIds: linked.map((e) => e.id) };
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
  return String(Math.round(x * 1000) / 1000);
}
