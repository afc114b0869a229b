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

/** Per-point details of a batch (optional), so callers can explain each point without allocation. */
export interface DetectorBatchDetails {
  expected: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** +1 / −1 / 0 as DetectorOutput.direction. */
  direction: Int8Array;
  cause: Uint8Array;
}

export function createDetectorBatchDetails(capacity: number): DetectorBatchDetails {
  return { expected: new Float64Array(capacity), lower: new Float64Array(capacity), upper: new Float64Array(capacity), direction: new Int8Array(capacity), cause: new Uint8Array(capacity) };
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
const DAY_BINS = 96;
const WEEK_BINS = 7;
const WARMUP_POINTS = 24; // no score before this many points
const ALPHA_LEVEL = 0.06;
const ALPHA_OFFSET = 0.01;
const ALPHA_TREND = 0.004;
const TREND_DAMPING = 0.98;
const ALPHA_SEASON = 0.1;
const ALPHA_WEEK = 0.05;
const ALPHA_SCALE = 0.02;
const ALPHA_GATE = 0.01;
const GATE_RATIO = 0.7;
const ALPHA_SHORT = 0.15;
const ALPHA_LONG = 0.03;
const ALPHA_REPEAT = 0.01;
const ALPHA_TRACK = 0.1;
const ALPHA_TRACK_S = 0.02;
const OFFSET_BOOST = 0.01;
const HUBER_K = 3;
const TAIL_Q = 0.99; // tracked quantile of each statistic
const TAIL_ETA = 0.05; // step of the quantile tracker, in units of the mean excess
const ALPHA_EXCESS = 0.05;
/** The tracking signal reads residuals clipped at this many σ, so one outlier is not a level shift. */
const TRACK_CLIP = 3.5;
const N_TESTS = 7;
const ENV_DECAY = 0.995;
const ENV_KEEP = 0.3;
const BIN_SCALE_CAP = 32; // a spike that recurs at one hour every day is learnt there
const BIN_SCALE_CLIP = 32;
/** Days after which both models are mature and a point must surprise both. */
const BOTH_MODELS_DAYS = 2;
const MIN_SHAPE = 0.05;
const MAX_SHAPE = 0.45;
/** Score at which the reported band is drawn (tail probability 1e-3 for a single point). */
export const DEFAULT_BAND_SCORE = 0.999;
/** The tail probability of one test at the band, and inverseTail's power of it at either bound of ξ. */
const BAND_P = (1 - DEFAULT_BAND_SCORE) / N_TESTS;
const BAND_POW_MIN_SHAPE = Math.pow(BAND_P / (1 - TAIL_Q), -MIN_SHAPE);
const BAND_POW_MAX_SHAPE = Math.pow(BAND_P / (1 - TAIL_Q), -MAX_SHAPE);

// ---- layout of one series' state
const N = 0; // points seen
const T0 = 1; // first timestamp (s)
const LAST_T = 2;
const LAST_X = 3;
const STEP = 4; // EW sampling step (s)
const LEVEL = 5; // plain model: level
const TREND = 6; // plain model: trend per second
const OFFSET = 7; // seasonal model: offset from the daily profile
const SCALE_PLAIN = 8; // EW mean |r| of each model
const SCALE_SEASON = 9;
const GATE_PLAIN = 10; // EW r² of each model, to choose between them
const GATE_SEASON = 11;
const GATE_WEEK = 12; // EW r² of the seasonal model without its weekly part
const SHORT_MEAN = 13;
const SHORT_SQ = 14;
const LONG_SQ = 15;
const RUN = 16; // current run of identical values
const REPEAT = 17; // EW frequency of a value equal to the previous one
const ABS_X = 18; // EW mean |x| (for the scale floor)
const RESOLUTION = 19; // smallest non-zero |Δx| seen
const ENVELOPE = 20; // decaying recent maximum of the surprise −ln p
const TRACK_NUM = 21; // EW r and (22) EW |r|: tracking signal of the plain model
const TRACK_NUM_S = 23; // the same (23, 24) for the seasonal model
const SHORT_MEAN_S = 25; // short mean of the seasonal model's z
const TAIL = 26; // 6 statistics × (quantile, mean excess, mean squared excess) = 18 slots
const DAY = 44; // daily profile: DAY_BINS values by time of day
const DAY_SCALE = DAY + DAY_BINS; // then DAY_BINS mean |r| by time of day
const WEEK = DAY_SCALE + DAY_BINS; // day-of-week offsets
const RUN_TAIL = WEEK + WEEK_BINS + 1; // tail of the run length (quantile, mean excess, mean squared excess)
export const STRIDE = RUN_TAIL + 3;

/** |t| below this: t − trunc(t / p)·p is exact (t's spacing divides every integer). */
const EXACT_PHASE_LIMIT = 2 ** 52;

/**
 * `((t % period) + period) % period` bit for bit (period a positive integer), without `%`. For
 * |t| < 2^52, r = t − trunc(t / period)·period is exact and equals t % period as long as the
 * division did not round up to the next integer in magnitude (it rounds monotonically, so it
 * cannot fall short); should it ever, r lands one period past zero and is moved back (no double
 * we tried does that, tens of millions near multiples of the period; the guard costs one
 * comparison). The rest repeats the expression's own addition and its final `%`. Checked
 * against the expression in test/core/detect/phase.test.ts.
 */
export function phase(t: number, period: number): number {
  if (!(t < EXACT_PHASE_LIMIT && t > -EXACT_PHASE_LIMIT)) return ((t % period) + period) % period;
  let r = t - Math.trunc(t / period) * period;
  if (t >= 0 ? r < 0 : r > 0) r += t >= 0 ? period : -period;
  const v = r + period; // in (0, 2·period]; v % period is v, v − period (exact) or 0
  return v < period ? v : v < 2 * period ? v - period : 0;
}

/** `k % n` for an integer k in [0, 2n): the index wrapped into [0, n). */
function wrap(k: number, n: number): number {
  return k >= n ? k - n : k;
}

const SQRT_PI_2 = Math.sqrt(Math.PI / 2); // mean |N(0,1)| = sqrt(2/pi): scale·this = σ
const SHORT_SD = Math.sqrt(ALPHA_SHORT / (2 - ALPHA_SHORT)); // sd of the EW mean of iid N(0,1)

export class DetectorBank {
  /** All series' state, STRIDE numbers each. Exposed for checkpoints. */
  state: Float64Array;
  private count = 0;
  /**
   * Scratch for passing doubles between update() and its helpers: V8 boxes a double passed to or
   * returned from a call that is not inlined, which would allocate on every update.
   */
  private readonly io = new Float64Array(2);
  private readonly input = new Float64Array(2);
  /** The six statistics of a point, then their tail probabilities. */
  private readonly stats = new Float64Array(6);

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
    // Priors for the tails, roughly those of Gaussian residuals; each series moves them quickly.
    this.setTailPrior(o + TAIL, 2.2, 0.45);
    this.setTailPrior(o + TAIL + 3, 2.2 * SHORT_SD, 0.45 * SHORT_SD);
    this.setTailPrior(o + TAIL + 6, 2.0, 0.6);
    this.setTailPrior(o + TAIL + 9, 1.4, 0.2);
    this.setTailPrior(o + TAIL + 12, 2.2, 0.45);
    this.setTailPrior(o + TAIL + 15, 2.2 * SHORT_SD, 0.45 * SHORT_SD);
    this.setTailPrior(o + RUN_TAIL, 1, 3);
  }

  private setTailPrior(at: number, quantile: number, meanExcess: number): void {
    this.state[at] = quantile;
    this.state[at + 1] = meanExcess;
    this.state[at + 2] = 2 * meanExcess * meanExcess; // exponential excesses: E[e²] = 2·E[e]²
  }

  /**
   * Feeds one point. `timeMs` must increase per series; an older or equal time is ignored (score 0).
   * A non-finite value is treated as missing.
   */
  update(id: number, timeMs: number, value: number, out: DetectorOutput): void {
    this.input[0] = timeMs;
    this.input[1] = value;
    this.step(id, out);
  }

  /**
   * The allocation-free path for ingestion: updates series `ids[i]` with `(timesMs[i], values[i])`
   * for i < count and writes each score to `scores[i]`; `out` holds the last point's details.
   * (A double passed to a call V8 does not inline is boxed; typed arrays avoid that.)
   */
  updateBatch(ids: Uint32Array | Int32Array, timesMs: Float64Array, values: Float64Array, count: number, scores: Float64Array, out: DetectorOutput, details?: DetectorBatchDetails): void {
    for (let i = 0; i < count; i++) {
      this.input[0] = timesMs[i];
      this.input[1] = values[i];
      this.step(ids[i], out);
      scores[i] = out.score;
      if (details) {
        details.expected[i] = out.expected;
        details.lower[i] = out.lower;
        details.upper[i] = out.upper;
        details.direction[i] = out.direction;
        details.cause[i] = out.cause;
      }
    }
  }

  private step(id: number, out: DetectorOutput): void {
    const s = this.state;
    const o = id * STRIDE;
    const timeMs = this.input[0];
    const value = this.input[1];
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

    // ---- expectation: two models, the better one (by recent squared error) is used
    //   plain     level + trend                       (robust Holt, adaptive by tracking signal)
    //   seasonal  daily(phase) + weekly(day) + offset (profile of absolute values by time of day)
    const hop = Math.min(dt, 4 * step);
    const level = s[o + LEVEL] + s[o + TREND] * hop;
    // Positions in the day and week, also before 1970. `phase` and `wrap` are exact stand-ins for
    // `%` on doubles, which V8 compiles to a slow x87 loop (ten per update were ~15% of its time).
    this.io[0] = t;
    this.phaseIo(DAY_SEC);
    const dayPos = (this.io[1] / DAY_SEC) * DAY_BINS;
    const d0 = wrap(Math.floor(dayPos), DAY_BINS);
    const d1 = wrap(d0 + 1, DAY_BINS);
    const dw = dayPos - Math.floor(dayPos);
    const daily = s[o + DAY + d0] * (1 - dw) + s[o + DAY + d1] * dw;
    this.io[0] = t + 3 * DAY_SEC;
    this.phaseIo(WEEK_SEC);
    const weekPos = (this.io[1] / WEEK_SEC) * WEEK_BINS; // day 0 = Monday 00:00 UTC
    const w0 = wrap(Math.floor(weekPos), WEEK_BINS);
    const w1 = wrap(w0 + 1, WEEK_BINS);
    const ww = weekPos - Math.floor(weekPos);
    const weekly = s[o + WEEK + w0] * (1 - ww) + s[o + WEEK + w1] * ww;
    const elapsed = t - s[o + T0];
    const useWeekly = elapsed >= 2 * WEEK_SEC && s[o + GATE_SEASON] < GATE_RATIO * s[o + GATE_WEEK];
    const seasonal = daily + s[o + OFFSET] + (useWeekly ? weekly : 0);
    const useSeason = elapsed >= DAY_SEC && s[o + GATE_SEASON] < GATE_RATIO * s[o + GATE_PLAIN];
    const expected = useSeason ? seasonal : level;
    const rPlain = value - level;
    const rSeason = value - seasonal;

    // ---- scales, floored so that noise-free series do not turn rounding into anomalies
    const absX = s[o + ABS_X];
    const res = s[o + RESOLUTION];
    const floor = Math.max(1e-9, 1e-3 * absX, 0.5 * res);
    const sigmaP = Math.max(s[o + SCALE_PLAIN], floor) * SQRT_PI_2;
    // Seasonal residuals are larger at some times of day (a nightly batch): use that time's own
    // scale, within limits. Sharp daily edges drift by minutes: a point is only as far off as the
    // nearest of the neighbouring bins' expectations.
    const scaleSeason = s[o + SCALE_SEASON];
    const binScale = s[o + DAY_SCALE + d0] * (1 - dw) + s[o + DAY_SCALE + d1] * dw;
    const sigmaS = Math.max(scaleSeason, Math.min(binScale, BIN_SCALE_CAP * scaleSeason), floor) * SQRT_PI_2;
    const dm = wrap(d0 + DAY_BINS - 1, DAY_BINS);
    const dp = wrap(d1 + 1, DAY_BINS);
    const ea = s[o + DAY + dm], eb = s[o + DAY + d0], ec = s[o + DAY + d1], ed = s[o + DAY + dp];
    const lo = Math.min(ea, eb, ec, ed) + seasonal - daily;
    const hi = Math.max(ea, eb, ec, ed) + seasonal - daily;
    const rEdge = value > hi ? value - hi : value < lo ? value - lo : 0;
    const seasonReady = elapsed >= DAY_SEC;
    const zS = seasonReady ? rEdge / sigmaS : 0;
    const sigma = useSeason ? sigmaS : sigmaP;
    const z = rPlain / sigmaP;
    const az = Math.abs(z);

    // ---- statistics and their tail probabilities
    const ready = n >= WARMUP_POINTS;
    const zc = az > 8 ? (8 * z) / az : z; // clipped so one spike does not dominate the averages
    let sm = s[o + SHORT_MEAN];
    let sq = s[o + SHORT_SQ];
    let lq = s[o + LONG_SQ];
    if (gap) {
      sm = 0;
      sq = 1;
    }
    if (n < 3) lq = 1;
    sm += ALPHA_SHORT * (zc - sm);
    sq += ALPHA_SHORT * (Math.min(zc * zc, 64) - sq);
    lq += ALPHA_LONG * (Math.min(zc * zc, 25) - lq);
    s[o + SHORT_MEAN] = sm;
    const zSc = zS > 8 ? 8 : zS < -8 ? -8 : zS;
    const smS = s[o + SHORT_MEAN_S] + ALPHA_SHORT * (zSc - s[o + SHORT_MEAN_S]);
    s[o + SHORT_MEAN_S] = smS;
    s[o + SHORT_SQ] = sq;
    s[o + LONG_SQ] = lq;

    const learnTail = n >= 5;
    // The six statistics' tails, through one call site in a loop: V8 inlines `tail` there, which
    // it does not do for six separate call sites in a function this large (each tail writes only
    // its own slots, so the order is immaterial). Measured: docs/adr/0005, throughput attempts.
    const stats = this.stats;
    stats[0] = az;
    stats[1] = Math.abs(sm);
    stats[2] = sq;
    stats[3] = lq;
    stats[4] = Math.abs(zS);
    stats[5] = Math.abs(smS);
    const learnSeason = learnTail && seasonReady;
    for (let k = 0; k < 6; k++) {
      this.io[0] = stats[k];
      this.tail(o + TAIL + 3 * k, k < 4 ? learnTail : learnSeason);
      stats[k] = this.io[1];
    }
    let pPoint = stats[0];
    const pShift = stats[1];
    const pVar = stats[2];
    const pLong = stats[3];
    let pPointS = stats[4];
    const pShiftS = stats[5];
    // A deviation that one mature model explains is not an anomaly: once both models are mature,
    // the point tests ask for surprise under both expectations.
    if (elapsed >= BOTH_MODELS_DAYS * DAY_SEC) {
      const both = pPoint > pPointS ? pPoint : pPointS;
      pPoint = both;
      pPointS = both;
    }

    // Stuck values: a run of identical values is surprising when repeats are rare on this series.
    const same = value === s[o + LAST_X];
    const run = same ? s[o + RUN] + 1 : 0;
    s[o + RUN] = run;
    const rep = s[o + REPEAT];
    // Repeats cluster on real series (a floor value, a quantised idle level), so the geometric
    // model alone is overconfident: a run must also be long for this series' own run lengths.
    // Its tail is learnt over the points that repeat their predecessor (P(run ≥ r | a repeat)).
    let pStuck = 1;
    if (same) {
      this.io[0] = run;
      this.tail(o + RUN_TAIL, learnTail);
      const pRunTail = this.io[1];
      const pGeom = Math.pow(Math.min(0.999, rep + 0.01), run);
      if (ready && run >= 3) pStuck = Math.min(1, pGeom > pRunTail ? pGeom : pRunTail);
    }
    // A long run becomes the new normal: repeats are learned faster while one lasts.
    s[o + REPEAT] = rep + (run > 3 ? 4 * ALPHA_REPEAT : ALPHA_REPEAT) * ((same ? 1 : 0) - rep);

    let pMin = pPoint;
    let cause = STAT_POINT;
    let dir = z > 0 ? 1 : -1;
    if (pShift < pMin) {
      pMin = pShift;
      cause = STAT_SHIFT;
      dir = sm > 0 ? 1 : -1;
    }
    if (pPointS < pMin) {
      pMin = pPointS;
      cause = STAT_POINT;
      dir = zS > 0 ? 1 : -1;
    }
    if (pShiftS < pMin) {
      pMin = pShiftS;
      cause = STAT_SHIFT;
      dir = smS > 0 ? 1 : -1;
    }
    if (pVar < pMin || pLong < pMin) {
      pMin = pVar < pLong ? pVar : pLong;
      cause = STAT_VARIANCE;
    }
    if (pStuck < pMin) {
      pMin = pStuck;
      cause = STAT_STUCK;
      dir = 0;
    }
    let p = Math.min(1, N_TESTS * pMin);
    // Novelty: a deviation no larger than one seen moments ago is the same episode, not news.
    const surprise = -Math.log(p);
    const env = s[o + ENVELOPE];
    s[o + ENVELOPE] = Math.max(surprise, env * ENV_DECAY);
    if (ready && surprise <= env) p = Math.exp(-surprise * ENV_KEEP);
    if (ready) {
      out.pValue = p;
      out.score = 1 - p;
      out.cause = p < 1 ? cause : STAT_NONE;
      out.direction = p < 1 ? dir : 0;
    }

    // ---- band: where a single point would reach DEFAULT_BAND_SCORE
    // Each model's point test has its own band; while the seasonal model is young either test can
    // fire (the band is their intersection), once both are mature a point must leave both (union).
    const pBand = BAND_P;
    this.inverseTail(o + TAIL, pBand);
    const zP = this.io[1];
    let lower = level - zP * sigmaP;
    let upper = level + zP * sigmaP;
    if (seasonReady) {
      this.inverseTail(o + TAIL + 12, pBand);
      const zSb = this.io[1];
      const loS = lo - zSb * sigmaS;
      const hiS = hi + zSb * sigmaS;
      const mature = elapsed >= BOTH_MODELS_DAYS * DAY_SEC;
      lower = mature ? Math.min(lower, loS) : Math.max(lower, loS);
      upper = mature ? Math.max(upper, hiS) : Math.min(upper, hiS);
    }
    out.expected = expected;
    out.lower = Math.min(lower, expected);
    out.upper = Math.max(upper, expected);

    // ---- learn (robust: residuals clipped at HUBER_K·σ, unless the level has clearly moved)
    // Plain model.
    const scaleP = Math.max(s[o + SCALE_PLAIN], floor) * SQRT_PI_2 * HUBER_K;
    // Trigg's signal on raw residuals is ~1 after a single outlier (it dominates both EW sums), which
    // let one spike pull the level halfway up unclipped; clipped, shift mode (> 0.7) needs 4 same-sign points.
    const kTr = (TRACK_CLIP * scaleP) / HUBER_K;
    this.io[0] = rPlain > kTr ? kTr : rPlain < -kTr ? -kTr : rPlain;
    this.track(o + TRACK_NUM, ALPHA_TRACK);
    const tracking = this.io[1];
    const alphaLevel = Math.max(ALPHA_LEVEL, 0.5 * tracking * tracking * tracking);
    const rcP = tracking > 0.7 ? rPlain : rPlain > scaleP ? scaleP : rPlain < -scaleP ? -scaleP : rPlain;
    const newLevel = level + alphaLevel * rcP;
    s[o + TREND] = TREND_DAMPING * s[o + TREND] + ALPHA_TREND * ((newLevel - s[o + LEVEL]) / hop - s[o + TREND]);
    s[o + LEVEL] = newLevel;
    // Seasonal model: the offset follows shifts, the profile learns the day's shape.
    this.io[0] = rSeason;
    this.track(o + TRACK_NUM_S, ALPHA_TRACK_S);
    const trackingS = this.io[1];
    const alphaOffset = Math.max(ALPHA_OFFSET, OFFSET_BOOST * trackingS * trackingS * trackingS);
    const scaleS = Math.max(s[o + SCALE_SEASON], floor) * SQRT_PI_2 * HUBER_K;
    const rcS = trackingS > 0.7 ? rSeason : rSeason > scaleS ? scaleS : rSeason < -scaleS ? -scaleS : rSeason;
    s[o + OFFSET] += alphaOffset * rcS;
    const periodsSeen = Math.floor(elapsed / DAY_SEC) + 1;
    const aS = Math.max(ALPHA_SEASON, 1 / periodsSeen);
    // The profile learns value minus offset and weekly part; on the first day it simply records.
    const target = value - s[o + OFFSET] - (useWeekly ? weekly : 0);
    const eS = target - daily;
    const eSc = periodsSeen === 1 ? eS : eS > 2 * scaleS ? 2 * scaleS : eS < -2 * scaleS ? -2 * scaleS : eS;
    s[o + DAY + d0] += aS * (1 - dw) * eSc;
    s[o + DAY + d1] += aS * dw * eSc;
    const arS = Math.abs(rSeason) > BIN_SCALE_CLIP * scaleS ? BIN_SCALE_CLIP * scaleS : Math.abs(rSeason);
    s[o + DAY_SCALE + d0] += aS * (1 - dw) * (arS - s[o + DAY_SCALE + d0]);
    s[o + DAY_SCALE + d1] += aS * dw * (arS - s[o + DAY_SCALE + d1]);
    if (elapsed >= WEEK_SEC) {
      const eW = value - s[o + OFFSET] - daily - weekly;
      const eWc = eW > scaleS ? scaleS : eW < -scaleS ? -scaleS : eW;
      s[o + WEEK + w0] += ALPHA_WEEK * (1 - ww) * eWc;
      s[o + WEEK + w1] += ALPHA_WEEK * ww * eWc;
    }
    // Gates: which model explains the data better (squared errors, capped against outliers).
    const cap = 16 * sigma * sigma;
    const rNoWeek = value - daily - s[o + OFFSET];
    s[o + GATE_SEASON] += ALPHA_GATE * (Math.min(rSeason * rSeason, cap) - s[o + GATE_SEASON]);
    s[o + GATE_PLAIN] += ALPHA_GATE * (Math.min(rPlain * rPlain, cap) - s[o + GATE_PLAIN]);
    s[o + GATE_WEEK] += ALPHA_GATE * (Math.min(rNoWeek * rNoWeek, cap) - s[o + GATE_WEEK]);
    // Scales (mean absolute residual, clipped so a spike does not inflate them).
    const aScale = n < 50 ? Math.max(ALPHA_SCALE, 1 / (n + 1)) : ALPHA_SCALE;
    const arP = Math.abs(rPlain);
    s[o + SCALE_PLAIN] += aScale * ((arP > 4 * scaleP / HUBER_K ? (4 * scaleP) / HUBER_K : arP) - s[o + SCALE_PLAIN]);
    s[o + SCALE_SEASON] += aScale * ((Math.abs(rSeason) > 4 * scaleS / HUBER_K ? (4 * scaleS) / HUBER_K : Math.abs(rSeason)) - s[o + SCALE_SEASON]);
    s[o + ABS_X] += 0.01 * (Math.abs(value) - absX);
    const dx = Math.abs(value - s[o + LAST_X]);
    if (dx > 0 && (res === 0 || dx < res)) s[o + RESOLUTION] = dx;
    s[o + LAST_X] = value;
    s[o + LAST_T] = t;
    s[o + N] = n + 1;
  }

  /** Trigg's tracking signal |EW r| / EW |r| in [0, 1]: near 1 when residuals keep one sign. */
  private track(at: number, alpha: number): void {
    const s = this.state;
    const r = this.io[0];
    const num = s[at] + alpha * (r - s[at]);
    const den = s[at + 1] + alpha * (Math.abs(r) - s[at + 1]);
    s[at] = num;
    s[at + 1] = den;
    this.io[1] = den > 0 ? Math.abs(num) / den : 0;
  }

  /**
   * Upper-tail probability of statistic `x`, then learns from it: peaks over a tracked quantile u,
   * excesses modelled as a generalised Pareto distribution whose shape ξ and scale σ come from the
   * excesses' first two moments (Pickands–Balkema–de Haan; SPOT, Siffer et al. 2017).
   *   P(X > x) = (1 − q) · (1 + ξ (x − u) / σ)^(−1/ξ)
   * A heavy tail (ξ > 0) keeps p from collapsing to 0 on series that are spiky by nature.
   */
  private tail(at: number, learn: boolean): void {
    const s = this.state;
    const x = this.io[0];
    const u = s[at];
    let p = 1;
    if (x > u) {
      const m = s[at + 1];
      const v = s[at + 2] - m * m;
      const ratio = v > 0 ? (m * m) / v : 1;
      let xi = 0.5 * (1 - ratio);
      xi = xi < MIN_SHAPE ? MIN_SHAPE : xi > MAX_SHAPE ? MAX_SHAPE : xi;
      const sigma = m * (1 - xi); // mean of a GPD excess is σ / (1 − ξ)
      p = (1 - TAIL_Q) * Math.pow(1 + (xi * (x - u)) / sigma, -1 / xi);
      if (learn) {
        const e = Math.min(x - u, 50 * m);
        s[at + 1] = m + ALPHA_EXCESS * (e - m);
        s[at + 2] += ALPHA_EXCESS * (e * e - s[at + 2]);
      }
    }
    // Quantile tracker (stochastic approximation), step relative to the current excess scale.
    if (learn) s[at] = u + TAIL_ETA * s[at + 1] * ((x > u ? 1 : 0) - (1 - TAIL_Q));
    this.io[1] = p > 1 ? 1 : p;
  }

  /** phase(io[0], period) into io[1]: the doubles cross the call unboxed (see inverseTail). */
  private phaseIo(period: number): void {
    this.io[1] = phase(this.io[0], period);
  }

  /**
   * The value of a statistic whose tail probability is p (inverse of `tail`), written to io[1]:
   * V8 does not inline this into update(), and a returned double is boxed — two allocations per
   * update until 2026-12-04 (with phase(): `detector_allocated_bytes_per_update` 32–96 B, now ~0).
   */
  private inverseTail(at: number, p: number): void {
    const s = this.state;
    const m = s[at + 1];
    const v = s[at + 2] - m * m;
    const ratio = v > 0 ? (m * m) / v : 1;
    let xi = 0.5 * (1 - ratio);
    xi = xi < MIN_SHAPE ? MIN_SHAPE : xi > MAX_SHAPE ? MAX_SHAPE : xi;
    const sigma = m * (1 - xi);
    // The band's p is one constant and ξ is mostly at a bound: the power is then a constant too.
    const pow = p !== BAND_P ? Math.pow(p / (1 - TAIL_Q), -xi) : xi === MIN_SHAPE ? BAND_POW_MIN_SHAPE : xi === MAX_SHAPE ? BAND_POW_MAX_SHAPE : Math.pow(p / (1 - TAIL_Q), -xi);
    this.io[1] = s[at] + (sigma / xi) * (pow - 1);
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
export const STATE_VERSION = 2;
