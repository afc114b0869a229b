/**
 * Reads a NAB-format corpus (`<dir>/<category>/<name>.csv` with `timestamp,value` rows and a
 * `combined_windows.json` label file) and writes NAB's result format, so that Vigil can be
 * backtested on any labelled data laid out the NAB way.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

export interface CorpusSeries {
  /** Path relative to the data directory with forward slashes, e.g. `realAWSCloudwatch/x.csv`. */
  readonly key: string;
  /** Original timestamp text of each row, kept to write results unchanged. */
  readonly timestampText: string[];
  /** Epoch milliseconds (UTC) of each row. */
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
}

export class CorpusError extends Error {}

/** Parses `2014-02-14 14:27:00[.ffffff]` or ISO-8601 as UTC epoch ms. */
export function parseTimestampMs(text: string): number {
  const s = text.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m) {
    const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    let t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0, ms);
    if (m[8] && m[8] !== 'Z') {
      const sign = m[8][0] === '-' ? -1 : 1;
      const digits = m[8].slice(1).replace(':', '');
      t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
    return t;
  }
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return n < 1e11 ? n * 1000 : n; // seconds or milliseconds since the epoch
  }
  return NaN;
}

export function parseSeriesCsv(key: string, text: string): CorpusSeries {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.split(',').map((h) => h.trim().toLowerCase()) ?? [];
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf('value');
  if (ti < 0 || vi < 0) throw new CorpusError(`${key}: the header must name the columns "timestamp" and "value" (found: ${lines[0] ?? ''})`);
  const timestampText: string[] = [];
  const ts: number[] = [];
  const vs: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const t = parseTimestampMs(cells[ti] ?? '');
    if (Number.isNaN(t)) throw new CorpusError(`${key}:${i + 1}: cannot read the timestamp "${cells[ti]}" (expected e.g. 2014-02-14 14:27:00)`);
    timestampText.push(cells[ti].trim());
    ts.push(t);
    const raw = (cells[vi] ?? '').trim();
    vs.push(raw === '' ? NaN : Number(raw));
  }
  return { key, timestampText, timestampsMs: Float64Array.from(ts), values: Float64Array.from(vs) };
}

function listCsv(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listCsv(p));
    else if (name.endsWith('.csv')) out.push(p);
  }
  return out;
}

export function readCorpus(dataDir: string): CorpusSeries[] {
  let files: string[];
  try {
    files = listCsv(dataDir);
  } catch (e) {
    throw new CorpusError(`cannot read the data directory ${dataDir}: ${(e as Error).message}`);
  }
  if (files.length === 0) throw new CorpusError(`no .csv files under ${dataDir}`);
  return files.map((f) => parseSeriesCsv(relative(dataDir, f).split(sep).join('/'), readFileSync(f, 'utf8')));
}

/** Windows by series key, as inclusive [startMs, endMs] pairs. */
export function readWindows(labelsFile: string): Map<string, Array<[number, number]>> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(labelsFile, 'utf8'));
  } catch (e) {
    throw new CorpusError(`cannot read the labels file ${labelsFile}: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CorpusError(`${labelsFile}: expected an object {"<category>/<file>.csv": [[start, end], ...]}`);
  }
  const out = new Map<string, Array<[number, number]>>();
  for (const [key, wins] of Object.entries(json as Record<string, unknown>)) {
    if (!Array.isArray(wins)) throw new CorpusError(`${labelsFile}: "${key}" must be a list of [start, end] pairs`);
    out.set(key, wins.map((w, i) => {
      if (!Array.isArray(w) || w.length !== 2) throw new CorpusError(`${labelsFile}: "${key}"[${i}] must be a [start, end] pair`);
      const a = parseTimestampMs(String(w[0]));
      const b = parseTimestampMs(String(w[1]));
      if (Number.isNaN(a) || Number.isNaN(b)) throw new CorpusError(`${labelsFile}: "${key}"[${i}] has an unreadable timestamp`);
      return [a, b];
    }));
  }
  return out;
}

/** Writes `<out>/<name>/<category>/<name>_<file>.csv` with `timestamp,value,anomaly_score,label`. */
export function writeNabResult(outDir: string, detectorName: string, series: CorpusSeries, scores: ArrayLike<number>, windows: ReadonlyArray<readonly [number, number]>): string {
  const category = dirname(series.key);
  const file = join(outDir, detectorName, category, `${detectorName}_${basename(series.key)}`);
  mkdirSync(dirname(file), { recursive: true });
  const rows: string[] = ['timestamp,value,anomaly_score,label'];
  for (let i = 0; i < series.values.length; i++) {
    const t = series.timestampsMs[i];
    const label = windows.some(([a, b]) => t >= a && t <= b) ? 1 : 0;
    const v = series.values[i];
    rows.push(`${series.timestampText[i]},${Number.isNaN(v) ? '' : v},${scores[i]},${label}`);
  }
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}
