// Hand-computed tests for the NAB v1.1 scorer (src/core/eval/nab-scorer.ts).
//
// Expected values are worked out from the NAB rules in the comments next to each assertion. The only
// arithmetic the test borrows is σ itself, re-implemented here from its definition with Math.exp, so
// the expected side never calls the module under test. Raw scores are compared to 1e-12 rather than
// bit-for-bit: the scorer sums incrementally (−W·fn, then +(tp + fn) per window), which can differ
// from the hand formula in the last ulp.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import {
  NAB_PROFILES,
  NabLabelError,
  labelRows,
  probationaryLength,
  scaledSigmoid,
  scoreCorpus,
  scoreProfile,
  sweepThresholds,
  type NabFile,
  type NabProfile,
  type ThresholdScore,
} from '../../../src/core/eval/nab-scorer.js';

// ---------------------------------------------------------------------------------------------
// Test-side helpers (independent of the module under test)

/** σ(y) = 2/(1+e^{5y}) − 1, and −1 for y ≥ 3: straight from the NAB definition. */
function sigma(y: number): number {
  return y >= 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1;
}
/** σ(−1): the TP value at a window's left edge, used to scale every TP to at most tpWeight. */
const SIGMA_MAX = sigma(-1);

const STANDARD: NabProfile = { name: 'standard', tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
const LOW_FP: NabProfile = { name: 'reward_low_FP_rate', tpWeight: 1, fpWeight: 0.22, fnWeight: 1 };
const LOW_FN: NabProfile = { name: 'reward_low_FN_rate', tpWeight: 1, fpWeight: 0.11, fnWeight: 2 };

function near(actual: number, expected: number, tol = 1e-12, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected} ± ${tol}, got ${actual}`);
}

/**
 * A file of n rows with timestamps t0 + i·step. Windows are given as row indices [left, right] and
 * converted to timestamps (the scorer's API is by timestamp). `hits` maps row → score; others are 0.
 */
function makeFile(
  name: string,
  n: number,
  windows: ReadonlyArray<readonly [number, number]>,
  hits: Readonly<Record<number, number>>,
  t0 = 0,
  step = 1,
): NabFile {
  const timestamps = Array.from({ length: n }, (_, i) => t0 + i * step);
  const scores = Array.from({ length: n }, (_, i) => hits[i] ?? 0);
  return { name, timestamps, scores, windows: windows.map(([l, r]) => [t0 + l * step, t0 + r * step] as const) };
}

/** The sweep entry for an exact threshold (thresholds are the scores themselves, so === is right). */
function at(sweep: readonly ThresholdScore[], threshold: number): ThresholdScore {
  const found = sweep.find((s) => s.threshold === threshold);
  assert.ok(found, `no sweep entry at threshold ${threshold}; have ${sweep.map((s) => s.threshold).join(', ')}`);
  return found;
}

function scoreOne(files: NabFile[], profile: NabProfile = STANDARD) {
  return scoreProfile(labelRows(files), profile);
}

// ---------------------------------------------------------------------------------------------

describe('scaledSigmoid', () => {
  it('matches the NAB reference values', () => {
    // σ(y) = 2/(1+e^{5y}) − 1 = −tanh(5y/2)
    near(scaledSigmoid(-1), 0.98661, 1e-5, 'σ(-1)'); // tanh(2.5)
    near(scaledSigmoid(-0.5), 0.84828, 1e-5, 'σ(-0.5)'); // tanh(1.25)
    assert.equal(scaledSigmoid(0), 0); // 2/(1+1) − 1 = 0 exactly
    near(scaledSigmoid(1), -0.98661, 1e-5, 'σ(1)'); // odd function: −σ(−1)
    assert.equal(scaledSigmoid(3), -1); // clamped
  });

  it('equals the formula to the last bits, and clamps only from y = 3', () => {
    for (const y of [-1, -0.75, -0.5, -0.05, 0, 1 / 19, 11 / 19, 1, 2.999]) near(scaledSigmoid(y), sigma(y), 1e-15, `σ(${y})`);
    // just below 3 the formula still applies (−0.99999939, not −1); at and past 3 it is exactly −1
    assert.ok(scaledSigmoid(2.999) > -1);
    assert.equal(scaledSigmoid(3), -1);
    assert.equal(scaledSigmoid(100), -1);
    assert.equal(scaledSigmoid(Infinity), -1);
  });
});

describe('probationaryLength', () => {
  it('is min(floor(0.15·n), 750)', () => {
    assert.equal(probationaryLength(100), 15); // floor(15.000000000000002)
    assert.equal(probationaryLength(4032), 604); // floor(604.8)
    assert.equal(probationaryLength(10000), 750); // 1500 capped at 0.15·5000
    assert.equal(probationaryLength(5000), 750); // exactly at the cap
    assert.equal(probationaryLength(4999), 749); // floor(749.85)
    assert.equal(probationaryLength(6), 0); // floor(0.9): tiny files have no probation
  });
});

describe('true positives: early vs late detection in one window', () => {
  // 100 rows, timestamps 0..99; probation = floor(15) = 15 rows (0..14); window [40, 59], width 20.
  // Null = −fn·W = −1, perfect = tp·W = 1 (standard profile).
  const N = 100;
  const WIN: [number, number] = [40, 59];

  it('a detection at the left edge is worth exactly tpWeight (normalised 100)', () => {
    // y = −(59 − 40 + 1)/20 = −1 → σ(−1)/σ(−1) = 1
    const r = scoreOne([makeFile('f', N, [WIN], { 40: 1 })]);
    near(r.rawScore, 1);
    assert.equal(r.nullScore, -1);
    assert.equal(r.perfectScore, 1);
    near(r.normalisedScore, 100); // 100·(1 − (−1))/(1 − (−1))
    assert.equal(r.threshold, 1);
    assert.deepEqual([r.tpWindows, r.fnWindows, r.fpRows], [1, 0, 0]);
  });

  it('a detection half-way is worth σ(−0.5)/σ(−1)', () => {
    // y = −(59 − 50 + 1)/20 = −0.5 → 0.84828/0.98661 = 0.85979
    const expected = sigma(-0.5) / SIGMA_MAX;
    near(expected, 0.85979, 1e-5);
    const r = scoreOne([makeFile('f', N, [WIN], { 50: 1 })]);
    near(r.rawScore, expected);
    near(r.normalisedScore, (100 * (expected + 1)) / 2); // ≈ 92.99
    // the same TP under reward_low_FN_rate: null = −2, perfect = 1, span 3
    const fn = scoreOne([makeFile('f', N, [WIN], { 50: 1 })], LOW_FN);
    near(fn.rawScore, expected);
    near(fn.normalisedScore, (100 * (expected + 2)) / 3);
  });

  it('a detection at the right edge is worth only σ(−1/20)/σ(−1)', () => {
    // y = −(59 − 59 + 1)/20 = −0.05 → 0.12435/0.98661 = 0.12604 (never 0: the "+1" keeps y < 0)
    const expected = sigma(-1 / 20) / SIGMA_MAX;
    near(expected, 0.12604, 1e-5);
    const r = scoreOne([makeFile('f', N, [WIN], { 59: 1 })]);
    near(r.rawScore, expected);
    assert.deepEqual([r.tpWindows, r.fnWindows, r.fpRows], [1, 0, 0]);
  });

  it('with two detections in a window only the earliest (best) counts', () => {
    // rows 50 and 55 at the same score: 50 is worth σ(−0.5)/σ(−1), 55 adds nothing and is no FP
    const r = scoreOne([makeFile('f', N, [WIN], { 50: 1, 55: 1 })]);
    near(r.rawScore, sigma(-0.5) / SIGMA_MAX);
    assert.deepEqual([r.tpWindows, r.fnWindows, r.fpRows], [1, 0, 0]);

    // Best-by-position, not best-by-score: the late row 59 scores higher (0.9) than the early row 40
    // (0.5). At 0.9 only row 59 is detected (worth 0.12604); at 0.5 both are, and the window is worth
    // max(0.12604, 1) = 1 — the sum is not 0.12604 + 1.
    const sweep = sweepThresholds(labelRows([makeFile('f', N, [WIN], { 40: 0.5, 59: 0.9 })]), STANDARD);
    assert.deepEqual(sweep.map((s) => s.threshold), [1.1, 0.9, 0.5, 0]);
    near(at(sweep, 0.9).score, sigma(-1 / 20) / SIGMA_MAX);
    near(at(sweep, 0.5).score, 1);
    assert.equal(at(sweep, 0.5).tpWindows, 1);
    assert.equal(at(sweep, 0.5).fpRows, 0);
  });
});

describe('false positives', () => {
  it('after a window costs fpWeight·σ(|prevRight − i|/(prevWidth − 1))', () => {
    // Window [40, 59] (width 20), TP at 40 (worth 1), FP at 70: y = |59 − 70|/19 = 11/19 = 0.5789,
    // σ(11/19) = −0.89517, so standard raw = 1 + 0.11·(−0.89517) = 0.90153.
    const files = [makeFile('f', 100, [[40, 59]], { 40: 1, 70: 1 })];
    near(sigma(11 / 19), -0.89517, 1e-5);
    const r = scoreOne(files);
    near(r.rawScore, 1 + 0.11 * sigma(11 / 19));
    near(r.rawScore, 0.90153, 1e-5);
    assert.deepEqual([r.tpWindows, r.fnWindows, r.fpRows], [1, 0, 1]);
    // reward_low_FP_rate doubles the FP cost: 1 + 0.22·σ(11/19) = 0.80307
    near(scoreOne(files, LOW_FP).rawScore, 1 + 0.22 * sigma(11 / 19));
  });

  it('before any window costs −fpWeight (y = 3)', () => {
    // Row 20 is past probation (15) but precedes the only window: σ(3) = −1 → 1 − 0.11 = 0.89
    const r = scoreOne([makeFile('f', 100, [[40, 59]], { 20: 1, 40: 1 })]);
    near(r.rawScore, 0.89);
    assert.equal(r.fpRows, 1);
  });

  it('far after a window (y ≥ 3) costs −fpWeight; just short of it, slightly less', () => {
    // 200 rows → probation 30. Window [40, 59]: row 116 gives y = 57/19 = 3 → σ = −1 exactly;
    // row 115 gives y = 56/19 = 2.947 → σ = −0.9999992, still on the curve.
    const far = scoreOne([makeFile('f', 200, [[40, 59]], { 40: 1, 116: 1 })]);
    near(far.rawScore, 1 - 0.11);
    const nearly = scoreOne([makeFile('f', 200, [[40, 59]], { 40: 1, 115: 1 })]);
    near(nearly.rawScore, 1 + 0.11 * sigma(56 / 19));
    assert.ok(nearly.rawScore > far.rawScore, 'the clamp applies only from y = 3');
  });

  it('between two windows is measured from the previous window, with its width', () => {
    // 150 rows → probation 22. Windows [40, 49] (width 10) and [80, 99]. FP at 60:
    // y = |49 − 60|/(10 − 1) = 11/9 → σ = −0.99557; TPs at 40 and 80 are worth 1 each.
    const r = scoreOne([makeFile('f', 150, [[40, 49], [80, 99]], { 40: 1, 60: 1, 80: 1 })]);
    near(r.rawScore, 2 + 0.11 * sigma(11 / 9));
    assert.deepEqual([r.tpWindows, r.fnWindows, r.fpRows], [2, 0, 1]);
  });

  it('in a file with no windows costs −fpWeight, so the detector is better off silent', () => {
    const rows = labelRows([makeFile('quiet', 100, [], { 50: 1 })]);
    const sweep = sweepThresholds(rows, STANDARD);
    assert.equal(sweep[0].score, 0); // no windows: null score 0
    near(at(sweep, 1).score, -0.11);
    const r = scoreProfile(rows, STANDARD);
    assert.equal(r.threshold, 1.1); // 0 > −0.11
    assert.equal(r.normalisedScore, 0); // perfect = null = 0: defined as 0, not NaN
  });
});

describe('probation', () => {
  // 100 rows → rows 0..14 are probationary.
  it('a detection inside probation is neither TP nor FP, and not even a threshold', () => {
    const rows = labelRows([makeFile('f', 100, [[40, 59]], { 10: 1 })]);
    const sweep = sweepThresholds(rows, STANDARD);
    // Only probationary rows carry score 1 and every scorable row is 0: thresholds 1.1 and 0 only.
    assert.deepEqual(sweep.map((s) => s.threshold), [1.1, 0]);
    const r = scoreProfile(rows, STANDARD);
    assert.equal(r.threshold, 1.1);
    assert.equal(r.rawScore, -1); // the window is missed
    assert.deepEqual([r.tpWindows, r.fnWindows, r.fpRows], [0, 1, 0]);

    // Alongside a real TP it changes nothing: raw 1, no FP.
    const both = scoreOne([makeFile('f', 100, [[40, 59]], { 10: 1, 40: 1 })]);
    near(both.rawScore, 1);
    assert.equal(both.fpRows, 0);
  });

  it('a window entirely inside probation is not counted (W excludes it)', () => {
    // Windows [5, 12] (all probationary) and [40, 59]: W = 1, so null −1, perfect 1.
    const rows = labelRows([makeFile('f', 100, [[5, 12], [40, 59]], { 5: 1, 40: 1 })]);
    assert.equal(rows.windowCount, 2);
    assert.equal(rows.scorableWindows, 1);
    const r = scoreProfile(rows, STANDARD);
    assert.equal(r.nullScore, -1);
    assert.equal(r.perfectScore, 1);
    near(r.rawScore, 1);
    near(r.normalisedScore, 100);
    assert.deepEqual([r.tpWindows, r.fnWindows, r.fpRows], [1, 0, 0]);

    // As in NAB's sweeper, the probationary window is still the "previous window" for later FPs:
    // FP at 20 → y = |12 − 20|/(8 − 1) = 8/7 → σ = −0.99342 (not σ(3) = −1).
    const fp = scoreOne([makeFile('f', 100, [[5, 12], [40, 59]], { 20: 1, 40: 1 })]);
    near(fp.rawScore, 1 + 0.11 * sigma(8 / 7));
  });

  it('a window partly in probation counts, but only its scorable rows', () => {
    // Window [10, 29], width 20 (still measured over all its rows); rows 15..29 are scorable.
    // The earliest scorable detection, row 15: y = −(29 − 15 + 1)/20 = −0.75 → σ(−0.75)/σ(−1) = 0.96699.
    const rows = labelRows([makeFile('f', 100, [[10, 29]], { 10: 1, 15: 1 })]);
    assert.equal(rows.scorableWindows, 1);
    const r = scoreProfile(rows, STANDARD);
    near(r.rawScore, sigma(-0.75) / SIGMA_MAX);
    near(r.rawScore, 0.96699, 1e-5);
    // A detection at the window's first row (10) alone is probationary: the window counts as missed.
    const early = scoreOne([makeFile('f', 100, [[10, 29]], { 10: 1 })]);
    assert.equal(early.rawScore, -1);
    assert.deepEqual([early.tpWindows, early.fnWindows, early.fpRows], [0, 1, 0]);
  });
});

describe('threshold sweep', () => {
  it('the highest threshold wins among equal maxima', () => {
    // Window [40, 59]; row 40 = 0.9 (TP worth 1), row 50 = 0.7 (same window: adds max(1, 0.86) − 1 = 0),
    // row 70 = 0.5 (FP, 0.11·σ(11/19)). Thresholds 0.9 and 0.7 both score exactly 1.
    const rows = labelRows([makeFile('f', 100, [[40, 59]], { 40: 0.9, 50: 0.7, 70: 0.5 })]);
    const sweep = sweepThresholds(rows, STANDARD);
    assert.deepEqual(sweep.map((s) => s.threshold), [1.1, 0.9, 0.7, 0.5, 0]);
    assert.equal(sweep[0].score, -1); // 1.1: nothing detected, every window missed
    near(sweep[1].score, 1);
    assert.equal(sweep[2].score, sweep[1].score, 'a second detection in a detected window adds exactly 0');
    near(sweep[3].score, 1 + 0.11 * sigma(11 / 19));
    const r = scoreProfile(rows, STANDARD);
    assert.equal(r.threshold, 0.9);
    assert.deepEqual([r.tpWindows, r.fnWindows, r.fpRows], [1, 0, 0]);
  });

  it('chooses the threshold that maximises the total, which depends on the profile', () => {
    // 100 rows, windows A = [40, 59] and B = [80, 89] (width 10). Scores: 10 FPs at 0.6 on rows
    // 15..24 (before any window: −fp each), A's first row at 0.8, B's first row at 0.4.
    const hits: Record<number, number> = { 40: 0.8, 80: 0.4 };
    for (let i = 15; i < 25; i++) hits[i] = 0.6;
    const rows = labelRows([makeFile('f', 100, [[40, 59], [80, 89]], hits)]);

    // standard (fp 0.11): 1.1 → −2;  0.8 → −1 + 1 = 0;  0.6 → 0 − 1.1 = −1.1;  0.4 → −1.1 + 2 = 0.9
    const std = sweepThresholds(rows, STANDARD);
    assert.deepEqual(std.map((s) => s.threshold), [1.1, 0.8, 0.6, 0.4, 0]);
    const expectStd = [-2, 0, -1.1, 0.9];
    expectStd.forEach((v, k) => near(std[k].score, v, 1e-12, `standard at ${std[k].threshold}`));
    assert.deepEqual(std.map((s) => [s.tpWindows, s.fnWindows, s.fpRows]).slice(0, 4), [[0, 2, 0], [1, 1, 0], [1, 1, 10], [2, 0, 10]]);

    // Threshold 0 detects every scorable row 15..99: both windows worth 1 (rows 40, 80); FPs are
    // rows 15..39 (25 × σ(3) = −1), 60..79 (σ(k/19), k = 1..20, after A) and 90..99 (σ(k/9), k = 1..10, after B).
    let fpSigma = -25;
    for (let k = 1; k <= 20; k++) fpSigma += sigma(k / 19);
    for (let k = 1; k <= 10; k++) fpSigma += sigma(k / 9);
    near(std[4].score, 2 + 0.11 * fpSigma, 1e-9);
    assert.deepEqual([std[4].tpWindows, std[4].fnWindows, std[4].fpRows], [2, 0, 55]);

    const s = scoreProfile(rows, STANDARD);
    assert.equal(s.threshold, 0.4);
    near(s.rawScore, 0.9);
    near(s.normalisedScore, 72.5); // 100·(0.9 + 2)/(2 + 2)
    assert.deepEqual([s.tpWindows, s.fnWindows, s.fpRows], [2, 0, 10]);

    // reward_low_FP_rate (fp 0.22): 0.8 → 0;  0.6 → −2.2;  0.4 → −0.2  ⇒ threshold 0.8 wins
    const lowFp = scoreProfile(rows, LOW_FP);
    assert.equal(lowFp.threshold, 0.8);
    near(lowFp.rawScore, 0);
    near(lowFp.normalisedScore, 50); // 100·(0 + 2)/4
    assert.deepEqual([lowFp.tpWindows, lowFp.fnWindows, lowFp.fpRows], [1, 1, 0]);

    // reward_low_FN_rate (fn 2): 1.1 → −4;  0.8 → −4 + 3 = −1;  0.6 → −2.1;  0.4 → −2.1 + 3 = 0.9
    const lowFn = scoreProfile(rows, LOW_FN);
    assert.equal(lowFn.threshold, 0.4);
    near(lowFn.rawScore, 0.9);
    near(lowFn.normalisedScore, (100 * 4.9) / 6); // null −4, perfect 2
  });

  it('picks one threshold for the whole corpus, not one per file', () => {
    // File a: a window whose only detection scores 0.5.  File b: no windows, one FP scoring 0.9.
    // Per-file optimisation would take a at 0.5 and b at 1.1 (total 1). Corpus-wide, any threshold
    // ≤ 0.5 also detects b's FP: 1.1 → −1;  0.9 → −1 − 0.11;  0.5 → 1 − 0.11 = 0.89 ⇒ 0.5, raw 0.89.
    const r = scoreOne([makeFile('a', 100, [[40, 59]], { 40: 0.5 }), makeFile('b', 100, [], { 50: 0.9 })]);
    assert.equal(r.threshold, 0.5);
    near(r.rawScore, 0.89);
    assert.deepEqual([r.tpWindows, r.fnWindows, r.fpRows], [1, 0, 1]);
  });
});

describe('profiles on a multi-file corpus: null detector 0, perfect detector 100', () => {
  // A: 200 rows of 1-minute epoch timestamps (probation 30), windows [50, 69] and [120, 139].
  // B: 100 rows, no windows.
  // C: 1000 rows (probation 150): [20, 40] lies in probation (not counted), then [200, 299],
  //    [500, 509] and [900, 999] (ending on the last row).  W = 2 + 3 = 5.
  const T0 = 1_700_000_000_000;
  const MIN = 60_000;
  const windowsA: [number, number][] = [[50, 69], [120, 139]];
  const windowsC: [number, number][] = [[20, 40], [200, 299], [500, 509], [900, 999]];
  const firstRows = (ws: [number, number][]) => Object.fromEntries(ws.map(([l]) => [l, 1]));
  const corpus = (detect: boolean): NabFile[] => [
    makeFile('A', 200, windowsA, detect ? firstRows(windowsA) : {}, T0, MIN),
    makeFile('B', 100, [], {}),
    makeFile('C', 1000, windowsC, detect ? firstRows(windowsC) : {}),
  ];

  it('uses the three NAB v1.1 profiles', () => {
    assert.deepEqual(NAB_PROFILES, [STANDARD, LOW_FP, LOW_FN]);
  });

  for (const profile of [STANDARD, LOW_FP, LOW_FN]) {
    it(`${profile.name}: a detector that never fires normalises to exactly 0`, () => {
      const r = scoreCorpus(corpus(false), [profile])[0];
      assert.equal(r.profile, profile.name);
      assert.equal(r.nullScore, -profile.fnWeight * 5);
      assert.equal(r.perfectScore, profile.tpWeight * 5);
      // Threshold 0 would detect every row and pay for hundreds of FPs, so 1.1 (nothing) wins.
      assert.equal(r.threshold, 1.1);
      assert.equal(r.rawScore, -profile.fnWeight * 5);
      assert.equal(r.normalisedScore, 0);
      assert.deepEqual([r.tpWindows, r.fnWindows, r.fpRows], [0, 5, 0]);
    });

    it(`${profile.name}: a detector firing at each window's first row normalises to 100`, () => {
      // Each counted window: y = −1 → worth tpWeight; the probationary window's row 20 is ignored.
      const r = scoreCorpus(corpus(true), [profile])[0];
      assert.equal(r.threshold, 1);
      near(r.rawScore, 5 * profile.tpWeight);
      near(r.normalisedScore, 100, 1e-9);
      assert.deepEqual([r.tpWindows, r.fnWindows, r.fpRows], [5, 0, 0]);
    });
  }
});

describe('input errors', () => {
  it('a window that does not start or end on a row timestamp throws NabLabelError', () => {
    const f = makeFile('f', 100, [], {}, 0, 10); // timestamps 0, 10, ..., 990
    assert.throws(() => labelRows([{ ...f, windows: [[15, 100]] }]), NabLabelError); // bad start
    assert.throws(() => labelRows([{ ...f, windows: [[100, 995]] }]), NabLabelError); // bad end
    assert.throws(() => scoreCorpus([{ ...f, windows: [[100, 1000]] }]), NabLabelError); // past the end
    assert.throws(() => labelRows([{ ...f, windows: [[15, 100]] }]), /f: window \[15, 100\]/);
    assert.doesNotThrow(() => labelRows([{ ...f, windows: [[100, 200]] }]));
  });

  it('timestamps and scores of different lengths throw NabLabelError', () => {
    const f = makeFile('short', 10, [], {});
    assert.throws(() => labelRows([{ ...f, scores: new Array<number>(9).fill(0) }]), NabLabelError);
    assert.throws(() => scoreCorpus([{ ...f, scores: new Array<number>(11).fill(0) }]), /short: 10 timestamps but 11 scores/);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests

/** Scores in [0, 1], with a few repeated values so that ties are common. (−0 folded into 0.) */
const scoreArb = fc.oneof(fc.constantFrom(0, 0.25, 0.5, 0.75, 1), fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x + 0));

interface GenFile {
  readonly file: NabFile;
  /** Windows by row index, as generated (sorted, disjoint, width ≥ 2). */
  readonly rowWindows: ReadonlyArray<readonly [number, number]>;
}

/** 2..60 rows, timestamps t0 + i·step, up to 4 sorted disjoint windows (pairs of distinct sorted cut rows). */
const fileArb: fc.Arbitrary<GenFile> = fc.integer({ min: 2, max: 60 }).chain((n) =>
  fc
    .record({
      cuts: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: 8 }),
      scores: fc.array(scoreArb, { minLength: n, maxLength: n }),
      t0: fc.integer({ min: 0, max: 1_000_000 }),
      step: fc.integer({ min: 1, max: 1000 }),
    })
    .map(({ cuts, scores, t0, step }) => {
      const sorted = [...cuts].sort((a, b) => a - b);
      const rowWindows: [number, number][] = [];
      for (let k = 0; k + 1 < sorted.length; k += 2) rowWindows.push([sorted[k], sorted[k + 1]]);
      const timestamps = Array.from({ length: n }, (_, i) => t0 + i * step);
      const windows = rowWindows.map(([l, r]) => [t0 + l * step, t0 + r * step] as const);
      return { file: { name: 'f', timestamps, scores, windows }, rowWindows };
    }),
);

const corpusArb = fc
  .array(fileArb, { minLength: 1, maxLength: 4 })
  .map((fs) => fs.map((g, k) => ({ ...g, file: { ...g.file, name: `f${k}` } })));

const profileArb = fc.constantFrom(STANDARD, LOW_FP, LOW_FN);

/** Windows with at least one row at or past probation, computed from the rules, not the module. */
function countScorableWindows(corpus: readonly GenFile[]): number {
  let w = 0;
  for (const g of corpus) {
    const probation = Math.min(Math.floor(0.15 * g.file.timestamps.length), 750);
    w += g.rowWindows.filter(([, right]) => right >= probation).length;
  }
  return w;
}

/**
 * A deliberately naive reference scorer written from the rules: for each candidate threshold, mark
 * detections, then take each window's best TP (or −fn) and add every FP. O(thresholds × rows).
 */
function referenceSweep(corpus: readonly GenFile[], p: NabProfile) {
  interface Row { score: number; window: string | null; worth: number }
  const rows: Row[] = [];
  for (const [fi, g] of corpus.entries()) {
    const n = g.file.timestamps.length;
    const probation = Math.min(Math.floor(0.15 * n), 750);
    for (let i = probation; i < n; i++) {
      const k = g.rowWindows.findIndex(([l, r]) => l <= i && i <= r);
      let worth: number;
      if (k >= 0) {
        const [l, r] = g.rowWindows[k];
        worth = (p.tpWeight * sigma(-(r - i + 1) / (r - l + 1))) / SIGMA_MAX;
      } else {
        const prev = g.rowWindows.filter(([, r]) => r < i).at(-1);
        worth = p.fpWeight * sigma(prev === undefined ? 3 : (i - prev[1]) / (prev[1] - prev[0]));
      }
      rows.push({ score: g.file.scores[i], window: k >= 0 ? `${fi}:${k}` : null, worth });
    }
  }
  const windows = new Set(rows.flatMap((r) => (r.window === null ? [] : [r.window])));
  const thresholds = [1.1, ...[...new Set(rows.map((r) => r.score))].sort((a, b) => b - a)];
  return thresholds.map((t) => {
    const best = new Map<string, number>();
    let fp = 0;
    let fpRows = 0;
    for (const r of rows) {
      if (r.score < t) continue;
      if (r.window === null) {
        fp += r.worth;
        fpRows++;
      } else best.set(r.window, Math.max(best.get(r.window) ?? -Infinity, r.worth));
    }
    const tp = [...best.values()].reduce((a, b) => a + b, 0);
    return { threshold: t, score: fp + tp - p.fnWeight * (windows.size - best.size), tpWindows: best.size, fpRows };
  });
}

describe('properties', () => {
  it('(a) the normalised score lies in [0, 100] for any scores', () => {
    // ≤ 100: each window is worth at most tpWeight (σ is decreasing, largest at y = −1) and FPs cost.
    // ≥ 0: the threshold 1.1 (detect nothing) is always a candidate and scores exactly the null score.
    fc.assert(
      fc.property(corpusArb, (corpus) => {
        for (const r of scoreCorpus(corpus.map((g) => g.file))) {
          assert.ok(r.normalisedScore <= 100 + 1e-9, `${r.profile}: ${r.normalisedScore}`);
          assert.ok(r.normalisedScore >= -1e-9, `${r.profile}: ${r.normalisedScore}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("(b) adding a detection at a window's first row never lowers the best raw score", () => {
    // At every threshold ≤ 1 the new row only raises its window's best TP; above 1 nothing changes.
    const withWindow = corpusArb.filter((c) => c.some((g) => g.rowWindows.length > 0));
    fc.assert(
      fc.property(withWindow, fc.nat(), profileArb, (corpus, pick, profile) => {
        const all = corpus.flatMap((g, fi) => g.rowWindows.map(([l]) => [fi, l] as const));
        const [fi, row] = all[pick % all.length];
        const before = scoreProfile(labelRows(corpus.map((g) => g.file)), profile).rawScore;
        const files = corpus.map((g, k) => {
          if (k !== fi) return g.file;
          const scores = Array.from(g.file.scores);
          scores[row] = 1;
          return { ...g.file, scores };
        });
        const after = scoreProfile(labelRows(files), profile).rawScore;
        assert.ok(after >= before - 1e-9, `before ${before}, after ${after}`);
      }),
      { numRuns: 300 },
    );
  });

  it('(c) the first sweep entry (threshold 1.1) is the null score −fnWeight·W', () => {
    fc.assert(
      fc.property(corpusArb, profileArb, (corpus, profile) => {
        const rows = labelRows(corpus.map((g) => g.file));
        const W = countScorableWindows(corpus);
        assert.equal(rows.scorableWindows, W);
        const first = sweepThresholds(rows, profile)[0];
        assert.equal(first.threshold, 1.1);
        assert.equal(first.score, W === 0 ? 0 : -profile.fnWeight * W); // (W = 0 sums to +0, not −0)
        assert.deepEqual([first.tpWindows, first.fnWindows, first.fpRows], [0, W, 0]);
      }),
      { numRuns: 300 },
    );
  });

  it('(d) the sweep agrees with a naive reference scorer at every threshold', () => {
    fc.assert(
      fc.property(corpusArb, profileArb, (corpus, profile) => {
        const rows = labelRows(corpus.map((g) => g.file));
        const got = sweepThresholds(rows, profile);
        const want = referenceSweep(corpus, profile);
        assert.deepEqual(got.map((s) => s.threshold), want.map((s) => s.threshold));
        got.forEach((s, k) => {
          near(s.score, want[k].score, 1e-9, `score at ${s.threshold}`);
          assert.equal(s.tpWindows, want[k].tpWindows);
          assert.equal(s.fpRows, want[k].fpRows);
        });
        const best = Math.max(...want.map((s) => s.score));
        near(scoreProfile(rows, profile).rawScore, best, 1e-9, 'best raw score');
      }),
      { numRuns: 300 },
    );
  });
});
