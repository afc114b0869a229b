// Feeds a time-ordered stream of simulated records (samples and events) into a VigilApp the way a
// scrape delivers them: one batch per time step through `ingest`, events through `appendEvents`,
// and insights persisted every few simulated minutes. Used by `vigil demo` and `vigil eval scenarios`.
import type { Labels, MetricType } from '../core/model/index.js';
import { createIngestCounts } from '../core/pipeline/index.js';
import type { ScenarioRecord } from '../core/sim/scenarios/index.js';
import type { VigilApp } from './vigil-app.js';

const PERSIST_EVERY_MS = 5 * 60_000;

export class RecordFeeder {
  private ids = new Int32Array(256);
  private times = new Float64Array(256);
  private values = new Float64Array(256);
  private n = 0;
  private readonly counts = createIngestCounts();
  private lastPersistMs: number;
  /** Time of the step being collected (-1 before the first record). */
  batchTimeMs = -1;
  /** Time of the newest sample added (stream time; events do not move it). */
  sampleTimeMs = -1;

  constructor(private readonly app: VigilApp, startMs: number) {
    this.lastPersistMs = startMs;
  }

  /**
   * Adds one record. `beforeStep(t)` runs when a new time step begins, after the previous step was
   * ingested (pacing, progress); a record of an earlier step is never held back.
   */
  async add(r: ScenarioRecord, beforeStep?: (timeMs: number) => Promise<void> | void): Promise<void> {
    const t = r.kind === 'event' ? r.event.timeMs : r.timeMs;
    if (t !== this.batchTimeMs) {
      await this.flush();
      this.batchTimeMs = t;
      if (beforeStep) await beforeStep(t);
    }
    if (r.kind === 'event') {
      await this.app.appendEvents([r.event]);
      return;
    }
    this.sampleTimeMs = r.timeMs;
    const id = this.app.seriesId(r.labels as Labels, r.timeMs, r.metricType as MetricType);
    if (this.n === this.ids.length) {
      this.ids = grow(this.ids, (k) => new Int32Array(k));
      this.times = grow(this.times, (k) => new Float64Array(k));
      this.values = grow(this.values, (k) => new Float64Array(k));
    }
    this.ids[this.n] = id;
    this.times[this.n] = r.timeMs;
    this.values[this.n] = r.value;
    this.n++;
  }

  /** Ingests the collected step; persists insights when five simulated minutes have passed. */
  async flush(): Promise<void> {
    if (this.n > 0) this.app.ingest({ ids: this.ids, timesMs: this.times, values: this.values, count: this.n }, this.counts);
    this.n = 0;
    if (this.sampleTimeMs - this.lastPersistMs >= PERSIST_EVERY_MS) {
      await this.app.persistInsights();
      this.lastPersistMs = this.sampleTimeMs;
    }
  }
}

function grow<T extends Int32Array | Float64Array>(a: T, make: (k: number) => T): T {
  const b = make(a.length * 2);
  b.set(a);
  return b;
}
