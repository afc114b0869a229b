// The layering of DESIGN.md is enforced by lint; these tests prove the rules bite.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function messages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => m.message);
}

describe('lint layering', () => {
  it('forbids I/O modules, adapters, the clock and randomness in src/core', async () => {
    const msgs = await messages(
      "import { readFileSync } from 'node:fs';\nimport { readCorpus } from '../../adapters/files/index.js';\nexport const x = [readFileSync, readCorpus, Date.now(), Math.random(), new Date()];\n",
      'src/core/detect/probe.ts',
    );
    assert.ok(msgs.some((m) => m.includes('src/core is pure')), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.includes('must not import adapters')), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.includes('no clock')), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.includes('deterministic')), msgs.join('\n'));
  });

  it('allows pure code in src/core', async () => {
    assert.deepEqual(await messages('export const double = (x: number): number => 2 * x;\n', 'src/core/detect/probe.ts'), []);
  });

  it('forbids an adapter importing another adapter or deep core files', async () => {
    const msgs = await messages(
      "import { readCorpus } from '../files/index.js';\nimport { scaledSigmoid } from '../../core/eval/nab-scorer.js';\nexport const x = [readCorpus, scaledSigmoid];\n",
      'src/adapters/probe/probe.ts',
    );
    assert.ok(msgs.some((m) => m.includes('must not import another adapter')), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.includes('through their index.ts')), msgs.join('\n'));
  });

  it('lets adapters use core through its index', async () => {
    assert.deepEqual(
      await messages("import { DetectorBank } from '../../core/detect/index.js';\nexport const x = DetectorBank;\n", 'src/adapters/probe/probe.ts'),
      [],
    );
  });
});
