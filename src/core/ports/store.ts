// The store port: everything Vigil must keep across restarts. Adapters: memory (tests), SQLite
// (embedded default), PostgreSQL (scale-out). All pass test/adapters/store/contract.ts.
import type { EventClass, ResourceRecord, SeriesDescriptor, VigilEvent } from '../model/index.js';

export interface EventQuery {
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly classes?: readonly EventClass[];
  readonly source?: string;
  readonly application?: string;
  /** Events touching this resource key. */
  readonly resource?: string;
  /** Newest first; default 100, at most 1000. */
  readonly limit?: number;
  readonly offset?: number;
}

export interface ResourceQuery {
  readonly application?: string;
  readonly includeRetired?: boolean;
}

export interface Checkpoint {
  /** Stream time (ms) of the newest sample folded into `data`. */
  readonly timeMs: number;
  readonly data: Uint8Array;
}

export interface Store {
  /** Applies pending migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /** Highest applied migration version. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;

  /** Durable when the promise resolves. Idempotent by event id (a re-delivered event is kept once). Returns how many were new. */
  appendEvents(events: readonly VigilEvent[]): Promise<number>;
  listEvents(query: EventQuery): Promise<VigilEvent[]>;
  getEvent(id: string): Promise<VigilEvent | null>;

  /** Insert or update by id (key is unique too). */
  upsertSeries(series: readonly SeriesDescriptor[]): Promise<void>;
  listSeries(): Promise<SeriesDescriptor[]>;

  upsertResources(resources: readonly ResourceRecord[]): Promise<void>;
  listResources(query?: ResourceQuery): Promise<ResourceRecord[]>;

  /** Detector-state checkpoint under a name (one per analyser partition); replaces the previous one atomically. */
  saveCheckpoint(name: string, checkpoint: Checkpoint): Promise<void>;
  loadCheckpoint(name: string): Promise<Checkpoint | null>;

  /** Small key/value state (pull cursors, settings). */
  getState(key: string): Promise<string | null>;
  setState(key: string, value: string): Promise<void>;
}
