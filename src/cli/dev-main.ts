// Runs the CLI from source (through tsx) without a build: `npx tsx src/cli/dev-main.ts <command>`.
import { main } from './main.js';

process.exitCode = await main(process.argv);
