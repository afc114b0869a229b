// Runs every test file under test/ with Node's own test runner (TypeScript through tsx).
// Node 20's `--test` does not expand globs itself, so the file list is built here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// The end-to-end tests run real peers (Prometheus, node_exporter) from Debian's packages: install
// whatever is missing first (a no-op once installed), so `npm ci && npm test` works on a fresh machine.
const setup = spawnSync('bash', ['scripts/setup-system.sh'], { stdio: 'inherit' });
if (setup.status !== 0) process.exit(setup.status ?? 1);

const only = process.argv.slice(2);
const files = only.length > 0 ? only : find('test').sort();
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(res.status ?? 1);
