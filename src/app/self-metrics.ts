// GET /metrics: Vigil's own health and, like vmanomaly, `vigil_anomaly_score` per analysed series
// carrying the series' own labels, so Grafana can chart scores and Alertmanager can alert on them.
// Hand-written text exposition (format 0.0.4): a metrics library would keep a label map per series
// and copy it on every scrape; here each series' label text is rendered once and cached.
import type { IngestPipeline } from '../core/pipeline/index.js';
import { escapeLabelValue as esc, type Labels } from '../core/model/index.js';

export interface Counter { value: number }

/** Vigil's own counters and gauges, updated by the server as it works. */
export class SelfMetrics {
  readonly samplesReceived: Counter = { value: 0 };
  readonly samplesAccepted: Counter = { value: 0 };
  readonly samplesRejected = new Map<string, Counter>();
  readonly requests = new Map<string, Counter>();
  readonly eventsReceived: Counter = { value: 0 };
  readonly checkpoints: Counter = { value: 0 };
  lastCheckpointMs = 0;
  lastCheckpointBytes = 0;
  /** Newest sample time seen (ms), to compute ingest lag. */
  newestSampleMs = 0;
  private readonly labelCache: string[] = [];

  reject(reason: string, n: number): void {
    if (n <= 0) return;
    let c = this.samplesRejected.get(reason);
    if (!c) this.samplesRejected.set(reason, (c = { value: 0 }));
    c.value += n;
  }

  request(route: string, status: number): void {
    const key = `${route}\u0000${status}`;
    let c = this.requests.get(key);
    if (!c) this.requests.set(key, (c = { value: 0 }));
    c.value++;
  }

  render(pipeline: IngestPipeline, extra: { nowMs: number; startedMs: number; pullState?: string; resources: number }): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) lines.push(`${name}${labels} ${formatValue(v)}`);
    };
    metric('vigil_samples_received_total', 'counter', 'Samples received by all ingest paths.', [['', this.samplesReceived.value]]);
    metric('vigil_samples_accepted_total', 'counter', 'Samples accepted and analysed.', [['', this.samplesAccepted.value]]);
    metric('vigil_samples_dropped_total', 'counter', 'Samples not analysed, by reason.', [...this.samplesRejected].map(([r, c]) => [`{reason="${esc(r)}"}`, c.value]));
    metric('vigil_http_requests_total', 'counter', 'HTTP requests by route and status.', [...this.requests].map(([k, c]) => {
      const [route, status] = k.split('\u0000');
      return [`{route="${esc(route!)}",status="${status}"}`, c.value];
    }));
    metric('vigil_events_received_total', 'counter', 'Change events stored.', [['', this.eventsReceived.value]]);
    metric('vigil_series_active', 'gauge', 'Series being analysed.', [['', pipeline.seriesCount]]);
    metric('vigil_resources_active', 'gauge', 'Resources being analysed.', [['', extra.resources]]);
    metric('vigil_ingest_lag_seconds', 'gauge', 'Wall-clock time minus the newest sample time.', [['', this.newestSampleMs > 0 ? Math.max(0, (extra.nowMs - this.newestSampleMs) / 1000) : 0]]);
    metric('vigil_checkpoints_total', 'counter', 'Detector-state checkpoints written.', [['', this.checkpoints.value]]);
    metric('vigil_checkpoint_last_timestamp_seconds', 'gauge', 'When the last checkpoint was written.', [['', this.lastCheckpointMs / 1000]]);
    metric('vigil_checkpoint_last_bytes', 'gauge', 'Size of the last checkpoint.', [['', this.lastCheckpointBytes]]);
    metric('vigil_uptime_seconds', 'gauge', 'Seconds since start.', [['', (extra.nowMs - extra.startedMs) / 1000]]);
    if (extra.pullState !== undefined) {
      metric('vigil_prometheus_pull_up', 'gauge', '1 when the Prometheus pull source answers.', [['', extra.pullState === 'down' ? 0 : 1]]);
    }
    lines.push('# HELP vigil_anomaly_score Anomaly score (1 - tail probability) of the newest sample of each analysed series.', '# TYPE vigil_anomaly_score gauge');
    const n = pipeline.seriesCount;
    for (let id = 0; id < n; id++) {
      let l = this.labelCache[id];
      if (l === undefined) l = this.labelCache[id] = renderLabels(pipeline.descriptor(id)!.labels);
      lines.push(`vigil_anomaly_score${l} ${formatValue(pipeline.score(id))}`);
    }
    return lines.join('\n') + '\n';
  }
}

/** `{__name__ as metric_name, other labels…}` — the series' own labels, name kept under `metric_name`. */
export function renderLabels(labels: Labels): string {
  const parts: string[] = [];
  if (labels.__name__) parts.push(`metric_name="${esc(labels.__name__)}"`);
  for (const k of Object.keys(labels).sort()) {
    if (k === '__name__' || k === 'metric_name') continue;
    parts.push(`${k}="${esc(labels[k]!)}"`);
  }
  return `{${parts.join(',')}}`;
}


function formatValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
