/**
 * A small simulated application for `vigil demo`: frontend → api → database, a queue and a volume,
 * with daily seasonality, noise and injected incidents. Pure and deterministic: time comes in,
 * values come out, randomness from a seeded generator.
 */

/** mulberry32: a tiny seeded PRNG, good enough for simulation. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DemoSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface DemoIncident {
  readonly name: string;
  /** Offset from the simulation start, seconds. */
  readonly startSec: number;
  readonly endSec: number;
}

export const DEMO_SERIES: readonly DemoSeries[] = [
  { name: 'http_requests_per_sec', labels: { service: 'frontend' } },
  { name: 'http_request_duration_p99_seconds', labels: { service: 'api' } },
  { name: 'http_errors_5xx_per_sec', labels: { service: 'api' } },
  { name: 'process_resident_memory_bytes', labels: { service: 'api' } },
  { name: 'node_cpu_utilisation', labels: { instance: 'db-0' } },
  { name: 'node_filesystem_used_ratio', labels: { instance: 'db-0', mountpoint: '/var/lib/postgresql' } },
  { name: 'queue_depth', labels: { queue: 'orders' } },
];

const DAY = 86_400;

export const DEMO_INCIDENTS: readonly DemoIncident[] = [
  { name: 'bad deployment api v2.3.1: latency and 5xx errors rise', startSec: 3 * DAY + 10 * 3600, endSec: 3 * DAY + 12 * 3600 },
  { name: 'noisy neighbour on db-0: CPU saturates', startSec: 4 * DAY + 2 * 3600, endSec: 4 * DAY + 4 * 3600 },
  { name: 'memory leak in api', startSec: 4 * DAY + 14 * 3600, endSec: 5 * DAY + 20 * 3600 },
  { name: 'queue backlog on orders', startSec: 5 * DAY + 22 * 3600, endSec: 6 * DAY + 1 * 3600 },
];

/** Fills `out` (one value per DEMO_SERIES entry) for the time `tSec` after the start. */
export function demoValues(tSec: number, rand: () => number, out: Float64Array): void {
  const dayPhase = (tSec % DAY) / DAY;
  const traffic = 200 + 150 * Math.sin(2 * Math.PI * (dayPhase - 0.3)) ** 2 + 10 * gauss(rand);
  const inc = (i: number) => tSec >= DEMO_INCIDENTS[i].startSec && tSec < DEMO_INCIDENTS[i].endSec;
  const badDeploy = inc(0);
  const noisy = inc(1);
  const leakFor = Math.max(0, Math.min(tSec, DEMO_INCIDENTS[2].endSec) - DEMO_INCIDENTS[2].startSec);
  out[0] = traffic;
  out[1] = 0.25 + 0.0004 * traffic + 0.02 * Math.abs(gauss(rand)) + (badDeploy ? 0.6 : 0);
  out[2] = Math.max(0, 0.2 + 0.1 * gauss(rand) + (badDeploy ? 8 : 0));
  out[3] = 400e6 + 20e6 * gauss(rand) * 0.2 + leakFor * 4000;
  out[4] = Math.min(1, 0.25 + 0.0008 * traffic + 0.03 * gauss(rand) + (noisy ? 0.5 : 0));
  out[5] = Math.min(1, 0.42 + tSec * 2.5e-7 + 0.002 * gauss(rand));
  out[6] = Math.max(0, 20 + 5 * gauss(rand) + (inc(3) ? (tSec - DEMO_INCIDENTS[3].startSec) / 30 : 0));
}

function gauss(rand: () => number): number {
  const u = Math.max(1e-12, rand());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
