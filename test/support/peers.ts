// Real Prometheus-family peers (Prometheus, node_exporter, Alertmanager) for integration tests and
// benchmarks. Each runs in its own process group on a free loopback port with a temporary data
// directory; its output goes to a log file whose tail is quoted in every error. Stopping kills the
// whole group, and so does the exit of the test process, so no peer outlives a test run.
//
// A missing binary is an error, never a skip: CI proves the tests ran (see .ci/run).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PeerProcess {
  readonly url: string;
  readonly port: number;
  /** The peer's temporary directory (config, data, log). Removed by stop(). */
  readonly dir: string;
  readonly logFile: string;
  /** The last lines the peer wrote to stdout/stderr. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export interface PrometheusPeer extends PeerProcess {
  /** POST /-/reload, after writing `configYaml` to the config file when given. */
  reload(configYaml?: string): Promise<void>;
}

export type AlertmanagerPeer = PrometheusPeer;

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
/** How often a port is retried when another process grabs it between probe and bind. */
const PORT_ATTEMPTS = 3;

/** Absolute path of `name` on PATH (or /usr/bin, /usr/local/bin); throws with the fix when missing. */
export function requireBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), '/usr/bin', '/usr/local/bin'];
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  throw new Error(
    `the binary "${name}" is not installed (looked in ${dirs.join(', ')}). ` +
      'Run `bash scripts/setup-system.sh` as root to install the system packages the tests need.',
  );
}

/** A port that was free a moment ago: bind to port 0, read the number, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('could not get a free port'))));
    });
  });
}

/** Prometheus with `configYaml`, a fresh TSDB, the lifecycle API on (for /-/reload). */
export async function startPrometheus(opts: { configYaml: string; extraArgs?: string[] }): Promise<PrometheusPeer> {
  const bin = requireBinary('prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, opts.configYaml);
  const peer = await launch('prometheus', dir, '/-/ready', (port) => [
    bin,
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle',
    ...(opts.extraArgs ?? []),
  ]);
  return { ...peer, reload: (configYaml?: string) => reloadPeer(peer, configFile, configYaml) };
}

/**
 * node_exporter on loopback. Collectors that are slow or noisy in containers (hardware sensors,
 * systemd over D-Bus, RAPL, thermal zones) and the textfile collector are off unless `extraArgs`
 * turns one on (`--collector.textfile`); the cpu, load, memory, filesystem and network collectors
 * that tests use stay on.
 */
export async function startNodeExporter(opts: { extraArgs?: string[] } = {}): Promise<PeerProcess> {
  const bin = requireBinary('prometheus-node-exporter');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-node-exporter-'));
  const extra = opts.extraArgs ?? [];
  // node_exporter refuses a collector flag given twice: a caller's --collector.X replaces our --no-collector.X.
  const off = ['hwmon', 'thermal_zone', 'rapl', 'systemd', 'textfile'].filter((c) => !extra.includes(`--collector.${c}`));
  return launch('node_exporter', dir, '/metrics', (port) => [
    bin,
    `--web.listen-address=127.0.0.1:${port}`,
    ...off.map((c) => `--no-collector.${c}`),
    ...extra,
  ]);
}

/**
 * prometheus.yml for the end-to-end tests: node_exporter scraped every second and remote-written to
 * Vigil at `vigilPort` (job="node" only, never Vigil's own scores), optionally Vigil's /metrics
 * scraped back.
 */
export function nodeToVigilConfig(opts: { nodePort: number; vigilPort: number; scrapeVigil?: boolean }): string {
  const vigilJob = opts.scrapeVigil
    ? `
  - job_name: vigil
    honor_labels: true
    static_configs: [{ targets: ['127.0.0.1:${opts.vigilPort}'] }]`
    : '';
  return `
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: node
    static_configs: [{ targets: ['127.0.0.1:${opts.nodePort}'] }]${vigilJob}
remote_write:
  - url: http://127.0.0.1:${opts.vigilPort}/api/v1/write
    write_relabel_configs:
      - { source_labels: [job], regex: node, action: keep }
      # Vigil's own scores carry the series' labels (job="node" too): never feed them back.
      - { source_labels: [__name__], regex: 'vigil_.*', action: drop }
    queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s }
    metadata_config: { send_interval: 2s }
`;
}

/** Alertmanager with `configYaml`, clustering off (no gossip port), storage in a temp dir. */
export async function startAlertmanager(opts: { configYaml: string; extraArgs?: string[] }): Promise<AlertmanagerPeer> {
  const bin = requireBinary('prometheus-alertmanager');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, opts.configYaml);
  const peer = await launch('alertmanager', dir, '/-/ready', (port) => [
    bin,
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    ...(opts.extraArgs ?? []),
  ]);
  return { ...peer, reload: (configYaml?: string) => reloadPeer(peer, configFile, configYaml) };
}

async function reloadPeer(peer: PeerProcess, configFile: string, configYaml: string | undefined): Promise<void> {
  if (configYaml !== undefined) writeFileSync(configFile, configYaml);
  const res = await fetch(`${peer.url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
  if (!res.ok) {
    throw new Error(`reload of ${peer.url} failed with ${res.status}: ${(await res.text()).trim()}\n--- log tail ---\n${peer.logTail()}`);
  }
}

// ---- process handling

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kill every live peer's process group when the test process exits, however it exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = (): void => {
    for (const child of live) killGroup(child, 'SIGKILL');
  };
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // negative pid: the whole process group (spawned detached)
  } catch {
    /* already gone */
  }
}

async function launch(label: string, dir: string, readyPath: string, argv: (port: number) => string[]): Promise<PeerProcess> {
  installExitHook();
  const logFile = join(dir, `${label}.log`);
  const logTail = (lines = 30): string => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  let lastError: Error | null = null;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const [cmd, ...args] = argv(port);
    const fd = openSync(logFile, 'a');
    const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    live.add(child);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        live.delete(child);
        resolve();
      });
      child.once('error', () => {
        live.delete(child);
        resolve();
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const stop = async (): Promise<void> => {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    };
    const ready = await waitReady(child, `${url}${readyPath}`);
    if (ready === 'ready') return { url, port, dir, logFile, logTail, stop };
    killGroup(child, 'SIGKILL');
    await exited;
    const tail = logTail();
    lastError = new Error(
      `${label} (${cmd} ${args.join(' ')}) ${ready === 'exited' ? `exited with ${child.exitCode ?? child.signalCode}` : `was not ready within ${READY_TIMEOUT_MS} ms`} ` +
        `before ${url}${readyPath} answered 200\n--- ${logFile} (tail) ---\n${tail}`,
    );
    // Another process may have taken the port between probe and bind: try another port.
    if (!/address already in use/i.test(tail)) break;
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError ?? new Error(`${label} did not start`);
}

async function waitReady(child: ChildProcess, url: string): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return 'exited';
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return 'ready';
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return 'timeout';
}
