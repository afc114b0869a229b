/**
 * Maps the label bytes of a remote-write TimeSeries to a series id without decoding a single
 * string when the label set has been seen before — the steady state, since a Prometheus sender
 * re-sends the same series every scrape interval.
 *
 *   label fields' bytes ──hash──► open-addressing table (typed arrays) ──► entry
 *                                        │ hit: compare bytes with the stored copy ──► id
 *                                        │ miss (first sight):
 *                                        ▼
 *        decode + validate (UTF-8, name syntax, __name__, duplicates, sizes), sort
 *        canonical key (seriesKey) ──► known? reuse its id : resolve(labels) ──► id or -1
 *        store a copy of the bytes ──► entry
 *
 * The bytes hashed are the Label fields exactly as they sit in the TimeSeries (tag, length and
 * content of each, in wire order), which is self-delimiting, so equal bytes mean an equal label
 * set. A sender writes a series' labels one after the other, so the spans are normally one
 * contiguous range: it is hashed and compared 4 bytes at a time (labels that are not contiguous,
 * e.g. placed after the samples, are first copied together). The same set sent in another order or
 * encoding is a different byte key, but it reaches the
 * same id through the canonical-key map, so `resolve` runs once per label set. Ids of -1 ("not
 * analysed") are cached like any other, so dropped series cost no more than analysed ones.
 *
 * Invalid label sets are never cached: they reject the request, and caching them would let a
 * misbehaving sender fill memory.
 */
import { WireReader, decodeUtf8Strict } from '../../core/codec/index.js';
import { seriesKey } from '../../core/model/index.js';
import type { Labels } from '../../core/model/index.js';

export interface LabelInternerOptions {
  /** Most labels a series may have, `__name__` included. */
  readonly maxLabelCount?: number;
  /** Longest label value, in UTF-8 bytes. */
  readonly maxLabelValueBytes?: number;
  /** Longest label name, in bytes. */
  readonly maxLabelNameBytes?: number;
}

export const DEFAULT_MAX_LABEL_COUNT = 64;
export const DEFAULT_MAX_LABEL_VALUE_BYTES = 16_384;
export const DEFAULT_MAX_LABEL_NAME_BYTES = 1_024;

/** `intern` result for a label set that failed validation; the reason is in `interner.error`. */
export const INTERN_INVALID = -2;

/** Returns the series id (>= 0) for a new label set, or -1 to drop its samples. */
export type ResolveSeries = (labels: Labels) => number;

const INITIAL_SLOTS = 1024; // power of two
const INITIAL_ARENA_BYTES = 64 * 1024;
const MAX_ID = 0x7fffffff;

// Prometheus label name and metric name syntax (https://prometheus.io/docs/concepts/data_model/).
function isNameStart(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x5f;
}
function isNameChar(b: number): boolean {
  return isNameStart(b) || (b >= 0x30 && b <= 0x39);
}
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Hash of `bytes[start, start + total)` (`view` spans `bytes`): 4 bytes per step (xor, multiply,
 * fold the high bits down, so every input bit reaches the low bits the table index uses), the
 * last 0–3 bytes one at a time, then murmur3's finaliser. Equal bytes give equal hashes however
 * they were found (one range or joined spans).
 */
function hashRange(view: DataView, bytes: Uint8Array, start: number, total: number): number {
  let h = 0x811c9dc5 ^ total;
  let i = start;
  const wordsEnd = start + (total & ~3);
  for (; i < wordsEnd; i += 4) {
    h = Math.imul(h ^ view.getInt32(i, true), 0x5bd1e995);
    h ^= h >>> 15;
  }
  const end = start + total;
  for (; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Quotes a possibly hostile string for an error message: JSON-escaped, cut at 64 characters. */
function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? s.slice(0, 64) + '…' : s).replace(/^"|"$/g, "'");
}

export class LabelInterner {
  /** Reason of the last INTERN_INVALID (no prefix; the decoder adds the series' position). */
  error = '';
  readonly maxLabelCount: number;
  readonly maxLabelValueBytes: number;
  readonly maxLabelNameBytes: number;

  private readonly resolve: ResolveSeries;
  /** Canonical label string -> id, so a label set reached through other bytes keeps its id. */
  private readonly byKey = new Map<string, number>();

  // Open addressing, linear probing. slot: 0 empty, -1 tombstone, else entry index + 1.
  private slots = new Int32Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private tombstones = 0;
  // Entries, columnar. A forgotten entry has len -1 and its bytes count as waste in the arena.
  private entryHash = new Int32Array(INITIAL_SLOTS / 2);
  private entryOff = new Int32Array(INITIAL_SLOTS / 2);
  private entryLen = new Int32Array(INITIAL_SLOTS / 2);
  private entryId = new Int32Array(INITIAL_SLOTS / 2);
  private entryKey: (string | undefined)[] = [];
  private entries = 0;
  private live = 0;
  private arena = new Uint8Array(INITIAL_ARENA_BYTES);
  private arenaUsed = 0;
  private arenaWaste = 0;
  /** Views for reading 4 bytes at a time: over the arena, and over the last request buffer seen. */
  private arenaView: DataView = new DataView(this.arena.buffer);
  private bufView: DataView = new DataView(new ArrayBuffer(0));
  private viewOf: Uint8Array | null = null;
  /** Label spans that are not contiguous, copied together. */
  private joined = new Uint8Array(256);
  private joinedView: DataView = new DataView(this.joined.buffer);
  private readonly reader = new WireReader();

  constructor(resolve: ResolveSeries, options: LabelInternerOptions = {}) {
    this.resolve = resolve;
    this.maxLabelCount = options.maxLabelCount ?? DEFAULT_MAX_LABEL_COUNT;
    this.maxLabelValueBytes = options.maxLabelValueBytes ?? DEFAULT_MAX_LABEL_VALUE_BYTES;
    this.maxLabelNameBytes = options.maxLabelNameBytes ?? DEFAULT_MAX_LABEL_NAME_BYTES;
  }

  /** Number of byte keys cached (a label set seen in two encodings counts twice). */
  get size(): number {
    return this.live;
  }

  /**
   * Returns the series id for the label fields `buf[spans[2k], spans[2k+1])`, k < spanCount —
   * each span one whole `Label labels = 1` field of a TimeSeries (tag, length, content) — or -1
   * (not analysed; samples are to be dropped) or INTERN_INVALID with the reason in `error`.
   * Allocates nothing when the label set was seen before.
   */
  intern(buf: Uint8Array, spans: Int32Array, spanCount: number): number {
    // A span too long or too many labels cannot be valid: skip hashing (which would read e.g. a
    // 10 MB value) and go straight to validation, which names the problem without decoding it.
    const spanLimit = this.maxLabelNameBytes + this.maxLabelValueBytes + 16;
    let total = 0;
    let contiguous = true;
    for (let k = 0; k < spanCount; k++) {
      const n = spans[2 * k + 1] - spans[2 * k];
      if (n > spanLimit || spanCount > this.maxLabelCount) return this.firstSight(buf, spans, spanCount, 0, 0);
      if (k > 0 && spans[2 * k] !== spans[2 * k - 1]) contiguous = false;
      total += n;
    }

    // The key: the spans' bytes in order, as one range of `bytes` (a copy only when not contiguous).
    let bytes = buf;
    let start = spanCount > 0 ? spans[0] : 0;
    let view: DataView;
    if (contiguous) {
      if (buf !== this.viewOf) {
        this.viewOf = buf;
        this.bufView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      }
      view = this.bufView;
    } else {
      bytes = this.join(buf, spans, spanCount, total);
      view = this.joinedView;
      start = 0;
    }
    const h = hashRange(view, bytes, start, total);

    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === 0) break;
      if (s < 0) continue;
      const e = s - 1;
      if (this.entryHash[e] === h && this.entryLen[e] === total && this.sameRange(e, view, bytes, start, total)) return this.entryId[e];
    }
    return this.firstSight(buf, spans, spanCount, h, total);
  }

  /**
   * Forgets every cached label set that maps to `id` (a retired series; or -1 to give dropped
   * series a new chance after the configuration changed). O(entries): meant for retirement, not
   * for the request path. Returns how many byte keys were removed.
   */
  forget(id: number): number {
    let removed = 0;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s <= 0) continue;
      const e = s - 1;
      if (this.entryId[e] !== id) continue;
      slots[i] = -1;
      this.tombstones++;
      this.arenaWaste += this.entryLen[e];
      this.entryLen[e] = -1;
      this.entryKey[e] = undefined;
      this.live--;
      removed++;
    }
    for (const [key, v] of this.byKey) if (v === id) this.byKey.delete(key);
    // Reclaim the arena and the entry slots once most of them are dead.
    if (this.arenaWaste > this.arenaUsed / 2 || this.entries > 2 * this.live + 1024) this.rebuild(this.slots.length);
    return removed;
  }

  /** Forgets everything. */
  clear(): void {
    this.byKey.clear();
    this.slots = new Int32Array(INITIAL_SLOTS);
    this.mask = INITIAL_SLOTS - 1;
    this.tombstones = 0;
    this.entries = 0;
    this.live = 0;
    this.entryKey = [];
    this.arenaUsed = 0;
    this.arenaWaste = 0;
  }

  /** Whether entry `e`'s stored bytes equal `bytes[start, start + total)` (its length is `total`). */
  private sameRange(e: number, view: DataView, bytes: Uint8Array, start: number, total: number): boolean {
    const arenaView = this.arenaView;
    let j = this.entryOff[e];
    let i = start;
    const wordsEnd = start + (total & ~3);
    for (; i < wordsEnd; i += 4, j += 4) if (arenaView.getInt32(j, true) !== view.getInt32(i, true)) return false;
    const arena = this.arena;
    const end = start + total;
    for (; i < end; i++, j++) if (arena[j] !== bytes[i]) return false;
    return true;
  }

  /** Copies non-contiguous label spans together into `joined`. */
  private join(buf: Uint8Array, spans: Int32Array, spanCount: number, total: number): Uint8Array {
    if (this.joined.length < total) {
      this.joined = new Uint8Array(Math.max(total, 2 * this.joined.length));
      this.joinedView = new DataView(this.joined.buffer);
    }
    let j = 0;
    for (let k = 0; k < spanCount; k++) {
      this.joined.set(buf.subarray(spans[2 * k], spans[2 * k + 1]), j);
      j += spans[2 * k + 1] - spans[2 * k];
    }
    return this.joined;
  }

  private invalid(reason: string): number {
    this.error = reason;
    return INTERN_INVALID;
  }

  // The slow path: decode, validate, resolve, store. Allocation is fine here.
  private firstSight(buf: Uint8Array, spans: Int32Array, spanCount: number, h: number, total: number): number {
    if (spanCount > this.maxLabelCount) return this.invalid(`${spanCount} labels; the limit is ${this.maxLabelCount}`);
    const r = this.reader;
    const pairs: [string, string][] = [];
    let metricName: string | null = null;
    for (let k = 0; k < spanCount; k++) {
      r.reset(buf, spans[2 * k], spans[2 * k + 1]);
      r.tag(); // the decoder checked it is field 1, wire type 2
      const msgEnd = r.lenEnd();
      let nameStart = -1;
      let nameEnd = -1;
      let valueStart = -1;
      let valueEnd = -1;
      while (r.pos < msgEnd) {
        const t = r.tag();
        if (t === 0x0a || t === 0x12) {
          const e = r.lenEnd();
          if (e < 0) break;
          if (t === 0x0a) {
            nameStart = r.pos;
            nameEnd = e;
          } else {
            valueStart = r.pos;
            valueEnd = e;
          }
          r.pos = e;
        } else if (t >= 0 && ((t >>> 3) === 1 || (t >>> 3) === 2)) {
          return this.invalid(`label ${k}: field ${t >>> 3} has wire type ${t & 7}, expected 2 (string)`);
        } else if (t < 0 || !r.skip(t & 7)) break;
      }
      if (r.error !== null) return this.invalid(`label ${k}: ${r.error}`);

      // Sizes first, so an oversize name or value is refused before it is decoded.
      const nameBytes = nameStart < 0 ? 0 : nameEnd - nameStart;
      if (nameBytes === 0) return this.invalid(`label ${k}: empty label name`);
      if (nameBytes > this.maxLabelNameBytes) return this.invalid(`label name ${k} is ${nameBytes} bytes; the limit is ${this.maxLabelNameBytes}`);
      if (!isNameStart(buf[nameStart]) || !buf.subarray(nameStart + 1, nameEnd).every(isNameChar)) {
        const raw = decodeUtf8Strict(buf, nameStart, nameEnd);
        if (raw === null) return this.invalid(`label ${k}: invalid UTF-8 in label name`);
        return this.invalid(`label name ${quote(raw)} is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)`);
      }
      const name = decodeUtf8Strict(buf, nameStart, nameEnd)!; // ASCII, checked above
      const valueBytes = valueStart < 0 ? 0 : valueEnd - valueStart;
      if (valueBytes > this.maxLabelValueBytes) {
        return this.invalid(`label value of ${quote(name)} is ${valueBytes} bytes; the limit is ${this.maxLabelValueBytes}`);
      }
      const value = valueBytes === 0 ? '' : decodeUtf8Strict(buf, valueStart, valueEnd);
      if (value === null) return this.invalid(`invalid UTF-8 in label value of ${quote(name)}`);
      if (name === '__name__') {
        if (!METRIC_NAME.test(value)) return this.invalid(`metric name ${quote(value)} is not a valid Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)`);
        metricName = value;
      }
      pairs.push([name, value]);
    }
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (let i = 1; i < pairs.length; i++) {
      if (pairs[i][0] === pairs[i - 1][0]) return this.invalid(`duplicate label name ${quote(pairs[i][0])}`);
    }
    if (metricName === null) return this.invalid('no __name__ label (metric name)');

    // Null prototype: a label called `__proto__` is legal in Prometheus and must stay a label.
    const labels = Object.create(null) as Record<string, string>;
    // Prometheus data model: an empty label value is the same as an absent label.
    for (const [n, v] of pairs) if (v !== '') labels[n] = v;
    Object.freeze(labels);
    const key = seriesKey(labels);
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.resolve(labels);
      if (!Number.isInteger(id) || id < -1 || id > MAX_ID) {
        throw new RangeError(`LabelInterner: resolve returned ${id} for ${key}; expected an integer id >= 0 or -1`);
      }
      this.byKey.set(key, id);
    }
    // Hashing is skipped (total 0) only for spans too long to be plain labels; should such a set
    // still be valid (padded with unknown fields), it is resolved but not cached.
    if (total > 0) this.store(buf, spans, spanCount, h, total, id, key);
    return id;
  }

  private store(buf: Uint8Array, spans: Int32Array, spanCount: number, h: number, total: number, id: number, key: string): void {
    if ((this.entries + this.tombstones + 1) * 2 > this.slots.length || this.entries === this.entryHash.length) {
      this.rebuild(this.live * 4 > this.slots.length ? this.slots.length * 2 : this.slots.length);
    }
    if (this.arenaUsed + total > this.arena.length) {
      let n = this.arena.length * 2;
      while (n < this.arenaUsed + total) n *= 2;
      const next = new Uint8Array(n);
      next.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = next;
      this.arenaView = new DataView(next.buffer);
    }
    const off = this.arenaUsed;
    let j = off;
    for (let k = 0; k < spanCount; k++) {
      this.arena.set(buf.subarray(spans[2 * k], spans[2 * k + 1]), j);
      j += spans[2 * k + 1] - spans[2 * k];
    }
    this.arenaUsed = j;
    const e = this.entries++;
    this.entryHash[e] = h;
    this.entryOff[e] = off;
    this.entryLen[e] = total;
    this.entryId[e] = id;
    this.entryKey[e] = key;
    this.live++;
    this.insertSlot(h, e);
  }

  private insertSlot(h: number, e: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (slots[i] > 0) i = (i + 1) & mask;
    if (slots[i] < 0) this.tombstones--;
    slots[i] = e + 1;
  }

  /** Re-packs live entries (dropping forgotten ones and tombstones) into a table of `slotCount`. */
  private rebuild(slotCount: number): void {
    const oldHash = this.entryHash;
    const oldOff = this.entryOff;
    const oldLen = this.entryLen;
    const oldId = this.entryId;
    const oldKey = this.entryKey;
    const oldArena = this.arena;
    const oldEntries = this.entries;
    const cap = Math.max(slotCount / 2, 16);
    this.slots = new Int32Array(slotCount);
    this.mask = slotCount - 1;
    this.tombstones = 0;
    this.entryHash = new Int32Array(cap);
    this.entryOff = new Int32Array(cap);
    this.entryLen = new Int32Array(cap);
    this.entryId = new Int32Array(cap);
    this.entryKey = [];
    this.arena = new Uint8Array(Math.max(INITIAL_ARENA_BYTES, (this.arenaUsed - this.arenaWaste) * 2));
    this.arenaView = new DataView(this.arena.buffer);
    this.arenaUsed = 0;
    this.arenaWaste = 0;
    let e = 0;
    for (let o = 0; o < oldEntries; o++) {
      const len = oldLen[o];
      if (len < 0) continue;
      this.arena.set(oldArena.subarray(oldOff[o], oldOff[o] + len), this.arenaUsed);
      this.entryHash[e] = oldHash[o];
      this.entryOff[e] = this.arenaUsed;
      this.entryLen[e] = len;
      this.entryId[e] = oldId[o];
      this.entryKey[e] = oldKey[o];
      this.arenaUsed += len;
      this.insertSlot(oldHash[o], e);
      e++;
    }
    this.entries = e;
    this.live = e;
  }
}
