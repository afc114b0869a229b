// Benchmark entry point (`npm run bench`): runs every bench/*.bench.ts module in sequence, in file
// name order, and prints each figure as one stdout line `<name> <value> <unit>`. Progress goes to
// stderr, so `npm run bench 2>/dev/null` (or `--silent`) yields only figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark, Emit } from './harness.js';
import { info } from './harness.js';

// Memory figures are only meaningful after a full collection, which needs --expose-gc. package.json
// starts us without it (and is not ours to change), so re-run this same script in a child with the
// flag, keeping every other flag (--import tsx, --cpu-prof, …). The env guard stops a loop should
// the flag somehow not take effect.
const CHILD_GUARD = 'VIGIL_BENCH_GC_CHILD';
if (typeof globalThis.gc !== 'function' && process.env[CHILD_GUARD] !== '1') {
  const child = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [CHILD_GUARD]: '1' },
  });
  if (child.error) throw child.error;
  process.exit(child.status ?? 1);
}
if (typeof globalThis.gc !== 'function') info('bench: running without --expose-gc; memory figures include uncollected garbage');

// Optional filters: `npm run bench -- remote-write` runs only the modules whose file name contains
// one of the given words (here bench/remote-write.bench.ts and bench/remote-write-decode.bench.ts;
// `remote-write.bench` for the first alone). No argument: every module.
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const benchDir = dirname(fileURLToPath(import.meta.url));
const modules = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();

/** Formats a figure: integers as they are, large values to whole units, small ones to 4 digits. */
function formatValue(value: number): string {
  if (Number.isInteger(value) || Math.abs(value) >= 1000) return String(Math.round(value));
  return String(Number(value.toPrecision(4)));
}

// Checked here rather than trusted to each module, so that a malformed figure fails loudly instead
// of silently breaking whatever parses stdout.
const emit: Emit = (name, value, unit) => {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`bench: bad figure name ${JSON.stringify(name)}`);
  if (!/^\S+$/.test(unit)) throw new Error(`bench: bad unit ${JSON.stringify(unit)} for ${name}`);
  if (!Number.isFinite(value)) throw new Error(`bench: ${name} is not a finite number (${value})`);
  process.stdout.write(`${name} ${formatValue(value)} ${unit}\n`);
};

const started = process.hrtime.bigint();
let failed = 0;
for (const file of modules) {
  info(`bench: ${file}`);
  try {
    const mod = (await import(pathToFileURL(join(benchDir, file)).href)) as { bench?: Benchmark };
    if (typeof mod.bench !== 'function') throw new Error(`${file} does not export an async function \`bench(emit)\``);
    await mod.bench(emit);
  } catch (err) {
    // Keep going: one broken benchmark should not hide the figures of the others.
    failed++;
    info(`bench: ${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
const wallSec = Number(process.hrtime.bigint() - started) / 1e9;
info(`bench: ${modules.length} module(s), ${failed} failed, wall time ${wallSec.toFixed(1)} s`);
if (modules.length === 0) info(`bench: no module matches ${filters.join(', ')}`);
if (failed > 0 || modules.length === 0) process.exitCode = 1;
