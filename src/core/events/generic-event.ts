/**
 * Vigil's own event format, for anything that can send a JSON webhook (CI scripts, Helm hooks,
 * feature-flag tools, change-management systems). One event or an array of up to 1000:
 *
 *   {
 *     "class": "DEPLOYMENT",                  // one of EVENT_CLASSES, any letter case
 *     "source": "jenkins",                    // optional, default "generic"; 1–64 chars
 *     "name": "deploy checkout-api v2.3.1",   // required, truncated to 512 chars
 *     "time": "2026-11-21T10:00:00Z",         // optional: RFC 3339 or epoch milliseconds; default: when received
 *     "resources": ["service:checkout-api"],  // optional resource keys, at most 100
 *     "application": "shop",                  // optional
 *     "attributes": { "version": "2.3.1" },   // optional: string | number | boolean values, at most 64
 *     "id": "jenkins-build-4711"              // optional natural id; redelivery with the same id is idempotent
 *   }
 *
 * Without `id`, the id is a hash of the event's content (class, source, name, time, resources,
 * application, attributes): an identical redelivery is still idempotent as long as it carries a
 * `time` — without one the receive time is part of the content, so send `id` or `time`.
 */
import { EVENT_CLASSES, type EventClass, type VigilEvent } from '../model/index.js';
import {
  MAX_ATTRIBUTE_KEY_CHARS,
  MAX_ATTRIBUTES,
  MAX_EVENTS_PER_BODY,
  MAX_RESOURCES,
  accepted,
  buildEvent,
  eventError,
  isObject,
  parseRfc3339,
  type EventError,
  type EventsResult,
} from './event-fields.js';

export const GENERIC_SOURCE = 'generic';
const MAX_SOURCE_CHARS = 64;
// Epoch-ms sanity range: 1973-03-03 .. 5138-11-16. A number below it is almost always seconds.
const MIN_EPOCH_MS = 1e11;
const MAX_EPOCH_MS = 1e14;
const KNOWN_FIELDS = new Set(['class', 'source', 'name', 'time', 'resources', 'application', 'attributes', 'id']);

export function fromGenericEvent(body: unknown, receivedMs: number): EventsResult {
  if (Array.isArray(body)) {
    if (body.length > MAX_EVENTS_PER_BODY) {
      return eventError('body', `${body.length} events in one body; send at most ${MAX_EVENTS_PER_BODY} per request`);
    }
    const events: VigilEvent[] = [];
    for (let i = 0; i < body.length; i++) {
      const one = genericOne(body[i], receivedMs, `[${i}].`);
      if (!isEvent(one)) return one;
      events.push(one);
    }
    return accepted(events);
  }
  const one = genericOne(body, receivedMs, '');
  return isEvent(one) ? accepted([one]) : one;
}

function isEvent(v: VigilEvent | EventError): v is VigilEvent {
  return (v as EventError).ok !== false;
}

function genericOne(raw: unknown, receivedMs: number, at: string): VigilEvent | EventError {
  if (!isObject(raw)) {
    return eventError(at === '' ? 'body' : at.slice(0, -1), 'expected a JSON object like {"class":"DEPLOYMENT","name":"deploy v2"} (or an array of them)');
  }
  for (const k of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(k)) {
      return eventError(at + k, `unknown field "${k}"; allowed: ${[...KNOWN_FIELDS].join(', ')} (put extra data in "attributes")`);
    }
  }

  const cls = parseClass(raw.class);
  if (cls === null) {
    const got = raw.class === undefined ? 'missing' : JSON.stringify(raw.class);
    return eventError(at + 'class', `class is ${truncateForReason(got)}; use one of ${EVENT_CLASSES.join(', ')}`);
  }

  let source = GENERIC_SOURCE;
  if (raw.source !== undefined) {
    if (typeof raw.source !== 'string' || raw.source.trim() === '' || raw.source.length > MAX_SOURCE_CHARS) {
      return eventError(at + 'source', `source must be a non-empty string of at most ${MAX_SOURCE_CHARS} characters, e.g. "jenkins"`);
    }
    source = raw.source.trim().toLowerCase();
  }

  if (typeof raw.name !== 'string' || raw.name.trim() === '') {
    return eventError(at + 'name', 'name is required: a short non-empty text such as "deploy checkout-api v2.3.1"');
  }
  const name = raw.name.trim();

  let timeMs = receivedMs;
  if (raw.time !== undefined && raw.time !== null) {
    const t = parseTime(raw.time);
    if (typeof t === 'string') return eventError(at + 'time', t);
    timeMs = t;
  }

  const resources: string[] = [];
  if (raw.resources !== undefined && raw.resources !== null) {
    if (!Array.isArray(raw.resources)) return eventError(at + 'resources', 'resources must be an array of strings such as ["service:checkout-api"]');
    if (raw.resources.length > MAX_RESOURCES) return eventError(at + 'resources', `${raw.resources.length} resources; send at most ${MAX_RESOURCES}`);
    for (let i = 0; i < raw.resources.length; i++) {
      const r = raw.resources[i];
      if (typeof r !== 'string' || r === '') return eventError(`${at}resources[${i}]`, 'each resource must be a non-empty string such as "pod:shop/checkout-7d9f"');
      resources.push(r);
    }
  }

  let application: string | null = null;
  if (raw.application !== undefined && raw.application !== null) {
    if (typeof raw.application !== 'string') return eventError(at + 'application', 'application must be a string such as "shop"');
    application = raw.application.trim() === '' ? null : raw.application.trim();
  }

  const attributes: Record<string, string> = {};
  if (raw.attributes !== undefined && raw.attributes !== null) {
    if (!isObject(raw.attributes)) return eventError(at + 'attributes', 'attributes must be an object of string, number or boolean values');
    const keys = Object.keys(raw.attributes);
    if (keys.length > MAX_ATTRIBUTES) return eventError(at + 'attributes', `${keys.length} attributes; send at most ${MAX_ATTRIBUTES}`);
    for (const k of keys) {
      const v = raw.attributes[k];
      if (k === '' || k.length > MAX_ATTRIBUTE_KEY_CHARS) {
        return eventError(`${at}attributes`, `attribute names must be 1–${MAX_ATTRIBUTE_KEY_CHARS} characters`);
      }
      if (typeof v === 'string') attributes[k] = v;
      else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') attributes[k] = String(v);
      else return eventError(`${at}attributes.${k}`, 'attribute values must be strings, finite numbers or booleans');
    }
  }

  let naturalId: string;
  if (raw.id !== undefined && raw.id !== null) {
    if ((typeof raw.id !== 'string' && typeof raw.id !== 'number') || String(raw.id) === '') {
      return eventError(at + 'id', 'id must be a non-empty string or number that identifies the event at its sender');
    }
    naturalId = 'id:' + String(raw.id);
  } else {
    // Content hash input: JSON of a fixed field order, attributes sorted, so key order in the
    // body does not change the id.
    const sortedAttrs = Object.keys(attributes).sort().map((k) => [k, attributes[k]]);
    naturalId = 'content:' + JSON.stringify([cls, name, timeMs, resources, application, sortedAttrs]);
  }

  return buildEvent({ source, naturalId, class: cls, name, timeMs, resources, application, attributes });
}

function parseClass(v: unknown): EventClass | null {
  if (typeof v !== 'string') return null;
  const up = v.trim().toUpperCase().replace(/[\s-]+/g, '_');
  return (EVENT_CLASSES as readonly string[]).includes(up) ? (up as EventClass) : null;
}

/** Epoch ms, or a reason string. */
function parseTime(v: unknown): number | string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'time must be a finite number of epoch milliseconds';
    if (v >= 1e8 && v < MIN_EPOCH_MS) return `time ${v} looks like epoch seconds; send milliseconds (${v * 1000}) or an RFC 3339 string`;
    if (v < MIN_EPOCH_MS || v > MAX_EPOCH_MS) return `time ${v} is not a plausible epoch-millisecond value; send e.g. 1795000000000 or "2026-11-21T10:00:00Z"`;
    return Math.round(v);
  }
  if (typeof v === 'string') {
    const ms = parseRfc3339(v);
    if (!Number.isFinite(ms)) return `time ${truncateForReason(JSON.stringify(v))} is not RFC 3339; write e.g. "2026-11-21T10:00:00Z" or "2026-11-21T11:00:00+01:00"`;
    return ms;
  }
  return 'time must be an RFC 3339 string or epoch milliseconds';
}

function truncateForReason(text: string): string {
  return text.length > 64 ? text.slice(0, 61) + '...' : text;
}
