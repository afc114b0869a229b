// Tests for the default streaming detector (src/core/detect/detector-bank.ts), through its public API only.
//
//   * checkpoints: serialize/deserialize and snapshot/restore continue a stream bit for bit;
//   * checkpoint format: round trip is byte-identical, bad input is rejected with a RangeError;
//   * properties (fast-check): outputs stay in range for arbitrary finite input, and bad input
//     (NaN, ±Infinity, out-of-order or duplicate timestamps) is ignored without leaving a trace;
//   * series in one bank are independent of each other;
//   * behaviour on synthetic data with known answers (calibration, spikes, dips, level shifts,
//     daily seasonality, stuck values, band ordering).
//
// All random data comes from a seeded PRNG (mulberry32 + Box-Muller), so every run sees the same numbers.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import {
  DEFAULT_BAND_SCORE,
  DetectorBank,
  STAT_NONE,
  STAT_STUCK,
  STRIDE,
  createDetectorOutput,
  type DetectorOutput,
} from '../../../src/core/detect/index.js';
import { seededRandom as mulberry32 } from '../../../src/core/sim/index.js';

// ---------------------------------------------------------------------------------------------
// Test-side helpers


/** Standard normal deviates by Box-Muller (both halves used). */
function gaussian(seed: number): () => number {
  const u = mulberry32(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u1 = u();
    while (u1 === 0) u1 = u();
    const u2 = u();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

const STEP_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
const POINTS_PER_DAY = DAY_MS / STEP_MS; // 288
const T0_MS = Date.UTC(2014, 3, 1); // 2014-04-01 00:00:00 UTC

interface Series {
  t: number[];
  v: number[];
}

/** Regular 5-minute timestamps from T0_MS. */
function regularTimes(n: number, start = T0_MS): number[] {
  return Array.from({ length: n }, (_, i) => start + i * STEP_MS);
}

/** Gaussian noise with sd `sigma` around `mean`, at 5-minute steps. */
function noiseSeries(n: number, seed: number, mean = 100, sigma = 1): Series {
  const g = gaussian(seed);
  return { t: regularTimes(n), v: Array.from({ length: n }, () => mean + sigma * g()) };
}

/**
 * A realistic metric: daily seasonality at 5-minute steps, noise, a spike at point 1200, a level
 * shift from point 2200, a handful of missing values and one gap of a few hours.
 */
function realisticSeries(n: number, seed: number): Series {
  const g = gaussian(seed);
  const t: number[] = [];
  const v: number[] = [];
  let time = T0_MS;
  for (let i = 0; i < n; i++) {
    if (i === 1700) time += 3 * 3_600_000; // a three-hour hole in the data
    const phase = (2 * Math.PI * (time % DAY_MS)) / DAY_MS;
    let x = 50 + 20 * Math.sin(phase) + 5 * Math.sin(2 * phase + 1) + 2 * g();
    if (i === 1200) x += 30;
    if (i >= 2200) x += 15;
    if (i === 400 || i === 401 || i === 2500) x = NaN;
    t.push(time);
    v.push(x);
    time += STEP_MS;
  }
  return { t, v };
}

type Out = { score: number; pValue: number; expected: number; lower: number; upper: number; direction: number; cause: number };

function copyOut(o: DetectorOutput): Out {
  return { score: o.score, pValue: o.pValue, expected: o.expected, lower: o.lower, upper: o.upper, direction: o.direction, cause: o.cause };
}

/** Streams points `from..to-1` of a series into `bank`/`id` and returns a copy of every output. */
function stream(bank: DetectorBank, id: number, s: Series, from = 0, to = s.v.length): Out[] {
  const out = createDetectorOutput();
  const res: Out[] = [];
  for (let i = from; i < to; i++) {
    bank.update(id, s.t[i], s.v[i], out);
    res.push(copyOut(out));
  }
  return res;
}

/** Runs a whole series through a fresh bank of its own. */
function runFresh(s: Series): Out[] {
  const bank = new DetectorBank(1);
  return stream(bank, bank.add(), s);
}

const FIELDS = ['score', 'pValue', 'expected', 'lower', 'upper', 'direction', 'cause'] as const;

/** Bit-for-bit equality of two output sequences (Object.is: NaN equals NaN, 0 differs from −0). */
function assertIdenticalOutputs(actual: Out[], expected: Out[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: output count`);
  for (let i = 0; i < actual.length; i++) {
    for (const f of FIELDS) {
      if (!Object.is(actual[i][f], expected[i][f])) {
        assert.fail(`${what}: point ${i}, ${f} differs: ${actual[i][f]} vs ${expected[i][f]}`);
      }
    }
  }
}

function assertSameBytes(a: Uint8Array, b: Uint8Array, what: string): void {
  assert.equal(a.byteLength, b.byteLength, `${what}: byte length`);
  for (let i = 0; i < a.byteLength; i++) {
    if (a[i] !== b[i]) assert.fail(`${what}: byte ${i} differs (${a[i]} vs ${b[i]})`);
  }
}

/** A checkpoint's header as float64 little-endian: [version, count]. */
function withHeader(bytes: Uint8Array, slot: 0 | 1, value: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer, copy.byteOffset, copy.byteLength).setFloat64(slot * 8, value, true);
  return copy;
}

function fraction(xs: readonly Out[], pred: (o: Out) => boolean): number {
  let k = 0;
  for (const o of xs) if (pred(o)) k++;
  return k / xs.length;
}

// ---------------------------------------------------------------------------------------------

describe('DetectorBank checkpoints', () => {
  const N = 3000;
  const CUT = 1500;

  it('serialize() at point 1500 and deserialize() into another bank continues bit for bit', () => {
    const main = realisticSeries(N, 7);
    // Neighbours in the same bank, so the checkpoint holds more than one series.
    const other1 = noiseSeries(N, 11, 10, 3);
    const other2 = realisticSeries(N, 13);

    const a = new DetectorBank(2); // grows while adding the third series
    const ids = [a.add(), a.add(), a.add()];
    const series = [other1, main, other2];
    const before = ids.map((id, k) => stream(a, id, series[k], 0, CUT));
    assert.equal(before[1].length, CUT);

    const b = DetectorBank.deserialize(a.serialize());
    assert.equal(b.size, a.size);

    for (let k = 0; k < ids.length; k++) {
      const fromA = stream(a, ids[k], series[k], CUT, N);
      const fromB = stream(b, ids[k], series[k], CUT, N);
      assertIdenticalOutputs(fromB, fromA, `series ${k} after the checkpoint`);
    }
    // Sharing the bank with neighbours changed nothing before the checkpoint either.
    assertIdenticalOutputs(before[1], runFresh(main).slice(0, CUT), 'before the checkpoint');
    assertSameBytes(b.serialize(), a.serialize(), 'state after both streams finished');
  });

  it('the checkpointed stream equals an uninterrupted one', () => {
    const main = realisticSeries(N, 21);
    const uninterrupted = runFresh(main);

    const a = new DetectorBank(1);
    const id = a.add();
    const first = stream(a, id, main, 0, CUT);
    const b = DetectorBank.deserialize(a.serialize());
    const rest = stream(b, id, main, CUT, N);
    assertIdenticalOutputs([...first, ...rest], uninterrupted, 'checkpointed vs uninterrupted');
  });

  it('snapshot() of one series restored into a different id of another bank continues bit for bit', () => {
    const main = realisticSeries(N, 31);
    const a = new DetectorBank(4);
    a.add();
    const idA = a.add(); // id 1 in bank A
    stream(a, idA, main, 0, CUT);
    const snap = a.snapshot(idA);
    assert.equal(snap.length, STRIDE);

    const c = new DetectorBank(1);
    const neighbour = noiseSeries(N, 5);
    const n0 = c.add();
    stream(c, n0, neighbour, 0, 700);
    c.add();
    const idC = c.add(); // id 2 in bank C
    const neighbourSnap = c.snapshot(n0);
    c.restore(idC, snap);
    assertSameBytes(new Uint8Array(c.snapshot(n0).buffer), new Uint8Array(neighbourSnap.buffer), 'restore() must not touch other series');

    const fromA = stream(a, idA, main, CUT, N);
    const fromC = stream(c, idC, main, CUT, N);
    assertIdenticalOutputs(fromC, fromA, 'restored series');

    // The snapshot is a copy: later updates of bank A do not change it.
    const c2 = new DetectorBank(1);
    const id2 = c2.add();
    c2.restore(id2, snap);
    assertIdenticalOutputs(stream(c2, id2, main, CUT, N), fromA, 'second restore of the same snapshot');
  });

  it('restore() rejects a snapshot of the wrong length with a RangeError', () => {
    const bank = new DetectorBank(1);
    const id = bank.add();
    assert.throws(() => bank.restore(id, new Float64Array(STRIDE - 1)), RangeError);
    assert.throws(() => bank.restore(id, new Float64Array(STRIDE + 1)), RangeError);
  });

  it('reset() makes a series behave like a fresh one', () => {
    const s = realisticSeries(1000, 41);
    const bank = new DetectorBank(1);
    const id = bank.add();
    stream(bank, id, realisticSeries(2000, 42));
    bank.reset(id);
    assertIdenticalOutputs(stream(bank, id, s), runFresh(s), 'after reset');
  });
});

describe('DetectorBank checkpoint format', () => {
  function busyBank(): DetectorBank {
    const bank = new DetectorBank(1);
    for (let k = 0; k < 3; k++) stream(bank, bank.add(), realisticSeries(1200, 100 + k));
    return bank;
  }

  it('serialize → deserialize → serialize is byte-identical', () => {
    const bank = busyBank();
    const bytes = bank.serialize();
    const again = DetectorBank.deserialize(bytes).serialize();
    assertSameBytes(again, bytes, 'round trip');
    assert.equal(bytes.byteLength, 8 * (2 + 3 * STRIDE));
  });

  it('an empty bank round-trips too', () => {
    const bytes = new DetectorBank(4).serialize();
    const back = DetectorBank.deserialize(bytes);
    assert.equal(back.size, 0);
    assertSameBytes(back.serialize(), bytes, 'empty bank');
  });

  it('deserialize() does not alias the input bytes', () => {
    const bank = busyBank();
    const bytes = bank.serialize();
    const keep = bytes.slice();
    const back = DetectorBank.deserialize(bytes);
    bytes.fill(0);
    assertSameBytes(back.serialize(), keep, 'after clobbering the input');
  });

  it('deserialize() rejects a wrong length with a RangeError', () => {
    const bytes = busyBank().serialize();
    assert.throws(() => DetectorBank.deserialize(new Uint8Array(0)), RangeError);
    assert.throws(() => DetectorBank.deserialize(bytes.slice(0, 8)), RangeError); // shorter than the header
    assert.throws(() => DetectorBank.deserialize(bytes.slice(0, bytes.byteLength - 8)), RangeError); // one number short
    assert.throws(() => DetectorBank.deserialize(bytes.slice(0, bytes.byteLength - 3)), RangeError); // not whole numbers
    const longer = new Uint8Array(bytes.byteLength + 8);
    longer.set(bytes);
    assert.throws(() => DetectorBank.deserialize(longer), RangeError); // trailing data
    assert.throws(() => DetectorBank.deserialize(withHeader(bytes, 1, 4)), RangeError); // count does not match the length
  });

  it('deserialize() rejects a wrong version with a RangeError', () => {
    const bytes = busyBank().serialize();
    const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(0, true);
    for (const v of [version + 1, version - 1, 0, NaN, 999]) {
      assert.throws(() => DetectorBank.deserialize(withHeader(bytes, 0, v)), RangeError, `version ${v}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

/** Finite values of many kinds: full double range, huge, tiny, constant, integer, scaled noise. */
const finiteValues: fc.Arbitrary<number[]> = fc.integer({ min: 1, max: 300 }).chain((n) =>
  fc.oneof(
    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n }),
    fc.array(fc.double({ min: -1e300, max: 1e300, noNaN: true }), { minLength: n, maxLength: n }),
    fc.array(fc.double({ min: -1e-300, max: 1e-300, noNaN: true }), { minLength: n, maxLength: n }),
    fc.array(fc.integer(), { minLength: n, maxLength: n }),
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((c) => Array<number>(n).fill(c)),
    fc
      .record({
        seed: fc.integer(),
        offset: fc.constantFrom(0, 1, -5e5, 1e15, 1e-200, 3e307),
        scale: fc.constantFrom(1e-300, 1e-12, 1e-3, 1, 1e9, 1e150, 1e307),
      })
      .map(({ seed, offset, scale }) => {
        const g = gaussian(seed);
        return Array.from({ length: n }, () => offset + scale * g());
      }),
  ),
);

/**
 * Strictly increasing integer-millisecond timestamps with irregular steps and occasional gaps, from
 * 1970 to about 2096. Times before 1970 (negative epoch ms) have a test of their own below.
 */
function increasingTimes(n: number): fc.Arbitrary<number[]> {
  const step = fc.oneof(
    { weight: 6, arbitrary: fc.constant(STEP_MS) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 600_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 600_000, max: 30 * DAY_MS }) },
  );
  return fc.tuple(fc.integer({ min: 0, max: 4e12 }), fc.array(step, { minLength: n, maxLength: n })).map(([start, steps]) => {
    const t: number[] = [];
    let time = start;
    for (const s of steps) {
      t.push(time);
      time += s;
    }
    return t;
  });
}

const finiteSeries: fc.Arbitrary<Series> = finiteValues.chain((v) => increasingTimes(v.length).map((t) => ({ t, v })));

function checkOutputInvariants(o: Out, where: string): void {
  assert.ok(!Number.isNaN(o.score), `${where}: score is NaN`);
  assert.ok(o.score >= 0 && o.score <= 1, `${where}: score ${o.score} not in [0, 1]`);
  assert.ok(o.pValue >= 0 && o.pValue <= 1, `${where}: pValue ${o.pValue} not in [0, 1]`);
  if (o.score > 0) assert.ok(o.score === 1 - o.pValue, `${where}: score ${o.score} !== 1 - pValue ${o.pValue}`);
  assert.ok(o.direction === -1 || o.direction === 0 || o.direction === 1, `${where}: direction ${o.direction}`);
  assert.ok(Number.isInteger(o.cause) && o.cause >= STAT_NONE && o.cause <= STAT_STUCK, `${where}: cause ${o.cause}`);
}

type BadKind = 'nan' | '+inf' | '-inf' | 'nanTime' | '+infTime' | '-infTime' | 'duplicate' | 'older';
const BAD_KINDS: BadKind[] = ['nan', '+inf', '-inf', 'nanTime', '+infTime', '-infTime', 'duplicate', 'older'];

describe('DetectorBank properties', () => {
  it('for finite values at increasing times: score and pValue in [0, 1], score = 1 − pValue, never NaN', () => {
    fc.assert(
      fc.property(finiteSeries, (s) => {
        const outs = runFresh(s);
        outs.forEach((o, i) => checkOutputInvariants(o, `point ${i} (t=${s.t[i]}, v=${s.v[i]})`));
      }),
      { numRuns: 300 },
    );
  });

  it('NaN/±Infinity input and out-of-order or duplicate timestamps never throw, score 0 and leave no trace', () => {
    const insertion = fc.record({
      // Inserted before good point `at` (at = length: after the last one).
      at: fc.nat(),
      kind: fc.constantFrom(...BAD_KINDS),
      value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      back: fc.integer({ min: 1, max: 10 * DAY_MS }),
    });
    fc.assert(
      fc.property(finiteSeries, fc.array(insertion, { minLength: 1, maxLength: 20 }), (s, inserts) => {
        const n = s.v.length;
        // Build the stream with the bad points, remembering which entries are good.
        const byPos = new Map<number, typeof inserts>();
        for (const ins of inserts) {
          const at = ins.at % (n + 1);
          byPos.set(at, [...(byPos.get(at) ?? []), ins]);
        }
        const merged: Array<{ t: number; v: number; good: number }> = [];
        for (let i = 0; i <= n; i++) {
          for (const ins of byPos.get(i) ?? []) {
            const prevT = i > 0 ? s.t[i - 1] : NaN; // last accepted time
            const nextT = i < n ? s.t[i] : prevT + STEP_MS;
            const between = i > 0 ? prevT + (nextT - prevT) / 2 : nextT - STEP_MS;
            switch (ins.kind) {
              case 'nan': merged.push({ t: between, v: NaN, good: -1 }); break;
              case '+inf': merged.push({ t: between, v: Infinity, good: -1 }); break;
              case '-inf': merged.push({ t: between, v: -Infinity, good: -1 }); break;
              case 'nanTime': merged.push({ t: NaN, v: ins.value, good: -1 }); break;
              case '+infTime': merged.push({ t: Infinity, v: ins.value, good: -1 }); break;
              case '-infTime': merged.push({ t: -Infinity, v: ins.value, good: -1 }); break;
              case 'duplicate': if (i > 0) merged.push({ t: prevT, v: ins.value, good: -1 }); break;
              case 'older': if (i > 0) merged.push({ t: prevT - ins.back, v: ins.value, good: -1 }); break;
            }
          }
          if (i < n) merged.push({ t: s.t[i], v: s.v[i], good: i });
        }

        const clean = runFresh(s);
        const bank = new DetectorBank(1);
        const id = bank.add();
        const out = createDetectorOutput();
        const dirtyGood: Out[] = [];
        for (const p of merged) {
          bank.update(id, p.t, p.v, out);
          if (p.good < 0) {
            assert.equal(out.score, 0, `bad point (t=${p.t}, v=${p.v}) scored ${out.score}`);
            assert.equal(out.pValue, 1, `bad point (t=${p.t}, v=${p.v}) has pValue ${out.pValue}`);
            assert.equal(out.direction, 0);
          } else {
            dirtyGood.push(copyOut(out));
          }
        }
        assertIdenticalOutputs(dirtyGood, clean, 'good points with vs without bad points in between');
        // And the final state is the same as without the bad points.
        const ref = new DetectorBank(1);
        const rid = ref.add();
        stream(ref, rid, s);
        assertSameBytes(new Uint8Array(bank.snapshot(id).buffer), new Uint8Array(ref.snapshot(rid).buffer), 'final state');
      }),
      { numRuns: 300 },
    );
  });

  it(
    'timestamps before 1970 (negative epoch ms) give finite outputs and do not touch other series',
    // Regression: a negative time once gave a negative time-of-day bin and wrote into the previous series.
    () => {
      const n = 3000; // 1969-12-20 to 1970-01-09 at 5-minute steps
      const t = regularTimes(n, Date.UTC(1969, 11, 20));
      const g = gaussian(77);
      const s: Series = { t, v: t.map((time) => 100 + 10 * Math.sin((2 * Math.PI * time) / DAY_MS) + g()) };
      const alone = runFresh(s);
      alone.forEach((o, i) => {
        checkOutputInvariants(o, `point ${i}`);
        if (i > 0) assert.ok(Number.isFinite(o.expected), `point ${i} (${new Date(t[i]).toISOString()}): expected is ${o.expected}`);
      });
      const bank = new DetectorBank(2);
      const neighbour = bank.add();
      stream(bank, neighbour, noiseSeries(500, 78));
      const id = bank.add();
      assertIdenticalOutputs(stream(bank, id, s), alone, 'pre-1970 series next to another series');
    },
  );

  it('a bad point is harmless even as the very first input', () => {
    const s = noiseSeries(200, 3);
    for (const [t, v] of [[s.t[0], NaN], [s.t[0], Infinity], [NaN, 1], [Infinity, 1], [-Infinity, 1]] as const) {
      const bank = new DetectorBank(1);
      const id = bank.add();
      const out = createDetectorOutput();
      assert.doesNotThrow(() => bank.update(id, t, v, out));
      assert.equal(out.score, 0);
      assertIdenticalOutputs(stream(bank, id, s), runFresh(s), `after (t=${t}, v=${v}) first`);
    }
  });

  it('series in one bank are independent: interleaved updates equal separate banks', () => {
    fc.assert(
      fc.property(finiteSeries, finiteSeries, finiteSeries, fc.integer(), (s0, s1, s2, seed) => {
        const all = [s0, s1, s2];
        const bank = new DetectorBank(1); // grows as series are added
        const ids = all.map(() => bank.add());
        const outs: Out[][] = [[], [], []];
        const next = [0, 0, 0];
        const out = createDetectorOutput();
        const u = mulberry32(seed);
        while (next.some((k, j) => k < all[j].v.length)) {
          const j = Math.floor(u() * 3);
          if (next[j] >= all[j].v.length) continue;
          const i = next[j]++;
          bank.update(ids[j], all[j].t[i], all[j].v[i], out);
          outs[j].push(copyOut(out));
        }
        for (let j = 0; j < 3; j++) assertIdenticalOutputs(outs[j], runFresh(all[j]), `series ${j}`);
      }),
      { numRuns: 100 },
    );
  });

  it('three realistic series interleaved in one bank equal three separate banks', () => {
    const all = [realisticSeries(3000, 1), noiseSeries(3000, 2, 5, 0.5), realisticSeries(3000, 3)];
    const bank = new DetectorBank(1);
    const ids = all.map(() => bank.add());
    const outs: Out[][] = [[], [], []];
    const out = createDetectorOutput();
    for (let i = 0; i < 3000; i++) {
      for (const j of i % 2 === 0 ? [0, 1, 2] : [2, 0, 1]) {
        bank.update(ids[j], all[j].t[i], all[j].v[i], out);
        outs[j].push(copyOut(out));
      }
    }
    for (let j = 0; j < 3; j++) assertIdenticalOutputs(outs[j], runFresh(all[j]), `series ${j}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Behaviour on synthetic data with a known answer

describe('DetectorBank behaviour', () => {
  const SEEDS = [1, 2, 3];
  const WARM = 500; // points ignored as warm-up in the calibration checks

  it('Gaussian noise around a constant: few high scores, p-values behave like tail probabilities', () => {
    for (const seed of SEEDS) {
      const outs = runFresh(noiseSeries(10_000, seed)).slice(WARM);
      const high = fraction(outs, (o) => o.score > 0.99);
      const lowP = fraction(outs, (o) => o.pValue < 0.01);
      assert.ok(high < 0.01, `seed ${seed}: ${(100 * high).toFixed(2)}% of points score > 0.99 (want < 1%)`);
      assert.ok(lowP < 0.03, `seed ${seed}: ${(100 * lowP).toFixed(2)}% of points have pValue < 0.01 (want < 3%)`);
    }
  });

  for (const [name, delta, dir] of [['spike', 10, 1], ['dip', -10, -1]] as const) {
    it(`a 10σ ${name} scores > 0.999 with direction ${dir}`, () => {
      for (const seed of SEEDS) {
        const s = noiseSeries(2500, seed);
        const at = 2000;
        s.v[at] = 100 + delta;
        const o = runFresh(s)[at];
        assert.ok(o.score > 0.999, `seed ${seed}: ${name} scored ${o.score}`);
        assert.equal(o.direction, dir, `seed ${seed}: ${name} direction`);
      }
    });
  }

  it('a sustained 4σ level shift is detected within 20 points', () => {
    for (const seed of SEEDS) {
      const s = noiseSeries(2500, seed);
      const at = 2000;
      for (let i = at; i < s.v.length; i++) s.v[i] += 4;
      const window = runFresh(s).slice(at, at + 20);
      const best = Math.max(...window.map((o) => o.score));
      assert.ok(best > 0.999, `seed ${seed}: best score within 20 points of the shift is ${best}`);
    }
  });

  it('daily seasonality (amplitude 10σ, 14 days) is learned: < 0.5% of points score > 0.999 after day 3', () => {
    for (const seed of SEEDS) {
      const n = 14 * POINTS_PER_DAY;
      const g = gaussian(seed);
      const t = regularTimes(n);
      const v = t.map((time) => 100 + 10 * Math.sin((2 * Math.PI * (time % DAY_MS)) / DAY_MS) + g());
      const outs = runFresh({ t, v }).slice(3 * POINTS_PER_DAY);
      const high = fraction(outs, (o) => o.score > 0.999);
      assert.ok(high < 0.005, `seed ${seed}: ${(100 * high).toFixed(2)}% of points after day 3 score > 0.999 (want < 0.5%)`);
    }
  });

  it('a noisy series that gets stuck for 100 points is detected', () => {
    for (const seed of SEEDS) {
      const s = noiseSeries(2100, seed);
      const at = 2000;
      for (let i = at; i < at + 100; i++) s.v[i] = s.v[at - 1];
      const run = runFresh(s).slice(at, at + 100);
      const detected = run.some((o) => o.cause === STAT_STUCK || o.score > 0.999);
      const best = Math.max(...run.map((o) => o.score));
      assert.ok(detected, `seed ${seed}: stuck run not detected (best score ${best}, causes ${[...new Set(run.map((o) => o.cause))].join(',')})`);
    }
  });

  it('lower <= expected <= upper once warmed up', () => {
    const cases: Array<[string, Series]> = [
      ['realistic', realisticSeries(3000, 9)],
      ['noise', noiseSeries(3000, 9)],
      ['tiny noise', noiseSeries(3000, 10, 1e-6, 1e-9)],
      ['integers', { t: regularTimes(3000), v: Array.from({ length: 3000 }, (_, i) => (i * 7919) % 13) }],
    ];
    for (const [name, s] of cases) {
      const outs = runFresh(s);
      for (let i = 100; i < outs.length; i++) {
        if (!Number.isFinite(s.v[i])) continue;
        const o = outs[i];
        assert.ok(o.lower <= o.expected && o.expected <= o.upper, `${name} point ${i}: lower ${o.lower}, expected ${o.expected}, upper ${o.upper}`);
      }
    }
  });

  it('a point just outside the band scores above DEFAULT_BAND_SCORE on plain noise', () => {
    // The band is documented as where a single point alone reaches DEFAULT_BAND_SCORE; check that a
    // point 5% of the half-width beyond the upper edge does.
    for (const seed of SEEDS) {
      const s = noiseSeries(2001, seed);
      const bank = new DetectorBank(1);
      const id = bank.add();
      stream(bank, id, s, 0, 2000);
      const probe = createDetectorOutput();
      // Read the band at the next time with a harmless value on a copy of the bank.
      const copy = DetectorBank.deserialize(bank.serialize());
      copy.update(id, s.t[2000], s.v[2000], probe);
      const x = probe.expected + 1.05 * (probe.upper - probe.expected);
      const out = createDetectorOutput();
      bank.update(id, s.t[2000], x, out);
      assert.ok(out.score > DEFAULT_BAND_SCORE, `seed ${seed}: value ${x} beyond upper ${probe.upper} scored ${out.score}`);
    }
  });
});
