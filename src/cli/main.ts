import { Command, CommanderError } from 'commander';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval-nab.js';
import { serveCommand } from './commands/serve.js';

export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('Vigil: operations insight for any stack that speaks Prometheus, OpenTelemetry and webhooks')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(demoCommand());
  program.addCommand(evalCommand());
  program.addCommand(serveCommand());
  return program;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    process.stderr.write(`vigil: ${(e as Error).message}\n`);
    return 1;
  }
}
