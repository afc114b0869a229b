/**
 * Shared pieces of the event normalisers: the result type, stable ids, size bounds and small
 * readers over `unknown` JSON that turn a wrong shape into an error value naming the field.
 *
 * Every normaliser takes an already-parsed JSON body (`unknown`) and returns either events or an
 * `EventError` (HTTP 400 at the API edge). Nothing here throws on bad input: a webhook body is
 * attacker-controlled text (DESIGN.md, "Quality bar").
 *
 * Size bounds (DESIGN.md: "bound their size"). Free text is truncated, never rejected, so a
 * deployment with a long description is still recorded; structure that the sender controls is
 * rejected, so a client learns about its mistake instead of losing data silently:
 *   name               <= 512 chars   truncated with "…"
 *   attribute value    <= 2048 chars  truncated with "…"
 *   attribute key      <= 128 chars   rejected (generic events) — normalisers only use fixed keys
 *   attributes         <= 64          rejected (generic events) — normalisers stay below it
 *   resource key       <= 512 chars   truncated
 *   resources          <= 100         rejected (generic events), extra ones dropped elsewhere
 *   application        <= 256 chars   truncated
 */
import type { EventClass, VigilEvent } from '../model/index.js';

export const MAX_NAME_CHARS = 512;
export const MAX_ATTRIBUTE_VALUE_CHARS = 2048;
export const MAX_ATTRIBUTE_KEY_CHARS = 128;
export const MAX_ATTRIBUTES = 64;
export const MAX_RESOURCE_CHARS = 512;
export const MAX_RESOURCES = 100;
export const MAX_APPLICATION_CHARS = 256;
/** Largest batch a generic-event body may carry. */
export const MAX_EVENTS_PER_BODY = 1000;

/** A body that cannot be turned into events. `field` is a dotted path into the body. */
export interface EventError {
  readonly ok: false;
  readonly status: 400;
  readonly code: 'VIGIL_ERR_EVENT_INVALID';
  readonly reason: string;
  readonly field: string;
}

/** What every normaliser returns. An accepted body may yield no events (filtered noise, pings). */
export type EventsResult = { readonly ok: true; readonly events: VigilEvent[] } | EventError;

export function eventError(field: string, reason: string): EventError {
  return { ok: false, status: 400, code: 'VIGIL_ERR_EVENT_INVALID', reason, field };
}

export function accepted(events: VigilEvent[]): EventsResult {
  return { ok: true, events };
}

// ---- stable ids

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const utf8 = new TextEncoder();

/**
 * FNV-1a, 64 bit, over the UTF-8 bytes of `text`, as 16 lower-case hex digits. Not cryptographic:
 * it only has to give the same id for the same source event on every delivery (idempotent store
 * writes) and spread ids well. Events are few (not per sample), so BigInt arithmetic is fine here.
 */
export function fnv1a64Hex(text: string): string {
  let h = FNV64_OFFSET;
  for (const byte of utf8.encode(text)) {
    h ^= BigInt(byte);
    h = BigInt.asUintN(64, h * FNV64_PRIME);
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * Stable event id from the source and the source's own natural id (ArgoCD app + revision + phase,
 * GitHub deployment-status id, Kubernetes uid + count, CloudTrail eventID, ...). The NUL separator
 * keeps `("a", "bc")` and `("ab", "c")` apart.
 */
export function stableEventId(source: string, naturalId: string): string {
  return fnv1a64Hex(source + '\u0000' + naturalId);
}

// ---- bounding

export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  // Leave room for the ellipsis and do not cut a surrogate pair in half.
  let end = maxChars - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + '…';
}

/**
 * Builds a VigilEvent with every size bound applied. Attribute values that are empty or missing
 * are dropped, so events from sources with optional fields stay compact.
 */
export function buildEvent(parts: {
  source: string;
  naturalId: string;
  class: EventClass;
  name: string;
  timeMs: number;
  resources: readonly string[];
  application: string | null;
  attributes: Record<string, string | undefined | null>;
}): VigilEvent {
  const attributes: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(parts.attributes)) {
    if (v === undefined || v === null || v === '') continue;
    if (n++ >= MAX_ATTRIBUTES) break;
    attributes[k] = truncate(v, MAX_ATTRIBUTE_VALUE_CHARS);
  }
  const resources: string[] = [];
  for (const r of parts.resources) {
    if (r === '' || resources.length >= MAX_RESOURCES) continue;
    const key = truncate(r, MAX_RESOURCE_CHARS);
    if (!resources.includes(key)) resources.push(key);
  }
  return {
    id: stableEventId(parts.source, parts.naturalId),
    class: parts.class,
    source: parts.source,
    name: truncate(parts.name, MAX_NAME_CHARS),
    timeMs: parts.timeMs,
    resources,
    application: parts.application === null || parts.application === '' ? null : truncate(parts.application, MAX_APPLICATION_CHARS),
    attributes,
  };
}

// ---- readers over unknown JSON

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads `obj.a.b.c`; undefined when any step is missing or not an object. */
export function path(obj: unknown, ...keys: string[]): unknown {
  let cur: unknown = obj;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** A non-empty string at `obj.keys…`, or undefined (numbers are turned into strings). */
export function str(obj: unknown, ...keys: string[]): string | undefined {
  const v = path(obj, ...keys);
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** First non-empty string among several paths. */
export function firstStr(obj: unknown, paths: readonly (readonly string[])[]): string | undefined {
  for (const p of paths) {
    const v = str(obj, ...p);
    if (v !== undefined) return v;
  }
  return undefined;
}

// RFC 3339: date, 'T' or space, time, optional fraction, 'Z' or an offset. Date.parse accepts far
// more (e.g. "1 May"), which would turn typos into wrong times instead of errors.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an RFC 3339 timestamp, or NaN. */
export function parseRfc3339(text: string): number {
  if (!RFC3339.test(text)) return NaN;
  // Date.parse only keeps milliseconds; trim longer fractions (Kubernetes MicroTime has 6 digits).
  const trimmed = text.replace(/(\.\d{3})\d+/, '$1').replace(' ', 'T');
  return Date.parse(trimmed);
}

/** Epoch ms of the first parseable RFC 3339 timestamp among several paths, or undefined. */
export function firstTime(obj: unknown, paths: readonly (readonly string[])[]): number | undefined {
  for (const p of paths) {
    const v = str(obj, ...p);
    if (v === undefined) continue;
    const ms = parseRfc3339(v);
    if (Number.isFinite(ms)) return ms;
  }
  return undefined;
}
