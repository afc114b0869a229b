/**
 * Prometheus-style label selectors, used by config for applications and coverage:
 *
 *   up{job="node"}                          metric name, then matchers
 *   {namespace="shop",app=~"checkout.*",env!="dev",team!~"ops|sre"}
 *   {"k8s.namespace.name"="shop"}            quoted label name (Prometheus 3 UTF-8 form)
 *   {app.kubernetes.io/part-of="shop"}       extension: bare names may contain . / - so resource
 *                                            attributes and Kubernetes label keys read naturally
 *
 * Semantics follow Prometheus: a missing label equals ""; regexes are fully anchored
 * (`^(?:re)$`), and `.` matches newlines too. `{}` matches everything. Values may be quoted with
 * "", '' (escapes \\ \" \' \n \t \r \b \f \uXXXX) or `` (raw). Regexes are bounded to MAX_REGEX_CHARS: JavaScript
 * regexes backtrack, so a selector from config must stay small.
 *
 * Parsing never throws: a bad selector yields `{ ok: false, position, reason }`, position being
 * the 0-based character offset where the problem was found.
 */
import type { Labels } from '../model/index.js';

export const MAX_REGEX_CHARS = 1024;
export const MAX_SELECTOR_CHARS = 8192;

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOp;
  readonly value: string;
  /** Compiled, anchored regex for `=~` / `!~`. */
  readonly regex: RegExp | null;
}

export interface LabelSelector {
  /** The selector text as written. */
  readonly source: string;
  readonly matchers: readonly LabelMatcher[];
}

export type SelectorParseResult =
  | { readonly ok: true; readonly selector: LabelSelector }
  | { readonly ok: false; readonly position: number; readonly reason: string };

const METRIC_START = /[a-zA-Z_:]/;
const METRIC_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_./-]/;

class ParseError {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {}
}

export function parseSelector(text: string): SelectorParseResult {
  if (text.length > MAX_SELECTOR_CHARS) return { ok: false, position: MAX_SELECTOR_CHARS, reason: `selector longer than ${MAX_SELECTOR_CHARS} characters` };
  try {
    return { ok: true, selector: { source: text, matchers: new Parser(text).parse() } };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, position: e.position, reason: e.reason };
    throw e;
  }
}

/** True when every matcher holds for `labels` (a missing label counts as ""). */
export function matches(selector: LabelSelector, labels: Labels): boolean {
  for (const m of selector.matchers) {
    const v = labels[m.name] ?? '';
    let hit: boolean;
    switch (m.op) {
      case '=':
        hit = v === m.value;
        break;
      case '!=':
        hit = v !== m.value;
        break;
      case '=~':
        hit = m.regex!.test(v);
        break;
      case '!~':
        hit = !m.regex!.test(v);
        break;
    }
    if (!hit) return false;
  }
  return true;
}

/** The selector text a matcher list reads back as (names quoted when they need it). */
export function formatSelector(matchers: readonly LabelMatcher[]): string {
  const parts = matchers.map((m) => {
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.name) ? m.name : JSON.stringify(m.name);
    return `${name}${m.op}${JSON.stringify(m.value)}`;
  });
  return `{${parts.join(',')}}`;
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): LabelMatcher[] {
    const matchers: LabelMatcher[] = [];
    this.skipSpace();
    if (this.pos >= this.text.length) throw new ParseError(0, 'empty selector — write a metric name or {label="value"}');
    if (METRIC_START.test(this.peek())) {
      const start = this.pos;
      while (this.pos < this.text.length && METRIC_CHAR.test(this.peek())) this.pos++;
      matchers.push(makeMatcher('__name__', '=', this.text.slice(start, this.pos), start));
      this.skipSpace();
      if (this.pos >= this.text.length) return matchers;
    }
    if (this.peek() !== '{') throw new ParseError(this.pos, `unexpected "${this.peek()}" — a selector is a metric name and/or {label="value",...}`);
    const open = this.pos;
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) throw new ParseError(this.pos, `unclosed brace opened at ${open} — end the selector with }`);
      if (this.peek() === '}') {
        this.pos++;
        break;
      }
      const name = this.labelName();
      this.skipSpace();
      const op = this.op();
      this.skipSpace();
      const valueAt = this.pos;
      const value = this.quoted('label value');
      matchers.push(makeMatcher(name, op, value, valueAt));
      this.skipSpace();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.peek() === '}') {
        this.pos++;
        break;
      }
      if (this.pos >= this.text.length) throw new ParseError(this.pos, `unclosed brace opened at ${open} — end the selector with }`);
      throw new ParseError(this.pos, `expected , or } but found "${this.peek()}"`);
    }
    this.skipSpace();
    if (this.pos < this.text.length) throw new ParseError(this.pos, `unexpected text after } — "${this.text.slice(this.pos, this.pos + 16)}"`);
    return matchers;
  }

  private peek(): string {
    return this.text[this.pos] ?? '';
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.peek())) this.pos++;
  }

  private labelName(): string {
    const c = this.peek();
    if (c === '"' || c === "'" || c === '`') return this.quoted('label name');
    if (!LABEL_START.test(c)) throw new ParseError(this.pos, c === '' ? 'expected a label name' : `expected a label name but found "${c}" — write name="value"`);
    const start = this.pos;
    while (this.pos < this.text.length && LABEL_CHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private op(): MatchOp {
    const two = this.text.slice(this.pos, this.pos + 2);
    if (two === '=~' || two === '!=' || two === '!~') {
      this.pos += 2;
      return two;
    }
    if (this.peek() === '=') {
      this.pos++;
      return '=';
    }
    throw new ParseError(this.pos, `expected one of = != =~ !~ but found "${this.peek() || 'end of text'}"`);
  }

  private quoted(what: string): string {
    const q = this.peek();
    if (q !== '"' && q !== "'" && q !== '`') throw new ParseError(this.pos, `expected a quoted ${what}, e.g. "shop"`);
    const start = this.pos;
    this.pos++;
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (c === q) {
        this.pos++;
        return out;
      }
      if (c === '\\' && q !== '`') {
        const n = this.text[this.pos + 1];
        if (n === undefined) break;
        if (n === 'u') {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ParseError(this.pos, `\\u must be followed by 4 hex digits in ${what}`);
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        const esc: Record<string, string> = { '\\': '\\', '"': '"', "'": "'", n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };
        if (esc[n] === undefined) throw new ParseError(this.pos, `unknown escape \\${n} in ${what}`);
        out += esc[n];
        this.pos += 2;
        continue;
      }
      out += c;
      this.pos++;
    }
    throw new ParseError(start, `unterminated ${what} starting at ${start} — close it with ${q}`);
  }
}

function makeMatcher(name: string, op: MatchOp, value: string, at: number): LabelMatcher {
  if (op !== '=~' && op !== '!~') return { name, op, value, regex: null };
  if (value.length > MAX_REGEX_CHARS) throw new ParseError(at, `regex longer than ${MAX_REGEX_CHARS} characters`);
  let regex: RegExp;
  try {
    // Compiled alone first: a value like `a)|(b` would otherwise close the anchoring group and
    // turn `^(?:a)|(b)$` into an unanchored alternation.
    new RegExp(value, 's');
    regex = new RegExp(`^(?:${value})$`, 's');
  } catch (e) {
    throw new ParseError(at, `invalid regex ${JSON.stringify(value.slice(0, 64))}: ${(e as Error).message}`);
  }
  return { name, op, value, regex };
}
