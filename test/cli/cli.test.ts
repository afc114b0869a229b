// End-to-end tests of the command line, run from source as a user would in development:
//   node --import tsx src/cli/dev-main.ts …   (cwd = repository root)
//
// `eval nab` runs on a tiny NAB-format corpus generated into a temporary directory: two CSV files in
// one category folder, 1000 rows each at 5-minute steps; one has an obvious spike inside a labelled
// window, the other has no window at all.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom as mulberry32 } from '../../src/core/sim/index.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function vigil(...args: string[]): Run {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/dev-main.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

function describeRun(r: Run): string {
  return `exit ${r.status}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}


/** `2014-04-01 00:00:00` for an epoch-ms time (UTC). */
function nabTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

const SUMMARY = /^NAB standard=[-\d.]+ reward_low_FP_rate=[-\d.]+ reward_low_FN_rate=[-\d.]+$/m;
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

const ROWS = 1000;
const T0 = Date.UTC(2014, 3, 1); // 2014-04-01 00:00:00
const STEP = 5 * 60_000;
const CATEGORY = 'artificialTest';
const SPIKE_FILE = 'spike_inside_window.csv';
const PLAIN_FILE = 'no_windows.csv';
const SPIKE_ROW = 700;
const WINDOW = [680, 720] as const; // inclusive rows of the labelled window

interface Corpus {
  dir: string;
  data: string;
  labels: string;
  labelsMissingOne: string;
  rows: Record<string, { time: string[]; value: string[] }>;
}

function makeCorpus(): Corpus {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-test-'));
  const data = join(dir, 'data');
  mkdirSync(join(data, CATEGORY), { recursive: true });
  const rows: Corpus['rows'] = {};
  for (const [file, seed, spike] of [[SPIKE_FILE, 1, true], [PLAIN_FILE, 2, false]] as const) {
    const u = mulberry32(seed);
    const time: string[] = [];
    const value: string[] = [];
    for (let i = 0; i < ROWS; i++) {
      const x = 50 + 5 * Math.sin((2 * Math.PI * i) / 288) + (u() - 0.5) * 2 + (spike && i === SPIKE_ROW ? 60 : 0);
      time.push(nabTime(T0 + i * STEP));
      value.push(x.toFixed(3));
    }
    rows[file] = { time, value };
    writeFileSync(join(data, CATEGORY, file), ['timestamp,value', ...time.map((t, i) => `${t},${value[i]}`)].join('\n') + '\n');
  }
  const window = [`${nabTime(T0 + WINDOW[0] * STEP)}.000000`, `${nabTime(T0 + WINDOW[1] * STEP)}.000000`];
  const labels = join(dir, 'combined_windows.json');
  writeFileSync(labels, JSON.stringify({ [`${CATEGORY}/${SPIKE_FILE}`]: [window], [`${CATEGORY}/${PLAIN_FILE}`]: [] }, null, 2));
  const labelsMissingOne = join(dir, 'labels_missing_one.json');
  writeFileSync(labelsMissingOne, JSON.stringify({ [`${CATEGORY}/${SPIKE_FILE}`]: [window] }, null, 2));
  return { dir, data, labels, labelsMissingOne, rows };
}

// ---------------------------------------------------------------------------------------------

describe('vigil --help', () => {
  it('exits 0 and lists the commands', () => {
    const r = vigil('--help');
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stdout, /Usage: vigil/);
    assert.match(r.stdout, /Commands:/);
    assert.match(r.stdout, /^\s+eval\b/m, 'the eval command is listed');
  });

  it('eval --help exits 0 and lists the nab subcommand', () => {
    const r = vigil('eval', '--help');
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stdout, /^\s+nab\b/m);
  });

  it(
    'eval --help mentions --data and --labels',
    () => {
      const r = vigil('eval', '--help');
      assert.equal(r.status, 0, describeRun(r));
      assert.match(r.stdout, /--data/);
      assert.match(r.stdout, /--labels/);
    },
  );

  it('eval nab --help exits 0 and mentions --data and --labels', () => {
    const r = vigil('eval', 'nab', '--help');
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stdout, /--data <dir>/);
    assert.match(r.stdout, /--labels <file>/);
    assert.match(r.stdout, /--out <dir>/);
    assert.match(r.stdout, /--name <name>/);
  });
});

describe('vigil eval nab', () => {
  let corpus: Corpus;
  before(() => {
    corpus = makeCorpus();
  });
  after(() => {
    if (corpus) rmSync(corpus.dir, { recursive: true, force: true });
  });

  it('prints a table of the three profiles and a last line with the three scores', () => {
    const r = vigil('eval', 'nab', '--data', corpus.data, '--labels', corpus.labels);
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stdout, /\b2 files\b/, 'the table names the number of files');
    assert.match(r.stdout, /^profile\s+score\s+threshold\s+TP windows\s+FN windows\s+FP rows\s+raw$/m, 'table header');
    for (const p of ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']) {
      assert.match(r.stdout, new RegExp(`^${p}\\s+[-\\d.]+\\s+\\S+\\s+\\d+\\s+\\d+\\s+\\d+\\s+[-\\d.]+$`, 'm'), `table row for ${p}`);
    }
    assert.match(r.stdout, SUMMARY);
    const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
    assert.match(lines[lines.length - 1], SUMMARY, 'the summary is the last line');
    assert.doesNotMatch(r.stderr, STACK_FRAME);
  });

  it('with --out <dir> --name vigil writes NAB result files row for row', () => {
    const out = join(corpus.dir, 'results');
    const r = vigil('eval', 'nab', '--data', corpus.data, '--labels', corpus.labels, '--out', out, '--name', 'vigil');
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stdout, SUMMARY);

    assert.deepEqual(readdirSync(join(out, 'vigil')), [CATEGORY]);
    assert.deepEqual(readdirSync(join(out, 'vigil', CATEGORY)).sort(), [`vigil_${PLAIN_FILE}`, `vigil_${SPIKE_FILE}`].sort());

    for (const file of [SPIKE_FILE, PLAIN_FILE]) {
      const path = join(out, 'vigil', CATEGORY, `vigil_${file}`);
      assert.ok(existsSync(path), `${path} exists`);
      const lines = readFileSync(path, 'utf8').split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      assert.equal(lines[0], 'timestamp,value,anomaly_score,label');
      const body = lines.slice(1);
      assert.equal(body.length, ROWS, `${file}: one row per data row`);
      const input = corpus.rows[file];
      body.forEach((line, i) => {
        const cells = line.split(',');
        assert.equal(cells.length, 4, `${file} row ${i}: ${line}`);
        const [time, value, score, label] = cells;
        assert.equal(time, input.time[i], `${file} row ${i}: timestamp in the same order`);
        assert.equal(Number(value), Number(input.value[i]), `${file} row ${i}: value`);
        const s = Number(score);
        assert.ok(score !== '' && s >= 0 && s <= 1, `${file} row ${i}: anomaly_score ${score} in [0, 1]`);
        const inWindow = file === SPIKE_FILE && i >= WINDOW[0] && i <= WINDOW[1];
        assert.equal(label, inWindow ? '1' : '0', `${file} row ${i}: label`);
      });
    }
  });

  it('a missing --data directory exits non-zero and says so on stderr', () => {
    const missing = join(corpus.dir, 'no-such-dir');
    const r = vigil('eval', 'nab', '--data', missing, '--labels', corpus.labels);
    assert.notEqual(r.status, 0, describeRun(r));
    assert.ok(r.stderr.includes(missing), `stderr names the directory:\n${r.stderr}`);
    assert.match(r.stderr, /data director/i, 'stderr says it is the data directory');
    assert.match(r.stderr, /cannot read|no such|not found|does not exist/i);
    assert.doesNotMatch(r.stderr, STACK_FRAME, 'a message, not a stack trace');
    assert.doesNotMatch(r.stdout, SUMMARY);
  });

  it('a labels file without an entry for one CSV exits non-zero and names the file', () => {
    const r = vigil('eval', 'nab', '--data', corpus.data, '--labels', corpus.labelsMissingOne);
    assert.notEqual(r.status, 0, describeRun(r));
    assert.ok(r.stderr.includes(`${CATEGORY}/${PLAIN_FILE}`), `stderr names the unlabelled file:\n${r.stderr}`);
    assert.match(r.stderr, /label/i, 'stderr says the labels file is the problem');
    assert.doesNotMatch(r.stderr, STACK_FRAME, 'a message, not a stack trace');
    assert.doesNotMatch(r.stdout, SUMMARY);
  });

  it('missing required options exit non-zero and name the option', () => {
    const r = vigil('eval', 'nab');
    assert.notEqual(r.status, 0, describeRun(r));
    assert.match(r.stderr, /--data/);
  });
});
