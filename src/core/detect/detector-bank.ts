/**
 * Vigil's default streaming detector: one model per series, no configuration, no look-ahead.
 * The design and its reasons are in docs/adr/0003-streaming-detector.md. In short:
 *
 *   x ─► expected = level + daily(phase) + weekly(day)      (robust Holt with seasonal bins)
 *   r = x − expected,  z = r / scale                         (scale: EW mean |r|, floored)
 *   statistics  point |z|  ·  short mean of z  ·  short mean of z²  ·  stuck-value run length
 *   each statistic's upper tail is learned on the series itself (peaks over a tracked quantile,
 *   exponential excesses — EVT/SPOT style), giving a tail probability p_k
 *   score = 1 − min(1, K · min_k p_k)                        (Bonferroni over the K tests)
 *
 * State for every series lives in one Float64Array, STRIDE numbers per series, indexed by series
 * id; `update` allocates nothing and writes its result into a caller-owned object. The state is
 * plain numbers, so a checkpoint is a byte copy and restores bit for bit.
 */

/** Result of one update; the caller owns one instance and reuses it. */
export interface DetectorOutput {
  /** Calibrated tail probability turned into a score: 1 − p, in [0, 1]. 0 while learning. */
  score: number;
  /** The tail probability p itself (1 = perfectly ordinary). */
  pValue: number;
  /** What the model expected at this time. */
  expected: number;
  /** Band around `expected` outside which a point alone scores above DEFAULT_BAND_SCORE. */
  lower: number;
  upper: number;
  /** +1 above expected, −1 below, 0 unremarkable. */
  direction: number;
  /** Which statistic decided the score (one of STAT_*), for explanations. */
  cause: number;
}

export function createDetectorOutput(): DetectorOutput {
  return { score: 0, pValue: 1, expected: NaN, lower: NaN, upper: NaN, direction: 0, cause: 0 };
}

export const STAT_NONE = 0;
export const STAT_POINT = 1;
export const STAT_SHIFT = 2;
export const STAT_VARIANCE = 3;
export const STAT_STUCK = 4;
export const STAT_NAMES = ['none', 'point', 'shift', 'variance', 'stuck'] as const;

// ---- tuning constants (one default model for every series; see the ADR for how they were chosen)
const DAY_SEC = 86_400;
const WEEK_SEC = 7 * DAY_SEC;
const DAY_BINS = 48;
const WEEK_BINS = 7;
const WARMUP_POINTS = 24; // no score before this many points
const ALPHA_LEVEL = 0.06;
const ALPHA_TREND = 0.004;
const TREND_DAMPING = 0.98;
const ALPHA_SEASON = 0.15;
const ALPHA_WEEK = 0.05;
const ALPHA_SCALE = 0.02;
const ALPHA_GATE = 0.01;
const ALPHA_SHORT = 0.15;
const ALPHA_REPEAT = 0.01;
const HUBER_K = 3;
const TAIL_Q = 0.97; // tracked quantile of each statistic
const TAIL_ETA = 0.05; // step of the quantile tracker, in units of the mean excess
const ALPHA_EXCESS = 0.02;
const N_TESTS = 4;
/** Score at which the reported band is drawn (tail probability 1e-3 for a single point). */
export const DEFAULT_BAND_SCORE = 0.999;

// ---- layout of one series' state
const N = 0; // points seen
const T0 = 1; // first timestamp (s)
const LAST_T = 2;
const LAST_X = 3;
const STEP = 4; // EW sampling step (s)
const LEVEL = 5;
const TREND = 6; // per second
const SCALE = 7; // EW mean |r|
const GATE_SEASON = 8; // EW r² with the daily profile
const GATE_PLAIN = 9; // EW r² without it
const GATE_WEEK = 10; // EW r² without the weekly profile
const SHORT_MEAN = 11;
const SHORT_SQ = 12;
const RUN = 13; // current run of identical values
const REPEAT = 14; // EW frequency of a value equal to the previous one
const ABS_X = 15; // EW mean |x| (for the scale floor)
const TAIL = 16; // 3 statistics × (quantile, mean excess) = 6 slots
const TRACK_NUM = 22; // EW r (tracking signal numerator)
const TRACK_DEN = 23; // EW |r|
const RESOLUTION = 24; // smallest non-zero |Δx| seen
const DAY = 32;
const WEEK = DAY + DAY_BINS;
export const STRIDE = WEEK + WEEK_BINS + 1; // 88 numbers = 704 bytes per series

const SQRT_PI_2 = Math.sqrt(Math.PI / 2); // mean |N(0,1)| = sqrt(2/pi): scale·this = σ
const SHORT_SD = Math.sqrt(ALPHA_SHORT / (2 - ALPHA_SHORT)); // sd of the EW mean of iid N(0,1)

export class DetectorBank {
  /** All series' state, STRIDE numbers each. Exposed for checkpoints. */
  state: Float64Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.state = new Float64Array(Math.max(1, initialCapacity) * STRIDE);
  }

  get size(): number {
    return this.count;
  }

  /** Adds a series and returns its id. Grows the backing array by doubling. */
  add(): number {
    const id = this.count++;
    if (this.count * STRIDE > this.state.length) {
      const next = new Float64Array(Math.max(this.state.length * 2, this.count * STRIDE));
      next.set(this.state);
      this.state = next;
    }
    this.reset(id);
    return id;
  }

  /** Forgets everything learned about one series. */
  reset(id: number): void {
    const o = id * STRIDE;
    this.state.fill(0, o, o + STRIDE);
    this.state[o + TAIL] = 3; // point |z|: prior quantile
    this.state[o + TAIL + 1] = 0.7;
    this.state[o + TAIL + 2] = 2.2 * SHORT_SD; // short mean
    this.state[o + TAIL + 3] = 0.5 * SHORT_SD;
    this.state[o + TAIL + 4] = 2.5; // short mean of z²
    this.state[o + TAIL + 5] = 0.5;
  }

  /**
   * Feeds one point. `timeMs` must increase per series; an older or equal time is ignored (score 0).
   * A non-finite value is treated as missing.
   */
  update(id: number, timeMs: number, value: number, out: DetectorOutput): void {
    const s = this.state;
    const o = id * STRIDE;
    const t = timeMs / 1000;
    out.score = 0;
    out.pValue = 1;
    out.direction = 0;
    out.cause = STAT_NONE;
    if (!Number.isFinite(value) || !Number.isFinite(t)) {
      this.fillExpected(o, t, out);
      return;
    }
    const n = s[o + N];
    if (n === 0) {
      s[o + N] = 1;
      s[o + T0] = t;
      s[o + LAST_T] = t;
      s[o + LAST_X] = value;
      s[o + LEVEL] = value;
      s[o + ABS_X] = Math.abs(value);
      out.expected = value;
      out.lower = value;
      out.upper = value;
      return;
    }
    const dt = t - s[o + LAST_T];
    if (!(dt > 0)) {
      this.fillExpected(o, t, out);
      return;
    }
    // Sampling step: EW of dt, robust to gaps (a gap does not redefine the step at once).
    const step = s[o + STEP] === 0 ? dt : s[o + STEP];
    s[o + STEP] = step + 0.05 * (Math.min(dt, 4 * step) - step);
    const gap = dt > 6 * step;

    // ---- expectation
    const level = s[o + LEVEL] + s[o + TREND] * Math.min(dt, 4 * step);
    const dayPos = ((t % DAY_SEC) / DAY_SEC) * DAY_BINS;
    const d0 = Math.floor(dayPos) % DAY_BINS;
    const d1 = (d0 + 1) % DAY_BINS;
    const dw = dayPos - Math.floor(dayPos);
    const daily = s[o + DAY + d0] * (1 - dw) + s[o + DAY + d1] * dw;
    const weekPos = (((t + 3 * DAY_SEC) % WEEK_SEC) / WEEK_SEC) * WEEK_BINS; // day 0 = Monday 00:00 UTC
    const w0 = Math.floor(weekPos) % WEEK_BINS;
    const w1 = (w0 + 1) % WEEK_BINS;
    const ww = weekPos - Math.floor(weekPos);
    const weekly = s[o + WEEK + w0] * (1 - ww) + s[o + WEEK + w1] * ww;
    const elapsed = t - s[o + T0];
    const useDaily = elapsed >= DAY_SEC && s[o + GATE_SEASON] < 0.8 * s[o + GATE_PLAIN];
    const useWeekly = elapsed >= 2 * WEEK_SEC && s[o + GATE_SEASON] < 0.8 * s[o + GATE_WEEK];
    const expected = level + (useDaily ? daily : 0) + (useWeekly ? weekly : 0);
    const r = value - expected;

    // ---- scale, floored so that noise-free series do not turn rounding into anomalies
    const absX = s[o + ABS_X];
    const res = s[o + RESOLUTION];
    const floor = Math.max(1e-9, 1e-3 * absX, 0.5 * res);
    const scale = Math.max(s[o + SCALE], floor);
    const sigma = scale * SQRT_PI_2;
    const z = r / sigma;
    const az = Math.abs(z);

    // ---- statistics and their tail probabilities
    const ready = n >= WARMUP_POINTS;
    const zc = az > 8 ? (8 * z) / az : z; // clipped so one spike does not dominate the short mean
    let sm = s[o + SHORT_MEAN];
    let sq = s[o + SHORT_SQ];
    if (gap) {
      sm = 0;
      sq = 1;
    }
    sm += ALPHA_SHORT * (zc - sm);
    sq += ALPHA_SHORT * (Math.min(zc * zc, 64) - sq);
    s[o + SHORT_MEAN] = sm;
    s[o + SHORT_SQ] = sq;

    const pPoint = this.tail(o + TAIL, az, ready);
    const pShift = this.tail(o + TAIL + 2, Math.abs(sm), ready);
    const pVar = this.tail(o + TAIL + 4, sq, ready);

    // Stuck values: a run of identical values is surprising when repeats are rare on this series.
    const same = value === s[o + LAST_X];
    const run = same ? s[o + RUN] + 1 : 0;
    s[o + RUN] = run;
    const rep = s[o + REPEAT];
    const pStuck = ready && run >= 3 ? Math.min(1, Math.pow(Math.min(0.999, rep + 0.01), run)) : 1;
    s[o + REPEAT] = rep + ALPHA_REPEAT * ((same ? 1 : 0) - rep);

    let pMin = pPoint;
    let cause = STAT_POINT;
    let dir = z > 0 ? 1 : -1;
    if (pShift < pMin) {
      pMin = pShift;
      cause = STAT_SHIFT;
      dir = sm > 0 ? 1 : -1;
    }
    if (pVar < pMin) {
      pMin = pVar;
      cause = STAT_VARIANCE;
    }
    if (pStuck < pMin) {
      pMin = pStuck;
      cause = STAT_STUCK;
      dir = 0;
    }
    const p = Math.min(1, N_TESTS * pMin);
    if (ready) {
      out.pValue = p;
      out.score = 1 - p;
      out.cause = p < 1 ? cause : STAT_NONE;
      out.direction = p < 1 ? dir : 0;
    }

    // ---- band: where a single point would reach DEFAULT_BAND_SCORE
    const zBand = this.inverseTail(o + TAIL, (1 - DEFAULT_BAND_SCORE) / N_TESTS);
    out.expected = expected;
    out.lower = expected - zBand * sigma;
    out.upper = expected + zBand * sigma;

    // ---- learn (robust: residuals clipped at HUBER_K·σ, unless the level has clearly moved)
    const tn = s[o + TRACK_NUM] + 0.1 * (r - s[o + TRACK_NUM]);
    const td = s[o + TRACK_DEN] + 0.1 * (Math.abs(r) - s[o + TRACK_DEN]);
    s[o + TRACK_NUM] = tn;
    s[o + TRACK_DEN] = td;
    const tracking = td > 0 ? Math.abs(tn) / td : 0; // Trigg's tracking signal in [0, 1]
    const alphaLevel = Math.max(ALPHA_LEVEL, 0.5 * tracking * tracking * tracking);
    const clip = HUBER_K * sigma;
    const rc = tracking > 0.7 ? r : r > clip ? clip : r < -clip ? -clip : r;
    const newLevel = level + alphaLevel * rc;
    s[o + TREND] = TREND_DAMPING * s[o + TREND] + ALPHA_TREND * ((newLevel - s[o + LEVEL]) / Math.min(dt, 4 * step) - s[o + TREND]);
    s[o + LEVEL] = newLevel;

    // Seasonal profile: learn what is left after the level, faster during the first periods.
    const periodsSeen = Math.floor(elapsed / DAY_SEC) + 1;
    const aS = Math.max(ALPHA_SEASON, 1 / periodsSeen);
    const seasonalTarget = value - newLevel - (useWeekly ? weekly : 0);
    const eS = seasonalTarget - daily;
    const eSc = eS > 2 * clip ? 2 * clip : eS < -2 * clip ? -2 * clip : eS;
    s[o + DAY + d0] += aS * (1 - dw) * eSc;
    s[o + DAY + d1] += aS * dw * eSc;
    if (elapsed >= WEEK_SEC) {
      const eW = value - newLevel - daily - weekly;
      const eWc = eW > clip ? clip : eW < -clip ? -clip : eW;
      s[o + WEEK + w0] += ALPHA_WEEK * (1 - ww) * eWc;
      s[o + WEEK + w1] += ALPHA_WEEK * ww * eWc;
    }
    // Gates: does each profile explain variance? (compared on the same, clipped residuals)
    const cap = 16 * sigma * sigma;
    const rPlain = value - level - (useWeekly ? weekly : 0);
    const rNoWeek = value - level - (useDaily ? daily : 0);
    const rSeason = value - level - daily - (useWeekly ? weekly : 0);
    s[o + GATE_SEASON] += ALPHA_GATE * (Math.min(rSeason * rSeason, cap) - s[o + GATE_SEASON]);
    s[o + GATE_PLAIN] += ALPHA_GATE * (Math.min(rPlain * rPlain, cap) - s[o + GATE_PLAIN]);
    s[o + GATE_WEEK] += ALPHA_GATE * (Math.min(rNoWeek * rNoWeek, cap) - s[o + GATE_WEEK]);

    const ar = Math.abs(r);
    const aScale = n < 50 ? Math.max(ALPHA_SCALE, 1 / (n + 1)) : ALPHA_SCALE;
    s[o + SCALE] += aScale * ((ar > 4 * clip / HUBER_K ? (4 * clip) / HUBER_K : ar) - s[o + SCALE]);
    s[o + ABS_X] += 0.01 * (Math.abs(value) - absX);
    const dx = Math.abs(value - s[o + LAST_X]);
    if (dx > 0 && (res === 0 || dx < res)) s[o + RESOLUTION] = dx;
    s[o + LAST_X] = value;
    s[o + LAST_T] = t;
    s[o + N] = n + 1;
  }

  /** Upper-tail probability of statistic `x`, then learns from it (peaks over a tracked quantile). */
  private tail(at: number, x: number, ready: boolean): number {
    const s = this.state;
    const u = s[at];
    const m = s[at + 1];
    const p = x <= u ? 1 : (1 - TAIL_Q) * Math.exp(-(x - u) / m);
    if (ready) {
      // Quantile tracker (stochastic approximation), step relative to the current excess scale.
      s[at] = u + TAIL_ETA * m * ((x > u ? 1 : 0) - (1 - TAIL_Q));
      if (x > u) s[at + 1] = m + ALPHA_EXCESS * (Math.min(x - u, 20 * m) - m);
    }
    return p > 1 ? 1 : p;
  }

  /** The value of a statistic whose tail probability is p. */
  private inverseTail(at: number, p: number): number {
    const u = this.state[at];
    const m = this.state[at + 1];
    return u + m * Math.log((1 - TAIL_Q) / p);
  }

  private fillExpected(o: number, _t: number, out: DetectorOutput): void {
    out.expected = this.state[o + LEVEL];
    out.lower = NaN;
    out.upper = NaN;
  }

  /** A copy of one series' state (for a checkpoint). */
  snapshot(id: number): Float64Array {
    return this.state.slice(id * STRIDE, (id + 1) * STRIDE);
  }

  /** Restores one series from `snapshot`. */
  restore(id: number, snapshot: Float64Array): void {
    if (snapshot.length !== STRIDE) throw new RangeError(`a detector snapshot has ${STRIDE} numbers, got ${snapshot.length}`);
    this.state.set(snapshot, id * STRIDE);
  }

  /** The whole bank as bytes (little-endian float64): header [version, count] then the state. */
  serialize(): Uint8Array {
    const out = new Float64Array(2 + this.count * STRIDE);
    out[0] = STATE_VERSION;
    out[1] = this.count;
    out.set(this.state.subarray(0, this.count * STRIDE), 2);
    return new Uint8Array(out.buffer);
  }

  static deserialize(bytes: Uint8Array): DetectorBank {
    if (bytes.byteLength % 8 !== 0 || bytes.byteLength < 16) throw new RangeError('not a detector checkpoint: bad length');
    const copy = new Float64Array(bytes.slice().buffer);
    if (copy[0] !== STATE_VERSION) throw new RangeError(`detector checkpoint version ${copy[0]} is not ${STATE_VERSION}; it cannot be restored`);
    const count = copy[1];
    if (copy.length !== 2 + count * STRIDE) throw new RangeError('not a detector checkpoint: length does not match its series count');
    const bank = new DetectorBank(Math.max(1, count));
    bank.state.set(copy.subarray(2));
    bank.count = count;
    return bank;
  }
}

/** Bumped whenever STRIDE or the meaning of a slot changes. */
export const STATE_VERSION = 1;
