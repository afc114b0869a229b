// Remote-write 1.0 receive-path throughput and allocation: how many samples per second one core
// turns from WriteRequest bytes into SampleBatch rows, and how many heap bytes that costs per
// sample (the per-sample path is meant to allocate nothing; the per-request result object and
// DataView remain, spread over 2,000 samples).
//
// Shape of a run:
//   1. 100 requests of 2,000 node-exporter-like series × 1 sample each (the same series every
//      request with successive 15-s timestamps, as one Prometheus sends them), encoded and
//      snappy-compressed outside the timed sections;
//   2. cold: the first decode of every series (decode + validate + resolve) — series per second;
//   3. warm: the 100 requests decoded round after round (interner hits) — samples per second,
//      protobuf only, then snappy + protobuf;
//   4. allocation: warm decodes under V8's GC profiler (as in detector.bench.ts).
import { GCProfiler, getHeapStatistics } from 'node:v8';
import {
  LabelInterner,
  compressSnappy,
  createSampleBatch,
  decodeWriteRequest,
  decompressSnappy,
  encodeWriteRequest,
  type RemoteWriteSeries,
} from '../src/adapters/remote-write/index.js';
import { seriesKey, type Labels } from '../src/core/model/index.js';
import { seededRandom } from '../src/core/sim/index.js';
import type { Emit } from './harness.js';
import { forceGc, info } from './harness.js';

const SERIES_PER_REQUEST = 2000;
const REQUESTS = 100;
const STEP_MS = 15_000;
const T0_MS = Date.UTC(2024, 0, 1);
/** Warm rounds over the 100 requests: 40 × 100 × 2,000 = 8M samples timed. */
const WARM_ROUNDS = 40;
const ALLOC_ROUNDS = 10;
const SEED = 0x5eed_0002;

/** node-exporter-like label sets: a few metric families × hosts × cpus/modes/devices. */
function makeLabelSets(): Labels[] {
  const out: Labels[] = [];
  const modes = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'];
  const devices = ['eth0', 'lo', 'nvme0n1', 'sda'];
  for (let host = 0; out.length < SERIES_PER_REQUEST; host++) {
    const base = { instance: `node-${host}.prod.example.com:9100`, job: 'node-exporter', env: 'production', region: 'eu-west-1' };
    for (let cpu = 0; cpu < 8; cpu++) for (const mode of modes) out.push({ __name__: 'node_cpu_seconds_total', ...base, cpu: String(cpu), mode });
    for (const device of devices) {
      out.push({ __name__: 'node_network_receive_bytes_total', ...base, device });
      out.push({ __name__: 'node_disk_io_time_seconds_total', ...base, device });
    }
    for (const name of ['node_load1', 'node_load5', 'node_memory_MemAvailable_bytes', 'node_filesystem_avail_bytes']) out.push({ __name__: name, ...base });
  }
  return out.slice(0, SERIES_PER_REQUEST);
}

interface GcHeapStats {
  usedHeapSize: number;
}

export async function bench(emit: Emit): Promise<void> {
  const rng = seededRandom(SEED);
  const labelSets = makeLabelSets();
  const counters = labelSets.map(() => rng() * 1e6);
  const bodies: Uint8Array[] = [];
  const compressed: Uint8Array[] = [];
  for (let r = 0; r < REQUESTS; r++) {
    const series: RemoteWriteSeries[] = labelSets.map((labels, i) => {
      counters[i] += rng() * 100;
      return { labels, samples: [{ value: counters[i], timeMs: T0_MS + r * STEP_MS }] };
    });
    const body = encodeWriteRequest(series);
    bodies.push(body);
    compressed.push(compressSnappy(body));
  }
  const bytes = bodies.reduce((s, b) => s + b.length, 0);
  const zbytes = compressed.reduce((s, b) => s + b.length, 0);
  info(`remote-write: ${REQUESTS} requests × ${SERIES_PER_REQUEST} series, ${(bytes / REQUESTS / 1024).toFixed(0)} KiB each (${(zbytes / REQUESTS / 1024).toFixed(0)} KiB snappy)`);

  const ids = new Map<string, number>();
  const interner = new LabelInterner((labels) => {
    const key = seriesKey(labels);
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = ids.size));
    return id;
  });
  const batch = createSampleBatch(SERIES_PER_REQUEST);

  // ---- 2. cold: first sight of every series.
  let t = process.hrtime.bigint();
  const cold = decodeWriteRequest(bodies[0], interner, batch);
  const coldSec = Number(process.hrtime.bigint() - t) / 1e9;
  if (!cold.ok || cold.samples !== SERIES_PER_REQUEST) throw new Error(`remote-write: cold decode failed: ${JSON.stringify(cold)}`);
  emit('remote_write_first_sight_series_per_sec', SERIES_PER_REQUEST / coldSec, '1/s');

  // ---- 3. warm throughput.
  const decodeRound = (): void => {
    for (let r = 0; r < REQUESTS; r++) {
      batch.count = 0;
      const res = decodeWriteRequest(bodies[r], interner, batch);
      if (!res.ok || batch.count !== SERIES_PER_REQUEST) throw new Error('remote-write: warm decode failed');
    }
  };
  decodeRound(); // warm-up (JIT)
  decodeRound();
  t = process.hrtime.bigint();
  for (let k = 0; k < WARM_ROUNDS; k++) decodeRound();
  const warmSec = Number(process.hrtime.bigint() - t) / 1e9;
  const warmSamples = WARM_ROUNDS * REQUESTS * SERIES_PER_REQUEST;
  emit('remote_write_decode_samples_per_sec', warmSamples / warmSec, '1/s');

  const limit = 64 << 20;
  const snappyRounds = Math.max(1, WARM_ROUNDS / 4);
  t = process.hrtime.bigint();
  for (let k = 0; k < snappyRounds; k++) {
    for (let r = 0; r < REQUESTS; r++) {
      const z = decompressSnappy(compressed[r], limit);
      if (!z.ok) throw new Error(z.reason);
      batch.count = 0;
      if (!decodeWriteRequest(z.data, interner, batch).ok) throw new Error('remote-write: decode failed');
    }
  }
  const snappySec = Number(process.hrtime.bigint() - t) / 1e9;
  emit('remote_write_snappy_decode_samples_per_sec', (snappyRounds * REQUESTS * SERIES_PER_REQUEST) / snappySec, '1/s');

  // ---- 4. allocation per sample (protobuf decode only; snappy's output buffer is per request).
  decodeRound();
  forceGc();
  const profiler = new GCProfiler();
  profiler.start();
  const heap0 = getHeapStatistics().used_heap_size;
  for (let k = 0; k < ALLOC_ROUNDS; k++) decodeRound();
  const heap1 = getHeapStatistics().used_heap_size;
  const gcs = profiler.stop().statistics;
  let freed = 0;
  for (const gc of gcs) {
    freed += (gc.beforeGC.heapStatistics as unknown as GcHeapStats).usedHeapSize - (gc.afterGC.heapStatistics as unknown as GcHeapStats).usedHeapSize;
  }
  const allocSamples = ALLOC_ROUNDS * REQUESTS * SERIES_PER_REQUEST;
  const allocated = Math.max(0, heap1 - heap0 + freed);
  emit('remote_write_decode_allocated_bytes_per_sample', allocated / allocSamples, 'B');
  info(`remote-write: allocation over ${allocSamples / 1e6}M samples: ${allocated} B (${(allocated / (ALLOC_ROUNDS * REQUESTS)).toFixed(0)} B per request), ${gcs.length} GC(s); interner holds ${interner.size} label sets`);
}
