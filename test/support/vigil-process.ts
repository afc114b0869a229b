// Runs `vigil serve` from source in a child process (real sockets, real signals) for end-to-end
// tests and benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './peers.js';
import { fileURLToPath } from 'node:url';

export { freePort };

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface VigilProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for exit; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (kill -9) and wait for exit. */
  kill9(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every Vigil child when the test process exits, however it exits, so none outlives a run. */
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

export async function startVigilProcess(args: string[], opts: { port?: number; env?: NodeJS.ProcessEnv; readyTimeoutMs?: number; nodeArgs?: string[] } = {}): Promise<VigilProcess> {
  const port = opts.port ?? (await freePort());
  // `vigil demo` runs the same server; any other argument list is for `vigil serve`.
  const [command, rest] = args[0] === 'demo' ? ['demo', args.slice(1)] : ['serve', args];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/cli/dev-main.ts', command, '--port', String(port), ...rest], {
    cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vigil ${command} exited with ${child.exitCode} before it was ready:\n${out}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`vigil ${command} was not ready within ${opts.readyTimeoutMs ?? 30_000} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url, port, child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
