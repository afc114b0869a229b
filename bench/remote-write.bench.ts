// Remote-write ingest end to end over loopback HTTP: the same snappy-compressed WriteRequests are
// posted to `vigil serve` (decode + series lookup + detector update) and, in the same run, to
// Debian's Prometheus with --web.enable-remote-write-receiver (decode + TSDB append). Each server
// runs in its own process; the sender is this process. Figures:
//   remote_write_samples_per_sec_vigil / _prometheus   steady-state samples per second
//   memory_bytes_per_series_vigil                       RSS growth of vigil serve per active series
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressSnappy, encodeWriteRequest } from '../src/adapters/remote-write/index.js';
import { seededRandom } from '../src/core/sim/index.js';
import { startPrometheus } from '../test/support/peers.js';
import { startVigilProcess } from '../test/support/vigil-process.js';
import { info, type Emit } from './harness.js';

const SERIES_PER_REQUEST = 2000;
const BLOCKS = Number(process.env.VIGIL_BENCH_RW_BLOCKS ?? 25); // 25 x 2000 = 50,000 series
const ROUNDS = Number(process.env.VIGIL_BENCH_RW_ROUNDS ?? 20);
const STEP_MS = 15_000;

/**
 * payloads[block][round]: block b holds the same 2000 series in every round, times advancing.
 * Exported for bench/remote-write-replay.ts, which feeds the very same requests in-process.
 */
export function buildPayloads(t0: number, blocks = BLOCKS, rounds = ROUNDS): Uint8Array[][] {
  const rand = seededRandom(7);
  const out: Uint8Array[][] = [];
  for (let b = 0; b < blocks; b++) {
    const perRound: Uint8Array[] = [];
    for (let r = 0; r <= rounds; r++) {
      const series = [];
      for (let k = 0; k < SERIES_PER_REQUEST; k++) {
        const n = b * SERIES_PER_REQUEST + k;
        series.push({
          labels: {
            __name__: `node_bench_metric_${n % 50}`, instance: `10.0.${Math.floor(n / 2500)}.${(n / 50) % 50 | 0}:9100`, job: 'node',
            cpu: String(n % 8), mode: ['idle', 'user', 'system', 'iowait'][n % 4]!,
          },
          samples: [{ value: 100 + 10 * Math.sin((r + n) / 5) + rand(), timeMs: t0 + r * STEP_MS }],
        });
      }
      perRound.push(compressSnappy(encodeWriteRequest(series)));
    }
    out.push(perRound);
  }
  return out;
}

function post(agent: Agent, port: number, path: string, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, method: 'POST', agent,
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0', 'Content-Length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode! >= 200 && res.statusCode! < 300 ? resolve(res.statusCode!) : reject(new Error(`HTTP ${res.statusCode} from ${path}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends rounds [from, to) with one sender per block (so each series' samples stay in order). */
async function send(port: number, path: string, payloads: Uint8Array[][], from: number, to: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: BLOCKS });
  const started = process.hrtime.bigint();
  await Promise.all(payloads.map(async (rounds) => {
    for (let r = from; r < to; r++) await post(agent, port, path, rounds[r]!);
  }));
  agent.destroy();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export async function bench(emit: Emit): Promise<void> {
  const t0 = Date.now() - 30 * 60_000;
  info(`remote-write: building ${BLOCKS * (ROUNDS + 1)} requests of ${SERIES_PER_REQUEST} samples (${BLOCKS * SERIES_PER_REQUEST} series)`);
  const payloads = buildPayloads(t0);
  const measured = BLOCKS * SERIES_PER_REQUEST * ROUNDS;

  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  // VIGIL_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server side.
  const nodeArgs = process.env.VIGIL_BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const vigil = await startVigilProcess(['--data-dir', dataDir, '--log-level', 'warn'], { nodeArgs });
  const vport = vigil.port;
  try {
    await new Promise((r) => setTimeout(r, 500));
    const before = rssBytes(vigil.child.pid!);
    await send(vport, '/api/v1/write', payloads, 0, 1); // round 0 creates the series
    const after = rssBytes(vigil.child.pid!);
    const sec = await send(vport, '/api/v1/write', payloads, 1, ROUNDS + 1);
    info(`remote-write: vigil ${measured} samples in ${sec.toFixed(2)} s`);
    emit('remote_write_samples_per_sec_vigil', measured / sec, '1/s');
    emit('memory_bytes_per_series_vigil', (after - before) / (BLOCKS * SERIES_PER_REQUEST), 'B');
  } finally {
    if (nodeArgs.length > 0) await vigil.stop(); // a profile is written on a clean exit only
    else await vigil.kill9();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const prom = await startPrometheus({ configYaml: 'global:\n  scrape_interval: 1h\nscrape_configs: []\n', extraArgs: ['--web.enable-remote-write-receiver'] });
  try {
    await send(prom.port, '/api/v1/write', payloads, 0, 1);
    const sec = await send(prom.port, '/api/v1/write', payloads, 1, ROUNDS + 1);
    info(`remote-write: prometheus ${measured} samples in ${sec.toFixed(2)} s`);
    emit('remote_write_samples_per_sec_prometheus', measured / sec, '1/s');
  } finally {
    await prom.stop();
  }
}
