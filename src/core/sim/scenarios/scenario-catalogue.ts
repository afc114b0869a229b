/**
 * Scripted incidents with ground truth, for evaluating the insights engine (`npm run eval:scenarios`).
 * Each scenario runs the application of app-model.ts for `warmupDays` of normal history, then
 * applies its effects from the onset on; events are emitted at their offsets from the onset.
 * Effects are functions of the seconds since the effect started, multiplying (`mul`) and/or adding
 * to (`add`) a series' value (for counters: its per-second rate). An effect's `fromSec` is relative
 * to the onset, so propagation (a slow database reaching the frontend a few minutes later) is
 * scripted explicitly and the ground truth's "earliest onset" is a fact of the script.
 *
 * Ground truth: `expected.reactive` reactive insights and, when `expected.proactive` is set, one
 * proactive insight on that series; `expected.insights` is their total. `rootCause` is the right
 * top-1 candidate (an event by name and class, or the anomalous series by resource and metric);
 * `relevantEventName` an event that must be listed as relevant. Every scenario's application is
 * `shop`. Resource keys are those the default ResourceRules give (see RESOURCES).
 *
 * | id                          | onset (day 3, UTC) | what happens                                                                          | expected insights         | top-1 root cause                                   |
 * | --------------------------- | ------------------ | ------------------------------------------------------------------------------------- | ------------------------- | -------------------------------------------------- |
 * | bad-deployment              | 10:30              | checkout-api v2.3.1 deployed; its p99 ×3 and 5xx ×25, frontend follows                  | 1 reactive                | DEPLOYMENT "deployment v2.3.1 of checkout-api"     |
 * | config-change-errors        | 14:00              | checkout-api ConfigMap (feature flag) changed; 5xx ×30 on checkout-api, ×10 frontend    | 1 reactive                | CONFIG_CHANGE "ConfigMap checkout-api-config …"     |
 * | memory-leak-after-deploy    | 09:00              | payments-api v1.8.0 leaks ~90 MB/h; p99 degrades after 2 h                              | 1 reactive                | DEPLOYMENT "deployment v1.8.0 of payments-api"     |
 * | disk-filling                | 11:00              | postgres log_statement=all; /var/lib/postgresql loses 0.4 MB/s (full in ~1.7 days)      | 1 reactive + 1 proactive  | CONFIG_CHANGE "postgres-config: log_statement=all" |
 * | noisy-neighbour             | 15:00              | another tenant burns 5 cores on node-a; p99 of the three services on it rises 2 min later | 1 reactive              | ANOMALY node:node-a node_cpu_seconds_total         |
 * | db-slowdown                 | 13:00              | postgres mean exec time ×8; payments +1 min, checkout +2 min, frontend +3 min            | 1 reactive                | ANOMALY pod:shop/postgres-0 pg_stat_statements_…   |
 * | connection-pool-exhaustion  | 16:00              | leaked idle-in-transaction sessions fill postgres to 100; payments 5xx/p99 from +15 min | 1 reactive                | ANOMALY pod:shop/postgres-0 pg_stat_activity_count |
 * | queue-backlog-scale-down    | 19:00              | worker scaled 4 → 1; jobs processed ×0.25, queue_depth grows ~18/s                      | 1 reactive                | SCALING "worker scaled from 4 to 1 replicas"       |
 * | traffic-surge               | 12:00              | frontend traffic ×2.8 (campaign); latency and CPU follow after 1–4 min                 | 1 reactive                | ANOMALY service:shop/frontend http_requests_total  |
 * | certificate-expiry          | 10:00              | shop.example.com certificate renewal stuck; 12 days of validity left at start           | 1 proactive               | ANOMALY instance:https://shop.example.com probe_ssl_earliest_cert_expiry |
 * | payments-deployment-errors  | 17:00              | payments-api v4.2.0 deployed; 5xx ×40 there, ×12 checkout, ×4 frontend; a harmless checkout-api deployment 40 min earlier is a decoy | 1 reactive | DEPLOYMENT "deployment v4.2.0 of payments-api" |
 * | cpu-throttling-config       | 11:30              | checkout-api CPU limit 2 → 500m; throttling ×40, CPU capped, p99 ×2.2                   | 1 reactive                | CONFIG_CHANGE "checkout-api resources.limits.cpu 2 → 500m" |
 * | iam-auth-break              | 15:30              | IAM policy change removes kms:Decrypt from payments-api's role; 5xx ×30 payments, 4xx ×8 and 5xx ×10 checkout | 1 reactive | SECURITY_CHANGE "IAM policy payments-api-role: kms:Decrypt removed" |
 * | spike-then-slow-deployment  | 11:00              | checkout-api p99 ×8 for one minute at 09:30 (a GC pause); v2.4.0 at 10:57 makes its p99 ×3, no errors | 2 reactive (the spike, the regression) | DEPLOYMENT "deployment v2.4.0 of checkout-api" |
 *
 * Warm-up history holds harmless events too (one successful frontend deployment a day at 14:00, none
 * in the 6 hours before onset), so an engine that blames "the last event" is caught out.
 */
import type { EventClass, Labels } from '../../model/index.js';
import { APPLICATION, RESOURCES } from './app-model.js';

/** One series, named by its resource key, metric name and (optionally) a subset of its labels. */
export interface SeriesTarget {
  readonly resource: string;
  readonly metric: string;
  readonly labels?: Labels;
}

export interface MetricEffect {
  readonly target: SeriesTarget;
  /** Start, seconds relative to the onset (negative: before it). */
  readonly fromSec: number;
  /** End, seconds relative to the onset; absent: until the end of the run. */
  readonly toSec?: number;
  /** Multiplier as a function of seconds since `fromSec` (1 = no change). */
  readonly mul?: (sinceSec: number) => number;
  /** Added after `mul`, as a function of seconds since `fromSec`. */
  readonly add?: (sinceSec: number) => number;
}

export interface ScenarioEventSpec {
  /** Seconds relative to the onset. */
  readonly atSec: number;
  readonly class: EventClass;
  readonly source: string;
  readonly name: string;
  readonly resources: readonly string[];
  readonly attributes?: Readonly<Record<string, string>>;
}

export type RootCauseTruth =
  | { readonly kind: 'EVENT'; readonly eventName: string; readonly eventClass: EventClass }
  | { readonly kind: 'ANOMALY'; readonly resource: string; readonly metric: string; readonly labels?: Labels };

export interface ScenarioExpectation {
  /** Total insights expected: reactive + (proactive ? 1 : 0). */
  readonly insights: number;
  readonly reactive: number;
  /** The series a proactive insight must be about, or null when none is expected. */
  readonly proactive: SeriesTarget | null;
  readonly application: string;
  readonly rootCause: RootCauseTruth;
  readonly relevantEventName?: string;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** Days of normal history before the onset day. */
  readonly warmupDays: number;
  /** Onset: `warmupDays` days after the start, at this UTC hour (fractional). */
  readonly onsetHourUtc: number;
  /** How long the run continues after the onset. */
  readonly afterOnsetSec: number;
  readonly events: readonly ScenarioEventSpec[];
  readonly effects: readonly MetricEffect[];
  readonly expected: ScenarioExpectation;
}

const MIN = 60;
const HOUR = 3600;
const DAY = 86_400;

/** Multiplier rising linearly from 1 to `peak` over `rampSec`, then held. */
export function ramp(peak: number, rampSec: number): (sinceSec: number) => number {
  return (s) => 1 + (peak - 1) * Math.min(1, s / rampSec);
}

/** Additive term growing `perSec` per second, optionally capped in absolute value at `cap`. */
export function grow(perSec: number, cap = Number.POSITIVE_INFINITY): (sinceSec: number) => number {
  return (s) => {
    const v = perSec * s;
    return Math.sign(v) * Math.min(Math.abs(v), cap);
  };
}

/** Additive constant. */
export function constant(v: number): () => number {
  return () => v;
}

const t = (resource: string, metric: string, labels?: Labels): SeriesTarget => (labels === undefined ? { resource, metric } : { resource, metric, labels });
const P99 = 'http_request_duration_seconds_p99';
const ERR = 'http_requests_errors_total';
const E5 = { code: '5xx' };
const E4 = { code: '4xx' };
const R = RESOURCES;

function eventTruth(name: string, eventClass: EventClass, reactive = 1, proactive: SeriesTarget | null = null): ScenarioExpectation {
  return {
    insights: reactive + (proactive === null ? 0 : 1),
    reactive,
    proactive,
    application: APPLICATION,
    rootCause: { kind: 'EVENT', eventName: name, eventClass },
    relevantEventName: name,
  };
}

function anomalyTruth(target: SeriesTarget, reactive = 1, proactive: SeriesTarget | null = null): ScenarioExpectation {
  return {
    insights: reactive + (proactive === null ? 0 : 1),
    reactive,
    proactive,
    application: APPLICATION,
    rootCause: target.labels === undefined
      ? { kind: 'ANOMALY', resource: target.resource, metric: target.metric }
      : { kind: 'ANOMALY', resource: target.resource, metric: target.metric, labels: target.labels },
  };
}

const DEPLOY_CHECKOUT = 'deployment v2.3.1 of checkout-api';
const DEPLOY_CHECKOUT_SLOW = 'deployment v2.4.0 of checkout-api';
const CONFIG_CHECKOUT = 'ConfigMap checkout-api-config updated (feature flag new-pricing on)';
const DEPLOY_PAYMENTS_LEAK = 'deployment v1.8.0 of payments-api';
const CONFIG_PG_LOG = 'postgres-config: log_statement=all';
const SCALE_WORKER = 'worker scaled from 4 to 1 replicas';
const DEPLOY_PAYMENTS = 'deployment v4.2.0 of payments-api';
const LIMIT_CHECKOUT = 'checkout-api resources.limits.cpu 2 → 500m';
const IAM_PAYMENTS = 'IAM policy payments-api-role: kms:Decrypt removed';

const PG_DATA = { mountpoint: '/var/lib/postgresql' };

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'bad-deployment',
    title: 'Bad deployment of checkout-api raises p99 latency and 5xx errors',
    warmupDays: 3,
    onsetHourUtc: 10.5,
    afterOnsetSec: 3 * HOUR,
    events: [{ atSec: -3 * MIN, class: 'DEPLOYMENT', source: 'argocd', name: DEPLOY_CHECKOUT, resources: [R.checkoutApi, R.checkoutPod], attributes: { revision: 'v2.3.1', previousRevision: 'v2.3.0' } }],
    effects: [
      { target: t(R.checkoutApi, P99), fromSec: 0, mul: ramp(3, 2 * MIN) },
      { target: t(R.checkoutApi, ERR, E5), fromSec: 60, mul: ramp(25, 2 * MIN) },
      { target: t(R.frontend, P99), fromSec: 60, mul: ramp(1.9, 2 * MIN) },
      { target: t(R.frontend, ERR, E5), fromSec: 2 * MIN, mul: ramp(8, 2 * MIN) },
    ],
    expected: eventTruth(DEPLOY_CHECKOUT, 'DEPLOYMENT'),
  },
  {
    id: 'config-change-errors',
    title: 'A feature-flag config change makes checkout-api fail with 5xx',
    warmupDays: 3,
    onsetHourUtc: 14,
    afterOnsetSec: 3 * HOUR,
    events: [{ atSec: -2 * MIN, class: 'CONFIG_CHANGE', source: 'kubernetes', name: CONFIG_CHECKOUT, resources: [R.checkoutApi, R.checkoutPod], attributes: { configMap: 'checkout-api-config' } }],
    effects: [
      { target: t(R.checkoutApi, ERR, E5), fromSec: 60, mul: ramp(30, MIN) },
      { target: t(R.frontend, ERR, E5), fromSec: 90, mul: ramp(10, MIN) },
    ],
    expected: eventTruth(CONFIG_CHECKOUT, 'CONFIG_CHANGE'),
  },
  {
    id: 'memory-leak-after-deploy',
    title: 'Memory leak in payments-api after deployment v1.8.0',
    warmupDays: 3,
    onsetHourUtc: 9,
    afterOnsetSec: 5 * HOUR,
    events: [{ atSec: -5 * MIN, class: 'DEPLOYMENT', source: 'github', name: DEPLOY_PAYMENTS_LEAK, resources: [R.paymentsApi, R.paymentsPod], attributes: { revision: 'v1.8.0', actor: 'ci-bot' } }],
    effects: [
      // ~90 MB an hour on a 300 MB working set.
      { target: t(R.paymentsPod, 'container_memory_working_set_bytes'), fromSec: 0, add: grow(25_000) },
      // GC pressure once the heap has doubled.
      { target: t(R.paymentsApi, P99), fromSec: 2 * HOUR, mul: ramp(1.8, 2 * HOUR) },
      { target: t(R.paymentsPod, 'container_cpu_usage_seconds_total'), fromSec: 2 * HOUR, mul: ramp(1.6, 2 * HOUR) },
    ],
    expected: eventTruth(DEPLOY_PAYMENTS_LEAK, 'DEPLOYMENT'),
  },
  {
    id: 'disk-filling',
    title: 'Statement logging fills the postgres volume (reactive and proactive)',
    warmupDays: 3,
    onsetHourUtc: 11,
    afterOnsetSec: 8 * HOUR,
    events: [{ atSec: -4 * MIN, class: 'CONFIG_CHANGE', source: 'argocd', name: CONFIG_PG_LOG, resources: [R.db], attributes: { configMap: 'postgres-config' } }],
    effects: [
      // 0.4 MB/s: 60 GB free is gone in ~1.7 days — well inside a 4-week horizon.
      { target: t(R.nodeB, 'node_filesystem_avail_bytes', PG_DATA), fromSec: 0, add: grow(-0.4e6) },
      { target: t(R.db, 'container_cpu_usage_seconds_total'), fromSec: 0, mul: ramp(1.15, 5 * MIN) },
    ],
    expected: eventTruth(CONFIG_PG_LOG, 'CONFIG_CHANGE', 1, t(R.nodeB, 'node_filesystem_avail_bytes', PG_DATA)),
  },
  {
    id: 'noisy-neighbour',
    title: 'Noisy neighbour saturates node-a CPU; services on it slow down',
    warmupDays: 3,
    onsetHourUtc: 15,
    afterOnsetSec: 3 * HOUR,
    events: [],
    effects: [
      { target: t(R.nodeA, 'node_cpu_seconds_total', { mode: 'user' }), fromSec: 0, add: (s) => 5 * Math.min(1, s / MIN) },
      { target: t(R.nodeA, 'node_load1'), fromSec: 0, add: (s) => 6 * Math.min(1, s / (2 * MIN)) },
      { target: t(R.checkoutApi, P99), fromSec: 2 * MIN, mul: ramp(1.8, 2 * MIN) },
      { target: t(R.paymentsApi, P99), fromSec: 2 * MIN, mul: ramp(1.7, 2 * MIN) },
      { target: t(R.frontend, P99), fromSec: 3 * MIN, mul: ramp(1.9, 2 * MIN) },
      { target: t(R.checkoutPod, 'container_cpu_cfs_throttled_seconds_total'), fromSec: 2 * MIN, mul: ramp(6, 2 * MIN) },
    ],
    expected: anomalyTruth(t(R.nodeA, 'node_cpu_seconds_total')),
  },
  {
    id: 'db-slowdown',
    title: 'Database slowdown propagates upstream to payments, checkout and frontend',
    warmupDays: 3,
    onsetHourUtc: 13,
    afterOnsetSec: 3 * HOUR,
    events: [],
    effects: [
      { target: t(R.db, 'pg_stat_statements_mean_exec_time_seconds'), fromSec: 0, mul: ramp(8, 2 * MIN) },
      { target: t(R.db, 'pg_stat_activity_count'), fromSec: 2 * MIN, mul: ramp(1.8, 3 * MIN) },
      { target: t(R.paymentsApi, P99), fromSec: MIN, add: (s) => 0.4 * Math.min(1, s / (2 * MIN)) },
      { target: t(R.checkoutApi, P99), fromSec: 2 * MIN, add: (s) => 0.45 * Math.min(1, s / (2 * MIN)) },
      { target: t(R.frontend, P99), fromSec: 3 * MIN, add: (s) => 0.5 * Math.min(1, s / (2 * MIN)) },
    ],
    expected: anomalyTruth(t(R.db, 'pg_stat_statements_mean_exec_time_seconds')),
  },
  {
    id: 'connection-pool-exhaustion',
    title: 'Leaked sessions exhaust postgres connections; payments-api fails',
    warmupDays: 3,
    onsetHourUtc: 16,
    afterOnsetSec: 3 * HOUR,
    events: [],
    effects: [
      // Climbs to max_connections (100; the series is clamped there) within ~20 min.
      { target: t(R.db, 'pg_stat_activity_count'), fromSec: 0, add: grow(60 / (20 * MIN)) },
      { target: t(R.paymentsApi, P99), fromSec: 15 * MIN, mul: ramp(4, 3 * MIN) },
      { target: t(R.paymentsApi, ERR, E5), fromSec: 15 * MIN, mul: ramp(40, 3 * MIN) },
      { target: t(R.checkoutApi, ERR, E5), fromSec: 16 * MIN, mul: ramp(10, 3 * MIN) },
      { target: t(R.frontend, ERR, E5), fromSec: 17 * MIN, mul: ramp(5, 3 * MIN) },
    ],
    expected: anomalyTruth(t(R.db, 'pg_stat_activity_count')),
  },
  {
    id: 'queue-backlog-scale-down',
    title: 'Queue backlog after the worker is scaled down',
    warmupDays: 3,
    onsetHourUtc: 19,
    afterOnsetSec: 3 * HOUR,
    events: [{ atSec: -2 * MIN, class: 'SCALING', source: 'kubernetes', name: SCALE_WORKER, resources: [R.worker, R.workerPod], attributes: { from: '4', to: '1' } }],
    effects: [
      { target: t(R.worker, 'worker_jobs_processed_total'), fromSec: 0, mul: ramp(0.25, MIN) },
      { target: t(R.workerPod, 'container_cpu_usage_seconds_total'), fromSec: 0, mul: ramp(0.4, MIN) },
      { target: t(R.queue, 'queue_depth'), fromSec: MIN, add: grow(18) },
    ],
    expected: eventTruth(SCALE_WORKER, 'SCALING'),
  },
  {
    id: 'traffic-surge',
    title: 'A traffic surge raises throughput first, then latency and CPU',
    warmupDays: 3,
    onsetHourUtc: 12,
    afterOnsetSec: 3 * HOUR,
    events: [],
    effects: [
      { target: t(R.frontend, 'http_requests_total'), fromSec: 0, mul: ramp(2.8, 3 * MIN) },
      { target: t(R.checkoutApi, 'http_requests_total'), fromSec: 30, mul: ramp(2.8, 3 * MIN) },
      { target: t(R.paymentsApi, 'http_requests_total'), fromSec: 60, mul: ramp(2.8, 3 * MIN) },
      { target: t(R.nodeA, 'node_cpu_seconds_total', { mode: 'user' }), fromSec: MIN, mul: ramp(1.9, 3 * MIN) },
      { target: t(R.frontendPod, 'container_cpu_usage_seconds_total'), fromSec: MIN, mul: ramp(2.5, 3 * MIN) },
      { target: t(R.frontend, P99), fromSec: 4 * MIN, mul: ramp(1.8, 3 * MIN) },
      { target: t(R.checkoutApi, P99), fromSec: 4 * MIN, mul: ramp(1.6, 3 * MIN) },
    ],
    expected: anomalyTruth(t(R.frontend, 'http_requests_total')),
  },
  {
    id: 'certificate-expiry',
    title: 'TLS certificate of shop.example.com nears expiry (renewal stuck)',
    warmupDays: 3,
    onsetHourUtc: 10,
    afterOnsetSec: 6 * HOUR,
    events: [],
    effects: [
      // From the first sample: 12 days of validity left instead of 40, and no renewal happens.
      { target: t(R.certificate, 'probe_ssl_earliest_cert_expiry'), fromSec: -3 * DAY - 10 * HOUR, add: constant(-28 * DAY) },
    ],
    expected: anomalyTruth(t(R.certificate, 'probe_ssl_earliest_cert_expiry'), 0, t(R.certificate, 'probe_ssl_earliest_cert_expiry')),
  },
  {
    id: 'payments-deployment-errors',
    title: 'payments-api errors after its own deployment propagate to checkout and frontend',
    warmupDays: 3,
    onsetHourUtc: 17,
    afterOnsetSec: 3 * HOUR,
    events: [
      // Decoy: a harmless deployment upstream, inside any sensible look-back window.
      { atSec: -40 * MIN, class: 'DEPLOYMENT', source: 'argocd', name: 'deployment v2.3.2 of checkout-api', resources: [R.checkoutApi, R.checkoutPod], attributes: { revision: 'v2.3.2' } },
      { atSec: -3 * MIN, class: 'DEPLOYMENT', source: 'argocd', name: DEPLOY_PAYMENTS, resources: [R.paymentsApi, R.paymentsPod], attributes: { revision: 'v4.2.0', previousRevision: 'v4.1.3' } },
    ],
    effects: [
      { target: t(R.paymentsApi, ERR, E5), fromSec: 60, mul: ramp(40, MIN) },
      { target: t(R.checkoutApi, ERR, E5), fromSec: 90, mul: ramp(12, MIN) },
      { target: t(R.frontend, ERR, E5), fromSec: 2 * MIN, mul: ramp(4, MIN) },
      { target: t(R.checkoutApi, P99), fromSec: 90, mul: ramp(1.3, MIN) },
    ],
    expected: eventTruth(DEPLOY_PAYMENTS, 'DEPLOYMENT'),
  },
  {
    id: 'cpu-throttling-config',
    title: 'CPU throttling of checkout-api after its CPU limit was lowered',
    warmupDays: 3,
    onsetHourUtc: 11.5,
    afterOnsetSec: 3 * HOUR,
    events: [{ atSec: -3 * MIN, class: 'CONFIG_CHANGE', source: 'argocd', name: LIMIT_CHECKOUT, resources: [R.checkoutApi, R.checkoutPod], attributes: { field: 'resources.limits.cpu', from: '2', to: '500m' } }],
    effects: [
      { target: t(R.checkoutPod, 'container_cpu_cfs_throttled_seconds_total'), fromSec: 60, mul: ramp(40, MIN) },
      { target: t(R.checkoutPod, 'container_cpu_usage_seconds_total'), fromSec: 60, mul: ramp(0.6, MIN) },
      { target: t(R.checkoutApi, P99), fromSec: 60, mul: ramp(2.2, 2 * MIN) },
      { target: t(R.frontend, P99), fromSec: 2 * MIN, mul: ramp(1.5, 2 * MIN) },
    ],
    expected: eventTruth(LIMIT_CHECKOUT, 'CONFIG_CHANGE'),
  },
  {
    id: 'iam-auth-break',
    title: 'An IAM policy change breaks payments-api auth: 5xx there, 4xx/5xx upstream',
    warmupDays: 3,
    onsetHourUtc: 15.5,
    afterOnsetSec: 3 * HOUR,
    events: [{ atSec: -4 * MIN, class: 'SECURITY_CHANGE', source: 'cloudtrail', name: IAM_PAYMENTS, resources: [R.paymentsApi], attributes: { eventName: 'PutRolePolicy', role: 'payments-api-role' } }],
    effects: [
      { target: t(R.paymentsApi, ERR, E5), fromSec: 60, mul: ramp(30, MIN) },
      { target: t(R.checkoutApi, ERR, E4), fromSec: 90, mul: ramp(8, MIN) },
      { target: t(R.checkoutApi, ERR, E5), fromSec: 90, mul: ramp(10, MIN) },
    ],
    expected: eventTruth(IAM_PAYMENTS, 'SECURITY_CHANGE'),
  },
  {
    id: 'spike-then-slow-deployment',
    title: 'checkout-api v2.4.0 makes it 3× slower (no errors), 90 minutes after a one-minute latency spike',
    warmupDays: 3,
    onsetHourUtc: 11,
    afterOnsetSec: 3 * HOUR,
    events: [{ atSec: -3 * MIN, class: 'DEPLOYMENT', source: 'argocd', name: DEPLOY_CHECKOUT_SLOW, resources: [R.checkoutApi, R.checkoutPod], attributes: { revision: 'v2.4.0', previousRevision: 'v2.3.1' } }],
    effects: [
      // A GC pause: one minute at 8× (an insight of its own), which widens the detector's band for hours.
      { target: t(R.checkoutApi, P99), fromSec: -90 * MIN, toSec: -89 * MIN, mul: () => 8 },
      { target: t(R.checkoutApi, P99), fromSec: 0, mul: ramp(3, 2 * MIN) },
    ],
    expected: eventTruth(DEPLOY_CHECKOUT_SLOW, 'DEPLOYMENT', 2),
  },
];
