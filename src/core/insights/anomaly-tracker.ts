// Turns per-point detector scores into anomalies: periods in which one series deviates in its bad
// direction. One state machine per series, all state in typed arrays indexed by series id.
//
//   IDLE ──(extreme point | k of last n points qualify)──► OPEN ──(quiet for quietMs and quietPoints)──► COOLING
//    ▲                                                      ▲                                           │
//    └─────────────────(cool-down over, or settle())────────┼───────────────────────────────────────────┘
//                                                           └──(opens again within coolDownMs: same anomaly)
//
// A point "qualifies" when its score reaches the sensitivity's `persistent` threshold and it lies on
// the series' bad side (badDirection up: above expected, down: below, both: either); an open
// anomaly also stays open while values remain outside the detector's band on its side. Pure: time is
// the samples' own time; `observe` allocates nothing unless an anomaly opens, reopens or closes.
import { STAT_NAMES } from '../detect/index.js';
import type { Anomaly, BadDirection, SeriesDescriptor, Sensitivity } from '../model/index.js';

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
}

/**
 * Default rules. Scores are calibrated (1 − tail probability), so the same numbers mean the same on
 * every series. MEDIUM's extreme threshold is the demo's long-standing cut-off (tail probability
 * 1e-4); HIGH reacts to smaller and shorter deviations, LOW only to stark or long ones.
 *
 *   sensitivity   extreme     persistent   k of n
 *   HIGH          0.999       0.98         3 of 6
 *   MEDIUM        0.9999      0.99         3 of 6
 *   LOW           0.99999     0.999        4 of 6
 */
export const DEFAULT_OPEN_RULES: Readonly<Record<Sensitivity, OpenRule>> = {
  HIGH: { extreme: 0.999, persistent: 0.98, k: 3, n: 6 },
  MEDIUM: { extreme: 0.9999, persistent: 0.99, k: 3, n: 6 },
  LOW: { extreme: 0.99999, persistent: 0.999, k: 4, n: 6 },
};

export interface AnomalyTrackerOptions {
  readonly rules?: Readonly<Record<Sensitivity, OpenRule>>;
  /** An open anomaly closes after this much stream time without a qualifying point … (default 15 min) */
  readonly quietMs?: number;
  /** … and at least this many non-qualifying points, so a slow scrape does not close it early (default 3). */
  readonly quietPoints?: number;
  /** A series that opens again within this long after closing reopens the same anomaly (default 30 min). */
  readonly coolDownMs?: number;
  readonly initialCapacity?: number;
}

export type AnomalyChangeType = 'OPENED' | 'REOPENED' | 'CLOSED';

/** An anomaly that opened, reopened (flapping) or closed. `anomaly.role` is a placeholder: roles belong to insights. */
export interface AnomalyChange {
  readonly type: AnomalyChangeType;
  readonly anomaly: Anomaly;
}

const IDLE = 0;
const OPEN = 1;
const COOLING = 2;

const DEFAULT_QUIET_MS = 15 * 60_000;
const DEFAULT_QUIET_POINTS = 3;
const DEFAULT_COOL_DOWN_MS = 30 * 60_000;

/** Deterministic anomaly id: the series id and the anomaly's first point. */
export function anomalyId(seriesId: number, startMs: number): string {
  return 'an-' + seriesId + '-' + startMs;
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
    }
    this.quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
    this.quietPoints = options.quietPoints ?? DEFAULT_QUIET_POINTS;
    this.coolDownMs = options.coolDownMs ?? DEFAULT_COOL_DOWN_MS;
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
    const bad = isBadSide(series.badDirection, out.direction);
    let phase = this.phase[id]!;

    if (phase === COOLING && timeMs - this.endMs[id]! > this.coolDownMs) {
      this.phase[id] = phase = IDLE;
    }

    if (phase === OPEN) {
      // While open, only points on the anomaly's own side count (a 'both' series that swings to the
      // other side lets this anomaly close; the swing can then open its own). The detector damps a
      // deviation no larger than one just seen, so a sustained shift scores high only at first: a
      // value still outside the expected band on the anomaly's side keeps it open too.
      const d = this.dir[id]!;
      const outside = d > 0 ? value > out.upper : value < out.lower;
      if ((score >= rule.persistent && out.direction === d) || outside) {
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

    // IDLE or COOLING: slide the qualification window.
    const qualifies = bad && score >= rule.persistent;
    const mask = rule.n === 32 ? 0xffffffff : (1 << rule.n) - 1;
    let w = (this.window[id]! << 1) >>> 0;
    if (qualifies) {
      w |= 1;
      const h = (this.qualHead[id]! + 1) & 31;
      this.qualHead[id] = h;
      this.qualTimes[id * 32 + h] = timeMs;
    }
    this.window[id] = w;
    if (!qualifies) return null;
    const extreme = score >= rule.extreme;
    const inWindow = popcount(w & mask);
    if (!extreme && inWindow < rule.k) return null;

    // Opens. A persistent anomaly starts at the oldest qualifying point still in the window.
    let start = timeMs;
    if (!extreme || inWindow > 1) start = this.qualTimes[id * 32 + ((this.qualHead[id]! - (inWindow - 1)) & 31)]!;
    this.window[id] = 0;
    this.lastQualMs[id] = timeMs;
    this.quietCount[id] = 0;
    this.phase[id] = OPEN;
    if (phase === COOLING && this.dir[id] === out.direction) {
      // Flapping: the same deviation again soon after it ended; keep one anomaly.
      if (score > this.peakScore[id]!) this.setPeak(id, timeMs, value, out);
      this.markDirty(id);
      return { type: 'REOPENED', anomaly: this.snapshotOf(id) };
    }
    this.startMs[id] = Math.min(start, timeMs);
    this.dir[id] = out.direction > 0 ? 1 : -1;
    this.peakScore[id] = -1;
    this.setPeak(id, timeMs, value, out);
    return { type: 'OPENED', anomaly: this.snapshotOf(id) };
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
    this.phase[id] = COOLING;
    this.endMs[id] = this.lastQualMs[id]!;
    this.window[id] = 0;
    return { type: 'CLOSED', anomaly: this.snapshotOf(id) };
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
      cause: STAT_NAMES[this.peakCause[id]!] ?? 'none',
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
    this.dirty = u8(this.dirty);
    const di = new Int32Array(c);
    di.set(this.dirtyIds);
    this.dirtyIds = di;
    this.capacity = c;
  }
}
