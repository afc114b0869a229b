// Groups anomalies into reactive insights and runs their lifecycle.
//
//   anomaly OPENED ─► an ONGOING insight of the same group, active within the neighbourhood?
//        │ (activity: an anomaly's start, end or a new peak in its first neighbourhood — an anomaly merely still open, a leak
//        │ for hours, does not make its application absorb every later incident)
//        │ yes: join it (NEW_ASSOCIATION)          no: a new insight (NEW_INSIGHT)
//        │                                             ▲ with the group's recent context anomalies
//        │ a context anomaly (traffic surge) never starts an insight: it waits, and joins the
//        │ next insight of its group that opens within the neighbourhood
//        ▼
//   severity re-graded (only ever upgraded: SEVERITY_UPGRADED), name and roles refreshed
//   all anomalies closed and quiet for quietMs ─► CLOSED (CLOSED_INSIGHT); never joined again
//
// Group: the application; a series with no application groups by resource, and with known
// caller -> callee dependencies also with the resources it calls or is called by.
// A closed insight is final (keep#2481: users do not want new alerts attached to a resolved
// incident): a later anomaly starts a new insight.
import type { Anomaly, Insight, InsightTransition, Labels, NotificationType, Recommendation, RootCauseCandidate, Severity, VigilEvent } from '../model/index.js';
import { insightName, KIND_WEIGHT } from './insight-name.js';
import type { AnomalyChange } from './anomaly-tracker.js';

export interface InsightCorrelatorOptions {
  /** A new anomaly joins an insight whose latest activity is at most this long before its onset (default 30 min). */
  readonly neighbourhoodMs?: number;
  /** An insight closes once all its anomalies closed and this long passed (default 30 min). */
  readonly quietMs?: number;
  /** Anomalies starting within this long of an insight's first onset are CAUSAL (default 2 min). */
  readonly causalWindowMs?: number;
  /** Caller -> callees by resource key; links resources of series without an application. */
  readonly dependencies?: ReadonlyMap<string, readonly string[]>;
  /** Closed insights kept in memory (oldest dropped first; default 10 000). */
  readonly maxClosedInsights?: number;
  readonly labelsOf?: (seriesKey: string) => Labels | undefined;
  /**
   * The state change (deployment, config change, ...) touching the anomaly's application or
   * resource in (fromMs, toMs], if any. An anomaly that starts after such a change does not join
   * an insight that began before the change and is not explained by an earlier change or by this
   * one: the change may explain the anomaly, so it opens an insight of its own (see splitByChange).
   */
  readonly changeBetween?: (a: Anomaly, fromMs: number, toMs: number) => VigilEvent | null;
}

/** Root-cause analysis attached to an insight (see rankRootCauses). */
export interface InsightAnalysis {
  readonly rootCauses: readonly RootCauseCandidate[];
  readonly eventIds: readonly string[];
  /** The top-ranked event, if the top candidate is an event: named in the insight and its resources make anomalies CAUSAL. */
  readonly topEvent: VigilEvent | null;
}

interface InsightState {
  readonly id: string;
  readonly application: string | null;
  status: 'ONGOING' | 'CLOSED';
  severity: Severity;
  startMs: number;
  endMs: number | null;
  updatedMs: number;
  lastActivityMs: number;
  readonly resources: string[];
  readonly anomalyIds: string[];
  eventIds: readonly string[];
  rootCauses: readonly RootCauseCandidate[];
  recommendations: readonly Recommendation[];
  topEvent: VigilEvent | null;
  analysed: boolean;
  name: string;
}

interface AnomalyState {
  anomaly: Anomaly;
  readonly insightId: string;
  role: 'CAUSAL' | 'CONTEXTUAL';
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { LOW: 0, MEDIUM: 1, HIGH: 2 };

/** FNV-1a, 32 bits, with a seed; two seeds give a short id that practically never collides. */
function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Deterministic insight id from its group (application or resource) and first onset. */
export function insightId(group: string, startMs: number): string {
  const s = group + '|' + startMs;
  return 'in-' + fnv1a(s, 0x811c9dc5).toString(16).padStart(8, '0') + fnv1a(s, 0x050c5d1f).toString(16).padStart(8, '0').slice(0, 4);
}

/**
 * Severity from what was hit (errors and latency mean users suffer), how widely and how hard:
 *
 *   points = highest kind weight (errors, latency 3 · throughput, capacity 2 · saturation, other 1)
 *          + 1 if both errors and latency deviate
 *          + breadth: 2 resources +1, 3 or more +2; 4 or more anomalies +1
 *          + magnitude of the highest peak, s = −log10(1 − score): s ≥ 4.5 +1, s ≥ 6 +2
 *   HIGH at 5 points or more, MEDIUM at 3 or 4, LOW below.
 */
export function gradeSeverity(anomalies: readonly Anomaly[]): Severity {
  if (anomalies.length === 0) return 'LOW';
  let kind = 0;
  let errors = false;
  let latency = false;
  let peak = 0;
  const resources = new Set<string>();
  for (const a of anomalies) {
    kind = Math.max(kind, KIND_WEIGHT[a.kind]);
    errors ||= a.kind === 'errors';
    latency ||= a.kind === 'latency';
    peak = Math.max(peak, a.peakScore);
    resources.add(a.resource);
  }
  let points = kind + (errors && latency ? 1 : 0);
  points += resources.size >= 3 ? 2 : resources.size === 2 ? 1 : 0;
  if (anomalies.length >= 4) points += 1;
  const surprise = -Math.log10(Math.max(1e-12, 1 - peak));
  points += surprise >= 6 ? 2 : surprise >= 4.5 ? 1 : 0;
  return points >= 5 ? 'HIGH' : points >= 3 ? 'MEDIUM' : 'LOW';
}

export class InsightCorrelator {
  private readonly neighbourhoodMs: number;
  private readonly quietMs: number;
  private readonly causalWindowMs: number;
  private readonly maxClosed: number;
  private readonly neighbours = new Map<string, Set<string>>();
  private readonly labelsOf: ((seriesKey: string) => Labels | undefined) | undefined;
  private readonly changeBetween: ((a: Anomaly, fromMs: number, toMs: number) => VigilEvent | null) | undefined;

  private readonly byId = new Map<string, InsightState>();
  private readonly ongoing = new Set<string>();
  private readonly closedOrder: string[] = [];
  private readonly anomalyStates = new Map<string, AnomalyState>();
  /** Context anomalies not (yet) part of an insight, by id. */
  private readonly pendingContext = new Map<string, Anomaly>();
  private transitions: InsightTransition[] = [];
  private changedInsights = new Set<string>();
  private changedAnomalies = new Set<string>();

  constructor(options: InsightCorrelatorOptions = {}) {
    this.neighbourhoodMs = options.neighbourhoodMs ?? 30 * 60_000;
    this.quietMs = options.quietMs ?? 30 * 60_000;
    this.causalWindowMs = options.causalWindowMs ?? 2 * 60_000;
    this.maxClosed = options.maxClosedInsights ?? 10_000;
    this.labelsOf = options.labelsOf;
    this.changeBetween = options.changeBetween;
    for (const [caller, callees] of options.dependencies ?? []) {
      for (const callee of callees) {
        this.link(caller, callee);
        this.link(callee, caller);
      }
    }
  }

  private link(a: string, b: string): void {
    const s = this.neighbours.get(a) ?? new Set<string>();
    s.add(b);
    this.neighbours.set(a, s);
  }

  /**
   * Applies a tracker change at stream time `nowMs`; returns the id of the insight the anomaly
   * belongs to, or null for a context anomaly that waits for one.
   */
  onAnomaly(change: AnomalyChange, nowMs: number): string | null {
    const a = change.anomaly;
    const known = this.anomalyStates.get(a.id);
    if (known !== undefined) {
      // REOPENED, CLOSED (or a repeated OPENED): the anomaly stays where it is.
      this.updateAnomaly(a, nowMs);
      return known.insightId;
    }
    this.prunePending(a.startMs);
    let target: InsightState | undefined;
    for (const id of this.ongoing) {
      const ins = this.byId.get(id)!;
      if (!this.related(ins, a)) continue;
      if (a.startMs - ins.lastActivityMs > this.neighbourhoodMs) continue;
      if (this.splitByChange(ins, a)) continue;
      if (target === undefined || ins.lastActivityMs > target.lastActivityMs) target = ins;
    }
    if (target === undefined && change.context) {
      this.pendingContext.set(a.id, a);
      return null;
    }
    if (target === undefined) {
      const group = a.application ?? a.resource;
      const ins: InsightState = {
        id: insightId(group, a.startMs),
        application: a.application,
        status: 'ONGOING',
        severity: 'LOW',
        startMs: a.startMs,
        endMs: null,
        updatedMs: nowMs,
        lastActivityMs: a.startMs,
        resources: [],
        anomalyIds: [],
        eventIds: [],
        rootCauses: [],
        recommendations: [],
        topEvent: null,
        analysed: false,
        name: '',
      };
      this.byId.set(ins.id, ins);
      this.ongoing.add(ins.id);
      this.attach(ins, a);
      // Context that came first (a traffic surge before the latency it causes) joins now.
      for (const c of [...this.pendingContext.values()]) {
        if (!this.related(ins, c) || (c.endMs !== null && a.startMs - c.endMs > this.neighbourhoodMs)) continue;
        this.pendingContext.delete(c.id);
        this.attach(ins, c);
      }
      ins.severity = gradeSeverity(this.anomaliesRaw(ins));
      this.refresh(ins, nowMs);
      this.record(ins, 'NEW_INSIGHT', nowMs);
      return ins.id;
    }
    this.attach(target, a);
    this.record(target, 'NEW_ASSOCIATION', nowMs);
    this.regrade(target, nowMs);
    this.refresh(target, nowMs);
    return target.id;
  }

  /** A newer snapshot of a known anomaly (peak grew, reopened, closed). Unknown anomalies are ignored. */
  updateAnomaly(a: Anomaly, nowMs: number): void {
    const st = this.anomalyStates.get(a.id);
    if (st === undefined) {
      if (this.pendingContext.has(a.id)) this.pendingContext.set(a.id, a);
      return;
    }
    st.anomaly = a;
    this.changedAnomalies.add(a.id);
    const ins = this.byId.get(st.insightId)!;
    if (ins.status === 'CLOSED') return; // a closed insight is final
    ins.lastActivityMs = Math.max(ins.lastActivityMs, this.activityOf(a));
    ins.startMs = Math.min(ins.startMs, a.startMs);
    this.regrade(ins, nowMs);
    this.refresh(ins, nowMs);
  }

  /** Closes insights whose anomalies all closed at least quietMs before `nowMs`; returns them. */
  closeDue(nowMs: number): Insight[] {
    this.prunePending(nowMs);
    const closed: Insight[] = [];
    for (const id of [...this.ongoing]) {
      const ins = this.byId.get(id)!;
      if (this.hasOpenAnomaly(ins)) continue;
      let lastEnd = -Infinity;
      for (const aid of ins.anomalyIds) lastEnd = Math.max(lastEnd, this.anomalyStates.get(aid)!.anomaly.endMs ?? -Infinity);
      if (nowMs - lastEnd < this.quietMs) continue;
      ins.status = 'CLOSED';
      ins.endMs = lastEnd;
      ins.updatedMs = nowMs;
      this.ongoing.delete(id);
      this.closedOrder.push(id);
      this.changedInsights.add(id);
      this.record(ins, 'CLOSED_INSIGHT', nowMs);
      closed.push(this.snapshot(ins));
    }
    while (this.closedOrder.length > this.maxClosed) this.forget(this.closedOrder.shift()!);
    return closed;
  }

  /** Attaches root-cause analysis; refreshes name and roles. Ignored for closed or unknown insights. */
  setAnalysis(id: string, analysis: InsightAnalysis, nowMs: number): void {
    const ins = this.byId.get(id);
    if (ins === undefined || ins.status === 'CLOSED') return;
    ins.rootCauses = analysis.rootCauses;
    ins.eventIds = analysis.eventIds;
    ins.topEvent = analysis.topEvent;
    this.refresh(ins, nowMs);
  }

  /**
   * Sets the insight's recommendations; each id not seen before records NEW_RECOMMENDATION, except
   * on the insight's first analysis (its NEW_INSIGHT message carries them).
   */
  setRecommendations(id: string, recommendations: readonly Recommendation[], nowMs: number): void {
    const ins = this.byId.get(id);
    if (ins === undefined || ins.status === 'CLOSED') return;
    const before = new Set(ins.recommendations.map((r) => r.id));
    const merged = [...ins.recommendations];
    let added = false;
    for (const r of recommendations) {
      if (before.has(r.id)) continue;
      before.add(r.id);
      merged.push(r);
      added = true;
    }
    ins.recommendations = merged;
    if (added) {
      ins.updatedMs = Math.max(ins.updatedMs, nowMs);
      this.changedInsights.add(id);
      if (ins.analysed) this.record(ins, 'NEW_RECOMMENDATION', nowMs);
    }
    ins.analysed = true;
  }

  insight(id: string): Insight | undefined {
    const ins = this.byId.get(id);
    return ins === undefined ? undefined : this.snapshot(ins);
  }

  /** Every insight kept, oldest first. */
  insights(): Insight[] {
    return [...this.byId.values()].map((i) => this.snapshot(i));
  }

  ongoingIds(): string[] {
    return [...this.ongoing];
  }

  /** The insight's anomalies with their roles, by onset. */
  anomalies(id: string): Anomaly[] {
    const ins = this.byId.get(id);
    return ins === undefined ? [] : this.withRoles(ins);
  }

  insightOfAnomaly(anomalyId: string): string | undefined {
    return this.anomalyStates.get(anomalyId)?.insightId;
  }

  drainTransitions(): InsightTransition[] {
    const t = this.transitions;
    this.transitions = [];
    return t;
  }

  drainChanged(): { insights: Insight[]; anomalies: Anomaly[] } {
    const insights: Insight[] = [];
    for (const id of this.changedInsights) {
      const ins = this.byId.get(id);
      if (ins !== undefined) insights.push(this.snapshot(ins));
    }
    const anomalies: Anomaly[] = [];
    for (const id of this.changedAnomalies) {
      const st = this.anomalyStates.get(id);
      if (st !== undefined) anomalies.push({ ...st.anomaly, role: st.role });
    }
    this.changedInsights = new Set();
    this.changedAnomalies = new Set();
    return { insights, anomalies };
  }

  // ---- internals

  /**
   * When an anomaly last showed activity: its end, else its peak while that is within a
   * neighbourhood of its start. A drift that keeps setting new peaks for hours (a filling disk)
   * is ongoing, not active: later incidents of its application get insights of their own.
   */
  private activityOf(a: Anomaly): number {
    if (a.endMs !== null) return Math.max(a.startMs, a.endMs);
    return a.peakMs - a.startMs <= this.neighbourhoodMs ? Math.max(a.startMs, a.peakMs) : a.startMs + this.neighbourhoodMs;
  }

  /**
   * True when a state change came between an unexplained insight's onset and this anomaly's: the
   * anomaly starts an insight of its own, which the change can explain. Without this, an insight
   * about something else (a traffic wobble, a slow drift) that is still open when a deployment
   * lands absorbs the deployment's effects, and its root cause stays the earlier symptom. An
   * insight already explained by a change before its onset keeps absorbing its neighbourhood (a
   * second deployment during an incident is usually a fix attempt, not a new incident), and so
   * does one whose top cause is this very change (reported a little after it took effect).
   */
  private splitByChange(ins: InsightState, a: Anomaly): boolean {
    if (this.changeBetween === undefined || !(a.startMs > ins.startMs)) return false;
    if (ins.topEvent !== null && ins.topEvent.timeMs <= ins.startMs) return false;
    const change = this.changeBetween(a, ins.startMs, a.startMs);
    return change !== null && change.id !== ins.topEvent?.id;
  }

  private related(ins: InsightState, a: Anomaly): boolean {
    if (a.application !== null || ins.application !== null) return ins.application === a.application;
    if (ins.resources.includes(a.resource)) return true;
    const near = this.neighbours.get(a.resource);
    return near !== undefined && ins.resources.some((r) => near.has(r));
  }

  /** Drops waiting context anomalies that ended more than a neighbourhood before `nowMs`. */
  private prunePending(nowMs: number): void {
    for (const [id, c] of this.pendingContext) if (c.endMs !== null && nowMs - c.endMs > this.neighbourhoodMs) this.pendingContext.delete(id);
  }

  private hasOpenAnomaly(ins: InsightState): boolean {
    for (const id of ins.anomalyIds) if (this.anomalyStates.get(id)!.anomaly.endMs === null) return true;
    return false;
  }

  private attach(ins: InsightState, a: Anomaly): void {
    this.anomalyStates.set(a.id, { anomaly: a, insightId: ins.id, role: 'CONTEXTUAL' });
    ins.anomalyIds.push(a.id);
    if (!ins.resources.includes(a.resource)) ins.resources.push(a.resource);
    ins.startMs = Math.min(ins.startMs, a.startMs);
    ins.lastActivityMs = Math.max(ins.lastActivityMs, this.activityOf(a));
    this.changedAnomalies.add(a.id);
  }

  private anomaliesRaw(ins: InsightState): Anomaly[] {
    return ins.anomalyIds.map((id) => this.anomalyStates.get(id)!.anomaly);
  }

  private regrade(ins: InsightState, nowMs: number): void {
    const next = gradeSeverity(this.anomaliesRaw(ins));
    if (SEVERITY_RANK[next] > SEVERITY_RANK[ins.severity]) {
      ins.severity = next;
      this.record(ins, 'SEVERITY_UPGRADED', nowMs);
    }
  }

  /**
   * Roles: CAUSAL for anomalies that start within causalWindowMs of the insight's first onset, on a
   * resource the top root-cause event touched, or named as the top anomaly candidate; CONTEXTUAL
   * for the rest (symptoms that follow). Then the name.
   */
  private refresh(ins: InsightState, nowMs: number): void {
    const touched = new Set(ins.topEvent?.resources ?? []);
    const topAnomaly = ins.rootCauses.find((c) => c.kind === 'ANOMALY' && c.rank === 1)?.ref;
    for (const id of ins.anomalyIds) {
      const st = this.anomalyStates.get(id)!;
      const a = st.anomaly;
      const role = a.startMs <= ins.startMs + this.causalWindowMs || touched.has(a.resource) || a.id === topAnomaly ? 'CAUSAL' : 'CONTEXTUAL';
      if (role !== st.role) {
        st.role = role;
        this.changedAnomalies.add(id);
      }
    }
    ins.name = insightName({ application: ins.application, resources: ins.resources, anomalies: this.anomaliesRaw(ins), labelsOf: this.labelsOf, topEvent: ins.topEvent });
    ins.updatedMs = Math.max(ins.updatedMs, nowMs);
    this.changedInsights.add(ins.id);
  }

  private withRoles(ins: InsightState): Anomaly[] {
    return ins.anomalyIds
      .map((id) => {
        const st = this.anomalyStates.get(id)!;
        return { ...st.anomaly, role: st.role };
      })
      .sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : 1));
  }

  private record(ins: InsightState, type: NotificationType, timeMs: number): void {
    this.transitions.push({ insightId: ins.id, type, timeMs, severity: ins.severity });
  }

  private forget(id: string): void {
    const ins = this.byId.get(id);
    if (ins === undefined) return;
    for (const aid of ins.anomalyIds) {
      this.anomalyStates.delete(aid);
      this.changedAnomalies.delete(aid);
    }
    this.byId.delete(id);
    this.changedInsights.delete(id);
  }

  private snapshot(ins: InsightState): Insight {
    return {
      id: ins.id,
      type: 'REACTIVE',
      name: ins.name,
      severity: ins.severity,
      status: ins.status,
      application: ins.application,
      startMs: ins.startMs,
      endMs: ins.endMs,
      updatedMs: ins.updatedMs,
      resources: [...ins.resources],
      anomalyIds: [...ins.anomalyIds],
      eventIds: [...ins.eventIds],
      rootCauses: ins.rootCauses,
      recommendations: ins.recommendations,
      prediction: null,
    };
  }
}
