// Prometheus-style label selectors (src/core/resources/label-selector.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { MAX_REGEX_CHARS, formatSelector, matches, parseSelector, type LabelSelector } from '../../../src/core/resources/index.js';

function sel(text: string): LabelSelector {
  const r = parseSelector(text);
  if (!r.ok) assert.fail(`${text}: ${r.reason} at ${r.position}`);
  return r.selector;
}
function bad(text: string): { position: number; reason: string } {
  const r = parseSelector(text);
  if (r.ok) assert.fail(`${text} should not parse`);
  return r;
}

describe('parseSelector', () => {
  it('parses all four operators, a metric name and quoted names', () => {
    const s = sel('up{namespace="shop", app=~"checkout.*",env!="dev",team!~\'ops|sre\',"k8s.pod.name"=`a\\b`,}');
    assert.deepEqual(
      s.matchers.map((m) => [m.name, m.op, m.value]),
      [
        ['__name__', '=', 'up'],
        ['namespace', '=', 'shop'],
        ['app', '=~', 'checkout.*'],
        ['env', '!=', 'dev'],
        ['team', '!~', 'ops|sre'],
        ['k8s.pod.name', '=', 'a\\b'],
      ],
    );
    assert.equal(sel('{}').matchers.length, 0);
    assert.equal(sel('node_cpu_seconds_total').matchers.length, 1);
    assert.equal(sel('{app.kubernetes.io/part-of="shop"}').matchers[0].name, 'app.kubernetes.io/part-of');
  });

  it('reports the position of errors', () => {
    assert.equal(bad('{namespace="shop"').position, 17);
    assert.match(bad('{namespace="shop"').reason, /unclosed brace/);
    assert.equal(bad('{namespace=="shop"}').position, 11);
    assert.equal(bad('{namespace="shop}').position, 11);
    assert.match(bad('{namespace="shop}').reason, /unterminated/);
    assert.equal(bad('{1abc="x"}').position, 1);
    assert.equal(bad('{a~"x"}').position, 2);
    assert.equal(bad('{a=~"("}').position, 4);
    assert.equal(bad('{a="x"} extra').position, 8);
    assert.equal(bad('').position, 0);
    assert.match(bad(`{a=~"${'x'.repeat(MAX_REGEX_CHARS + 1)}"}`).reason, /longer than/);
  });

  it('rejects a regex that would escape its anchors', () => {
    bad('{a=~"x)|(y"}');
  });
});

describe('matches', () => {
  it('anchors regexes fully and treats a missing label as empty', () => {
    const s = sel('{app=~"checkout.*",env!="dev"}');
    assert.ok(matches(s, { app: 'checkout-api' }));
    assert.ok(!matches(s, { app: 'my-checkout' }), 'anchored at the start');
    assert.ok(!matches(s, { app: 'checkout', env: 'dev' }));
    assert.ok(!matches(sel('{app=~"check"}'), { app: 'checkout' }), 'anchored at the end');
    assert.ok(matches(sel('{missing=""}'), {}));
    assert.ok(matches(sel('{missing!~".+"}'), {}));
    assert.ok(matches(sel('up'), { __name__: 'up', job: 'x' }));
    assert.ok(!matches(sel('up'), { __name__: 'upx' }));
    assert.ok(matches(sel('{a=~"x.y"}'), { a: 'x\ny' }), '. matches newline, as in Prometheus');
  });

  it('property: a selector generated from a label set parses and matches that label set', () => {
    const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/);
    const labels = fc.dictionary(labelName, fc.string({ maxLength: 20, unit: 'binary' }), { minKeys: 1, maxKeys: 6 });
    fc.assert(
      fc.property(labels, fc.array(fc.constantFrom('=', '=~', '!=', '!~'), { minLength: 6, maxLength: 6 }), (ls, ops) => {
        const names = Object.keys(ls);
        const matchers = names.map((name, i) => {
          const v = ls[name];
          const op = ops[i % ops.length] as '=' | '=~' | '!=' | '!~';
          // Build a matcher that must hold: equal / the escaped literal / a different value.
          if (op === '=') return { name, op, value: v, regex: null };
          if (op === '=~') return { name, op, value: v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), regex: null };
          if (op === '!=') return { name, op, value: v + 'x', regex: null };
          return { name, op, value: 'x' + v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), regex: null };
        });
        const text = formatSelector(matchers);
        const r = parseSelector(text);
        assert.ok(r.ok, `${text} parses`);
        assert.ok(matches(r.selector, ls), `${text} matches ${JSON.stringify(ls)}`);
        // And flipping any one operator breaks the match.
        const flip: Record<string, '=' | '=~' | '!=' | '!~'> = { '=': '!=', '!=': '=', '=~': '!~', '!~': '=~' };
        const broken = formatSelector(matchers.map((m, i) => (i === 0 ? { ...m, op: flip[m.op] } : m)));
        const rb = parseSelector(broken);
        assert.ok(rb.ok && !matches(rb.selector, ls), `${broken} must not match`);
      }),
    );
  });
});
