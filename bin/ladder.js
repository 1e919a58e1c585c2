#!/usr/bin/env node
// Entry point of the `ladder` command: registers the TypeScript loader, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const argv = process.argv.slice(2);
const code = await main(argv);
process.exitCode = code;
// Long-running commands have shut their own work down by now, but libraries may leave timers behind
// (ccxt's 20-minute listenKey keep-alive): once stdout is flushed, exit instead of waiting for them.
if (['live', 'paper', 'demo', 'sim', 'dashboard'].includes(argv[0] ?? '')) process.stdout.write('', () => process.exit(code));
