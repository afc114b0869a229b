// Dev aid (not shipped in the CLI): dump scores of NAB files to CSV for plotting and print a summary.
import { readCorpus, readWindows, writeNabResult } from '../adapters/files/index.js';
import { createDetectorOutput, DetectorBank, STAT_NAMES } from '../core/detect/index.js';
import { probationaryLength } from '../core/eval/index.js';

const [dataDir, labels, outDir, filter] = process.argv.slice(2);
const windows = readWindows(labels);
for (const s of readCorpus(dataDir)) {
  if (filter && !s.key.includes(filter)) continue;
  const bank = new DetectorBank(1);
  const id = bank.add();
  const out = createDetectorOutput();
  const scores = new Float64Array(s.values.length);
  const causes: number[] = [];
  for (let i = 0; i < s.values.length; i++) {
    bank.update(id, s.timestampsMs[i], s.values[i], out);
    scores[i] = out.score;
    causes.push(out.cause);
  }
  writeNabResult(outDir, 'dump', s, scores, windows.get(s.key) ?? []);
  const prob = probationaryLength(s.values.length);
  const wins = windows.get(s.key) ?? [];
  const top = [...scores.keys()].filter((i) => i >= prob).sort((a, b) => scores[a] - scores[b]).slice(0, 0);
  const idx = [...scores.keys()].filter((i) => i >= prob).sort((a, b) => (1 - scores[a]) - (1 - scores[b])).slice(0, 8);
  console.log(s.key, 'windows at rows', wins.map(([a, b]) => `${s.timestampsMs.indexOf(a)}-${s.timestampsMs.indexOf(b)}`).join(' '));
  console.log('   top', idx.map((i) => `${i}:${(-Math.log10(Math.max(1e-300, 1 - scores[i]))).toFixed(1)}:${STAT_NAMES[causes[i]]}`).join(' '), top.length);
}
