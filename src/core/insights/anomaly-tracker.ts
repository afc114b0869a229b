// Turns per-point detector scores into anomalies: periods in which one series deviates in its bad
// direction. One state machine per series, all state in typed arrays indexed by series id.
//
//   IDLE ──(extreme point | k of last n points qualify)──► OPEN ──(quiet for quietMs and quietPoints)──► COOLING
//    ▲                                                      ▲                                           │
//    └─────────────────(cool-down over, or settle())────────┼───────────────────────────────────────────┘
//                                                           └──(opens again within coolDownMs: same anomaly)
//
// A point "qualifies" when
//   - its score reaches the sensitivity's `persistent` threshold on the series' bad side
//     (badDirection up: above expected, down: below, both: either), or
//   - it lies far outside the band frozen before the deviation began: the detector widens its band
//     as it adapts to a shift, so after the first points a shifted level no longer scores high, or
//   - (saturation / capacity series) the drift test finds the last hour's change well beyond any
//     normal one (drift-tracker.ts): leaks and filling volumes the detector follows point by point.
// An open anomaly stays open while points qualify, values remain outside the detector's band or
// the frozen band on its side, or the drift goes on. Throughput series are watched on both sides:
// a rise opens a context anomaly (a traffic surge, AnomalyChange.context). Pure: time is the
// samples' own time; `observe` allocates nothing unless an anomaly opens, reopens or closes (or a
// saturation / capacity series is seen for the first time).
import { STAT_NAMES } from '../detect/index.js';
import type { Anomaly, BadDirection, MetricKind, SeriesDescriptor, Sensitivity } from '../model/index.js';
import { DriftTracker, driftWatched, type DriftOptions } from './drift-tracker.js';

/** The detector's per-point result, as much of it as the tracker reads (DetectorOutput fits). */
export interface ScoredPoint {
  readonly score: number;
  readonly expected: number;
  readonly lower: number;
  readonly upper: number;
  /** +1 above expected, −1 below, 0 unremarkable. */
  readonly direction: number;
  /** Index into STAT_NAMES. */
  readonly cause: number;
}

/** When a series opens an anomaly, for one sensitivity. */
export interface OpenRule {
  /** One point at or above this score opens an anomaly at once. */
  readonly extreme: number;
  /** A point at or above this score (on the bad side) qualifies; it also keeps an open anomaly alive. */
  readonly persistent: number;
  /** `k` qualifying points among the last `n` (n ≤ 32) open an anomaly. */
  readonly k: number;
  readonly n: number;
  /**
   * Saturation and capacity series: a point qualifies when the series moved this many times further
   * in the last hour, on its bad side, than it did in any hour of the past days (see drift-tracker.ts).
   * Default: the tracker's DEFAULT_OPEN_RULES value for the sensitivity.
   */
  readonly drift?: number;
}

/**
 * Default rules. Scores are calibrated (1 − tail probability), so the same numbers mean the same on
 * every series. MEDIUM's extreme threshold is the demo's long-standing cut-off (tail probability
 * 1e-4); HIGH reacts to smaller and shorter deviations, LOW only to stark or long ones.
 *
 *   sensitivity   extreme     persistent   k of n   drift
 *   HIGH          0.999       0.98         3 of 6   3
 *   MEDIUM        0.9999      0.99         3 of 6   4
 *   LOW           0.99999     0.999        4 of 6   6
 */
export const DEFAULT_OPEN_RULES: Readonly<Record<Sensitivity, OpenRule>> = {
  HIGH: { extreme: 0.999, persistent: 0.98, k: 3, n: 6, drift: 3 },
  MEDIUM: { extreme: 0.9999, persistent: 0.99, k: 3, n: 6, drift: 4 },
  LOW: { extreme: 0.99999, persistent: 0.999, k: 4, n: 6, drift: 6 },
};

export interface AnomalyTrackerOptions {
  readonly rules?: Readonly<Record<Sensitivity, OpenRule>>;
  /** An open anomaly closes after this much stream time without a qualifying point … (default 15 min) */
  readonly quietMs?: number;
  /** … and at least this many non-qualifying points, so a slow scrape does not close it early (default 3). */
  readonly quietPoints?: number;
  /** A series that opens again within this long after closing reopens the same anomaly (default 30 min). */
  readonly coolDownMs?: number;
  /**
   * How long the pre-onset band stays frozen after a deviation's first qualifying point (default 1 h):
   * meanwhile a value outside it on the deviation's side qualifies, whatever the detector's band
   * (which widens as it adapts to the deviation) says.
   */
  readonly frozenBandMs?: number;
  /**
   * After that hour, for how long the pre-deviation width still judges values while the detector's
   * band stays inflated by the deviation (default 12 h; 0: never).
   */
  readonly inflatedReferenceMs?: number;
  /** The drift test of saturation and capacity series (false: off). */
  readonly drift?: DriftOptions | false;
  readonly initialCapacity?: number;
}

export type AnomalyChangeType = 'OPENED' | 'REOPENED' | 'CLOSED';

/** An anomaly that opened, reopened (flapping) or closed. `anomaly.role` is a placeholder: roles belong to insights. */
export interface AnomalyChange {
  readonly type: AnomalyChangeType;
  readonly anomaly: Anomaly;
  /**
   * A deviation on the series' harmless side that still matters as context: a throughput rise (a
   * traffic surge) is not a problem by itself, but it is the likely cause of what follows. Such an
   * anomaly never opens an insight on its own.
   */
  readonly context: boolean;
}

const IDLE = 0;
const OPEN = 1;
const COOLING = 2;

const DEFAULT_QUIET_MS = 15 * 60_000;
const DEFAULT_QUIET_POINTS = 3;
const DEFAULT_COOL_DOWN_MS = 30 * 60_000;
const DEFAULT_FROZEN_BAND_MS = 60 * 60_000;
const CAND_STRIDE = 6;
/** peakCause of an anomaly opened by the drift test (STAT_NAMES holds the detector's causes). */
const CAUSE_DRIFT = 255;
/** A point scoring below this is unremarkable: its band is the one a later deviation is measured against. */
const CALM_SCORE = 0.99;
/**
 * To open an anomaly, a value must lie this many times as far from the frozen expected value as the
 * frozen band's edge: the band is drawn where one point is notable (tail probability 1e-3), and a
 * point merely outside it is what a benign burst produces; twice as far is extreme for the
 * pre-onset model. Keeping an open anomaly open needs only the band itself.
 */
const FROZEN_OPEN_STRETCH = 2;
/**
 * After the frozen band's hour, the width from before a deviation still applies while the
 * detector's band is more than this many times as wide (it learnt the deviation as noise) …
 */
const INFLATED_RATIO = 3;
/** … for at most this long after the deviation (default of AnomalyTrackerOptions.inflatedReferenceMs). */
const DEFAULT_INFLATED_REFERENCE_MS = 12 * 3_600_000;

/** Deterministic anomaly id: the series id and the anomaly's first point. */
export function anomalyId(seriesId: number, startMs: number): string {
  return 'an-' + seriesId + '-' + startMs;
}

/**
 * Kinds whose harmless side is tracked too, as context (AnomalyChange.context): more traffic is
 * not an incident, but it explains one.
 */
function tracksBothSides(kind: MetricKind): boolean {
  return kind === 'throughput';
}

function isBadSide(bad: BadDirection, direction: number): boolean {
  if (direction > 0) return bad !== 'down';
  if (direction < 0) return bad !== 'up';
  return false;
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export class AnomalyTracker {
  private readonly rules: Readonly<Record<Sensitivity, OpenRule>>;
  private readonly quietMs: number;
  private readonly quietPoints: number;
  private readonly coolDownMs: number;
  private readonly frozenBandMs: number;
  private readonly inflatedReferenceMs: number;
  private readonly drift: DriftTracker | null;

  private capacity: number;
  private phase: Uint8Array;
  /** Bit i set: the i-th most recent point qualified. */
  private window: Uint32Array;
  /** Times of the last qualifying points, a ring per series (for the start of a persistent anomaly). */
  private qualTimes: Float64Array;
  private qualHead: Uint8Array;
  private quietCount: Int32Array;
  private lastQualMs: Float64Array;
  private lastSeenMs: Float64Array;
  private startMs: Float64Array;
  private endMs: Float64Array;
  private peakScore: Float64Array;
  private peakMs: Float64Array;
  private peakValue: Float64Array;
  private peakExpected: Float64Array;
  private peakLower: Float64Array;
  private peakUpper: Float64Array;
  private peakCause: Uint8Array;
  private dir: Int8Array;
  /** The detector's band at a deviation's first qualifying point (before it adapted), its side and time. */
  /** The detector's band at the series' last unremarkable point (score below CALM_SCORE): expected, lower, upper. */
  private calm: Float64Array;
  private frozenExpected: Float64Array;
  private frozenLower: Float64Array;
  private frozenUpper: Float64Array;
  private frozenSince: Float64Array;
  private frozenDir: Int8Array;
  /** The best-scoring point of a deviation that has not opened yet (score, time, value, expected, lower, upper). */
  private cand: Float64Array;
  private candCause: Uint8Array;
  private dirty: Uint8Array;
  private dirtyIds: Int32Array;
  private dirtyCount = 0;
  private series: (SeriesDescriptor | undefined)[] = [];
  private count = 0;

  constructor(options: AnomalyTrackerOptions = {}) {
    this.rules = options.rules ?? DEFAULT_OPEN_RULES;
    for (const s of ['LOW', 'MEDIUM', 'HIGH'] as const) {
      const r = this.rules[s];
      if (!(r.k >= 1 && r.n >= r.k && r.n <= 32)) throw new RangeError(`open rule ${s}: need 1 <= k <= n <= 32, got k=${r.k} n=${r.n}`);
      if (r.drift !== undefined && !(r.drift >= 1)) throw new RangeError(`open rule ${s}: drift must be at least 1 (times the largest normal change), got ${r.drift}`);
    }
    this.quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
    this.quietPoints = options.quietPoints ?? DEFAULT_QUIET_POINTS;
    this.coolDownMs = options.coolDownMs ?? DEFAULT_COOL_DOWN_MS;
    this.frozenBandMs = options.frozenBandMs ?? DEFAULT_FROZEN_BAND_MS;
    this.inflatedReferenceMs = options.inflatedReferenceMs ?? DEFAULT_INFLATED_REFERENCE_MS;
    this.drift = options.drift === false ? null : new DriftTracker(options.drift);
    this.capacity = Math.max(1, options.initialCapacity ?? 256);
    const c = this.capacity;
    this.phase = new Uint8Array(c);
    this.window = new Uint32Array(c);
    this.qualTimes = new Float64Array(c * 32);
    this.qualHead = new Uint8Array(c);
    this.quietCount = new Int32Array(c);
    this.lastQualMs = new Float64Array(c);
    this.lastSeenMs = new Float64Array(c);
    this.startMs = new Float64Array(c);
    this.endMs = new Float64Array(c);
    this.peakScore = new Float64Array(c);
    this.peakMs = new Float64Array(c);
    this.peakValue = new Float64Array(c);
    this.peakExpected = new Float64Array(c);
    this.peakLower = new Float64Array(c);
    this.peakUpper = new Float64Array(c);
    this.peakCause = new Uint8Array(c);
    this.dir = new Int8Array(c);
    this.calm = new Float64Array(c * 3).fill(NaN);
    this.frozenExpected = new Float64Array(c);
    this.frozenLower = new Float64Array(c);
    this.frozenUpper = new Float64Array(c);
    this.frozenSince = new Float64Array(c).fill(-Infinity);
    this.frozenDir = new Int8Array(c);
    this.cand = new Float64Array(c * CAND_STRIDE);
    this.candCause = new Uint8Array(c);
    this.dirty = new Uint8Array(c);
    this.dirtyIds = new Int32Array(c);
  }

  /**
   * Feeds one scored point of `series`. Returns a change when an anomaly opens, reopens or closes,
   * else null (without allocating). Points must arrive in time order per series.
   */
  observe(series: SeriesDescriptor, timeMs: number, value: number, out: ScoredPoint, sensitivity: Sensitivity): AnomalyChange | null {
    const id = series.id;
    if (id >= this.capacity) this.grow(id + 1);
    if (id >= this.count) this.count = id + 1;
    this.series[id] = series;
    this.lastSeenMs[id] = timeMs;
    const rule = this.rules[sensitivity];
    const score = out.score;
    const bad = tracksBothSides(series.kind) ? out.direction !== 0 : isBadSide(series.badDirection, out.direction);
    let phase = this.phase[id]!;

    if (phase === COOLING && timeMs - this.endMs[id]! > this.coolDownMs) {
      this.phase[id] = phase = IDLE;
    }
    // Drift of a saturation / capacity series: ratio of the last hour's change to the normal one.
    let driftRatio = NaN;
    let driftSince = NaN;
    let driftSide = 0;
    const drift = this.drift !== null && driftWatched(series.kind) ? this.drift : null;
    if (drift !== null) {
      drift.update(id, series.badDirection, timeMs, value, phase !== OPEN);
      driftRatio = drift.result[0]!;
      driftSince = drift.result[1]!;
      driftSide = drift.result[2]!;
    }

    if (phase === OPEN) {
      // While open, only points on the anomaly's own side count (a 'both' series that swings to the
      // other side lets this anomaly close; the swing can then open its own). The detector damps a
      // deviation no larger than one just seen, so a sustained shift scores high only at first: a
      // value still outside the expected band on the anomaly's side keeps it open too.
      const d = this.dir[id]!;
      const outside = d > 0 ? value > out.upper : value < out.lower;
      // So does a drift still under way, or a level still beyond the one before the drift began.
      const drifting = drift !== null && ((driftRatio >= 1 && driftSide === d) || drift.beyondReference(id, d, timeMs));
      if ((score >= rule.persistent && out.direction === d) || outside || drifting || this.outsideFrozen(id, timeMs, value, d, 1, out)) {
        this.lastQualMs[id] = timeMs;
        this.quietCount[id] = 0;
        if (score > this.peakScore[id]! && out.direction === d) this.setPeak(id, timeMs, value, out);
        return null;
      }
      this.quietCount[id]++;
      if (timeMs - this.lastQualMs[id]! >= this.quietMs && this.quietCount[id]! >= this.quietPoints) {
        return this.close(id);
      }
      return null;
    }

    // IDLE or COOLING: slide the qualification window. A point qualifies on its score, by lying
    // outside the band frozen at the deviation's first qualifying point (on that point's side), or
    // by the drift test.
    const mask = rule.n === 32 ? 0xffffffff : (1 << rule.n) - 1;
    const byScore = bad && score >= rule.persistent;
    const byBand = !byScore && this.outsideFrozen(id, timeMs, value, this.frozenDir[id]!, FROZEN_OPEN_STRETCH, out);
    const byDrift = !byScore && !byBand && driftRatio >= (rule.drift ?? DEFAULT_OPEN_RULES[sensitivity].drift!);
    const qualifies = byScore || byBand || byDrift;
    const pointDir = byScore ? (out.direction > 0 ? 1 : -1) : byBand ? this.frozenDir[id]! : driftSide;
    const frozenOver = timeMs - this.frozenSince[id]! > this.frozenBandMs;
    if (byScore && (frozenOver || this.frozenDir[id] !== pointDir)) {
      // The band before the deviation began: the detector widens it after the first surprising
      // point, which may have scored just below `persistent`.
      const c = id * 3;
      const known = !Number.isNaN(this.calm[c]!);
      this.frozenExpected[id] = known ? this.calm[c]! : out.expected;
      this.frozenLower[id] = known ? this.calm[c + 1]! : out.lower;
      this.frozenUpper[id] = known ? this.calm[c + 2]! : out.upper;
      this.frozenSince[id] = timeMs;
      this.frozenDir[id] = pointDir;
      this.cand[id * CAND_STRIDE] = -1;
    } else if (byDrift && frozenOver && (this.window[id]! & (mask >>> 1)) === 0) {
      this.cand[id * CAND_STRIDE] = -1; // a drift with no recent qualifying point: a new candidate
    }
    if ((byScore || byDrift) && score > this.cand[id * CAND_STRIDE]!) {
      const o = id * CAND_STRIDE;
      this.cand[o] = score;
      this.cand[o + 1] = timeMs;
      this.cand[o + 2] = value;
      this.cand[o + 3] = out.expected;
      this.cand[o + 4] = out.lower;
      this.cand[o + 5] = out.upper;
      this.candCause[id] = byScore ? out.cause : CAUSE_DRIFT;
    }
    if (score < CALM_SCORE && Number.isFinite(out.lower) && Number.isFinite(out.upper)) {
      const c = id * 3;
      this.calm[c] = out.expected;
      this.calm[c + 1] = out.lower;
      this.calm[c + 2] = out.upper;
    }
    let w = (this.window[id]! << 1) >>> 0;
    if (qualifies) {
      w |= 1;
      const h = (this.qualHead[id]! + 1) & 31;
      this.qualHead[id] = h;
      this.qualTimes[id * 32 + h] = timeMs;
    }
    this.window[id] = w;
    if (!qualifies) return null;
    const extreme = byScore && score >= rule.extreme;
    const inWindow = popcount(w & mask);
    if (!extreme && inWindow < rule.k) return null;

    // Opens. A persistent anomaly starts at the oldest qualifying point still in the window; a
    // drift, where the series first moved beyond any normal change.
    let start = timeMs;
    if (!extreme || inWindow > 1) start = this.qualTimes[id * 32 + ((this.qualHead[id]! - (inWindow - 1)) & 31)]!;
    if (driftSide === pointDir && driftSince < start) start = driftSince;
    this.window[id] = 0;
    this.lastQualMs[id] = timeMs;
    this.quietCount[id] = 0;
    this.phase[id] = OPEN;
    drift?.freeze(id);
    if (phase === COOLING && this.dir[id] === pointDir) {
      // Flapping: the same deviation again soon after it ended; keep one anomaly.
      if (this.cand[id * CAND_STRIDE]! > this.peakScore[id]!) this.peakFromCandidate(id);
      this.markDirty(id);
      return this.change('REOPENED', id);
    }
    this.startMs[id] = Math.min(start, timeMs);
    this.dir[id] = pointDir;
    this.peakScore[id] = -1;
    this.peakFromCandidate(id);
    return this.change('OPENED', id);
  }

  /**
   * Closes open anomalies of series that stopped reporting: no sample for `quietMs` (and no
   * qualifying point for as long). The anomaly ends at its last qualifying point.
   */
  closeStale(nowMs: number): AnomalyChange[] {
    const changes: AnomalyChange[] = [];
    for (let id = 0; id < this.count; id++) {
      if (this.phase[id] !== OPEN) continue;
      if (nowMs - this.lastSeenMs[id]! >= this.quietMs && nowMs - this.lastQualMs[id]! >= this.quietMs) changes.push(this.close(id));
    }
    return changes;
  }

  /**
   * A state change (a deployment, a config change) at `atMs` touched the series for which `touches`
   * is true. What such a series does after the change is news, not the tail of an earlier
   * deviation: a cool-down ends (no reopening across the change), and an open anomaly whose
   * deviation had paused before the change (its last qualifying point before it, and at least
   * quietPoints calm points since) closes now. Without this a one-minute burst an hour before
   * swallows the saturation a bad deployment causes, and the deployment is never its root cause.
   * An anomaly still qualifying when the change lands is left open (a fix attempt mid-incident).
   */
  interrupt(atMs: number, touches: (series: SeriesDescriptor) => boolean): AnomalyChange[] {
    const changes: AnomalyChange[] = [];
    for (let id = 0; id < this.count; id++) {
      const phase = this.phase[id];
      if (phase === IDLE) continue;
      const series = this.series[id];
      if (series === undefined || !touches(series)) continue;
      if (phase === COOLING) {
        this.phase[id] = IDLE;
      } else if (this.lastQualMs[id]! < atMs && this.quietCount[id]! >= this.quietPoints) {
        changes.push(this.close(id));
        this.phase[id] = IDLE;
      }
    }
    return changes;
  }

  /** Ends a series' cool-down: its next deviation is a new anomaly (used once its insight has closed). */
  settle(seriesId: number): void {
    if (seriesId < this.count && this.phase[seriesId] === COOLING) this.phase[seriesId] = IDLE;
  }

  /** The series' current or most recent anomaly, or null if it never had one (or it was settled). */
  anomalyOf(seriesId: number): Anomaly | null {
    if (seriesId >= this.count || this.phase[seriesId] === IDLE) return null;
    return this.snapshotOf(seriesId);
  }

  /** Open anomalies whose peak grew since the last call (to persist and to re-grade insights). */
  drainUpdated(): Anomaly[] {
    const res: Anomaly[] = [];
    for (let i = 0; i < this.dirtyCount; i++) {
      const id = this.dirtyIds[i]!;
      this.dirty[id] = 0;
      if (this.phase[id] !== IDLE) res.push(this.snapshotOf(id));
    }
    this.dirtyCount = 0;
    return res;
  }

  private close(id: number): AnomalyChange {
    this.drift?.release(id);
    this.phase[id] = COOLING;
    this.endMs[id] = this.lastQualMs[id]!;
    this.window[id] = 0;
    return this.change('CLOSED', id);
  }

  private change(type: AnomalyChangeType, id: number): AnomalyChange {
    const s = this.series[id]!;
    return { type, anomaly: this.snapshotOf(id), context: tracksBothSides(s.kind) && !isBadSide(s.badDirection, this.dir[id]!) };
  }

  private setPeak(id: number, timeMs: number, value: number, out: ScoredPoint): void {
    this.peakScore[id] = out.score;
    this.peakMs[id] = timeMs;
    this.peakValue[id] = value;
    this.peakExpected[id] = out.expected;
    this.peakLower[id] = out.lower;
    this.peakUpper[id] = out.upper;
    this.peakCause[id] = out.cause;
    this.markDirty(id);
  }

  /**
   * Whether `value` lies outside the frozen pre-onset band on side `d`, stretched `stretch` times
   * around its expected value, while that band is still frozen.
   */
  private outsideFrozen(id: number, timeMs: number, value: number, d: number, stretch: number, out: ScoredPoint): boolean {
    if (d !== this.frozenDir[id]) return false;
    const age = timeMs - this.frozenSince[id]!;
    const e = this.frozenExpected[id]!;
    const half = d > 0 ? this.frozenUpper[id]! - e : e - this.frozenLower[id]!;
    if (age <= this.frozenBandMs) return d > 0 ? value > e + stretch * half : value < e - stretch * half;
    // Later, while the detector's band on that side is still far wider than before the deviation
    // (its tails learnt the deviation as noise and forget it only over hours: docs/adr/0003, "blind
    // for hours after one short spike"), the width from before still applies, around the detector's
    // current expectation, which follows the daily cycle.
    if (age > this.inflatedReferenceMs || !(half > 0) || !Number.isFinite(out.expected)) return false;
    const halfNow = d > 0 ? out.upper - out.expected : out.expected - out.lower;
    if (!(halfNow > INFLATED_RATIO * half)) return false;
    return d > 0 ? value > out.expected + stretch * half : value < out.expected - stretch * half;
  }

  /** The peak of a newly (re)opened anomaly: the best-scoring point of the deviation so far. */
  private peakFromCandidate(id: number): void {
    const o = id * CAND_STRIDE;
    this.peakScore[id] = this.cand[o]!;
    this.peakMs[id] = this.cand[o + 1]!;
    this.peakValue[id] = this.cand[o + 2]!;
    this.peakExpected[id] = this.cand[o + 3]!;
    this.peakLower[id] = this.cand[o + 4]!;
    this.peakUpper[id] = this.cand[o + 5]!;
    this.peakCause[id] = this.candCause[id]!;
    this.markDirty(id);
  }

  private markDirty(id: number): void {
    if (this.dirty[id] === 1) return;
    this.dirty[id] = 1;
    this.dirtyIds[this.dirtyCount++] = id;
  }

  private snapshotOf(id: number): Anomaly {
    const s = this.series[id]!;
    const start = this.startMs[id]!;
    return {
      id: anomalyId(id, start),
      seriesId: id,
      seriesKey: s.key,
      metricName: s.name,
      resource: s.resource,
      application: s.application,
      kind: s.kind,
      direction: this.dir[id]! > 0 ? 'above' : 'below',
      startMs: start,
      endMs: this.phase[id] === OPEN ? null : this.endMs[id]!,
      peakScore: this.peakScore[id]!,
      peakMs: this.peakMs[id]!,
      peakValue: this.peakValue[id]!,
      expected: this.peakExpected[id]!,
      lower: this.peakLower[id]!,
      upper: this.peakUpper[id]!,
      role: 'CONTEXTUAL',
      cause: this.peakCause[id] === CAUSE_DRIFT ? 'drift' : (STAT_NAMES[this.peakCause[id]!] ?? 'none'),
    };
  }

  private grow(min: number): void {
    let c = this.capacity;
    while (c < min) c *= 2;
    const f64 = (a: Float64Array, stride = 1): Float64Array => {
      const b = new Float64Array(c * stride);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(c);
      b.set(a);
      return b;
    };
    this.phase = u8(this.phase);
    const w = new Uint32Array(c);
    w.set(this.window);
    this.window = w;
    this.qualTimes = f64(this.qualTimes, 32);
    this.qualHead = u8(this.qualHead);
    const q = new Int32Array(c);
    q.set(this.quietCount);
    this.quietCount = q;
    this.lastQualMs = f64(this.lastQualMs);
    this.lastSeenMs = f64(this.lastSeenMs);
    this.startMs = f64(this.startMs);
    this.endMs = f64(this.endMs);
    this.peakScore = f64(this.peakScore);
    this.peakMs = f64(this.peakMs);
    this.peakValue = f64(this.peakValue);
    this.peakExpected = f64(this.peakExpected);
    this.peakLower = f64(this.peakLower);
    this.peakUpper = f64(this.peakUpper);
    this.peakCause = u8(this.peakCause);
    const d = new Int8Array(c);
    d.set(this.dir);
    this.dir = d;
    const calm = new Float64Array(c * 3).fill(NaN);
    calm.set(this.calm);
    this.calm = calm;
    this.frozenExpected = f64(this.frozenExpected);
    this.frozenLower = f64(this.frozenLower);
    this.frozenUpper = f64(this.frozenUpper);
    const since = new Float64Array(c).fill(-Infinity);
    since.set(this.frozenSince);
    this.frozenSince = since;
    const fd = new Int8Array(c);
    fd.set(this.frozenDir);
    this.frozenDir = fd;
    this.cand = f64(this.cand, CAND_STRIDE);
    this.candCause = u8(this.candCause);
    this.dirty = u8(this.dirty);
    const di = new Int32Array(c);
    di.set(this.dirtyIds);
    this.dirtyIds = di;
    this.capacity = c;
  }
}
