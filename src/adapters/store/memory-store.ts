/**
 * The store in process memory, for unit tests and the demo. It answers exactly like the SQL
 * adapters (the contract suite runs on all three), including refusals and ordering.
 *
 * A MemoryDatabase plays the part of the file: stores opened on the same MemoryDatabase see the
 * same data, so "close and reopen" is testable here too. Records are copied in and out, so a caller
 * mutating an object after handing it over cannot change what was stored — as with a real database.
 */
import type { ResourceRecord, SeriesDescriptor, VigilEvent } from '../../core/model/index.js';
import type { Checkpoint, EventQuery, ResourceQuery, Store } from '../../core/ports/index.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import {
  compareCodePoints,
  compareEventsNewestFirst,
  normaliseEventQuery,
  seriesKeyConflict,
  toPlainBytes,
  validateCheckpoint,
  validateEvents,
  validateResources,
  validateSeries,
} from './store-common.js';
import { StoreError } from './store-error.js';

/** The data behind one or more MemoryStores. */
export class MemoryDatabase {
  /** Highest "applied" version; the memory store has no DDL, but reports versions like the others. */
  schemaVersion = 0;
  readonly events = new Map<string, VigilEvent>();
  series = new Map<number, SeriesDescriptor>();
  readonly resources = new Map<string, ResourceRecord>();
  readonly checkpoints = new Map<string, Checkpoint>();
  readonly state = new Map<string, string>();
}

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
}
