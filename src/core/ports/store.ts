// The store port: everything Vigil must keep across restarts. Adapters: memory (tests), SQLite
// (embedded default), PostgreSQL (scale-out). All pass test/adapters/store/contract.ts.
import type {
  Anomaly,
  EventClass,
  FeedbackValue,
  Insight,
  InsightStatus,
  InsightTransition,
  InsightType,
  NotificationType,
  ResourceRecord,
  Sensitivity,
  SeriesDescriptor,
  Severity,
  VigilEvent,
} from '../model/index.js';

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

export type InsightSort = 'startMs' | 'severity' | 'updatedMs';

export interface InsightQuery {
  readonly status?: InsightStatus;
  /** Any of these severities; an empty array is no filter, like an absent one. */
  readonly severity?: readonly Severity[];
  readonly type?: InsightType;
  readonly application?: string;
  /**
   * Insights whose time span overlaps [fromMs, toMs] (both inclusive): started at or before toMs and
   * ended at or after fromMs, an ONGOING insight (endMs null) counting as not ended — so "the last
   * day" lists an incident that began two days ago and is still open.
   */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Default 100, at most 1000; 0 gives an empty page (and still the total). */
  readonly limit?: number;
  readonly offset?: number;
  /**
   * Always descending: 'startMs' (default) newest first; 'severity' HIGH first, then newest first;
   * 'updatedMs' most recently changed first. Ties are broken by id, descending, so pages are stable.
   */
  readonly sort?: InsightSort;
}

export interface InsightPage {
  readonly items: Insight[];
  /** How many insights match the filters, ignoring limit and offset. */
  readonly total: number;
}

/** An anomaly with the insight it belongs to (the model's Anomaly does not carry it). */
export interface InsightAnomaly {
  readonly insightId: string;
  readonly anomaly: Anomaly;
}

/** A transition as stored: `seq` is its position in the outbox, increasing in commit order. */
export interface StoredTransition extends InsightTransition {
  readonly seq: number;
}

export interface InsightFeedback {
  readonly insightId: string;
  readonly value: FeedbackValue;
  /** null when none was given. */
  readonly comment: string | null;
  readonly timeMs: number;
}

/** `application:<name>` or `series:<key>`. */
export type SensitivityScope = `application:${string}` | `series:${string}`;

export interface SensitivitySetting {
  readonly scope: SensitivityScope;
  readonly level: Sensitivity;
}

/** What is analysed: every series, or those matching any of these label selectors. */
export type CoverageSetting = 'all' | readonly string[];

// ---- notifications and runbooks (schema v3) ---------------------------------------------------

export type OutboxStatus = 'PENDING' | 'DELIVERED' | 'FAILED' | 'DROPPED';

/**
 * One message owed to one channel: transition `seq` turned into a notification for `channel`.
 * PENDING until delivered (DELIVERED), given up on (FAILED: a non-retryable answer, or retried past
 * the maximum age) or not sent by rule (DROPPED: e.g. a close the channel was never told opened).
 */
export interface OutboxEntry {
  readonly channel: string;
  readonly seq: number;
  readonly insightId: string;
  readonly type: NotificationType;
  readonly status: OutboxStatus;
  readonly attempts: number;
  /** Earliest time (ms) of the next attempt; meaningful while PENDING. */
  readonly nextAttemptMs: number;
  readonly createdMs: number;
  readonly lastError: string | null;
  readonly deliveredMs: number | null;
}

/** A new outbox row: PENDING with no attempts yet. */
export type NewOutboxEntry = Pick<OutboxEntry, 'channel' | 'seq' | 'insightId' | 'type' | 'createdMs' | 'nextAttemptMs'>;

/** The state an attempt leaves a row in (the row is found by channel and seq). */
export type OutboxUpdate = Pick<OutboxEntry, 'channel' | 'seq' | 'status' | 'attempts' | 'nextAttemptMs' | 'lastError' | 'deliveredMs'>;

export interface OutboxQuery {
  readonly channel?: string;
  readonly insightId?: string;
  /** Any of these; an empty array is no filter, like an absent one. */
  readonly statuses?: readonly OutboxStatus[];
  /** By seq ascending, then channel; default 100, at most 1000. */
  readonly limit?: number;
}

export type DeliveryOutcome = 'DELIVERED' | 'RETRY' | 'FAILED' | 'DROPPED';

/** One line of the delivery log: an attempt (or a decision not to send) on one channel. */
export interface DeliveryLogEntry {
  readonly channel: string;
  /** NotificationMessage.id: `<insightId>:<transition seq>`. */
  readonly messageId: string;
  readonly insightId: string;
  readonly type: NotificationType;
  /** 1 for the first attempt; 0 for a row dropped without an attempt or an Alertmanager re-post. */
  readonly attempt: number;
  readonly timeMs: number;
  readonly outcome: DeliveryOutcome;
  readonly httpStatus: number | null;
  readonly reason: string | null;
}

export interface DeliveryQuery {
  readonly channel?: string;
  readonly insightId?: string;
  /** Newest first (ties: the later write first); default 100, at most 1000. */
  readonly limit?: number;
}

/** A channel defined through the API; it overrides a vigil.yaml channel of the same name. */
export interface ChannelRecord {
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly minSeverity: Severity;
  readonly types: readonly NotificationType[];
  readonly rateLimitPerMinute: number;
  /** A secret given in the API call itself (never returned by the API). */
  readonly secret: string | null;
  /** The environment variable holding the secret, resolved when the channel is used. */
  readonly secretEnv: string | null;
  readonly updatedMs: number;
}

export type RunbookRunStatus = 'SUCCEEDED' | 'FAILED' | 'DRY_RUN' | 'RATE_LIMITED' | 'TIMED_OUT';

/** One audit row: what a runbook ran (or would have run), why, and with what result. */
export interface RunbookRun {
  /** `<runbook>:<transition seq>`: a runbook acts on a transition at most once. */
  readonly id: string;
  readonly runbook: string;
  readonly insightId: string;
  /** The transition that triggered it. */
  readonly transition: NotificationType;
  readonly timeMs: number;
  readonly dryRun: boolean;
  readonly action: 'http' | 'script';
  /** `POST https://…` or the script path with its argv (JSON). */
  readonly target: string;
  readonly status: RunbookRunStatus;
  /** Exit code and output (truncated), HTTP status and body start, or why it did not run. */
  readonly detail: string;
  readonly durationMs: number;
}

export interface RunbookRunQuery {
  readonly insightId?: string;
  readonly runbook?: string;
  /** Newest first (ties by id descending); default 100, at most 1000. */
  readonly limit?: number;
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

  // ---- insights engine (schema v2) -------------------------------------------------------------

  /** Insert or replace by id; all or nothing. */
  upsertInsights(insights: readonly Insight[]): Promise<void>;
  listInsights(query?: InsightQuery): Promise<InsightPage>;
  getInsight(id: string): Promise<Insight | null>;

  /** Insert or replace by anomaly id (an anomaly may move to another insight); all or nothing. */
  upsertAnomalies(anomalies: readonly InsightAnomaly[]): Promise<void>;
  /** The insight's anomalies, earliest start first (ties by id). */
  listAnomalies(insightId: string): Promise<Anomaly[]>;

  /** Appends to the notification outbox in array order; durable when the promise resolves. */
  appendTransitions(transitions: readonly InsightTransition[]): Promise<void>;
  /**
   * Transitions with seq > afterSeq, by seq ascending; limit default 100, at most 1000. A reader
   * that keeps the last seq it handled as its cursor sees every transition exactly once: a
   * transition never becomes visible with a seq below one already listed.
   */
  listTransitions(afterSeq: number, limit?: number): Promise<StoredTransition[]>;

  /** Every call adds one entry (two at the same millisecond are both kept). */
  addFeedback(feedback: { readonly insightId: string; readonly value: FeedbackValue; readonly comment?: string; readonly timeMs: number }): Promise<void>;
  /** Oldest first. */
  listFeedback(insightId: string): Promise<InsightFeedback[]>;

  /** Sets the level for a scope; null removes the override (back to the default). */
  setSensitivity(scope: SensitivityScope, level: Sensitivity | null): Promise<void>;
  /** Every override, by scope (code point order). */
  listSensitivity(): Promise<SensitivitySetting[]>;

  /** The coverage set through the API; null when never set (the configuration's applies). */
  getCoverage(): Promise<CoverageSetting | null>;
  setCoverage(coverage: CoverageSetting): Promise<void>;

  /**
   * Mean time to recover: the mean of endMs - startMs over CLOSED REACTIVE insights whose startMs
   * lies in [fromMs, toMs] (inclusive); null when there are none.
   */
  mttrMs(fromMs: number, toMs: number): Promise<number | null>;

  // ---- notifications and runbooks (schema v3) --------------------------------------------------

  /**
   * Adds PENDING rows; a row whose (channel, seq) exists is left as it is (enqueueing is
   * idempotent). With `cursor`, also sets that state key in the same transaction. Returns how
   * many rows were new.
   */
  enqueueOutbox(entries: readonly NewOutboxEntry[], cursor?: { readonly key: string; readonly value: string }): Promise<number>;
  listOutbox(query?: OutboxQuery): Promise<OutboxEntry[]>;
  /**
   * Applies an attempt's outcome to its row and appends `log` to the delivery log, together.
   * Either may be null: a log line alone (a test message, a re-post), or a row update alone.
   */
  recordDelivery(update: OutboxUpdate | null, log: DeliveryLogEntry | null): Promise<void>;
  /** Marks every PENDING row of the channel DROPPED with `reason`; returns how many. */
  dropPendingOutbox(channel: string, reason: string): Promise<number>;
  listDeliveries(query?: DeliveryQuery): Promise<DeliveryLogEntry[]>;

  /** API-defined channels, by name (code point order). */
  listChannels(): Promise<ChannelRecord[]>;
  /** Insert or replace by name. */
  putChannel(channel: ChannelRecord): Promise<void>;
  /** True when there was one to delete. */
  deleteChannel(name: string): Promise<boolean>;

  /** Records a run; false (and nothing changed) when a run with that id is already recorded. */
  appendRunbookRun(run: RunbookRun): Promise<boolean>;
  listRunbookRuns(query?: RunbookRunQuery): Promise<RunbookRun[]>;
}
