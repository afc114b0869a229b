import { Command, InvalidArgumentError } from 'commander';
import { startDemo } from '../../app/demo.js';

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('run Vigil (server, API and dashboard) on a simulated application with injected incidents, on an accelerated clock')
    .option('-p, --port <port>', 'HTTP port of the dashboard and API', port, 8080)
    .option('--host <address>', 'listen address (default 127.0.0.1)')
    .option('--data-dir <dir>', 'keep the demo store here (default: a temporary directory removed on exit)')
    .option('--history-days <days>', 'days of simulated history replayed at start (at least 2 are learning)', positive('--history-days'), 4)
    .option('--speed <x>', 'simulated seconds per real second while the last 20 minutes catch up', positive('--speed'), 40)
    .option('--seed <n>', 'seed of the simulation', positive('--seed'), 42)
    .option('--log-level <level>', 'server log level (fatal, error, warn, info, debug, trace, silent)', 'warn')
    .action(async (o: { port: number; host?: string; dataDir?: string; historyDays: number; speed: number; seed: number; logLevel: string }) => {
      const demo = await startDemo({
        port: o.port, ...(o.host ? { host: o.host } : {}), ...(o.dataDir ? { dataDir: o.dataDir } : {}),
        historyDays: o.historyDays, speed: o.speed, seed: o.seed, logLevel: o.logLevel,
        write: (line) => process.stdout.write(line + '\n'),
      });
      await new Promise<void>((resolve) => {
        const onSignal = (sig: string) => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          demo.stop(sig).then(resolve, (err) => {
            process.stderr.write(`vigil demo: shutdown failed: ${(err as Error).message}\n`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}
