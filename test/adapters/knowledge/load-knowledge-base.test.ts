// Tests for loadKnowledgeBase (src/adapters/knowledge): the shipped file is found from the source
// tree and loads; a broken file is a value naming the file, the rule and the field, never a throw.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { defaultKnowledgeBasePath, loadKnowledgeBase } from '../../../src/adapters/knowledge/index.js';

const REPO_KB = fileURLToPath(new URL('../../../knowledge/recommendations.yaml', import.meta.url));

describe('loadKnowledgeBase', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-kb-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the shipped knowledge base by default: >= 30 rules, unique ids, a link each', async () => {
    const r = await loadKnowledgeBase();
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.path, REPO_KB);
    assert.ok(r.rules.length >= 30);
    assert.equal(new Set(r.rules.map((x) => x.id)).size, r.rules.length);
    for (const rule of r.rules) assert.ok(rule.links.length >= 1, rule.id);
    assert.ok(r.rules.some((x) => x.id === 'bad-deployment-rollback'));
  });

  it('finds the package root from a dist-like directory three levels down', async () => {
    const root = join(dir, 'pkg');
    await mkdir(join(root, 'dist', 'adapters', 'knowledge'), { recursive: true });
    await mkdir(join(root, 'knowledge'), { recursive: true });
    await writeFile(join(root, 'package.json'), '{"name":"vigil"}');
    await copyFile(REPO_KB, join(root, 'knowledge', 'recommendations.yaml'));
    assert.equal(await defaultKnowledgeBasePath(join(root, 'dist', 'adapters', 'knowledge')), join(root, 'knowledge', 'recommendations.yaml'));
    const lonely = join(dir, 'lonely', 'a', 'b');
    await mkdir(lonely, { recursive: true });
    assert.equal(await defaultKnowledgeBasePath(lonely), null);
  });

  it('reports an invalid rule with file, rule and field', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'rules:',
        '  - id: oom-killed',
        '    title: Raise the limit',
        '    description: d',
        '    reason: "{{metric}} rose"',
        '    links: [https://kubernetes.io/docs/]',
        '    priority: 80',
        '    match: { kinds: [latncy] }',
      ].join('\n'),
    );
    const r = await loadKnowledgeBase(file);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.code, 'VIGIL_ERR_CONFIG');
    assert.equal(r.path, file);
    assert.match(r.reason, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: rules\\[0\\]\\(oom-killed\\)\\.match\\.kinds\\[0\\]: unknown value "latncy"`));
    assert.deepEqual(r.errors.map((e) => e.key), ['rules[0](oom-killed).match.kinds[0]']);
  });

  it('reports a missing file and bad YAML as values', async () => {
    const missing = await loadKnowledgeBase(join(dir, 'nope.yaml'));
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.match(missing.reason, /cannot read knowledge base .*nope\.yaml/);
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'rules:\n  - id: [unclosed\n');
    const broken = await loadKnowledgeBase(file);
    assert.equal(broken.ok, false);
    if (!broken.ok) assert.match(broken.reason, /broken\.yaml is not valid YAML/);
  });
});
