import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../../app/config.js';
import { startVigil } from '../../app/serve.js';

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the Vigil server: ingest metrics and events, analyse every series, keep state (embedded defaults without a config file)')
    .option('-c, --config <file>', 'vigil.yaml to read (default: embedded defaults)')
    .option('-p, --port <port>', 'HTTP port (server.port, default 8080)', port)
    .option('--host <address>', 'listen address (server.host; default 127.0.0.1 without auth tokens, else 0.0.0.0)')
    .option('--data-dir <dir>', 'where the SQLite store lives (dataDir, default ./data)')
    .option('--prometheus-url <url>', 'pull and warm-start from this Prometheus-compatible API (prometheus.url)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (log.level)')
    .action(async (o: { config?: string; port?: number; host?: string; dataDir?: string; prometheusUrl?: string; logLevel?: string }) => {
      let config;
      try {
        config = loadConfig(o.config, process.env, o);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`vigil serve: ${err.message}\n`);
          throw new CommanderError(2, 'vigil.config', err.message);
        }
        throw err;
      }
      const running = await startVigil(config);
      await new Promise<void>((resolve) => {
        const onSignal = (sig: string) => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          running.stop(sig).then(resolve, (err) => {
            process.stderr.write(`vigil serve: shutdown failed: ${(err as Error).message}\n`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}
