/**
 * Validation of the `resources:` section of vigil.yaml, without a schema library, so errors can
 * name the exact key and say how to fix it:
 *
 *   resources.applications[2].selector: unclosed brace opened at 0 (at 17) — write {namespace="shop"}
 *
 * Missing keys take the defaults of DEFAULT_RESOURCE_RULES_CONFIG. All errors are collected, not
 * only the first, so one edit fixes the whole section.
 */
import { parseSelector } from './label-selector.js';
import { DEFAULT_RESOURCE_RULES_CONFIG, type ApplicationRule, type ResourceRulesConfig } from './resource-rules.js';

export interface ConfigError {
  readonly key: string;
  readonly fix: string;
}

export type ResourceRulesConfigResult = { readonly ok: true; readonly value: ResourceRulesConfig } | { readonly ok: false; readonly errors: ConfigError[] };

const KNOWN_KEYS = ['resourceLabels', 'applications', 'applicationLabels', 'coverage'];
const MAX_LIST = 1000;

export function validateResourceRulesConfig(raw: unknown, keyPrefix = 'resources'): ResourceRulesConfigResult {
  const errors: ConfigError[] = [];
  const key = (k: string): string => (keyPrefix === '' ? k : `${keyPrefix}.${k}`);
  if (raw === undefined || raw === null) return { ok: true, value: DEFAULT_RESOURCE_RULES_CONFIG };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, errors: [{ key: keyPrefix, fix: 'must be a mapping with resourceLabels, applications, applicationLabels, coverage' }] };
  }
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!KNOWN_KEYS.includes(k)) errors.push({ key: key(k), fix: `unknown key; allowed: ${KNOWN_KEYS.join(', ')}` });
  }

  const labelList = (k: string, fallback: readonly string[]): readonly string[] => {
    const v = obj[k];
    if (v === undefined || v === null) return fallback;
    if (!Array.isArray(v) || v.length === 0 || v.length > MAX_LIST) {
      errors.push({ key: key(k), fix: `must be a non-empty list of label names, e.g. [${fallback.slice(0, 3).map((s) => JSON.stringify(s)).join(', ')}]` });
      return fallback;
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item !== 'string' || item.trim() === '') errors.push({ key: `${key(k)}[${i}]`, fix: 'must be a non-empty label name such as "pod"' });
      else out.push(item.trim());
    });
    return out;
  };

  const resourceLabels = labelList('resourceLabels', DEFAULT_RESOURCE_RULES_CONFIG.resourceLabels);
  const applicationLabels = labelList('applicationLabels', DEFAULT_RESOURCE_RULES_CONFIG.applicationLabels);

  const applications: ApplicationRule[] = [];
  const rawApps = obj.applications;
  if (rawApps !== undefined && rawApps !== null) {
    if (!Array.isArray(rawApps) || rawApps.length > MAX_LIST) {
      errors.push({ key: key('applications'), fix: 'must be a list of {name, selector}, e.g. [{name: shop, selector: \'{namespace="shop"}\'}]' });
    } else {
      const seen = new Set<string>();
      rawApps.forEach((a, i) => {
        const at = `${key('applications')}[${i}]`;
        if (typeof a !== 'object' || a === null || Array.isArray(a)) {
          errors.push({ key: at, fix: 'must be a mapping {name, selector}' });
          return;
        }
        const { name, selector, ...rest } = a as Record<string, unknown>;
        for (const extra of Object.keys(rest)) errors.push({ key: `${at}.${extra}`, fix: 'unknown key; an application has name and selector' });
        let ok = true;
        if (typeof name !== 'string' || name.trim() === '') {
          errors.push({ key: `${at}.name`, fix: 'must be a non-empty string such as "shop"' });
          ok = false;
        } else if (seen.has(name.trim())) {
          errors.push({ key: `${at}.name`, fix: `"${name.trim()}" is defined twice; merge the selectors or rename one` });
          ok = false;
        } else {
          seen.add(name.trim());
        }
        if (!checkSelector(selector, `${at}.selector`, errors)) ok = false;
        if (ok) applications.push({ name: (name as string).trim(), selector: selector as string });
      });
    }
  }

  let coverage: 'all' | string[] = 'all';
  const rawCov = obj.coverage;
  if (rawCov !== undefined && rawCov !== null && rawCov !== 'all') {
    if (!Array.isArray(rawCov) || rawCov.length === 0 || rawCov.length > MAX_LIST) {
      errors.push({ key: key('coverage'), fix: 'must be "all" or a non-empty list of selectors, e.g. [\'{namespace="shop"}\']' });
    } else {
      coverage = [];
      rawCov.forEach((s, i) => {
        if (checkSelector(s, `${key('coverage')}[${i}]`, errors)) (coverage as string[]).push(s as string);
      });
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: Object.freeze({ resourceLabels, applications, applicationLabels, coverage }) };
}

function checkSelector(s: unknown, at: string, errors: ConfigError[]): boolean {
  if (typeof s !== 'string' || s.trim() === '') {
    errors.push({ key: at, fix: 'must be a selector string such as {namespace="shop"}' });
    return false;
  }
  const r = parseSelector(s);
  if (!r.ok) {
    errors.push({ key: at, fix: `${r.reason} (at ${r.position}) — write e.g. {namespace="shop",app=~"checkout.*"}` });
    return false;
  }
  return true;
}
