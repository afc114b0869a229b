/**
 * The simulated microservice application behind the insights scenarios: one application ("shop")
 * in one Kubernetes namespace, two nodes, and the series a Prometheus stack would scrape from it.
 *
 *   frontend ──► checkout-api ──► payments-api ──► postgres-0 (node-b, /var/lib/postgresql)
 *                     │                                ▲
 *                     └──► rabbitmq (queue "orders") ◄─┴── worker
 *   pods of frontend / checkout-api / payments-api run on node-a; worker and postgres-0 on node-b.
 *
 * Metric names and label sets follow what the usual exporters emit (cAdvisor, node-exporter,
 * postgres_exporter, blackbox_exporter, an instrumented HTTP server), so the real resource rules
 * and metric classifier place and weigh them; resource keys are computed with the default
 * ResourceRules, never written by hand, so ground truth and pipeline agree by construction.
 *
 * Seasonality (all in UTC): a daily cycle (night trough, morning ramp from 07:30, midday plateau,
 * evening peak around 20:00), a weekly cycle (Saturday and Sunday at 60 %), autocorrelated
 * multiplicative noise on the shared traffic, independent noise per series, and occasional benign
 * traffic bursts (+15–35 % for 5–20 min, about two a day).
 *
 * Simplifications, on purpose: pod names never change (a deployment does not roll the pod),
 * `node_cpu_seconds_total` has no per-CPU label, and node-exporter series carry the application
 * label (a node pool dedicated to the application) so node anomalies land in the application.
 */
import type { Labels, MetricType } from '../../model/index.js';
import { ResourceRules } from '../../resources/index.js';

export const APPLICATION = 'shop';
export const NAMESPACE = 'shop';

const DAY_SEC = 86_400;
const GB = 1e9;

/** What the generator knows at one time step; shared by every series of that step. */
export interface WorldState {
  /** Seconds since the Unix epoch. */
  tSec: number;
  /** Seconds since the run started. */
  sinceStartSec: number;
  /** Traffic relative to a weekday evening peak (about 0.3 at night, 1 at the peak, ×0.6 at weekends). */
  load: number;
}

/** One simulated series. For counters `base` is the per-second rate; the stream integrates it. */
export interface SimSeries {
  readonly labels: Labels;
  readonly metricType: Extract<MetricType, 'gauge' | 'counter'>;
  /** Resource key as the default ResourceRules resolve `labels`. */
  readonly resource: string;
  readonly base: (w: WorldState) => number;
  /** Sigma of the per-series multiplicative (log-normal) noise. */
  readonly noise: number;
  /** Counters of discrete things (requests, jobs) get Poisson increments; CPU seconds do not. */
  readonly discrete: boolean;
  /** Counter value at the start of the run (a counter rarely starts at zero). */
  readonly initial: number;
  readonly min: number;
  readonly max: number;
}

const rules = new ResourceRules();

/** The resource key the default resource rules give these labels. */
export function resourceKeyOf(labels: Labels): string {
  return rules.resolve(labels).resource.key;
}

const appLabels = { namespace: NAMESPACE, app_kubernetes_io_part_of: APPLICATION };

interface ServiceSpec {
  readonly name: string;
  /** Share of the frontend's request rate. */
  readonly share: number;
  readonly p99Sec: number;
  readonly pod: string;
  readonly node: string;
  readonly cpuIdle: number;
  readonly cpuPerLoad: number;
  readonly memoryBytes: number;
}

const PEAK_RPS = 120;

const SERVICES: readonly ServiceSpec[] = [
  { name: 'frontend', share: 1, p99Sec: 0.22, pod: 'frontend-6c8d9f7b5-x2k4p', node: 'node-a', cpuIdle: 0.15, cpuPerLoad: 1.1, memoryBytes: 380e6 },
  { name: 'checkout-api', share: 0.35, p99Sec: 0.16, pod: 'checkout-api-7d9f8c6d4-h7k2m', node: 'node-a', cpuIdle: 0.1, cpuPerLoad: 0.7, memoryBytes: 520e6 },
  { name: 'payments-api', share: 0.12, p99Sec: 0.11, pod: 'payments-api-5b7c6d8f9-q9w8e', node: 'node-a', cpuIdle: 0.05, cpuPerLoad: 0.3, memoryBytes: 300e6 },
];
const WORKER_POD = { name: 'worker', pod: 'worker-7f6d5c4b3-m3n4p', node: 'node-b', cpuIdle: 0.05, cpuPerLoad: 0.5, memoryBytes: 250e6 };
const DB_POD = { name: 'postgres', pod: 'postgres-0', node: 'node-b', cpuIdle: 0.2, cpuPerLoad: 1.4, memoryBytes: 2.1e9 };

export const CERT_TARGET = 'https://shop.example.com';
/** Days of validity left on the certificate at the start of a run; renewed at 31 days left to 90. */
export const CERT_DAYS_LEFT_AT_START = 40;
const CERT_RENEW_AT_DAYS = 31;
const CERT_LIFETIME_DAYS = 90;

function serviceLabels(service: string): Record<string, string> {
  return { service, ...appLabels };
}
function podLabels(pod: { name: string; pod: string; node: string }): Record<string, string> {
  return { pod: pod.pod, container: pod.name, node: pod.node, ...appLabels };
}
function nodeLabels(node: string): Record<string, string> {
  return { node, instance: `${node}:9100`, job: 'node-exporter', app_kubernetes_io_part_of: APPLICATION };
}
const QUEUE_LABELS = { service: 'rabbitmq', queue: 'orders', ...appLabels };
const CERT_LABELS = { instance: CERT_TARGET, job: 'blackbox', app_kubernetes_io_part_of: APPLICATION };

/** Resource keys of the model, by role; scenarios refer to these. */
export const RESOURCES = {
  frontend: resourceKeyOf(serviceLabels('frontend')),
  checkoutApi: resourceKeyOf(serviceLabels('checkout-api')),
  paymentsApi: resourceKeyOf(serviceLabels('payments-api')),
  worker: resourceKeyOf(serviceLabels('worker')),
  queue: resourceKeyOf(QUEUE_LABELS),
  frontendPod: resourceKeyOf(podLabels({ ...SERVICES[0]!, name: 'frontend' })),
  checkoutPod: resourceKeyOf(podLabels({ ...SERVICES[1]!, name: 'checkout-api' })),
  paymentsPod: resourceKeyOf(podLabels({ ...SERVICES[2]!, name: 'payments-api' })),
  workerPod: resourceKeyOf(podLabels(WORKER_POD)),
  db: resourceKeyOf(podLabels(DB_POD)),
  nodeA: resourceKeyOf(nodeLabels('node-a')),
  nodeB: resourceKeyOf(nodeLabels('node-b')),
  certificate: resourceKeyOf(CERT_LABELS),
} as const;

/**
 * Caller -> callees, by resource key (a service's calls, and the database the worker and
 * payments-api query). Services call services; the database is a pod because postgres_exporter
 * series are scraped per pod.
 */
export function appDependencies(): Map<string, string[]> {
  return new Map([
    [RESOURCES.frontend, [RESOURCES.checkoutApi]],
    [RESOURCES.checkoutApi, [RESOURCES.paymentsApi, RESOURCES.queue]],
    [RESOURCES.paymentsApi, [RESOURCES.db]],
    [RESOURCES.worker, [RESOURCES.queue, RESOURCES.db]],
  ]);
}

/** Resource -> the resources it runs on (service -> its pod, pod -> its node). */
export function appPlacement(): Map<string, string[]> {
  return new Map([
    [RESOURCES.frontend, [RESOURCES.frontendPod]],
    [RESOURCES.checkoutApi, [RESOURCES.checkoutPod]],
    [RESOURCES.paymentsApi, [RESOURCES.paymentsPod]],
    [RESOURCES.worker, [RESOURCES.workerPod]],
    [RESOURCES.frontendPod, [RESOURCES.nodeA]],
    [RESOURCES.checkoutPod, [RESOURCES.nodeA]],
    [RESOURCES.paymentsPod, [RESOURCES.nodeA]],
    [RESOURCES.workerPod, [RESOURCES.nodeB]],
    [RESOURCES.db, [RESOURCES.nodeB]],
  ]);
}

/**
 * Daily shape, 0..1 by UTC hour: a night trough (~0.3), a morning ramp centred on 07:30, a
 * plateau, and an evening peak around 20:00 before the late-evening fall from 22:00.
 */
export function dailyTraffic(hour: number): number {
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  const day = sig((hour - 7.5) / 0.8) * (1 - sig((hour - 22) / 0.6));
  const evening = Math.exp(-(((hour - 20) / 1.8) ** 2));
  return 0.3 + 0.45 * day + 0.25 * evening;
}

/** Weekly factor by UTC day of week (0 = Sunday): weekends at 60 %, Friday slightly lower. */
export function weeklyTraffic(dayOfWeek: number): number {
  if (dayOfWeek === 0 || dayOfWeek === 6) return 0.6;
  if (dayOfWeek === 5) return 0.92;
  return 1;
}

/** UTC hour of day (fractional) and day of week of an epoch time in seconds. */
export function hourOfDay(tSec: number): number {
  return ((tSec % DAY_SEC) + DAY_SEC) % DAY_SEC / 3600;
}
export function dayOfWeek(tSec: number): number {
  // 1970-01-01 was a Thursday (4).
  return (Math.floor(tSec / DAY_SEC) + 4) % 7;
}

/** Expiry (epoch seconds) of the certificate at `tSec`, renewed by cert-manager at 31 days left. */
export function certificateExpirySec(startSec: number, tSec: number): number {
  let expiry = startSec + CERT_DAYS_LEFT_AT_START * DAY_SEC;
  while (expiry - tSec < CERT_RENEW_AT_DAYS * DAY_SEC) expiry += (CERT_LIFETIME_DAYS - CERT_RENEW_AT_DAYS) * DAY_SEC;
  return expiry;
}

/** Epoch seconds at which the certificate is renewed in a run starting at `startSec`. */
export function certificateRenewalsSec(startSec: number, endSec: number): number[] {
  const out: number[] = [];
  let expiry = startSec + CERT_DAYS_LEFT_AT_START * DAY_SEC;
  for (;;) {
    const renewAt = expiry - CERT_RENEW_AT_DAYS * DAY_SEC;
    if (renewAt > endSec) return out;
    out.push(renewAt);
    expiry += (CERT_LIFETIME_DAYS - CERT_RENEW_AT_DAYS) * DAY_SEC;
  }
}

function series(
  name: string,
  labels: Record<string, string>,
  metricType: 'gauge' | 'counter',
  base: (w: WorldState) => number,
  opts: { noise?: number; discrete?: boolean; initial?: number; min?: number; max?: number } = {},
): SimSeries {
  const full: Labels = Object.freeze({ __name__: name, ...labels });
  return {
    labels: full,
    metricType,
    resource: resourceKeyOf(full),
    base,
    noise: opts.noise ?? 0.05,
    discrete: opts.discrete ?? false,
    initial: opts.initial ?? 0,
    min: opts.min ?? 0,
    max: opts.max ?? Number.POSITIVE_INFINITY,
  };
}

/** Every series of the application, in a fixed order (the order samples are emitted per step). */
export function appSeries(): SimSeries[] {
  const out: SimSeries[] = [];
  for (const s of SERVICES) {
    const sl = serviceLabels(s.name);
    const rps = (w: WorldState): number => PEAK_RPS * s.share * w.load;
    out.push(series('http_requests_total', sl, 'counter', rps, { noise: 0.03, discrete: true, initial: Math.round(5e7 * s.share) }));
    out.push(series('http_requests_errors_total', { ...sl, code: '5xx' }, 'counter', (w) => rps(w) * 0.002, { noise: 0.2, discrete: true, initial: Math.round(9e4 * s.share) }));
    out.push(series('http_requests_errors_total', { ...sl, code: '4xx' }, 'counter', (w) => rps(w) * 0.01, { noise: 0.15, discrete: true, initial: Math.round(5e5 * s.share) }));
    // p99 grows with load (queueing): about +25 % at the evening peak over an idle service.
    out.push(series('http_request_duration_seconds_p99', sl, 'gauge', (w) => s.p99Sec * (1 + 0.25 * w.load * w.load), { noise: 0.08 }));
  }
  for (const p of [...SERVICES.map((s) => ({ ...s, name: s.name })), WORKER_POD, DB_POD]) {
    const pl = podLabels(p);
    out.push(series('container_cpu_usage_seconds_total', pl, 'counter', (w) => p.cpuIdle + p.cpuPerLoad * w.load, { noise: 0.06, initial: 3e5 * p.cpuPerLoad }));
    out.push(series('container_cpu_cfs_throttled_seconds_total', pl, 'counter', (w) => 0.002 + 0.01 * w.load ** 3, { noise: 0.3, initial: 800 }));
    out.push(series('container_memory_working_set_bytes', pl, 'gauge', (w) => p.memoryBytes * (1 + 0.08 * w.load), { noise: 0.01 }));
  }
  const wl = serviceLabels('worker');
  out.push(series('worker_jobs_processed_total', wl, 'counter', (w) => PEAK_RPS * 0.35 * 0.8 * w.load, { noise: 0.05, discrete: true, initial: 1.2e7 }));
  out.push(series('queue_depth', QUEUE_LABELS, 'gauge', (w) => 4 + 18 * w.load, { noise: 0.25 }));
  const dl = { ...podLabels(DB_POD), datname: 'shop' };
  out.push(series('pg_stat_activity_count', dl, 'gauge', (w) => 18 + 22 * w.load, { noise: 0.08, max: 100 }));
  out.push(series('pg_stat_statements_mean_exec_time_seconds', dl, 'gauge', (w) => 0.004 * (1 + 0.5 * w.load), { noise: 0.1 }));
  for (const node of ['node-a', 'node-b']) {
    const nl = nodeLabels(node);
    const busy = node === 'node-a' ? 2.2 : 2.0;
    out.push(series('node_cpu_seconds_total', { ...nl, mode: 'user' }, 'counter', (w) => 0.6 + busy * w.load, { noise: 0.05, initial: 4e6 }));
    out.push(series('node_load1', nl, 'gauge', (w) => 0.4 + 2.8 * w.load, { noise: 0.12 }));
  }
  // Root filesystem of node-a: logs grow through the day and are rotated (compressed) at midnight.
  out.push(series('node_filesystem_avail_bytes', { ...nodeLabels('node-a'), mountpoint: '/', device: '/dev/nvme0n1p1', fstype: 'ext4' }, 'gauge',
    (w) => 50 * GB - 12 * GB - 1.5 * GB * (hourOfDay(w.tSec) / 24), { noise: 0.0005 }));
  // Database volume on node-b: 200 GB, 140 GB used, growing 0.4 GB a day (years of headroom).
  out.push(series('node_filesystem_avail_bytes', { ...nodeLabels('node-b'), mountpoint: '/var/lib/postgresql', device: '/dev/nvme1n1', fstype: 'xfs' }, 'gauge',
    (w) => 200 * GB - 140 * GB - 0.4 * GB * (w.sinceStartSec / DAY_SEC), { noise: 0.0003 }));
  // blackbox_exporter reports the expiry as a Unix timestamp (seconds), constant between renewals.
  out.push(series('probe_ssl_earliest_cert_expiry', CERT_LABELS, 'gauge',
    (w) => certificateExpirySec(w.tSec - w.sinceStartSec, w.tSec), { noise: 0, min: Number.NEGATIVE_INFINITY }));
  return out;
}
