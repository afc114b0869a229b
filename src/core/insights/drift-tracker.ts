// Slow drifts of saturation and capacity series: a leak, a filling disk, a pool creeping to its
// limit. The streaming detector follows such ramps (its level model has a trend, its bands adapt),
// so each point looks ordinary; what is not ordinary is how far the series moved in the last hour.
//
//   x ─► S = EW mean (τ = smoothingMs)                          (noise off, shape kept)
//   D = S(t) − S(t − window)                                      (slot snapshots, a ring)
//   bad = D on the series' bad side  (up: D, down: −D, both: |D|)
//   envelope = largest bad-side change of the past days          (decaying max, half-life)
//   ratio = bad / max(envelope, floorFraction · typical |x|)
//
// The envelope learns a change only once it is `window` old and only if that stretch did not
// become an anomaly, so a drift is always judged against what the series did before it began.
// Seasonality needs no model: the morning ramp, the evening peak and benign bursts are all in the
// envelope, because it is the largest change seen at any time of day.
//
// All state is in one Float64Array (DRIFT_STRIDE numbers per watched series), rows handed out on a
// series' first point; `update` allocates nothing.
import type { BadDirection, MetricKind } from '../model/index.js';

export interface DriftOptions {
  /** The span over which a change is measured (default 1 h). */
  readonly windowMs?: number;
  /** Time constant of the smoothing (default 5 min). */
  readonly smoothingMs?: number;
  /** Half-life of the envelope of normal changes (default 7 days: a weekday ramp is remembered over a weekend). */
  readonly envelopeHalfLifeMs?: number;
  /** Stream time a series must be watched before its changes are judged (default 1 day: one daily cycle). */
  readonly learningMs?: number;
  /** A change smaller than this fraction of the series' typical |value| never counts as a drift (default 0.002). */
  readonly floorFraction?: number;
  /**
   * How long after an anomaly opened a level still beyond the pre-drift one keeps it open (default
   * 6 h). A pool stuck at its limit stays an incident; a level held for longer is the new normal.
   */
  readonly holdMs?: number;
}

/** Metric kinds that drift slowly into trouble (leaks, filling volumes, pools, backlogs). */
export function driftWatched(kind: MetricKind): boolean {
  return kind === 'saturation' || kind === 'capacity';
}

const SLOTS = 12;
const RING = SLOTS + 1;
// ---- layout of one row
const S = 0; // smoothed value
const LAST_T = 1; // ms
const LEVEL = 2; // EW |x| (slow), for the floor
const FIRST_T = 3; // first point, ms
const ENV = 4; // envelope of normal bad-side changes
const CUR_SLOT = 5; // slot number of the newest point
const SINCE = 6; // start of the current excursion (ratio ≥ 1), NaN when none
const REF = 7; // frozen pre-drift level of an open anomaly
const MARGIN = 8; // frozen margin around REF
const REF_SET = 9; // 1 while a reference is frozen
const REF_AT = 10; // when it was frozen, ms
const SNAP = 11; // RING values: S at the start of each slot
const SNAP_SLOT = SNAP + RING; // RING slot numbers
const PEND = SNAP_SLOT + RING; // RING largest bad-side change seen in each slot (learned once old)
export const DRIFT_STRIDE = PEND + RING;

const DEFAULT_WINDOW_MS = 60 * 60_000;
const DEFAULT_SMOOTHING_MS = 5 * 60_000;
const DEFAULT_HALF_LIFE_MS = 7 * 86_400_000;
const DEFAULT_LEARNING_MS = 86_400_000;
const DEFAULT_FLOOR_FRACTION = 0.002;
const LEVEL_TIME_MS = 86_400_000;
const DEFAULT_HOLD_MS = 6 * 3_600_000;

export class DriftTracker {
  /** Results of the last `update`: ratio (NaN while learning), excursion start (NaN: none), side (+1 / −1). */
  readonly result = new Float64Array(3);
  private readonly windowMs: number;
  private readonly slotMs: number;
  private readonly smoothingMs: number;
  private readonly halfLifeMs: number;
  private readonly learningMs: number;
  private readonly floorFraction: number;
  private readonly holdMs: number;
  private rowOf: Int32Array;
  private state: Float64Array;
  private rows = 0;

  constructor(options: DriftOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    if (!(this.windowMs > 0)) throw new RangeError(`drift windowMs must be positive, got ${this.windowMs}`);
    this.slotMs = this.windowMs / SLOTS;
    this.smoothingMs = options.smoothingMs ?? DEFAULT_SMOOTHING_MS;
    this.halfLifeMs = options.envelopeHalfLifeMs ?? DEFAULT_HALF_LIFE_MS;
    this.learningMs = options.learningMs ?? DEFAULT_LEARNING_MS;
    this.floorFraction = options.floorFraction ?? DEFAULT_FLOOR_FRACTION;
    this.holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
    this.rowOf = new Int32Array(64).fill(-1);
    this.state = new Float64Array(16 * DRIFT_STRIDE);
  }

  /**
   * Feeds one point of series `id`. `learn`: the point may become part of the envelope (false
   * while the series has an open anomaly). Writes `result`; allocates nothing once the row exists.
   */
  update(id: number, bad: BadDirection, timeMs: number, value: number, learn: boolean): void {
    const r = this.result;
    r[0] = NaN;
    r[1] = NaN;
    r[2] = 0;
    if (!Number.isFinite(value)) return;
    const o = this.row(id) * DRIFT_STRIDE;
    const s = this.state;
    const slot = Math.floor(timeMs / this.slotMs);
    if (Number.isNaN(s[o + LAST_T]!)) {
      s[o + S] = value;
      s[o + LAST_T] = timeMs;
      s[o + LEVEL] = Math.abs(value);
      s[o + FIRST_T] = timeMs;
      s[o + CUR_SLOT] = slot;
      this.openSlot(o, slot);
      return;
    }
    const dt = timeMs - s[o + LAST_T]!;
    if (!(dt > 0)) return;
    s[o + LAST_T] = timeMs;
    s[o + S] += (1 - Math.exp(-dt / this.smoothingMs)) * (value - s[o + S]!);
    s[o + LEVEL] += (1 - Math.exp(-dt / LEVEL_TIME_MS)) * (Math.abs(value) - s[o + LEVEL]!);
    s[o + ENV] *= Math.pow(0.5, dt / this.halfLifeMs);
    if (slot !== s[o + CUR_SLOT]) {
      s[o + CUR_SLOT] = slot;
      this.openSlot(o, slot);
    }
    const j = (((slot - SLOTS) % RING) + RING) % RING;
    if (s[o + SNAP_SLOT + j] !== slot - SLOTS) return; // no value one window ago (start, gap)
    const d = s[o + S]! - s[o + SNAP + j]!;
    const side = bad === 'up' ? 1 : bad === 'down' ? -1 : d >= 0 ? 1 : -1;
    const change = side * d;
    const floor = Math.max(s[o + ENV]!, this.floorFraction * s[o + LEVEL]!, Number.MIN_VALUE);
    const ratio = change / floor;
    if (learn) {
      const p = o + PEND + (((slot % RING) + RING) % RING);
      if (change > s[p]!) s[p] = change;
    }
    if (timeMs - s[o + FIRST_T]! < this.learningMs) return;
    if (ratio >= 1) {
      if (Number.isNaN(s[o + SINCE]!)) s[o + SINCE] = timeMs;
    } else {
      s[o + SINCE] = NaN;
    }
    r[0] = ratio;
    r[1] = s[o + SINCE]!;
    r[2] = side;
  }

  /**
   * An anomaly opened on the series: forget the changes not yet learned (the run-up is part of the
   * incident) and freeze the level from one window ago, with the current envelope as margin.
   */
  freeze(id: number): void {
    const row = id < this.rowOf.length ? this.rowOf[id]! : -1;
    if (row < 0) return;
    const o = row * DRIFT_STRIDE;
    const s = this.state;
    s.fill(-Infinity, o + PEND, o + PEND + RING);
    const slot = s[o + CUR_SLOT]!;
    const j = (((slot - SLOTS) % RING) + RING) % RING;
    s[o + REF_SET] = 0;
    if (s[o + SNAP_SLOT + j] !== slot - SLOTS) return;
    s[o + REF] = s[o + SNAP + j]!;
    s[o + MARGIN] = Math.max(s[o + ENV]!, this.floorFraction * s[o + LEVEL]!);
    s[o + REF_AT] = s[o + LAST_T]!;
    s[o + REF_SET] = 1;
  }

  /** Whether the smoothed value is still beyond the frozen pre-drift level on side `d` (+1 / −1), within holdMs. */
  beyondReference(id: number, d: number, timeMs: number): boolean {
    const row = id < this.rowOf.length ? this.rowOf[id]! : -1;
    if (row < 0) return false;
    const o = row * DRIFT_STRIDE;
    const s = this.state;
    if (s[o + REF_SET] !== 1 || timeMs - s[o + REF_AT]! > this.holdMs) return false;
    return d * (s[o + S]! - s[o + REF]!) > s[o + MARGIN]!;
  }

  /** The anomaly closed: the reference is no longer needed. */
  release(id: number): void {
    const row = id < this.rowOf.length ? this.rowOf[id]! : -1;
    if (row >= 0) this.state[row * DRIFT_STRIDE + REF_SET] = 0;
  }

  /** Starts a slot: the change recorded in the slot it replaces is now a window old and joins the envelope. */
  private openSlot(o: number, slot: number): void {
    const s = this.state;
    const j = ((slot % RING) + RING) % RING;
    const old = s[o + PEND + j]!;
    if (old > s[o + ENV]!) s[o + ENV] = old;
    s[o + SNAP + j] = s[o + S]!;
    s[o + SNAP_SLOT + j] = slot;
    s[o + PEND + j] = -Infinity;
  }

  private row(id: number): number {
    if (id >= this.rowOf.length) {
      let n = this.rowOf.length;
      while (n <= id) n *= 2;
      const next = new Int32Array(n).fill(-1);
      next.set(this.rowOf);
      this.rowOf = next;
    }
    let row = this.rowOf[id]!;
    if (row >= 0) return row;
    row = this.rows++;
    if (this.rows * DRIFT_STRIDE > this.state.length) {
      const next = new Float64Array(this.state.length * 2);
      next.set(this.state);
      this.state = next;
    }
    const o = row * DRIFT_STRIDE;
    this.state.fill(0, o, o + DRIFT_STRIDE);
    this.state[o + LAST_T] = NaN;
    this.state[o + SINCE] = NaN;
    this.state.fill(-Infinity, o + SNAP_SLOT, o + SNAP_SLOT + RING);
    this.state.fill(-Infinity, o + PEND, o + PEND + RING);
    this.rowOf[id] = row;
    return row;
  }
}
