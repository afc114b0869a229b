/**
 * Runs a runbook script from the one allow-listed directory, never through a shell.
 *
 *   resolveScript: realpath(scriptDir) ─► realpath(scriptDir/path) ─► must lie inside ─► regular, executable file
 *   runScript:     spawn(realFile, argv, { shell: false, detached }) ─► timeout kills the process group
 *
 * Why each step:
 *   - shell: false and an argv array: insight fields (label values an attacker may set, such as
 *     `$(rm -rf /)` or `; reboot`) reach the script as inert bytes in one argv element each; no
 *     shell ever parses them.
 *   - realpath on both sides: `../`, an absolute path or a symlink pointing out of the directory
 *     all resolve to somewhere outside it and are refused. The resolved file is what is executed.
 *   - a process group of its own (detached): on timeout, the script and anything it started are
 *     killed together with SIGKILL, so a `sleep 3600` grandchild cannot outlive the timeout.
 *   - a minimal environment: PATH, HOME, LANG, TZ and the VIGIL_* fields; Vigil's own environment
 *     (tokens, database URLs, channel secrets) never reaches a script.
 *   - output is captured up to a bound per stream; the rest is read and discarded.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';

export const DEFAULT_MAX_OUTPUT_BYTES = 8192;
const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Variables passed through from Vigil's environment: none of them is a secret. */
const PASSED_THROUGH = ['HOME', 'LANG', 'TZ'] as const;

export type ScriptResolution = { readonly ok: true; readonly file: string; readonly dir: string } | { readonly ok: false; readonly reason: string };

/** Where `path` (relative to `scriptDir`) really is, if it is an executable file inside the directory. */
export async function resolveScript(scriptDir: string, path: string): Promise<ScriptResolution> {
  if (path.includes('\0')) return { ok: false, reason: 'the script path contains NUL' };
  if (isAbsolute(path)) return { ok: false, reason: `script path ${JSON.stringify(path)} must be relative to the runbook script directory` };
  let dir: string;
  try {
    dir = await realpath(scriptDir);
  } catch (e) {
    return { ok: false, reason: `the runbook script directory ${scriptDir} cannot be read: ${(e as Error).message}` };
  }
  let file: string;
  try {
    file = await realpath(resolve(dir, path));
  } catch {
    return { ok: false, reason: `script ${JSON.stringify(path)} does not exist in ${dir}` };
  }
  if (!file.startsWith(dir + sep)) {
    return { ok: false, reason: `script ${JSON.stringify(path)} resolves to ${file}, outside the allow-listed directory ${dir}` };
  }
  try {
    const st = await stat(file);
    if (!st.isFile()) return { ok: false, reason: `script ${JSON.stringify(path)} is not a regular file` };
    await access(file, constants.X_OK);
  } catch {
    return { ok: false, reason: `script ${JSON.stringify(path)} is not executable (chmod +x it)` };
  }
  return { ok: true, file, dir };
}

export interface ScriptRunRequest {
  /** The allow-listed directory. */
  readonly scriptDir: string;
  /** Relative to scriptDir. */
  readonly path: string;
  /** Arguments, each passed as one argv element, verbatim. */
  readonly argv: readonly string[];
  /** Added to the minimal environment (the VIGIL_* fields). */
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Per stream; default 8 KiB. */
  readonly maxOutputBytes?: number;
}

export interface ScriptRunResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** One paragraph for the audit log. */
  readonly detail: string;
}

export async function runScript(req: ScriptRunRequest): Promise<ScriptRunResult> {
  const started = performance.now();
  const resolved = await resolveScript(req.scriptDir, req.path);
  if (!resolved.ok) return { status: 'FAILED', exitCode: null, signal: null, stdout: '', stderr: '', durationMs: 0, detail: `not run: ${resolved.reason}` };
  const max = req.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const env: Record<string, string> = { PATH: SAFE_PATH };
  for (const k of PASSED_THROUGH) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  Object.assign(env, req.env);

  return new Promise<ScriptRunResult>((done) => {
    const out = new BoundedText(max);
    const err = new BoundedText(max);
    let exitCode: number | null = null;
    let signal: string | null = null;
    let exited = false;
    let timedOut = false;
    let spawnError: Error | null = null;
    const child = spawn(resolved.file, [...req.argv], { cwd: resolved.dir, env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], detached: true, windowsHide: true });
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      if (!exited) timedOut = true;
      killGroup();
    }, Math.max(1, req.timeoutMs));
    child.stdout!.on('data', (d: Buffer) => out.add(d));
    child.stderr!.on('data', (d: Buffer) => err.add(d));
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('exit', (code, sig) => {
      exited = true;
      exitCode = code;
      signal = sig;
      // Children left behind in the group would hold the pipes open: they go with the script.
      killGroup();
    });
    child.on('close', () => {
      clearTimeout(timer);
      const durationMs = Math.round(performance.now() - started);
      const stdout = out.text();
      const stderr = err.text();
      let status: ScriptRunResult['status'];
      let head: string;
      if (spawnError !== null) {
        status = 'FAILED';
        head = `could not start: ${(spawnError as Error).message}`;
      } else if (timedOut) {
        status = 'TIMED_OUT';
        head = `killed after the ${req.timeoutMs} ms timeout`;
      } else if (exitCode === 0) {
        status = 'SUCCEEDED';
        head = 'exit 0';
      } else {
        status = 'FAILED';
        head = exitCode !== null ? `exit ${exitCode}` : `killed by ${signal ?? 'a signal'}`;
      }
      const detail = [head, stdout !== '' ? `stdout: ${stdout}` : '', stderr !== '' ? `stderr: ${stderr}` : ''].filter(Boolean).join('\n');
      done({ status, exitCode, signal, stdout, stderr, durationMs, detail });
    });
  });
}

/** The first `max` bytes of a stream, with a mark when more was discarded. */
class BoundedText {
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #dropped = 0;

  constructor(readonly max: number) {}

  add(d: Buffer): void {
    const room = this.max - this.#kept;
    if (room > 0) {
      const part = d.byteLength <= room ? d : d.subarray(0, room);
      this.#chunks.push(part);
      this.#kept += part.byteLength;
    }
    this.#dropped += Math.max(0, d.byteLength - Math.max(0, room));
  }

  text(): string {
    const s = Buffer.concat(this.#chunks).toString('utf8');
    return this.#dropped > 0 ? `${s}… (${this.#dropped} more bytes not kept)` : s;
  }
}
