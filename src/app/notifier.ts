/**
 * The delivery engine: insight transitions (the store's outbox feed) to channels, at least once,
 * in order, with retries, backoff and rate limits; runbooks run from the same feed.
 *
 *   every ~1 s:
 *     enqueue  listTransitions(after "notify.seq") ─► per channel: channelOwes? ─►
 *              enqueueOutbox(rows, cursor) — rows and cursor in one write, BEFORE any send
 *     drain    per channel (one in flight each): oldest PENDING row ─► due? token? ─► send
 *              ─► recordDelivery(row update + delivery-log line, one write)
 *     resend   Alertmanager: re-post ongoing insights every resendIntervalMs
 *     runbooks RunbookEngine.runOnce() (its own cursor "runbook.seq")
 *
 * Crash safety: the cursor and the outbox rows are durable before a message is sent, and a row
 * turns DELIVERED only after the receiver said so. kill -9 anywhere therefore loses nothing and
 * repeats at most the one message that was in flight, with the same id (`<insight>:<seq>`), which
 * receivers use to deduplicate (webhook body `id`, PagerDuty dedup_key, Opsgenie alias,
 * Alertmanager labels) — docs/adr/0007-notification-outbox.md.
 *
 * One notifier per deployment: with several Vigil processes on one PostgreSQL, each would send
 * (receivers would still deduplicate by id).
 */
import type { Logger } from 'pino';
import type { Insight, VigilEvent } from '../core/model/index.js';
import {
  afterAttempt,
  channelOwes,
  closeWithoutOpen,
  createTokenBucket,
  messageId,
  nextDue,
  takeToken,
  type ChannelSpec,
  type DeliveryResult,
  type NotificationMessage,
  type RetryPolicy,
  type TokenBucket,
} from '../core/notify/index.js';
import type { DeliveryLogEntry, NewOutboxEntry, OutboxEntry, Store, StoredTransition } from '../core/ports/index.js';
import { createChannelSender } from '../adapters/notify/index.js';
import { resolveChannelRecord } from './notify-config.js';
import type { RunbookEngine } from './runbook-engine.js';

export const NOTIFY_CURSOR = 'notify.seq';
const PAGE = 100;
/** Transition pages read per pass; the rest waits for the next pass (a second later). */
const MAX_PAGES_PER_PASS = 10;
/** Messages one channel may send in one pass (the rate limit usually stops it first). */
const MAX_SENDS_PER_PASS = 50;
/** A sender that neither answers nor fails within this long is treated as a retryable failure. */
const SEND_GUARD_MS = 60_000;

/** What the engine needs of a channel sender (adapters/notify's ChannelSender has more). */
export interface Sender {
  send(message: NotificationMessage): Promise<DeliveryResult>;
  /** Re-post period while the insight is ongoing (Alertmanager), or null / absent. */
  readonly resendIntervalMs?: number | null;
}

export interface EffectiveChannel {
  readonly spec: ChannelSpec;
  /** vigil.yaml, or the API (which overrides a configured channel of the same name). */
  readonly source: 'config' | 'api';
}

export interface NotifierDeps {
  readonly store: Store;
  readonly log: Logger;
  readonly clock: { now(): number };
  /** [0, 1); default Math.random. */
  readonly random?: () => number;
  /** Channels from vigil.yaml, resolved. */
  readonly configChannels: readonly ChannelSpec[];
  readonly retry: RetryPolicy;
  /** Where API channels' secretEnv are read. */
  readonly env: NodeJS.ProcessEnv;
  /** Default: adapters/notify createChannelSender. */
  readonly createSender?: (spec: ChannelSpec) => Sender;
  /** The server's public URL (server.externalUrl), for dashboard links. */
  readonly externalUrl?: string | null;
  readonly runbooks?: RunbookEngine | null;
}

interface ChannelState {
  key: string;
  sender: Sender;
  bucket: TokenBucket;
  busy: Promise<void> | null;
  /** Alertmanager re-posts: insight id -> the last message delivered for it, and when. */
  readonly ongoing: Map<string, { seq: number; type: OutboxEntry['type']; lastPostMs: number }>;
}

export class Notifier {
  readonly #d: NotifierDeps;
  readonly #random: () => number;
  readonly #createSender: (spec: ChannelSpec) => Sender;
  readonly #channels = new Map<string, ChannelState>();
  /** Channels with a problem already logged (e.g. an API channel whose secretEnv is unset). */
  readonly #warned = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #pass: Promise<void> | null = null;
  #runbooks: Promise<void> | null = null;
  #seeded = false;

  constructor(deps: NotifierDeps) {
    this.#d = deps;
    this.#random = deps.random ?? Math.random;
    this.#createSender = deps.createSender ?? ((spec) => createChannelSender(spec));
  }

  /** Runs a pass every `intervalMs` until stop(); the timer does not keep the process alive. */
  start(intervalMs = 1000): void {
    const loop = (): void => {
      if (this.#stopped) return;
      this.#pass = this.#passNow(false)
        .catch((err) => this.#d.log.error({ err }, 'notification pass failed'))
        .finally(() => {
          this.#pass = null;
          if (!this.#stopped) {
            this.#timer = setTimeout(loop, intervalMs);
            this.#timer.unref();
          }
        });
    };
    this.#timer = setTimeout(loop, 0);
    this.#timer.unref();
  }

  /** Stops the timer and waits for sends and runbooks in flight (each bounded by its timeout). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#pass;
    await this.idle();
  }

  /** One full pass — enqueue, drain every channel, resends, runbooks — awaited to the end (tests, tools). */
  async runOnce(): Promise<void> {
    await this.#passNow(true);
    await this.idle();
  }

  /** Resolves when no channel send and no runbook run is in flight. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.#channels.values()].map((c) => c.busy).filter((b): b is Promise<void> => b !== null);
      if (this.#runbooks) busy.push(this.#runbooks);
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }

  /** Config channels overridden and extended by API channels. An API channel that cannot be resolved is skipped (and logged once). */
  async channels(): Promise<EffectiveChannel[]> {
    const out = new Map<string, EffectiveChannel>();
    for (const spec of this.#d.configChannels) out.set(spec.name, { spec, source: 'config' });
    for (const r of await this.#d.store.listChannels()) {
      const res = resolveChannelRecord(r, this.#d.env);
      if (res.ok) {
        out.set(r.name, { spec: res.spec, source: 'api' });
        this.#warned.delete(r.name);
      } else if (!this.#warned.has(r.name)) {
        this.#warned.add(r.name);
        this.#d.log.error({ channel: r.name, problems: res.problems }, 'API-defined channel cannot be used; its messages wait until it is fixed');
      }
    }
    return [...out.values()];
  }

  /**
   * Sends a test message to one channel now, outside the outbox, and logs the attempt. The test
   * insight is LOW and named as a test, so it is easy to recognise and to ignore; PagerDuty,
   * Opsgenie and Alertmanager also get its close, so no test incident stays open.
   */
  async sendTest(spec: ChannelSpec): Promise<DeliveryResult> {
    const now = this.#d.clock.now();
    const insight: Insight = {
      id: `vigil-test-${now}`, type: 'REACTIVE', name: `Vigil test notification for channel "${spec.name}" — safe to ignore`, severity: 'LOW', status: 'ONGOING',
      application: null, startMs: now, endMs: null, updatedMs: now, resources: [], anomalyIds: [], eventIds: [], rootCauses: [], recommendations: [], prediction: null,
    };
    const message: NotificationMessage = { id: `${insight.id}:0`, version: 1, type: 'NEW_INSIGHT', timeMs: now, insight, anomalies: [], events: [], dashboardUrl: this.#dashboardUrl(insight.id) };
    const sender = this.#createSender(spec);
    const result = await this.#send(sender, message);
    await this.#logTest(spec, message, result);
    // Services that keep an incident or alert open get the close too, so a test leaves nothing open.
    if (result.ok && (spec.type === 'pagerduty' || spec.type === 'opsgenie' || spec.type === 'alertmanager')) {
      const closed: NotificationMessage = { ...message, id: `${insight.id}:1`, type: 'CLOSED_INSIGHT', insight: { ...insight, status: 'CLOSED', endMs: now, updatedMs: now } };
      await this.#logTest(spec, closed, await this.#send(sender, closed));
    }
    return result;
  }

  async #logTest(spec: ChannelSpec, m: NotificationMessage, result: DeliveryResult): Promise<void> {
    await this.#d.store.recordDelivery(null, {
      channel: spec.name, messageId: m.id, insightId: m.insight.id, type: m.type, attempt: 1, timeMs: this.#d.clock.now(),
      outcome: result.ok ? 'DELIVERED' : 'FAILED', httpStatus: result.ok ? result.status : (result.status ?? null), reason: result.ok ? 'test message' : `test message: ${result.reason}`,
    });
  }

  /** Marks a removed channel's pending messages DROPPED (nothing will ever send them). */
  async channelRemoved(name: string): Promise<number> {
    this.#channels.delete(name);
    return this.#d.store.dropPendingOutbox(name, `channel "${name}" was deleted`);
  }

  async #passNow(awaitDrains: boolean): Promise<void> {
    const channels = await this.channels();
    this.#sync(channels);
    if (!this.#seeded) {
      await this.#seedOngoing(channels);
      this.#seeded = true;
    }
    await this.#enqueue(channels);
    const drains: Promise<void>[] = [];
    for (const { spec } of channels) {
      const st = this.#channels.get(spec.name)!;
      if (st.busy !== null) continue; // one send in flight per channel: that is the ordering
      const p = this.#drain(spec, st)
        .catch((err) => this.#d.log.error({ err, channel: spec.name }, 'notification delivery failed'))
        .finally(() => {
          st.busy = null;
        });
      st.busy = p;
      drains.push(p);
    }
    const rb = this.#d.runbooks;
    if (rb && this.#runbooks === null) {
      this.#runbooks = rb.runOnce()
        .catch((err) => this.#d.log.error({ err }, 'runbook pass failed'))
        .finally(() => {
          this.#runbooks = null;
        });
    }
    if (awaitDrains) await Promise.all(drains);
  }

  /** Keeps one sender and one token bucket per channel; a changed channel gets new ones. */
  #sync(channels: readonly EffectiveChannel[]): void {
    const now = this.#d.clock.now();
    const names = new Set(channels.map((c) => c.spec.name));
    for (const [name, st] of this.#channels) if (!names.has(name) && st.busy === null) this.#channels.delete(name);
    for (const { spec } of channels) {
      const key = JSON.stringify(spec);
      const st = this.#channels.get(spec.name);
      if (st !== undefined && st.key === key) continue;
      this.#channels.set(spec.name, {
        key,
        sender: this.#createSender(spec),
        bucket: createTokenBucket(spec.rateLimitPerMinute, now),
        busy: st?.busy ?? null,
        ongoing: st?.ongoing ?? new Map(),
      });
    }
  }

  /** After a restart: re-posting (Alertmanager) resumes for ongoing insights a channel was told about. */
  async #seedOngoing(channels: readonly EffectiveChannel[]): Promise<void> {
    const resending = channels.filter((c) => (this.#channels.get(c.spec.name)?.sender.resendIntervalMs ?? null) !== null);
    if (resending.length === 0) return;
    const ongoing = await this.#d.store.listInsights({ status: 'ONGOING', limit: 1000 });
    const now = this.#d.clock.now();
    for (const ins of ongoing.items) {
      const rows = await this.#d.store.listOutbox({ insightId: ins.id, statuses: ['DELIVERED'] });
      for (const { spec } of resending) {
        const last = rows.filter((r) => r.channel === spec.name).at(-1);
        if (last !== undefined && last.type !== 'CLOSED_INSIGHT') this.#channels.get(spec.name)!.ongoing.set(ins.id, { seq: last.seq, type: last.type, lastPostMs: now });
      }
    }
  }

  /** New transitions to outbox rows, and the cursor past them, in one write per page. */
  async #enqueue(channels: readonly EffectiveChannel[]): Promise<void> {
    const store = this.#d.store;
    let cursor = Number((await store.getState(NOTIFY_CURSOR)) ?? '0') || 0;
    for (let page = 0; page < MAX_PAGES_PER_PASS; page++) {
      const transitions = await store.listTransitions(cursor, PAGE);
      if (transitions.length === 0) return;
      const now = this.#d.clock.now();
      const rows: NewOutboxEntry[] = [];
      for (const t of transitions) {
        const earlier = channels.length > 0 ? await store.listOutbox({ insightId: t.insightId, limit: 1000 }) : [];
        for (const { spec } of channels) {
          const mine = [...earlier, ...rows].filter((r) => r.channel === spec.name && r.insightId === t.insightId && r.seq < t.seq);
          if (channelOwes(spec, t.type, t.severity, mine)) rows.push({ channel: spec.name, seq: t.seq, insightId: t.insightId, type: t.type, createdMs: now, nextAttemptMs: now });
        }
      }
      cursor = transitions[transitions.length - 1]!.seq;
      const added = await store.enqueueOutbox(rows, { key: NOTIFY_CURSOR, value: String(cursor) });
      if (added > 0) this.#d.log.debug({ rows: added, cursor }, 'notifications enqueued');
      if (transitions.length < PAGE) return;
    }
  }

  /** Sends this channel's due messages, oldest first, while the rate limit allows. */
  async #drain(spec: ChannelSpec, st: ChannelState): Promise<void> {
    const store = this.#d.store;
    for (let n = 0; n < MAX_SENDS_PER_PASS && !this.#stopped; n++) {
      const now = this.#d.clock.now();
      const head = nextDue(await store.listOutbox({ channel: spec.name, statuses: ['PENDING'], limit: 1 }), now);
      if (head === null) break;
      if (head.type === 'CLOSED_INSIGHT') {
        const earlier = (await store.listOutbox({ channel: spec.name, insightId: head.insightId, limit: 1000 })).filter((r) => r.seq < head.seq);
        const why = closeWithoutOpen(earlier);
        if (why !== null) {
          await this.#drop(head, why, now);
          continue;
        }
      }
      const message = await this.#message(head);
      if (message === null) {
        await this.#drop(head, `insight ${head.insightId} is not in the store`, now);
        continue;
      }
      if (!takeToken(st.bucket, now)) break;
      const result = await this.#send(st.sender, message);
      const done = this.#d.clock.now();
      const next = afterAttempt(head, result, done, this.#d.retry, this.#random);
      await store.recordDelivery(next.update, {
        channel: spec.name, messageId: message.id, insightId: head.insightId, type: head.type, attempt: next.update.attempts,
        timeMs: done, outcome: next.outcome, httpStatus: next.httpStatus, reason: next.reason,
      });
      const logFields = { channel: spec.name, message: message.id, type: head.type, attempt: next.update.attempts, outcome: next.outcome, status: next.httpStatus };
      if (next.outcome === 'DELIVERED') this.#d.log.info(logFields, 'notification delivered');
      else this.#d.log.warn({ ...logFields, reason: next.reason, nextAttemptMs: next.update.status === 'PENDING' ? next.update.nextAttemptMs : null }, 'notification not delivered');
      if (next.outcome === 'DELIVERED' && (st.sender.resendIntervalMs ?? null) !== null) {
        if (head.type === 'CLOSED_INSIGHT' || message.insight.status === 'CLOSED') st.ongoing.delete(head.insightId);
        else st.ongoing.set(head.insightId, { seq: head.seq, type: head.type, lastPostMs: done });
      }
      if (next.outcome === 'RETRY') break; // the head waits for its backoff; nothing overtakes it
    }
    await this.#resend(spec, st);
  }

  /** Alertmanager resolves an alert that is not re-posted: ongoing insights are re-posted every resendIntervalMs. */
  async #resend(spec: ChannelSpec, st: ChannelState): Promise<void> {
    const interval = st.sender.resendIntervalMs ?? null;
    if (interval === null || st.ongoing.size === 0) return;
    // A channel with a backlog re-posts nothing: the queue itself is about to post, in order.
    if ((await this.#d.store.listOutbox({ channel: spec.name, statuses: ['PENDING'], limit: 1 })).length > 0) return;
    for (const [insightId, last] of st.ongoing) {
      const now = this.#d.clock.now();
      if (now - last.lastPostMs < interval) continue;
      const message = await this.#message({ insightId, seq: last.seq, type: last.type, createdMs: now });
      if (message === null || message.insight.status === 'CLOSED') {
        st.ongoing.delete(insightId);
        continue;
      }
      if (!takeToken(st.bucket, now)) return; // retried next pass
      last.lastPostMs = now;
      const result = await this.#send(st.sender, message);
      const log: DeliveryLogEntry = {
        channel: spec.name, messageId: message.id, insightId, type: last.type, attempt: 0, timeMs: this.#d.clock.now(),
        outcome: result.ok ? 'DELIVERED' : 'RETRY', httpStatus: result.ok ? result.status : (result.status ?? null),
        reason: result.ok ? 're-post of an ongoing insight (Alertmanager resolves alerts that are not re-sent)' : `re-post failed: ${result.reason}`,
      };
      // The row stays DELIVERED; only the log line is new.
      await this.#d.store.recordDelivery(null, log);
    }
  }

  async #drop(head: OutboxEntry, reason: string, now: number): Promise<void> {
    await this.#d.store.recordDelivery(
      { channel: head.channel, seq: head.seq, status: 'DROPPED', attempts: head.attempts, nextAttemptMs: head.nextAttemptMs, lastError: reason, deliveredMs: null },
      { channel: head.channel, messageId: messageId(head.insightId, head.seq), insightId: head.insightId, type: head.type, attempt: 0, timeMs: now, outcome: 'DROPPED', httpStatus: null, reason },
    );
    this.#d.log.info({ channel: head.channel, message: messageId(head.insightId, head.seq), reason }, 'notification dropped');
  }

  /** A sender that throws or hangs is a retryable failure, never a stuck channel. */
  async #send(sender: Sender, message: NotificationMessage): Promise<DeliveryResult> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        sender.send(message),
        new Promise<DeliveryResult>((resolve) => {
          timer = setTimeout(() => resolve({ ok: false, retryable: true, reason: `the sender did not finish within ${SEND_GUARD_MS} ms` }), SEND_GUARD_MS);
          timer.unref();
        }),
      ]);
    } catch (err) {
      return { ok: false, retryable: true, reason: `the sender failed: ${(err as Error).message ?? String(err)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The message for a row: the insight as it is now, its anomalies and events, the transition's time. */
  async #message(row: Pick<OutboxEntry, 'insightId' | 'seq' | 'type' | 'createdMs'>): Promise<NotificationMessage | null> {
    const store = this.#d.store;
    const insight = await store.getInsight(row.insightId);
    if (insight === null) return null;
    const [anomalies, events, transition] = await Promise.all([
      store.listAnomalies(insight.id),
      Promise.all(insight.eventIds.map((id) => store.getEvent(id))).then((es) => es.filter((e): e is VigilEvent => e !== null)),
      store.listTransitions(row.seq - 1, 1).then((ts): StoredTransition | undefined => ts.find((t) => t.seq === row.seq)),
    ]);
    return {
      id: messageId(insight.id, row.seq),
      version: 1,
      type: row.type,
      timeMs: transition?.timeMs ?? row.createdMs,
      insight,
      anomalies,
      events,
      dashboardUrl: this.#dashboardUrl(insight.id),
    };
  }

  #dashboardUrl(insightId: string): string | null {
    const base = this.#d.externalUrl;
    return base ? `${base.replace(/\/+$/, '')}/insights/${encodeURIComponent(insightId)}` : null;
  }
}
