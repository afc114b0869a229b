/**
 * Liveness of resources: when each was first and last seen, how many series it has, and which
 * have gone quiet. Time comes in with the data (stream time), so replay and tests behave the same
 * as live ingestion.
 *
 *   touch(key, t)            on every sample batch (cheap: one Map lookup)
 *   touch(key, t, 1)         when a new series of that resource appears
 *   retireIdle(now, idle)    periodically; resources silent for `idle` are retired and returned
 *                            (the caller stops analysing them and records `retiredMs`)
 *   touch after retirement   revives the resource (returns 'revived')
 */

/** Resources silent this long are retired (a pod replaced by a rollout, a scaled-in host). */
export const DEFAULT_IDLE_MS = 15 * 60_000;

export interface TrackedResource {
  readonly key: string;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  readonly seriesCount: number;
  /** When it was retired; null while live. */
  readonly retiredMs: number | null;
}

interface Entry {
  firstSeenMs: number;
  lastSeenMs: number;
  seriesCount: number;
  retiredMs: number | null;
}

export type TouchOutcome = 'new' | 'seen' | 'revived';

export class ResourceTracker {
  private readonly entries = new Map<string, Entry>();

  /**
   * Marks `resourceKey` as seen at `timeMs` and adds `newSeries` to its series count. Time never
   * moves backwards: an older timestamp (late sample) leaves lastSeenMs alone.
   */
  touch(resourceKey: string, timeMs: number, newSeries = 0): TouchOutcome {
    const e = this.entries.get(resourceKey);
    if (e === undefined) {
      this.entries.set(resourceKey, { firstSeenMs: timeMs, lastSeenMs: timeMs, seriesCount: newSeries, retiredMs: null });
      return 'new';
    }
    e.seriesCount += newSeries;
    if (timeMs > e.lastSeenMs) e.lastSeenMs = timeMs;
    if (e.retiredMs !== null) {
      // Revive only on data newer than the retirement, so a straggler sample does not bring a
      // replaced pod back.
      if (timeMs <= e.retiredMs) return 'seen';
      e.retiredMs = null;
      return 'revived';
    }
    return 'seen';
  }

  /** Removes `n` series from a resource's count (a series dropped by the caller). */
  removeSeries(resourceKey: string, n = 1): void {
    const e = this.entries.get(resourceKey);
    if (e !== undefined) e.seriesCount = Math.max(0, e.seriesCount - n);
  }

  /** Retires every live resource not seen for `idleMs` or longer; returns their keys, in first-seen order. */
  retireIdle(nowMs: number, idleMs: number = DEFAULT_IDLE_MS): string[] {
    if (!(idleMs > 0)) throw new RangeError(`idleMs must be positive, got ${idleMs}`);
    const retired: string[] = [];
    for (const [key, e] of this.entries) {
      if (e.retiredMs === null && nowMs - e.lastSeenMs >= idleMs) {
        e.retiredMs = nowMs;
        retired.push(key);
      }
    }
    return retired;
  }

  get(resourceKey: string): TrackedResource | undefined {
    const e = this.entries.get(resourceKey);
    return e === undefined ? undefined : { key: resourceKey, ...e };
  }

  isLive(resourceKey: string): boolean {
    const e = this.entries.get(resourceKey);
    return e !== undefined && e.retiredMs === null;
  }

  /** Every tracked resource, live and retired, in first-seen order. */
  list(): TrackedResource[] {
    return [...this.entries].map(([key, e]) => ({ key, ...e }));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops retired resources retired before `beforeMs`, bounding memory under pod churn. */
  forgetRetired(beforeMs: number): number {
    let n = 0;
    for (const [key, e] of this.entries) {
      if (e.retiredMs !== null && e.retiredMs < beforeMs) {
        this.entries.delete(key);
        n++;
      }
    }
    return n;
  }
}
