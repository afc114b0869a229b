/**
 * The store in process memory, for unit tests and the demo. It answers exactly like the SQL
 * adapters (the contract suite runs on all three), including refusals and ordering.
 *
 * A MemoryDatabase plays the part of the file: stores opened on the same MemoryDatabase see the
 * same data, so "close and reopen" is testable here too. Records are copied in and out, so a caller
 * mutating an object after handing it over cannot change what was stored — as with a real database.
 */
import type { Anomaly, FeedbackValue, Insight, InsightTransition, ResourceRecord, Sensitivity, SeriesDescriptor, VigilEvent } from '../../core/model/index.js';
import type {
  ChannelRecord,
  Checkpoint,
  CoverageSetting,
  DeliveryLogEntry,
  DeliveryQuery,
  EventQuery,
  InsightAnomaly,
  InsightFeedback,
  InsightPage,
  InsightQuery,
  NewOutboxEntry,
  OutboxEntry,
  OutboxQuery,
  OutboxUpdate,
  ResourceQuery,
  RunbookRun,
  RunbookRunQuery,
  SensitivityScope,
  SensitivitySetting,
  Store,
  StoredTransition,
} from '../../core/ports/index.js';
import { LATEST_SCHEMA_VERSION, NOTIFY_CURSORS } from './migrations.js';
import {
  compareAnomaliesByStart,
  compareCodePoints,
  compareEventsNewestFirst,
  copyInsight,
  insightComparator,
  insightMatches,
  isMttrInsight,
  normaliseEventQuery,
  normaliseInsightQuery,
  normaliseTransitionPage,
  seriesKeyConflict,
  toPlainBytes,
  validateAnomalies,
  validateCheckpoint,
  validateCoverage,
  validateEvents,
  validateFeedback,
  validateInsights,
  validateMttrRange,
  validateResources,
  validateSensitivity,
  validateSeries,
  validateTransitions,
} from './store-common.js';
import { StoreError } from './store-error.js';
import {
  compareOutbox,
  compareRunsNewestFirst,
  copyChannel,
  newOutboxEntry,
  normaliseDeliveryQuery,
  normaliseOutboxQuery,
  normaliseRunbookRunQuery,
  validateChannelRecord,
  validateCursor,
  validateDeliveryLog,
  validateNewOutbox,
  validateOutboxUpdate,
  validateRunbookRun,
} from './notify-common.js';

/** The data behind one or more MemoryStores. */
export class MemoryDatabase {
  /** Highest "applied" version; the memory store has no DDL, but reports versions like the others. */
  schemaVersion = 0;
  readonly events = new Map<string, VigilEvent>();
  series = new Map<number, SeriesDescriptor>();
  readonly resources = new Map<string, ResourceRecord>();
  readonly checkpoints = new Map<string, Checkpoint>();
  readonly state = new Map<string, string>();
  readonly insights = new Map<string, Insight>();
  readonly anomalies = new Map<string, InsightAnomaly>();
  /** In seq order; seq is never reused (lastSeq only grows), as with AUTOINCREMENT / BIGSERIAL. */
  readonly transitions: StoredTransition[] = [];
  lastSeq = 0;
  /** In insertion order. */
  readonly feedback: InsightFeedback[] = [];
  readonly sensitivity = new Map<SensitivityScope, Sensitivity>();
  coverage: CoverageSetting | null = null;
  /** Keyed by outboxKey(channel, seq). */
  readonly outbox = new Map<string, OutboxEntry>();
  /** In insertion order (the SQL adapters' autoincrement id). */
  readonly deliveries: DeliveryLogEntry[] = [];
  readonly channels = new Map<string, ChannelRecord>();
  readonly runbookRuns = new Map<string, RunbookRun>();
}

const outboxKey = (channel: string, seq: number): string => `${channel}\u0000${seq}`;

function copyEvent(e: VigilEvent): VigilEvent {
  return {
    id: e.id,
    class: e.class,
    source: e.source,
    name: e.name,
    timeMs: e.timeMs,
    resources: [...e.resources],
    application: e.application,
    attributes: { ...e.attributes },
  };
}

function copySeries(s: SeriesDescriptor): SeriesDescriptor {
  return { ...s, labels: { ...s.labels } };
}

function copyResource(r: ResourceRecord): ResourceRecord {
  return { ...r, tags: { ...r.tags } };
}

export class MemoryStore implements Store {
  readonly #db: MemoryDatabase;
  #closed = false;

  constructor(options: { database?: MemoryDatabase } = {}) {
    this.#db = options.database ?? new MemoryDatabase();
  }

  #open(): MemoryDatabase {
    if (this.#closed) throw new StoreError('VIGIL_ERR_STORE_CLOSED', 'the memory store was used after close()');
    return this.#db;
  }

  async migrate(): Promise<void> {
    const db = this.#open();
    // Same rule as the SQL adapters: never run on data written by a newer schema.
    if (db.schemaVersion > LATEST_SCHEMA_VERSION) {
      throw new StoreError(
        'VIGIL_ERR_STORE_SCHEMA_TOO_NEW',
        `the database schema is at version ${db.schemaVersion} but this Vigil only knows versions up to ${LATEST_SCHEMA_VERSION}`,
      );
    }
    // Migration 3's data step, as the SQL adapters run it: the transition readers start after what is stored.
    if (db.schemaVersion < 3) for (const k of NOTIFY_CURSORS) if (!db.state.has(k)) db.state.set(k, String(db.lastSeq));
    db.schemaVersion = LATEST_SCHEMA_VERSION;
  }

  async schemaVersion(): Promise<number> {
    return this.#open().schemaVersion;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async appendEvents(events: readonly VigilEvent[]): Promise<number> {
    const db = this.#open();
    validateEvents(events);
    let added = 0;
    for (const e of events) {
      if (db.events.has(e.id)) continue; // first delivery wins, like ON CONFLICT DO NOTHING
      db.events.set(e.id, copyEvent(e));
      added++;
    }
    return added;
  }

  async listEvents(query: EventQuery): Promise<VigilEvent[]> {
    const db = this.#open();
    const q = normaliseEventQuery(query);
    const out: VigilEvent[] = [];
    for (const e of db.events.values()) {
      if (q.fromMs !== null && e.timeMs < q.fromMs) continue;
      if (q.toMs !== null && e.timeMs > q.toMs) continue;
      if (q.classes !== null && !q.classes.includes(e.class)) continue;
      if (q.source !== null && e.source !== q.source) continue;
      if (q.application !== null && e.application !== q.application) continue;
      if (q.resource !== null && !e.resources.includes(q.resource)) continue;
      out.push(e);
    }
    out.sort(compareEventsNewestFirst);
    return out.slice(q.offset, q.offset + q.limit).map(copyEvent);
  }

  async getEvent(id: string): Promise<VigilEvent | null> {
    const e = this.#open().events.get(id);
    return e === undefined ? null : copyEvent(e);
  }

  async upsertSeries(series: readonly SeriesDescriptor[]): Promise<void> {
    const db = this.#open();
    validateSeries(series);
    // Work on a copy and swap it in at the end, so a conflict halfway leaves nothing applied —
    // the SQL adapters get that from their transaction.
    const next = new Map(db.series);
    const owner = new Map<string, number>();
    for (const s of next.values()) owner.set(s.key, s.id);
    for (const s of series) {
      const previous = next.get(s.id);
      const holder = owner.get(s.key);
      if (holder !== undefined && holder !== s.id) throw seriesKeyConflict(s.key, holder, s.id);
      if (previous !== undefined) owner.delete(previous.key);
      owner.set(s.key, s.id);
      next.set(s.id, copySeries(s));
    }
    db.series = next;
  }

  async listSeries(): Promise<SeriesDescriptor[]> {
    return [...this.#open().series.values()].sort((a, b) => a.id - b.id).map(copySeries);
  }

  async upsertResources(resources: readonly ResourceRecord[]): Promise<void> {
    const db = this.#open();
    validateResources(resources);
    for (const r of resources) db.resources.set(r.key, copyResource(r));
  }

  async listResources(query: ResourceQuery = {}): Promise<ResourceRecord[]> {
    const out: ResourceRecord[] = [];
    for (const r of this.#open().resources.values()) {
      if (query.application !== undefined && r.application !== query.application) continue;
      if (query.includeRetired !== true && r.retiredMs !== null) continue;
      out.push(copyResource(r));
    }
    return out.sort((a, b) => compareCodePoints(a.key, b.key));
  }

  async saveCheckpoint(name: string, checkpoint: Checkpoint): Promise<void> {
    const db = this.#open();
    validateCheckpoint(name, checkpoint);
    db.checkpoints.set(name, { timeMs: checkpoint.timeMs, data: toPlainBytes(checkpoint.data) });
  }

  async loadCheckpoint(name: string): Promise<Checkpoint | null> {
    const cp = this.#open().checkpoints.get(name);
    return cp === undefined ? null : { timeMs: cp.timeMs, data: toPlainBytes(cp.data) };
  }

  async getState(key: string): Promise<string | null> {
    return this.#open().state.get(key) ?? null;
  }

  async setState(key: string, value: string): Promise<void> {
    this.#open().state.set(key, value);
  }

  async upsertInsights(insights: readonly Insight[]): Promise<void> {
    const db = this.#open();
    validateInsights(insights); // before any write: all or nothing, like the SQL transaction
    for (const i of insights) db.insights.set(i.id, copyInsight(i));
  }

  async listInsights(query: InsightQuery = {}): Promise<InsightPage> {
    const db = this.#open();
    const q = normaliseInsightQuery(query);
    const matching = [...db.insights.values()].filter((i) => insightMatches(i, q)).sort(insightComparator(q.sort));
    return { items: matching.slice(q.offset, q.offset + q.limit).map(copyInsight), total: matching.length };
  }

  async getInsight(id: string): Promise<Insight | null> {
    const i = this.#open().insights.get(id);
    return i === undefined ? null : copyInsight(i);
  }

  async upsertAnomalies(anomalies: readonly InsightAnomaly[]): Promise<void> {
    const db = this.#open();
    validateAnomalies(anomalies);
    for (const a of anomalies) db.anomalies.set(a.anomaly.id, { insightId: a.insightId, anomaly: { ...a.anomaly } });
  }

  async listAnomalies(insightId: string): Promise<Anomaly[]> {
    const out: Anomaly[] = [];
    for (const a of this.#open().anomalies.values()) if (a.insightId === insightId) out.push({ ...a.anomaly });
    return out.sort(compareAnomaliesByStart);
  }

  async appendTransitions(transitions: readonly InsightTransition[]): Promise<void> {
    const db = this.#open();
    validateTransitions(transitions);
    for (const t of transitions) {
      db.transitions.push({ seq: ++db.lastSeq, insightId: t.insightId, type: t.type, timeMs: t.timeMs, severity: t.severity });
    }
  }

  async listTransitions(afterSeq: number, limit?: number): Promise<StoredTransition[]> {
    const db = this.#open();
    const page = normaliseTransitionPage(afterSeq, limit);
    const out: StoredTransition[] = [];
    for (const t of db.transitions) {
      if (out.length >= page.limit) break;
      if (t.seq > page.afterSeq) out.push({ ...t });
    }
    return out;
  }

  async addFeedback(feedback: { readonly insightId: string; readonly value: FeedbackValue; readonly comment?: string; readonly timeMs: number }): Promise<void> {
    const db = this.#open();
    validateFeedback(feedback);
    db.feedback.push({ insightId: feedback.insightId, value: feedback.value, comment: feedback.comment ?? null, timeMs: feedback.timeMs });
  }

  async listFeedback(insightId: string): Promise<InsightFeedback[]> {
    // Array.prototype.sort is stable: equal times keep insertion order, like ORDER BY created_ms, id.
    return this.#open()
      .feedback.filter((f) => f.insightId === insightId)
      .sort((a, b) => a.timeMs - b.timeMs)
      .map((f) => ({ ...f }));
  }

  async setSensitivity(scope: SensitivityScope, level: Sensitivity | null): Promise<void> {
    const db = this.#open();
    validateSensitivity(scope, level);
    if (level === null) db.sensitivity.delete(scope);
    else db.sensitivity.set(scope, level);
  }

  async listSensitivity(): Promise<SensitivitySetting[]> {
    return [...this.#open().sensitivity.entries()].map(([scope, level]) => ({ scope, level })).sort((a, b) => compareCodePoints(a.scope, b.scope));
  }

  async getCoverage(): Promise<CoverageSetting | null> {
    const c = this.#open().coverage;
    return c === null || c === 'all' ? c : [...c];
  }

  async setCoverage(coverage: CoverageSetting): Promise<void> {
    const db = this.#open();
    validateCoverage(coverage);
    db.coverage = coverage === 'all' ? 'all' : [...coverage];
  }

  async mttrMs(fromMs: number, toMs: number): Promise<number | null> {
    const db = this.#open();
    validateMttrRange(fromMs, toMs);
    let sum = 0;
    let n = 0;
    for (const i of db.insights.values()) {
      if (!isMttrInsight(i, fromMs, toMs)) continue;
      sum += i.endMs - i.startMs;
      n++;
    }
    return n === 0 ? null : sum / n;
  }

  async enqueueOutbox(entries: readonly NewOutboxEntry[], cursor?: { readonly key: string; readonly value: string }): Promise<number> {
    const db = this.#open();
    validateNewOutbox(entries);
    validateCursor(cursor);
    let added = 0;
    for (const e of entries) {
      const k = outboxKey(e.channel, e.seq);
      if (db.outbox.has(k)) continue;
      db.outbox.set(k, newOutboxEntry(e));
      added++;
    }
    if (cursor !== undefined) db.state.set(cursor.key, cursor.value);
    return added;
  }

  async listOutbox(query: OutboxQuery = {}): Promise<OutboxEntry[]> {
    const q = normaliseOutboxQuery(query);
    const out: OutboxEntry[] = [];
    for (const e of this.#open().outbox.values()) {
      if (q.channel !== null && e.channel !== q.channel) continue;
      if (q.insightId !== null && e.insightId !== q.insightId) continue;
      if (q.statuses !== null && !q.statuses.includes(e.status)) continue;
      out.push({ ...e });
    }
    return out.sort(compareOutbox).slice(0, q.limit);
  }

  async recordDelivery(update: OutboxUpdate | null, log: DeliveryLogEntry | null): Promise<void> {
    const db = this.#open();
    if (update !== null) validateOutboxUpdate(update);
    if (log !== null) validateDeliveryLog(log);
    const row = update === null ? undefined : db.outbox.get(outboxKey(update.channel, update.seq));
    if (update !== null && row !== undefined) {
      const k = outboxKey(update.channel, update.seq);
      db.outbox.set(k, { ...row, status: update.status, attempts: update.attempts, nextAttemptMs: update.nextAttemptMs, lastError: update.lastError, deliveredMs: update.deliveredMs });
    }
    if (log !== null) db.deliveries.push({ ...log });
  }

  async dropPendingOutbox(channel: string, reason: string): Promise<number> {
    const db = this.#open();
    let n = 0;
    for (const [k, e] of db.outbox) {
      if (e.channel !== channel || e.status !== 'PENDING') continue;
      db.outbox.set(k, { ...e, status: 'DROPPED', lastError: reason });
      n++;
    }
    return n;
  }

  async listDeliveries(query: DeliveryQuery = {}): Promise<DeliveryLogEntry[]> {
    const q = normaliseDeliveryQuery(query);
    const rows = this.#open().deliveries.map((entry, n) => ({ entry, n }));
    return rows
      .filter(({ entry: e }) => (q.channel === null || e.channel === q.channel) && (q.insightId === null || e.insightId === q.insightId))
      .sort((a, b) => b.entry.timeMs - a.entry.timeMs || b.n - a.n)
      .slice(0, q.limit)
      .map(({ entry }) => ({ ...entry }));
  }

  async listChannels(): Promise<ChannelRecord[]> {
    return [...this.#open().channels.values()].sort((a, b) => compareCodePoints(a.name, b.name)).map(copyChannel);
  }

  async putChannel(channel: ChannelRecord): Promise<void> {
    const db = this.#open();
    validateChannelRecord(channel);
    db.channels.set(channel.name, copyChannel(channel));
  }

  async deleteChannel(name: string): Promise<boolean> {
    return this.#open().channels.delete(name);
  }

  async appendRunbookRun(run: RunbookRun): Promise<boolean> {
    const db = this.#open();
    validateRunbookRun(run);
    if (db.runbookRuns.has(run.id)) return false;
    db.runbookRuns.set(run.id, { ...run });
    return true;
  }

  async listRunbookRuns(query: RunbookRunQuery = {}): Promise<RunbookRun[]> {
    const q = normaliseRunbookRunQuery(query);
    return [...this.#open().runbookRuns.values()]
      .filter((r) => (q.insightId === null || r.insightId === q.insightId) && (q.runbook === null || r.runbook === q.runbook))
      .sort(compareRunsNewestFirst)
      .slice(0, q.limit)
      .map((r) => ({ ...r }));
  }
}
