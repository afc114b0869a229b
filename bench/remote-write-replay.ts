// In-process replay of the remote-write benchmark, for measuring CPU cost per sample without the
// noise of a shared machine. Not a `*.bench.ts` module: `npm run bench` does not run it.
//
// It builds the very requests bench/remote-write.bench.ts posts (buildPayloads: 25 blocks × 2000
// series × 1 sample, snappy-compressed) and feeds them, round after round, through the code path
// of `vigil serve`: by default fastify's inject() into the real /api/v1/write route (hooks,
// snappy, decoder, interner, SampleBatch, VigilApp.ingest, DetectorBank.updateBatch, the observer:
// history, insights engine, proactive forecasts); with `--direct`, the route's body only (snappy →
// decode → app.ingest), without fastify. The clock is fixed, so every run does the same work.
//
// Instruction counts do not depend on the machine's load. Cost per sample, start-up excluded:
//
//   for n in 2 10; do valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n \
//     node --single-threaded --import tsx bench/remote-write-replay.ts --cache /tmp/rw.bin --feed $n & done; wait
//   # instructions per sample = (Ir(10) − Ir(2)) / ((10 − 2) × 50,000)   ("summary:" line of each file)
//
// --single-threaded matters: with V8's background compiler and GC threads, when optimised code
// arrives and how much GC work falls in the window depend on valgrind's thread scheduling, and the
// same code measured 10,200 and 14,200 instructions per sample in two runs; single-threaded, runs
// repeat to the instruction. Instructions are not cycles (a float `%` is one x87 instruction that
// takes dozens of cycles), so the run also prints the CPU time of the measured rounds, which the
// load of other processes changes far less than wall time.
//
// Payloads are always built for the full ROUNDS (fed or not), so building costs the same in both
// runs and cancels out. The run prints a digest of the resulting state (detector checkpoint,
// history, insights): an optimisation must leave it unchanged.
//
// Options: --feed N (measured rounds, after round 0 which creates the series; default 20),
// --cache FILE (payloads built once, then read from FILE), --direct, --learning MS
// (insights.learningPeriod; default the config's 2 days, under which the bench's 5 minutes never
// reach the anomaly tracker; 0 exercises it on every sample).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { MemoryStore } from '../src/adapters/store/index.js';
import { LabelInterner, createSampleBatch, decodeWriteRequest, decompressSnappy } from '../src/adapters/remote-write/index.js';
import type { Labels } from '../src/core/model/index.js';
import { createIngestCounts, resetIngestCounts } from '../src/core/pipeline/index.js';
import { resolveConfig } from '../src/app/config.js';
import { buildServer } from '../src/app/server.js';
import { VigilApp } from '../src/app/vigil-app.js';
import { buildPayloads } from './remote-write.bench.js';

const ROUNDS = 20;
const BLOCKS = 25;
const T0_MS = Date.UTC(2026, 10, 21, 12);
const NOW_MS = T0_MS + 30 * 60_000;

const { values: args } = parseArgs({
  options: { feed: { type: 'string', default: String(ROUNDS) }, direct: { type: 'boolean', default: false }, learning: { type: 'string' }, cache: { type: 'string' } },
});
const feed = Math.min(ROUNDS, Number(args.feed));
const payloads = loadPayloads();

/**
 * Building the payloads takes seconds (half a minute under valgrind): with --cache FILE they are
 * built once and then read back. The file is ours: length-prefixed bodies, block-major.
 */
function loadPayloads(): Uint8Array[][] {
  const file = args.cache;
  if (file && existsSync(file)) {
    const all = readFileSync(file);
    const out: Uint8Array[][] = [];
    let pos = 0;
    while (pos < all.length) {
      const rounds: Uint8Array[] = [];
      for (let r = 0; r <= ROUNDS; r++) {
        const n = all.readUInt32LE(pos);
        rounds.push(all.subarray(pos + 4, pos + 4 + n));
        pos += 4 + n;
      }
      out.push(rounds);
    }
    return out;
  }
  const built = buildPayloads(T0_MS, BLOCKS, ROUNDS);
  if (file) {
    const parts: Uint8Array[] = [];
    for (const rounds of built) {
      for (const body of rounds) {
        const len = Buffer.alloc(4);
        len.writeUInt32LE(body.length);
        parts.push(len, body);
      }
    }
    writeFileSync(file, Buffer.concat(parts));
  }
  return built;
}

const log = pino({ level: 'silent' });
const config = resolveConfig(args.learning === undefined ? {} : { insights: { learningPeriod: `${Number(args.learning)}ms` } }, {});
const store = new MemoryStore();
await store.migrate();
const app = new VigilApp({ config, store, log, clock: { now: () => NOW_MS } });
await app.restore();
const server = await buildServer({ app, log });
await server.ready();

// --direct: what the route does between its header checks and its reply.
const batch = createSampleBatch(4096);
const counts = createIngestCounts();
const interner = new LabelInterner((labels: Labels) => app.seriesId(labels, NOW_MS), { maxLabelCount: config.ingest.maxLabels, maxLabelValueBytes: config.ingest.maxLabelValueBytes });
function ingestDirect(body: Uint8Array): void {
  const raw = decompressSnappy(body, config.ingest.maxDecompressedBytes);
  if (!raw.ok) throw new Error(raw.reason);
  batch.count = 0;
  const decoded = decodeWriteRequest(raw.data, interner, batch);
  if (!decoded.ok) throw new Error(decoded.reason);
  resetIngestCounts(counts);
  app.ingest(batch, counts);
  if (counts.outOfOrder + counts.duplicate > 0) throw new Error('samples rejected');
}

async function ingestInject(body: Uint8Array): Promise<void> {
  const res = await server.inject({
    method: 'POST', url: '/api/v1/write', payload: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
  });
  if (res.statusCode !== 204) throw new Error(`HTTP ${res.statusCode}: ${res.body}`);
}

async function round(r: number): Promise<void> {
  for (const block of payloads) {
    if (args.direct) ingestDirect(block[r]!);
    else await ingestInject(block[r]!);
  }
}

const t0 = process.hrtime.bigint();
await round(0); // creates the series
await app.flush();
process.stderr.write(`replay: round 0 (50,000 new series) in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2)} s\n`);
const started = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
for (let r = 1; r <= feed; r++) await round(r);
const cpu = process.cpuUsage(cpu0);
const sec = Number(process.hrtime.bigint() - started) / 1e9;
await app.flush();
const samples = feed * BLOCKS * 2000;

// Digest of what the samples did: detector state, history of a few series, insights.
const hash = createHash('sha256');
hash.update(app.pipeline.checkpoint());
for (let id = 0; id < app.pipeline.seriesCount; id += 997) hash.update(JSON.stringify(app.history.points(id)));
const page = await store.listInsights({ limit: 10_000 });
const insights = page.total;
hash.update(JSON.stringify(page.items));
// CPU time (all threads of the process) is far less sensitive to other load than wall time.
const cpuSec = (cpu.user + cpu.system) / 1e6;
process.stderr.write(`replay: ${samples} samples in ${sec.toFixed(2)} s (${Math.round(samples / sec)} samples/s, ${args.direct ? 'direct' : 'inject'}); `
  + `CPU ${cpuSec.toFixed(2)} s (${(cpuSec / samples * 1e9).toFixed(0)} ns per sample); series ${app.pipeline.seriesCount}; insights ${insights}\n`);
process.stdout.write(`digest ${hash.digest('hex').slice(0, 16)}\n`);
await server.close();
