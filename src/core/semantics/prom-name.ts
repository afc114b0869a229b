/**
 * OpenTelemetry metric names in Prometheus form, following the "Prometheus and OpenMetrics
 * Compatibility" part of the OpenTelemetry specification (and Prometheus' OTLP receiver, which
 * applies it with suffixes on):
 *
 *   http.server.request.duration  unit "s"   histogram  →  http_server_request_duration_seconds
 *   system.network.io             unit "By"  counter    →  system_network_io_bytes_total
 *   system.cpu.utilization        unit "1"   gauge      →  system_cpu_utilization_ratio
 *   http.server.active_requests   unit "{request}" gauge → http_server_active_requests
 *
 * Rules, kept deliberately simple:
 *   1. every run of characters outside [a-zA-Z0-9_:] becomes one `_` (runs of `_` collapse, none
 *      at either end); a leading digit gets `_`;
 *   2. UCUM annotations in braces (`{request}`) are dropped; a known unit becomes its word
 *      (`s` → `seconds`, `By` → `bytes`, …), `a/b` becomes `a_per_b` (`m/s` → `meters_per_second`),
 *      an unknown unit is sanitised like a name; the unit is appended unless the name already
 *      contains it as a word;
 *   3. a gauge with unit `1` gets `_ratio`;
 *   4. a counter (monotonic sum) ends in `_total`, moved to the end if the name had it elsewhere.
 * Names that already look like Prometheus names (`node_cpu_seconds_total`, unit `s`) come out
 * unchanged.
 */
import type { MetricType } from '../model/index.js';

/** UCUM unit → Prometheus unit word (the specification's table). */
export const PROM_UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

/** UCUM unit after a `/` → singular word (`By/s` → `bytes_per_second`). */
export const PROM_PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** A metric name made valid for Prometheus: invalid runs → `_`, leading digit prefixed with `_`. */
export function sanitizeMetricName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]+/g, '_');
  return /^[0-9]/.test(s) ? '_' + s : s;
}

/**
 * A label name made valid for Prometheus ([a-zA-Z_][a-zA-Z0-9_]*): every invalid character → `_`,
 * a leading digit prefixed with `key_` (as Prometheus' OTLP translator does). Empty stays empty
 * (the caller rejects it).
 */
export function sanitizeLabelName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? 'key_' + s : s;
}

function unitWords(unit: string, table: Readonly<Record<string, string>>): string {
  const u = unit.trim();
  if (u === '') return '';
  const word = table[u];
  if (word !== undefined) return word;
  return u.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/** The unit suffix words of a UCUM unit, e.g. `By/s` → `bytes_per_second`, `{request}` → ''. */
export function promUnitSuffix(unit: string): string {
  const u = unit.replace(/\{[^}]*\}/g, '').trim();
  if (u === '' || u === '1') return '';
  const slash = u.indexOf('/');
  if (slash < 0) return unitWords(u, PROM_UNIT_WORDS);
  const main = unitWords(u.slice(0, slash), PROM_UNIT_WORDS);
  const per = unitWords(u.slice(slash + 1), PROM_PER_UNIT_WORDS);
  if (per === '') return main;
  return main === '' ? 'per_' + per : main + '_per_' + per;
}

function containsWords(name: string, words: string): boolean {
  return ('_' + name + '_').includes('_' + words + '_');
}

/** The Prometheus name of an OTLP metric (see the rules at the top of this file). */
export function promName(otlpName: string, unit: string, type: MetricType): string {
  let name = otlpName.replace(/[^a-zA-Z0-9_:]+/g, '_').replace(/_{2,}/g, '_').replace(/^_|_$/g, '');
  if (/^[0-9]/.test(name)) name = '_' + name;
  const counter = type === 'counter';
  if (counter) {
    // `_total` goes last whatever came before it, so take it out first.
    name = ('_' + name + '_').replace(/_total(?=_)/g, '').slice(1, -1);
  }
  const suffix = promUnitSuffix(unit);
  if (suffix !== '' && !containsWords(name, suffix)) name = name === '' ? suffix : name + '_' + suffix;
  if (type === 'gauge' && unit.trim() === '1' && !containsWords(name, 'ratio')) name += '_ratio';
  if (counter) name = name === '' ? 'total' : name + '_total';
  return name;
}
