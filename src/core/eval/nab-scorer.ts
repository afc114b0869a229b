/**
 * The Numenta Anomaly Benchmark (NAB v1.1) scoring rules, reimplemented exactly so that Vigil can
 * backtest itself without Python. Rules (NAB paper, Lavin & Ahmad 2015, and NAB's sweeper):
 *
 *   window:   [left ............ right]         a labelled anomaly window (inclusive, by row index)
 *   TP  y = -(right - i + 1) / width            position in window, -1 at the left edge, ~0 at the right
 *   FP  y = |prevRight - i| / (prevWidth - 1)   distance past the previous window; 3.0 with none before
 *   σ(y) = 2 / (1 + e^{5y}) - 1                 (σ = -1 for y >= 3)
 *   TP worth tpWeight·σ(y)/σ(-1); only the best (earliest) detection per window counts
 *   FP worth fpWeight·σ(y) each; a missed window costs -fnWeight
 *   the first min(floor(0.15·n), 750) rows of each file are probationary and not scored
 *
 * One threshold per profile is chosen to maximise the corpus total, sweeping every distinct score
 * (a row is a detection when score >= threshold). Pure: data in, numbers out.
 */

export interface NabProfile {
  readonly name: string;
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

export const NAB_PROFILES: readonly NabProfile[] = [
  { name: 'standard', tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  { name: 'reward_low_FP_rate', tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  { name: 'reward_low_FN_rate', tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
];

/** One scored file: timestamps (any monotone number, e.g. epoch ms), scores, and windows by timestamp. */
export interface NabFile {
  readonly name: string;
  readonly timestamps: ArrayLike<number>;
  readonly scores: ArrayLike<number>;
  /** Inclusive [start, end] timestamps; each must equal a row's timestamp. */
  readonly windows: ReadonlyArray<readonly [number, number]>;
}

export const PROBATION_PERCENT = 0.15;

export function probationaryLength(rows: number, probationPercent = PROBATION_PERCENT): number {
  return Math.min(Math.floor(probationPercent * rows), probationPercent * 5000);
}

/** NAB's scaled sigmoid: +0.987 at a window's left edge, 0 at its right edge, -> -1 far past it. */
export function scaledSigmoid(y: number): number {
  if (y >= 3.0) return -1.0;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

const MAX_TP = scaledSigmoid(-1.0);
const NO_WINDOW = -1;
const PROBATIONARY = -2;

/** Rows of a corpus labelled once; the weights of a profile are applied later. */
export interface LabelledRows {
  readonly score: Float64Array;
  /** Unweighted σ(y) of the row as a TP (in a window) or an FP (outside). */
  readonly sigma: Float64Array;
  /** Global window id, NO_WINDOW (-1) or PROBATIONARY (-2). */
  readonly window: Int32Array;
  /** Index of the file each row belongs to. */
  readonly file: Int32Array;
  /** Number of windows that have at least one scorable row (the ones that count). */
  readonly scorableWindows: number;
  readonly windowCount: number;
}

export class NabLabelError extends Error {}

export function labelRows(files: readonly NabFile[], probationPercent = PROBATION_PERCENT): LabelledRows {
  let total = 0;
  for (const f of files) {
    if (f.timestamps.length !== f.scores.length) {
      throw new NabLabelError(`${f.name}: ${f.timestamps.length} timestamps but ${f.scores.length} scores`);
    }
    total += f.timestamps.length;
  }
  const score = new Float64Array(total);
  const sigma = new Float64Array(total);
  const window = new Int32Array(total);
  const file = new Int32Array(total);
  let row = 0;
  let nextWindowId = 0;
  const scorable = new Set<number>();

  files.forEach((f, fileIndex) => {
    const n = f.timestamps.length;
    const indexOf = new Map<number, number>();
    for (let i = 0; i < n; i++) if (!indexOf.has(f.timestamps[i])) indexOf.set(f.timestamps[i], i);
    const pending = f.windows.map(([start, end]) => {
      const left = indexOf.get(start);
      const right = indexOf.get(end);
      if (left === undefined || right === undefined) {
        throw new NabLabelError(`${f.name}: window [${start}, ${end}] does not start and end on rows of the file`);
      }
      return { left, right, id: nextWindowId++ };
    });
    const probation = probationaryLength(n, probationPercent);
    let cur: { left: number; right: number; id: number; width: number } | null = null;
    let prevRight = -1;
    let prevWidth = 0;
    let next = 0;
    for (let i = 0; i < n; i++, row++) {
      if (cur === null && next < pending.length && pending[next].left === i) {
        const w = pending[next++];
        cur = { ...w, width: w.right - w.left + 1 };
      }
      let s: number;
      if (cur !== null) {
        s = scaledSigmoid(-(cur.right - i + 1) / cur.width) / MAX_TP;
      } else {
        s = scaledSigmoid(prevRight < 0 ? 3.0 : Math.abs(prevRight - i) / (prevWidth - 1));
      }
      score[row] = f.scores[i];
      sigma[row] = s;
      file[row] = fileIndex;
      if (i < probation) window[row] = PROBATIONARY;
      else if (cur !== null) {
        window[row] = cur.id;
        scorable.add(cur.id);
      } else window[row] = NO_WINDOW;
      if (cur !== null && i === cur.right) {
        prevRight = i;
        prevWidth = cur.width;
        cur = null;
      }
    }
  });
  return { score, sigma, window, file, scorableWindows: scorable.size, windowCount: nextWindowId };
}

export interface ThresholdScore {
  readonly threshold: number;
  /** Raw (unnormalised) score of the corpus at this threshold. */
  readonly score: number;
  /** Windows with at least one detection. */
  readonly tpWindows: number;
  /** Windows with none. */
  readonly fnWindows: number;
  /** Detections outside every window. */
  readonly fpRows: number;
}

/** Score at every distinct threshold, from the highest (1.1, nothing detected) down. */
export function sweepThresholds(rows: LabelledRows, profile: NabProfile): ThresholdScore[] {
  const order: number[] = [];
  for (let i = 0; i < rows.score.length; i++) if (rows.window[i] !== PROBATIONARY) order.push(i);
  // Stable descending sort by score; ties keep file order as NAB's Python sort does.
  order.sort((a, b) => rows.score[b] - rows.score[a] || a - b);
  const best = new Map<number, number>();
  let fpSum = 0;
  let windowSum = -profile.fnWeight * rows.scorableWindows;
  let fpRows = 0;
  const out: ThresholdScore[] = [];
  let threshold = 1.1;
  const push = () => out.push({ threshold, score: fpSum + windowSum, tpWindows: best.size, fnWindows: rows.scorableWindows - best.size, fpRows });
  for (const i of order) {
    if (rows.score[i] !== threshold) {
      push();
      threshold = rows.score[i];
    }
    const w = rows.window[i];
    if (w === NO_WINDOW) {
      fpSum += profile.fpWeight * rows.sigma[i];
      fpRows++;
    } else {
      const tp = profile.tpWeight * rows.sigma[i];
      const prev = best.get(w);
      const before = prev === undefined ? -profile.fnWeight : prev;
      const after = Math.max(before, tp);
      windowSum += after - before;
      best.set(w, after);
    }
  }
  push();
  return out;
}

export interface ProfileResult {
  readonly profile: string;
  readonly threshold: number;
  readonly rawScore: number;
  readonly nullScore: number;
  readonly perfectScore: number;
  /** 100·(raw − null)/(perfect − null). */
  readonly normalisedScore: number;
  readonly tpWindows: number;
  readonly fnWindows: number;
  readonly fpRows: number;
}

/** Optimise the threshold over the corpus and normalise against the null and perfect detectors. */
export function scoreProfile(rows: LabelledRows, profile: NabProfile): ProfileResult {
  const sweep = sweepThresholds(rows, profile);
  let best = sweep[0];
  for (const s of sweep) if (s.score > best.score) best = s; // first maximum = highest threshold, as NAB
  const nullScore = -profile.fnWeight * rows.scorableWindows;
  const perfectScore = profile.tpWeight * rows.scorableWindows;
  const span = perfectScore - nullScore;
  return {
    profile: profile.name,
    threshold: best.threshold,
    rawScore: best.score,
    nullScore,
    perfectScore,
    normalisedScore: span === 0 ? 0 : (100 * (best.score - nullScore)) / span,
    tpWindows: best.tpWindows,
    fnWindows: best.fnWindows,
    fpRows: best.fpRows,
  };
}

export function scoreCorpus(files: readonly NabFile[], profiles: readonly NabProfile[] = NAB_PROFILES): ProfileResult[] {
  const rows = labelRows(files);
  return profiles.map((p) => scoreProfile(rows, p));
}

export interface FileBreakdown {
  readonly name: string;
  readonly windows: number;
  /** Per scorable window: row offset of the first detection from the window's left edge, or -1. */
  readonly detectedAt: number[];
  readonly fpRows: number;
  readonly rawScore: number;
}

/** Per-file detail at one threshold, for seeing where a detector wins and loses. */
export function breakdownByFile(files: readonly NabFile[], rows: LabelledRows, profile: NabProfile, threshold: number): FileBreakdown[] {
  const out: FileBreakdown[] = [];
  let row = 0;
  for (let f = 0; f < files.length; f++) {
    const n = files[f].timestamps.length;
    const firstRowOfWindow = new Map<number, number>();
    const firstHit = new Map<number, number>();
    const best = new Map<number, number>();
    let fp = 0;
    let fpSum = 0;
    for (let i = 0; i < n; i++, row++) {
      const w = rows.window[row];
      if (w >= 0 && !firstRowOfWindow.has(w)) firstRowOfWindow.set(w, i);
      if (w === PROBATIONARY || rows.score[row] < threshold) continue;
      if (w === NO_WINDOW) {
        fp++;
        fpSum += profile.fpWeight * rows.sigma[row];
      } else if (!firstHit.has(w)) {
        firstHit.set(w, i - (firstRowOfWindow.get(w) ?? i));
        best.set(w, profile.tpWeight * rows.sigma[row]);
      }
    }
    const ids = [...firstRowOfWindow.keys()];
    const raw = fpSum + ids.reduce((acc, w) => acc + (best.get(w) ?? -profile.fnWeight), 0);
    out.push({ name: files[f].name, windows: ids.length, detectedAt: ids.map((w) => firstHit.get(w) ?? -1), fpRows: fp, rawScore: raw });
  }
  return out;
}
