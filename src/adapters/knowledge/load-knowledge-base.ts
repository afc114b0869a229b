/**
 * Reads the recommendations knowledge base (YAML) from disk and validates it with the pure
 * validator in core/recommend. Failures are values naming the file, the rule and the field:
 *
 *   knowledge/recommendations.yaml: rules[7](oom-killed).match.kinds[0]: unknown value "latncy"; …
 *
 * With no path, the knowledge base shipped in the repository (knowledge/recommendations.yaml) is
 * found by walking up from this module to the package root, so the same code works when run from
 * src/ through tsx and from the compiled dist/.
 */
import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { validateKnowledgeBase, type KnowledgeBaseError, type KnowledgeRule } from '../../core/recommend/index.js';

export type KnowledgeBaseLoadResult =
  | { readonly ok: true; readonly path: string; readonly rules: readonly KnowledgeRule[] }
  | {
      readonly ok: false;
      readonly code: 'VIGIL_ERR_CONFIG';
      readonly path: string;
      /** One human line (or several, one per error) naming the file, rule and field. */
      readonly reason: string;
      /** Per-field errors when the file parsed but did not validate; empty otherwise. */
      readonly errors: readonly KnowledgeBaseError[];
    };

export const KNOWLEDGE_BASE_RELATIVE_PATH = join('knowledge', 'recommendations.yaml');
/** src/adapters/knowledge and dist/adapters/knowledge are both three levels below the root. */
const MAX_LEVELS_UP = 6;

/**
 * The shipped knowledge base: the first ancestor of this module's directory holding both a
 * package.json and knowledge/recommendations.yaml. Null when none is found (e.g. a bundle that
 * left the data file behind).
 */
export async function defaultKnowledgeBasePath(fromDir: string = dirname(fileURLToPath(import.meta.url))): Promise<string | null> {
  let dir = fromDir;
  for (let i = 0; i <= MAX_LEVELS_UP; i++) {
    const candidate = join(dir, KNOWLEDGE_BASE_RELATIVE_PATH);
    if ((await exists(join(dir, 'package.json'))) && (await exists(candidate))) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

export async function loadKnowledgeBase(path?: string): Promise<KnowledgeBaseLoadResult> {
  const file = path ?? (await defaultKnowledgeBasePath());
  if (file === null) {
    return fail('(default)', `cannot find ${KNOWLEDGE_BASE_RELATIVE_PATH} above ${dirname(fileURLToPath(import.meta.url))}; pass the knowledge base path explicitly`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return fail(file, `cannot read knowledge base ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return fail(file, `knowledge base ${file} is not valid YAML: ${(e as Error).message}`);
  }
  const result = validateKnowledgeBase(doc);
  if (!result.ok) {
    const lines = result.errors.map((er) => `${file}: ${er.key}: ${er.fix}`);
    return { ok: false, code: 'VIGIL_ERR_CONFIG', path: file, reason: lines.join('\n'), errors: result.errors };
  }
  return { ok: true, path: file, rules: result.rules };
}

function fail(path: string, reason: string): KnowledgeBaseLoadResult {
  return { ok: false, code: 'VIGIL_ERR_CONFIG', path, reason, errors: [] };
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}
