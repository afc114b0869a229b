/**
 * Trend + daily-seasonal forecasts of capacity-like series (free disk, credit balances, pool use),
 * for proactive insights: "when will this series cross its limit?".
 *
 *   sample ─► bucket (sum, count, Σ time offset) in a per-series ring      O(1), no allocation
 *   on demand (every N samples, never per sample):
 *     bucket means ─► robust line (Huber IRLS)  ⇄  24 h profile of the residuals  (alternated)
 *                 ─► residual σ, lag-1 autocorrelation ρ ─► effective sample size n·(1−ρ)/(1+ρ)
 *     forecast(t) = level + slope·(t − t̄) + profile(hour of day)
 *     interval    = ± z·sqrt(σ² + se(level)² + (t − t̄)²·se(slope)²)          (widens with horizon)
 *
 * Why these choices:
 * - Downsampling into buckets keeps memory fixed whatever the scrape interval. Buckets start 15 s
 *   wide and double (pairs merged) whenever the window is full, up to 32 minutes; from then on the
 *   ring slides, keeping the last BUCKETS × 32 min ≈ 7.1 days. So a tmpfs filling in minutes and a
 *   volume filling over weeks are both forecast from the same state.
 * - A robust regression over a window (rather than Holt's recursion) can be re-fitted from scratch,
 *   so a burst of outliers or a late-learned seasonal profile does not linger in the state.
 * - The daily profile is only fitted once two days are seen: with less than two cycles a daily
 *   swing and a trend cannot be told apart (a rising morning looks like a leak).
 * - Residuals of a misfit (an unmodelled cycle, a curve) are strongly autocorrelated; shrinking the
 *   sample size by the AR(1) factor keeps such drifts from looking like a significant trend, which
 *   is the failure users complain about in forecast bands that flag everything (field-lessons.md).
 */

/** A point forecast with its prediction interval. */
export interface ForecastPoint {
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
}

/** When the forecast crosses a limit: pessimistic bound / point forecast / optimistic bound. */
export interface ExhaustionForecast {
  readonly earliestMs: number;
  readonly expectedMs: number;
  readonly latestMs: number;
  /** True when the optimistic bound never crossed within LATEST_SEARCH_FACTOR × horizon; latestMs is then that search end. */
  readonly latestCapped: boolean;
}

/** The fitted trend and how sure it is. */
export interface TrendSummary {
  readonly slopePerMs: number;
  readonly slopeStdErrPerMs: number;
  /** slope / its standard error (with the autocorrelation correction). */
  readonly tStat: number;
  /** Time between the first and the last sample in the window. */
  readonly spanMs: number;
  /** Non-empty buckets in the window. */
  readonly points: number;
  /** Residual standard deviation of the bucket means. */
  readonly sigma: number;
  /** Median of the bucket means: the series' typical level over the window. */
  readonly typical: number;
  /** Whether the daily profile was fitted. */
  readonly seasonal: boolean;
  /** Time of the newest sample. */
  readonly lastMs: number;
  readonly lastValue: number;
}

export interface CapacityForecasterOptions {
  /** Half-width of the prediction interval in standard deviations (default 1.96: 95 %). */
  readonly intervalZ?: number;
  readonly initialCapacity?: number;
}

export const BUCKETS = 320;
export const BASE_BUCKET_SEC = 15;
export const MAX_BUCKET_SEC = 1920;
const PROFILE_BINS = 24;
const HOUR_SEC = 3600;
const DAY_SEC = 86_400;
/** Two full daily cycles before a profile is fitted. */
export const SEASONAL_MIN_SPAN_MS = 2 * DAY_SEC * 1000;
const HUBER_K = 2;
const IRLS_ROUNDS = 4;
const RHO_MAX = 0.98;
export const LATEST_SEARCH_FACTOR = 4;
/** Scan step for crossings: 1 % of the distance from now (relative precision), within these bounds. */
const SCAN_MIN_STEP_SEC = 1;
const SCAN_MAX_STEP_SEC = 900;
const SCAN_REL_STEP = 0.01;

// ---- layout of one series' state (times in seconds relative to ORIGIN, to keep precision)
const COUNT = 0; // samples seen
const ORIGIN = 1; // first sample time (s, absolute)
const WIDTH = 2; // bucket width (s)
const FIRST_K = 3; // oldest bucket index kept
const LAST_K = 4; // newest bucket index
const LAST_T = 5; // newest sample time (s, relative)
const LAST_X = 6;
const FIRST_T = 7; // oldest sample time still in the window (s, relative)
// cached fit, valid while FIT_COUNT === COUNT
const FIT_COUNT = 8;
const FIT_OK = 9;
const F_LEVEL = 10; // value at t̄
const F_SLOPE = 11; // per second
const F_TMEAN = 12;
const F_SIGMA = 13;
const F_SE_LEVEL = 14;
const F_SE_SLOPE = 15;
const F_POINTS = 16;
const F_SEASONAL = 17;
const F_TYPICAL = 18;
const WIN_FROM = 19; // fit only buckets at or after this time (s, relative); NaN: the whole window
const FULL_SEASONAL = 20; // the last whole-window fit had a daily profile (kept for windowed fits)
const PROFILE = 21; // PROFILE_BINS values
const SUMS = PROFILE + PROFILE_BINS;
const COUNTS = SUMS + BUCKETS;
const TSUMS = COUNTS + BUCKETS; // Σ (t − bucket start) per bucket
export const FORECAST_STRIDE = TSUMS + BUCKETS;

export class CapacityForecaster {
  /** All series' state, FORECAST_STRIDE numbers each (≈ 7.9 KB per series). */
  state: Float64Array;
  private count = 0;
  private readonly z: number;
  // Fit scratch, shared by all series (fits run one at a time).
  private readonly xs = new Float64Array(BUCKETS);
  private readonly ys = new Float64Array(BUCKETS);
  private readonly ws = new Float64Array(BUCKETS);
  private readonly rs = new Float64Array(BUCKETS);
  private readonly ks = new Float64Array(BUCKETS);
  private readonly bins = new Int32Array(BUCKETS);
  private readonly sortBuf = new Float64Array(BUCKETS);
  private readonly binSum = new Float64Array(PROFILE_BINS);
  private readonly binW = new Float64Array(PROFILE_BINS);

  constructor(options: CapacityForecasterOptions = {}) {
    this.z = options.intervalZ ?? 1.96;
    this.state = new Float64Array(Math.max(1, options.initialCapacity ?? 16) * FORECAST_STRIDE);
  }

  get size(): number {
    return this.count;
  }

  /** Adds a series and returns its id. */
  add(): number {
    const id = this.count++;
    if (this.count * FORECAST_STRIDE > this.state.length) {
      const next = new Float64Array(Math.max(this.state.length * 2, this.count * FORECAST_STRIDE));
      next.set(this.state);
      this.state = next;
    }
    this.reset(id);
    return id;
  }

  /** Forgets a series' history (e.g. after a cleanup or a resize made the old trend meaningless). */
  reset(id: number): void {
    const o = id * FORECAST_STRIDE;
    this.state.fill(0, o, o + FORECAST_STRIDE);
    this.state[o + FIT_COUNT] = -1;
    this.state[o + WIN_FROM] = NaN;
  }

  /**
   * Restricts the fit to samples at or after `fromMs` (a recent regime: a disk that started filling
   * nine hours ago in four days of history), or with null back to the whole window. A windowed fit
   * keeps the daily profile of the last whole-window fit instead of refitting it on a few hours.
   */
  setWindowStart(id: number, fromMs: number | null): void {
    const s = this.state;
    const o = id * FORECAST_STRIDE;
    const from = fromMs === null ? NaN : fromMs / 1000 - s[o + ORIGIN]!;
    const current = s[o + WIN_FROM]!;
    if (from === current || (Number.isNaN(from) && Number.isNaN(current))) return;
    s[o + WIN_FROM] = from;
    s[o + FIT_COUNT] = -1;
  }

  /** Samples folded in since the last reset. */
  samples(id: number): number {
    return this.state[id * FORECAST_STRIDE + COUNT]!;
  }

  /**
   * Feeds one sample. Times must increase per series; an older or equal time, or a non-finite
   * value, is ignored. Allocates nothing.
   */
  update(id: number, timeMs: number, value: number): void {
    if (!Number.isFinite(value) || !Number.isFinite(timeMs)) return;
    const s = this.state;
    const o = id * FORECAST_STRIDE;
    const tAbs = timeMs / 1000;
    if (s[o + COUNT] === 0) {
      s[o + ORIGIN] = tAbs;
      s[o + WIDTH] = BASE_BUCKET_SEC;
      s[o + FIRST_K] = 0;
      s[o + LAST_K] = 0;
      s[o + FIRST_T] = 0;
      s[o + LAST_T] = 0;
      this.addToBucket(o, 0, 0, value);
      s[o + LAST_X] = value;
      s[o + COUNT] = 1;
      return;
    }
    const t = tAbs - s[o + ORIGIN]!;
    if (t <= s[o + LAST_T]!) return;
    let width = s[o + WIDTH]!;
    let k = Math.floor(t / width);
    // Growing phase: nothing dropped yet, bucket k lives in slot k. Merge pairs until k fits.
    while (width < MAX_BUCKET_SEC && k >= BUCKETS) {
      this.mergePairs(o);
      width = s[o + WIDTH]!;
      k = Math.floor(t / width);
    }
    const lastK = s[o + LAST_K]!;
    if (k > lastK) {
      // Clear the slots between the last bucket and this one (they may hold data from a lap ago).
      const clearTo = Math.min(k, lastK + BUCKETS);
      for (let j = lastK + 1; j <= clearTo; j++) this.clearSlot(o, j % BUCKETS);
      s[o + LAST_K] = k;
      if (k - s[o + FIRST_K]! >= BUCKETS) {
        s[o + FIRST_K] = k - BUCKETS + 1;
        s[o + FIRST_T] = Math.max(s[o + FIRST_T]!, (k - BUCKETS + 1) * width);
      }
    }
    this.addToBucket(o, k % BUCKETS, t - k * width, value);
    s[o + LAST_T] = t;
    s[o + LAST_X] = value;
    s[o + COUNT] = s[o + COUNT]! + 1;
  }

  private addToBucket(o: number, slot: number, offset: number, value: number): void {
    const s = this.state;
    s[o + SUMS + slot] = s[o + SUMS + slot]! + value;
    s[o + COUNTS + slot] = s[o + COUNTS + slot]! + 1;
    s[o + TSUMS + slot] = s[o + TSUMS + slot]! + offset;
  }

  private clearSlot(o: number, slot: number): void {
    const s = this.state;
    s[o + SUMS + slot] = 0;
    s[o + COUNTS + slot] = 0;
    s[o + TSUMS + slot] = 0;
  }

  /** Doubles the bucket width: bucket j ← buckets 2j and 2j+1 (only in the growing phase). */
  private mergePairs(o: number): void {
    const s = this.state;
    const width = s[o + WIDTH]!;
    for (let j = 0; j < BUCKETS / 2; j++) {
      const a = 2 * j;
      const b = a + 1;
      s[o + SUMS + j] = s[o + SUMS + a]! + s[o + SUMS + b]!;
      s[o + COUNTS + j] = s[o + COUNTS + a]! + s[o + COUNTS + b]!;
      // Offsets are relative to the bucket start; the odd half starts `width` later.
      s[o + TSUMS + j] = s[o + TSUMS + a]! + s[o + TSUMS + b]! + width * s[o + COUNTS + b]!;
    }
    for (let j = BUCKETS / 2; j < BUCKETS; j++) this.clearSlot(o, j);
    s[o + WIDTH] = width * 2;
    s[o + LAST_K] = Math.floor(s[o + LAST_K]! / 2);
  }

  /**
   * Fits trend and profile if samples arrived since the last fit. Returns false when there are
   * fewer than 3 non-empty buckets (no forecast yet).
   */
  private fit(id: number): boolean {
    const s = this.state;
    const o = id * FORECAST_STRIDE;
    if (s[o + FIT_COUNT] === s[o + COUNT]) return s[o + FIT_OK] === 1;
    s[o + FIT_COUNT] = s[o + COUNT]!;
    s[o + FIT_OK] = 0;
    const { xs, ys, ws, rs, ks, bins } = this;
    const width = s[o + WIDTH]!;
    const origin = s[o + ORIGIN]!;
    const from = s[o + WIN_FROM]!;
    const windowed = !Number.isNaN(from);
    let n = 0;
    for (let k = s[o + FIRST_K]!; k <= s[o + LAST_K]!; k++) {
      const slot = k % BUCKETS;
      const c = s[o + COUNTS + slot]!;
      if (c === 0) continue;
      if (windowed && (k + 1) * width <= from) continue;
      xs[n] = k * width + s[o + TSUMS + slot]! / c;
      ys[n] = s[o + SUMS + slot]! / c;
      ks[n] = k;
      ws[n] = 1;
      bins[n] = Math.floor(positiveMod(origin + xs[n]!, DAY_SEC) / HOUR_SEC) % PROFILE_BINS;
      n++;
    }
    if (n < 3) return false;
    const spanSec = xs[n - 1]! - xs[0]!;
    const prof = o + PROFILE;
    // A windowed fit de-seasonalises with the whole window's profile (fixed), or with none.
    const keepProfile = windowed && s[o + FULL_SEASONAL] === 1;
    const seasonal = !windowed && spanSec * 1000 >= SEASONAL_MIN_SPAN_MS;
    if (!keepProfile) s.fill(0, prof, prof + PROFILE_BINS);
    if (!windowed) s[o + FULL_SEASONAL] = seasonal ? 1 : 0;

    let level = 0;
    let slope = 0;
    let tMean = 0;
    let sxx = 0;
    let sw = 0;
    for (let round = 0; round < IRLS_ROUNDS; round++) {
      // Weighted least squares line on the de-seasonalised values.
      sw = 0;
      let st = 0;
      let sy = 0;
      for (let i = 0; i < n; i++) {
        const w = ws[i]!;
        sw += w;
        st += w * xs[i]!;
        sy += w * (ys[i]! - s[prof + bins[i]!]!);
      }
      tMean = st / sw;
      const yMean = sy / sw;
      sxx = 0;
      let sxy = 0;
      for (let i = 0; i < n; i++) {
        const w = ws[i]!;
        const dx = xs[i]! - tMean;
        sxx += w * dx * dx;
        sxy += w * dx * (ys[i]! - s[prof + bins[i]!]! - yMean);
      }
      slope = sxx > 0 ? sxy / sxx : 0;
      level = yMean;
      if (seasonal) this.fitProfile(s, prof, n, level, slope, tMean);
      for (let i = 0; i < n; i++) rs[i] = ys[i]! - level - slope * (xs[i]! - tMean) - s[prof + bins[i]!]!;
      // Huber weights from a robust scale (1.4826 · median |r|).
      const scale = 1.4826 * this.medianAbs(rs, n);
      for (let i = 0; i < n; i++) {
        const a = Math.abs(rs[i]!);
        ws[i] = scale > 0 && a > HUBER_K * scale ? (HUBER_K * scale) / a : 1;
      }
    }
    // Residual variance with the degrees of freedom the model used.
    const params = 2 + (seasonal ? PROFILE_BINS - 1 : 0);
    let ss = 0;
    for (let i = 0; i < n; i++) ss += ws[i]! * rs[i]! * rs[i]!;
    const sigma = Math.sqrt(ss / Math.max(1, sw - params));
    // Lag-1 autocorrelation over adjacent buckets: a misfit leaves runs of same-signed residuals.
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      den += rs[i]! * rs[i]!;
      if (i > 0 && ks[i]! - ks[i - 1]! === 1) num += rs[i]! * rs[i - 1]!;
    }
    const rho = den > 0 ? Math.min(RHO_MAX, Math.max(0, num / den)) : 0;
    const inflate = Math.sqrt((1 + rho) / (1 - rho)); // sqrt(n / n_eff)
    s[o + F_LEVEL] = level;
    s[o + F_SLOPE] = slope;
    s[o + F_TMEAN] = tMean;
    s[o + F_SIGMA] = sigma;
    s[o + F_SE_LEVEL] = (sigma / Math.sqrt(sw)) * inflate;
    s[o + F_SE_SLOPE] = sxx > 0 ? (sigma / Math.sqrt(sxx)) * inflate : 0;
    s[o + F_POINTS] = n;
    s[o + F_SEASONAL] = seasonal || keepProfile ? 1 : 0;
    for (let i = 0; i < n; i++) this.sortBuf[i] = ys[i]!;
    s[o + F_TYPICAL] = median(this.sortBuf, n);
    s[o + FIT_OK] = 1;
    return true;
  }

  /** Profile = weighted mean residual per hour of day, centred so the line keeps the level. */
  private fitProfile(s: Float64Array, prof: number, n: number, level: number, slope: number, tMean: number): void {
    const { binSum, binW, xs, ys, ws, bins } = this;
    binSum.fill(0);
    binW.fill(0);
    for (let i = 0; i < n; i++) {
      const b = bins[i]!;
      binSum[b] = binSum[b]! + ws[i]! * (ys[i]! - level - slope * (xs[i]! - tMean));
      binW[b] = binW[b]! + ws[i]!;
    }
    let total = 0;
    let totalW = 0;
    for (let b = 0; b < PROFILE_BINS; b++) {
      const v = binW[b]! > 0 ? binSum[b]! / binW[b]! : 0;
      s[prof + b] = v;
      total += v * binW[b]!;
      totalW += binW[b]!;
    }
    const mean = totalW > 0 ? total / totalW : 0;
    for (let b = 0; b < PROFILE_BINS; b++) if (binW[b]! > 0) s[prof + b] = s[prof + b]! - mean;
  }

  private medianAbs(rs: Float64Array, n: number): number {
    for (let i = 0; i < n; i++) this.sortBuf[i] = Math.abs(rs[i]!);
    return median(this.sortBuf, n);
  }

  /** The bucket means in the window, oldest first (mean sample time and value of each non-empty bucket). */
  history(id: number): { timesMs: number[]; values: number[] } {
    const s = this.state;
    const o = id * FORECAST_STRIDE;
    const out = { timesMs: [] as number[], values: [] as number[] };
    if (s[o + COUNT] === 0) return out;
    const width = s[o + WIDTH]!;
    const origin = s[o + ORIGIN]!;
    for (let k = s[o + FIRST_K]!; k <= s[o + LAST_K]!; k++) {
      const slot = k % BUCKETS;
      const c = s[o + COUNTS + slot]!;
      if (c === 0) continue;
      out.timesMs.push(Math.round((origin + k * width + s[o + TSUMS + slot]! / c) * 1000));
      out.values.push(s[o + SUMS + slot]! / c);
    }
    return out;
  }

  /** Point forecast and prediction interval at `atMs`, or null with fewer than 3 buckets of data. */
  forecast(id: number, atMs: number): ForecastPoint | null {
    if (!this.fit(id)) return null;
    const o = id * FORECAST_STRIDE;
    const t = atMs / 1000 - this.state[o + ORIGIN]!;
    const value = this.valueAt(o, t);
    const half = this.halfWidthAt(o, t);
    return { value, lower: value - half, upper: value + half };
  }

  private valueAt(o: number, t: number): number {
    const s = this.state;
    const bin = Math.floor(positiveMod(s[o + ORIGIN]! + t, DAY_SEC) / HOUR_SEC) % PROFILE_BINS;
    return s[o + F_LEVEL]! + s[o + F_SLOPE]! * (t - s[o + F_TMEAN]!) + s[o + PROFILE + bin]!;
  }

  private halfWidthAt(o: number, t: number): number {
    const s = this.state;
    const sig = s[o + F_SIGMA]!;
    const seL = s[o + F_SE_LEVEL]!;
    const seB = s[o + F_SE_SLOPE]!;
    const dt = t - s[o + F_TMEAN]!;
    return this.z * Math.sqrt(sig * sig + seL * seL + dt * dt * seB * seB);
  }

  /** The fitted trend, its significance and the window it came from; null before 3 buckets. */
  trend(id: number): TrendSummary | null {
    if (!this.fit(id)) return null;
    const s = this.state;
    const o = id * FORECAST_STRIDE;
    const slope = s[o + F_SLOPE]!;
    const se = s[o + F_SE_SLOPE]!;
    return {
      slopePerMs: slope / 1000,
      slopeStdErrPerMs: se / 1000,
      tStat: se > 0 ? slope / se : slope === 0 ? 0 : Math.sign(slope) * Infinity,
      spanMs: (s[o + LAST_T]! - (Number.isNaN(s[o + WIN_FROM]!) ? s[o + FIRST_T]! : Math.max(s[o + FIRST_T]!, s[o + WIN_FROM]!))) * 1000,
      points: s[o + F_POINTS]!,
      sigma: s[o + F_SIGMA]!,
      typical: s[o + F_TYPICAL]!,
      seasonal: s[o + F_SEASONAL] === 1,
      lastMs: (s[o + ORIGIN]! + s[o + LAST_T]!) * 1000,
      lastValue: s[o + LAST_X]!,
    };
  }

  /**
   * When the series is forecast to reach `limit` — falling to it (`down`, e.g. free bytes → 0) or
   * rising to it (`up`, e.g. a ratio → 1) — searching from `nowMs` up to `nowMs + horizonMs`.
   * earliest: the pessimistic bound crosses; expected: the point forecast; latest: the optimistic
   * bound (searched up to LATEST_SEARCH_FACTOR × horizon). Null when the point forecast does not
   * cross inside the horizon, or with too little data.
   */
  exhaustion(id: number, nowMs: number, limit: number, direction: 'down' | 'up', horizonMs: number): ExhaustionForecast | null {
    if (!this.fit(id) || !(horizonMs > 0)) return null;
    const o = id * FORECAST_STRIDE;
    const sign = direction === 'down' ? 1 : -1; // "has crossed" ⇔ sign·(bound − limit) ≤ 0
    const t0 = nowMs / 1000 - this.state[o + ORIGIN]!;
    const end = t0 + horizonMs / 1000;
    const latestEnd = t0 + (LATEST_SEARCH_FACTOR * horizonMs) / 1000;
    let earliest = NaN;
    let expected = NaN;
    let latest = NaN;
    let prev = t0;
    let t = t0;
    for (;;) {
      const v = this.valueAt(o, t);
      const h = this.halfWidthAt(o, t);
      const pess = v - sign * h;
      const opt = v + sign * h;
      if (Number.isNaN(earliest) && sign * (pess - limit) <= 0) earliest = this.refine(o, prev, t, limit, sign, -1);
      if (Number.isNaN(expected) && sign * (v - limit) <= 0) expected = this.refine(o, prev, t, limit, sign, 0);
      if (sign * (opt - limit) <= 0) {
        latest = this.refine(o, prev, t, limit, sign, 1);
        break;
      }
      if (Number.isNaN(expected) && t >= end) return null;
      if (t >= latestEnd) break;
      prev = t;
      const step = Math.min(SCAN_MAX_STEP_SEC, Math.max(SCAN_MIN_STEP_SEC, (t - t0) * SCAN_REL_STEP));
      let next = t + step;
      if (Number.isNaN(expected) && t < end && next > end) next = end;
      t = Math.min(next, latestEnd);
    }
    const origin = this.state[o + ORIGIN]!;
    const capped = Number.isNaN(latest);
    if (capped) latest = latestEnd;
    // Bounds can only cross in this order for a symmetric interval; guard the rounding of refine().
    const expectedMs = (origin + expected) * 1000;
    const earliestMs = Math.min((origin + earliest) * 1000, expectedMs);
    const latestMs = Math.max((origin + latest) * 1000, expectedMs);
    return { earliestMs, expectedMs, latestMs, latestCapped: capped };
  }

  /** Bisection for the first crossing of `bound` (−1 pessimistic, 0 point, +1 optimistic) in (a, b]. */
  private refine(o: number, a: number, b: number, limit: number, sign: number, bound: number): number {
    const crossed = (t: number): boolean => sign * (this.valueAt(o, t) + bound * sign * this.halfWidthAt(o, t) - limit) <= 0;
    if (a >= b || crossed(a)) return b <= a ? b : a;
    let lo = a;
    let hi = b;
    for (let i = 0; i < 30 && hi - lo > 0.5; i++) {
      const mid = (lo + hi) / 2;
      if (crossed(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}

function positiveMod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

/** Median of buf[0..n) (sorts that prefix in place). */
function median(buf: Float64Array, n: number): number {
  const view = buf.subarray(0, n);
  view.sort();
  return n % 2 === 1 ? view[(n - 1) / 2]! : (view[n / 2 - 1]! + view[n / 2]!) / 2;
}
