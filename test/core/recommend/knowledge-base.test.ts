// Tests for validateKnowledgeBase (src/core/recommend/knowledge-base.ts): the shipped knowledge
// base is valid and broad enough, and every kind of bad entry is reported with the rule (index and
// id) and the exact field, all errors at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

import { validateKnowledgeBase, type KnowledgeBaseError } from '../../../src/core/recommend/index.js';
import { SHIPPED_KB_PATH, shippedRules } from './fixtures.js';

function goodRule(o: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'good-rule',
    title: 'Do the thing',
    description: 'How to do the thing.',
    reason: '{{metric}} on {{resource}} rose.',
    links: ['https://kubernetes.io/docs/'],
    priority: 50,
    match: { kinds: ['latency'] },
    ...o,
  };
}

function errorsOf(raw: unknown): KnowledgeBaseError[] {
  const r = validateKnowledgeBase(raw);
  assert.equal(r.ok, false, 'expected the knowledge base to be rejected');
  return r.ok ? [] : [...r.errors];
}

function hasError(errors: readonly KnowledgeBaseError[], key: string, fixPart: RegExp): void {
  const e = errors.find((x) => x.key === key);
  assert.ok(e, `no error for key ${key}; got ${JSON.stringify(errors)}`);
  assert.match(e.fix, fixPart);
}

describe('the shipped knowledge base', () => {
  const rules = shippedRules();

  it('validates and has at least 30 rules with unique ids', () => {
    assert.ok(rules.length >= 30, `only ${rules.length} rules`);
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
  });

  it('gives every rule at least one https link and a non-empty reason', () => {
    for (const r of rules) {
      assert.ok(r.links.length >= 1, r.id);
      for (const l of r.links) assert.match(l, /^https:\/\//, r.id);
      assert.ok(r.reason.length > 10, r.id);
    }
  });

  it('has a generic fallback for every metric kind', () => {
    for (const kind of ['latency', 'errors', 'throughput', 'saturation', 'capacity', 'other'] as const) {
      assert.ok(rules.some((r) => r.fallback && r.match.kinds?.includes(kind)), `no fallback for ${kind}`);
    }
  });

  it('is accepted as a bare list of rules too', () => {
    const doc = parseYaml(readFileSync(SHIPPED_KB_PATH, 'utf8')) as { rules: unknown[] };
    const r = validateKnowledgeBase(doc.rules);
    assert.ok(r.ok);
    assert.equal(r.rules.length, rules.length);
  });
});

describe('validateKnowledgeBase', () => {
  it('compiles a good rule: regexes are case-insensitive, labels split on |', () => {
    const r = validateKnowledgeBase({
      version: 1,
      rules: [goodRule({ match: { metricNames: ['burstbalance'], labels: { 'code|status': '^5' }, eventClasses: ['DEPLOYMENT'], eventWithinMs: 60000 } })],
    });
    assert.ok(r.ok);
    const m = r.rules[0]!.match;
    assert.ok(m.metricNames![0]!.test('BurstBalance'));
    assert.deepEqual(m.labels![0]!.names, ['code', 'status']);
    assert.equal(m.eventWithinMs, 60000);
    assert.equal(r.rules[0]!.fallback, false);
  });

  it('rejects a document without rules', () => {
    hasError(errorsOf({}), 'rules', /non-empty list/);
    hasError(errorsOf(null), 'rules', /non-empty list/);
    hasError(errorsOf({ rules: [] }), 'rules', /non-empty list/);
    hasError(errorsOf({ rules: [goodRule()], extra: 1 }), 'extra', /unknown top-level key/);
    hasError(errorsOf({ version: 2, rules: [goodRule()] }), 'version', /must be 1/);
  });

  it('names the rule index and id and the field of each error, all at once', () => {
    const errors = errorsOf({
      rules: [
        goodRule({ id: 'ok-one' }),
        goodRule({ id: 'bad-kind', match: { kinds: ['latncy'] } }),
        goodRule({ id: 'bad-regex', match: { metricNames: ['([unclosed'] } }),
        goodRule({ id: 'bad-link', links: ['http://example.com/insecure'] }),
        goodRule({ id: 'Not Kebab' }),
        goodRule({ id: 'ok-one' }),
        goodRule({ id: 'bad-priority', priority: 150 }),
        goodRule({ id: 'bad-placeholder', reason: '{{metrc}} rose' }),
        goodRule({ id: 'event-without-class', reason: 'after {{event}}', match: { kinds: ['errors'] } }),
        goodRule({ id: 'within-without-class', match: { eventWithinMs: 1000 } }),
        goodRule({ id: 'empty-match', match: {} }),
        goodRule({ id: 'unknown-cond', match: { kinds: ['errors'], colour: 'red' } }),
        goodRule({ id: 'bad-direction', match: { directions: ['up'] } }),
        goodRule({ id: 'bad-event-class', match: { eventClasses: ['DEPLOY'] } }),
        goodRule({ id: 'bad-label-name', match: { labels: { 'co-de': '^5' } } }),
        goodRule({ id: 'bad-insight-type', match: { insightType: 'REACTIVEISH' } }),
        goodRule({ id: 'bad-min', match: { minAnomalies: 0 } }),
        goodRule({ id: 'fallback-no-kind', fallback: true, match: { metricNames: ['x'] } }),
        goodRule({ id: 'no-title', title: '' }),
        goodRule({ id: 'no-links', links: [] }),
        goodRule({ id: 'typo-key', priorty: 3 }),
        'not a mapping',
      ],
    });
    hasError(errors, 'rules[1](bad-kind).match.kinds[0]', /unknown value "latncy"; allowed: latency/);
    hasError(errors, 'rules[2](bad-regex).match.metricNames[0]', /not a valid regular expression/);
    hasError(errors, 'rules[3](bad-link).links[0]', /https URL/);
    hasError(errors, 'rules[4].id', /kebab-case/);
    hasError(errors, 'rules[5](ok-one).id', /already used by rules\[0\]/);
    hasError(errors, 'rules[6](bad-priority).priority', /0 to 100/);
    hasError(errors, 'rules[7](bad-placeholder).reason', /unknown placeholder \{\{metrc\}\}/);
    hasError(errors, 'rules[8](event-without-class).reason', /no eventClasses/);
    hasError(errors, 'rules[9](within-without-class).match.eventWithinMs', /needs eventClasses/);
    hasError(errors, 'rules[10](empty-match).match', /no condition/);
    hasError(errors, 'rules[11](unknown-cond).match.colour', /unknown condition/);
    hasError(errors, 'rules[12](bad-direction).match.directions[0]', /above, below/);
    hasError(errors, 'rules[13](bad-event-class).match.eventClasses[0]', /DEPLOYMENT/);
    hasError(errors, 'rules[14](bad-label-name).match.labels.co-de', /label name/);
    hasError(errors, 'rules[15](bad-insight-type).match.insightType', /REACTIVE or PROACTIVE/);
    hasError(errors, 'rules[16](bad-min).match.minAnomalies', /1 to 1000/);
    hasError(errors, 'rules[17](fallback-no-kind).match', /fallback rule must name the kinds/);
    hasError(errors, 'rules[18](no-title).title', /non-empty string/);
    hasError(errors, 'rules[19](no-links).links', /non-empty list/);
    hasError(errors, 'rules[20](typo-key).priorty', /unknown key/);
    hasError(errors, 'rules[21]', /must be a mapping/);
    assert.ok(!errors.some((e) => e.key.startsWith('rules[0]')), 'the good rule must not be blamed');
  });
});
