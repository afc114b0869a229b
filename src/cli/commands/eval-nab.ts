import { Command } from 'commander';
import { addEvalScenarios } from './eval-scenarios.js';
import cliProgress from 'cli-progress';
import { createDetectorOutput, DetectorBank } from '../../core/detect/index.js';
import { breakdownByFile, labelRows, NAB_PROFILES, scoreProfile, type NabFile, type ProfileResult } from '../../core/eval/index.js';
import { readCorpus, readWindows, writeNabResult, type CorpusSeries } from '../../adapters/files/index.js';

export interface EvalNabOptions {
  data: string;
  labels: string;
  out?: string;
  name: string;
  progress: boolean;
  perFile?: boolean;
}

/** Streams one series through a fresh default detector and returns its per-row scores. */
export function scoreSeries(series: CorpusSeries): Float64Array {
  const bank = new DetectorBank(1);
  const id = bank.add();
  const out = createDetectorOutput();
  const scores = new Float64Array(series.values.length);
  for (let i = 0; i < series.values.length; i++) {
    bank.update(id, series.timestampsMs[i], series.values[i], out);
    scores[i] = out.score;
  }
  return scores;
}

export function runEvalNab(opts: EvalNabOptions, write: (line: string) => void): ProfileResult[] {
  const corpus = readCorpus(opts.data);
  const windows = readWindows(opts.labels);
  const missing = corpus.filter((s) => !windows.has(s.key)).map((s) => s.key);
  if (missing.length > 0) {
    throw new Error(`the labels file has no entry for ${missing.length} data file(s), e.g. "${missing[0]}"; every CSV under --data needs one (an empty list means no anomaly)`);
  }
  const bar = opts.progress
    ? new cliProgress.SingleBar({ format: 'scoring {bar} {value}/{total} files | {file}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(corpus.length, 0, { file: '' });
  const files: NabFile[] = [];
  for (const series of corpus) {
    bar?.update({ file: series.key });
    const scores = scoreSeries(series);
    const wins = windows.get(series.key) ?? [];
    if (opts.out) writeNabResult(opts.out, opts.name, series, scores, wins);
    files.push({ name: series.key, timestamps: series.timestampsMs, scores, windows: wins });
    bar?.increment();
  }
  bar?.stop();
  const rows = labelRows(files);
  const results = NAB_PROFILES.map((p) => scoreProfile(rows, p));
  if (opts.perFile) {
    const std = results[0];
    write(`per file at the standard threshold ${std.threshold}: first detection (rows after window start, - = missed), FP rows, raw score`);
    for (const b of breakdownByFile(files, rows, NAB_PROFILES[0], std.threshold)) {
      write(`  ${b.name.padEnd(58)} ${b.detectedAt.map((d) => (d < 0 ? '-' : String(d))).join(',').padEnd(12)} fp=${String(b.fpRows).padStart(3)} raw=${b.rawScore.toFixed(3)}`);
    }
  }
  write(formatTable(results, corpus.length));
  write(`NAB ${results.map((r) => `${r.profile}=${r.normalisedScore.toFixed(2)}`).join(' ')}`);
  return results;
}

function formatTable(results: ProfileResult[], fileCount: number): string {
  const head = ['profile', 'score', 'threshold', 'TP windows', 'FN windows', 'FP rows', 'raw'];
  const rows = results.map((r) => [r.profile, r.normalisedScore.toFixed(2), r.threshold.toPrecision(6), String(r.tpWindows), String(r.fnWindows), String(r.fpRows), r.rawScore.toFixed(3)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [`${fileCount} files, ${results[0]?.perfectScore ?? 0} scored windows`, line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function evalCommand(): Command {
  const cmd = new Command('eval')
    .description('Backtest the default detector on labelled data')
    .addHelpText('after', '\nExample:\n  vigil eval nab --data <dir> --labels <combined_windows.json> [--out <dir>] [--name vigil]');
  cmd
    .command('nab')
    .description('Score the default detector on a NAB-format corpus with NAB\'s three profiles')
    .requiredOption('--data <dir>', 'directory of <category>/<name>.csv files with timestamp,value columns')
    .requiredOption('--labels <file>', 'combined_windows.json: {"<category>/<name>.csv": [[start, end], ...]}')
    .option('--out <dir>', 'also write NAB result files to <dir>/<name>/<category>/<name>_<file>.csv')
    .option('--name <name>', 'detector name used in the result files', 'vigil')
    .option('--per-file', 'also print each file\'s detections and false positives at the standard threshold')
    .option('--no-progress', 'do not draw the progress bar')
    .action((o: { data: string; labels: string; out?: string; name: string; progress: boolean; perFile?: boolean }) => {
      runEvalNab({ ...o, progress: o.progress && process.stderr.isTTY === true }, (l) => process.stdout.write(l + '\n'));
    });
  addEvalScenarios(cmd);
  return cmd;
}
