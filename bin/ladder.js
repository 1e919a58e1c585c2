#!/usr/bin/env node
// Entry point of the `ladder` command. Runs the precompiled CLI (dist/ladder.js, built by `npm ci`
// through scripts/build-cli.ts) while every source file it was built from is unchanged; otherwise
// (no build, or src/ edited since) the TypeScript sources through tsx, so stale code never runs.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/**
 * True when dist/ladder.inputs.json (written by the build) lists the bundle's sources with their
 * current mtime and size, and every file of the bundle is there.
 */
function bundleIsFresh() {
  try {
    const manifest = JSON.parse(readFileSync(new URL('dist/ladder.inputs.json', root), 'utf8'));
    if (manifest?.format !== 2 || !Array.isArray(manifest.outputs)) return false;
    for (const [rel, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
      const st = statSync(new URL(rel, root), { throwIfNoEntry: false });
      if (st === undefined || st.mtimeMs !== mtimeMs || st.size !== size) return false;
    }
    return manifest.outputs.every((rel) => statSync(new URL(rel, root), { throwIfNoEntry: false }) !== undefined);
  } catch {
    return false; // not built, or a list of another shape: the sources are always right
  }
}

let main;
if (process.env.LADDER_FROM_SOURCE !== '1' && bundleIsFresh()) {
  process.setSourceMapsEnabled(true); // stack traces name src/…ts lines, as under tsx
  ({ main } = await import('../dist/ladder.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
const argv = process.argv.slice(2);
const code = await main(argv);
process.exitCode = code;
// Long-running commands have shut their own work down by now, but libraries may leave timers behind
// (ccxt's 20-minute listenKey keep-alive): once stdout is flushed, exit instead of waiting for them.
if (['live', 'paper', 'demo', 'sim', 'dashboard'].includes(argv[0] ?? '')) process.stdout.write('', () => process.exit(code));
