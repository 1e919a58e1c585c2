/**
 * Bundles the CLI (src/cli/main.ts) into dist/ with esbuild, so `ladder` starts without compiling
 * TypeScript or running tsx's loader at each call. Run by `npm ci` / `npm install` (the `prepare`
 * script) and by `npm run build`.
 *
 *   node --import tsx scripts/build-cli.ts [--root DIR]
 *
 * Writes, under <root>/dist/:
 * - ladder.js, the entry, pool-worker.js (the optimizer's pool thread, started by the bundled CLI
 *   instead of the sources through tsx), and chunk-<hash>.js files (each with a source map into src/): node, ESM,
 *   npm packages external. Code splitting keeps every `await import()` of the sources lazy: in one
 *   file, the packages of every command (ccxt, fastify, …) would load at each start;
 * - ladder.inputs.json: every source file in the bundle with its mtime and size at build time, and
 *   the output files. bin/ladder.js runs the bundle only while every source is unchanged and every
 *   output is there, else the sources through tsx: an edit under src/ is never hidden behind a stale
 *   bundle.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** What bin/ladder.js reads; bump `format` when the shape changes (an unknown format means "rebuild"). */
export interface BundleInputs {
  readonly format: 2;
  /** Repo-relative source path → [mtimeMs, size] at build time. */
  readonly inputs: Record<string, readonly [number, number]>;
  /** Repo-relative paths of the bundle's JavaScript files (entry and chunks). */
  readonly outputs: readonly string[];
}

export const OUT_DIR = 'dist';
export const BUNDLE = 'dist/ladder.js';
export const INPUTS = 'dist/ladder.inputs.json';
/** The optimizer's pool thread, bundled beside the CLI: dist/pool-worker.js. */
export const POOL_WORKER = 'pool-worker';

/**
 * A bundled module's `import.meta.url` would be its output file's URL, so `new URL('../client/x.ts',
 * import.meta.url)` would point into dist/. Each source file gets its own URL back, computed from
 * the output's location (every output file is directly in dist/, and dist/ and src/ keep their
 * places wherever the checkout lives).
 */
function ownImportMetaUrl(root: string, outDir: string): Plugin {
  return {
    name: 'own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        const where = path.relative(root, args.path);
        const other = /\bimport\.meta\.(dirname|filename|resolve)\b/.exec(text);
        // Not rewritten (no use yet): fail the build rather than ship a path that points into dist/.
        if (other) return { errors: [{ text: `${where}: import.meta.${other[1]} is not supported in the bundled CLI; use new URL(…, import.meta.url)` }] };
        if (!text.includes('import.meta.url')) return undefined;
        const rel = path.relative(outDir, args.path).split(path.sep).join('/');
        return { contents: text.replace(/\bimport\.meta\.url\b/g, `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
}

function writeAtomic(file: string, contents: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

function previousOutputs(root: string): string[] {
  try {
    const m = JSON.parse(readFileSync(path.join(root, INPUTS), 'utf8')) as Partial<BundleInputs>;
    return Array.isArray(m.outputs) ? m.outputs : [];
  } catch {
    return []; // no earlier build, or an unreadable list: nothing of it to keep
  }
}

/** Builds the bundle and its inputs list under `root`; returns the repo-relative input paths. */
export async function buildCli(root: string): Promise<string[]> {
  const outDir = path.join(root, OUT_DIR);
  const startMs = Date.now();
  const result = await build({
    absWorkingDir: root,
    // The optimizer's pool threads load their own entry (src/optimize/pool.ts): under tsx each thread
    // would resolve and compile the sources again through its loader.
    entryPoints: { ladder: path.join(root, 'src/cli/main.ts'), [POOL_WORKER]: path.join(root, 'src/optimize/pool-worker.ts') },
    outdir: outDir,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [ownImportMetaUrl(root, outDir)],
    // Tells the bundled sources that they run from dist/ (src/optimize/pool.ts), the sources under tsx do not define it.
    define: { LADDER_BUNDLED: 'true' },
  });
  // Maps, chunks, the entry, then the list, each by rename: a `ladder` starting meanwhile reads a
  // whole old or a whole new entry whose chunks are all there, and the list never vouches for an
  // entry older than itself.
  mkdirSync(outDir, { recursive: true });
  const entry = path.join(root, BUNDLE);
  const rank = (p: string) => (p.endsWith('.map') ? 0 : p === entry ? 2 : 1);
  for (const f of [...result.outputFiles].sort((a, b) => rank(a.path) - rank(b.path))) writeAtomic(f.path, f.contents);

  const inputs: Record<string, readonly [number, number]> = {};
  for (const rel of Object.keys(result.metafile.inputs).sort()) {
    const st = statSync(path.join(root, rel));
    // Saved while esbuild was reading: which version is in the bundle is unknown, so none matches.
    inputs[rel] = st.mtimeMs >= startMs ? [-1, -1] : [st.mtimeMs, st.size];
  }
  const outputs = result.outputFiles.map((f) => path.relative(root, f.path).split(path.sep).join('/')).filter((p) => p.endsWith('.js')).sort();
  const kept = new Set([...outputs, ...previousOutputs(root)]);
  const manifest: BundleInputs = { format: 2, inputs, outputs };
  writeAtomic(path.join(root, INPUTS), `${JSON.stringify(manifest, null, 1)}\n`);

  // Chunks of older builds go; the previous build's stay, for a `ladder` still running it that has
  // a lazy import left to do.
  for (const name of readdirSync(outDir)) {
    const js = `${OUT_DIR}/${name.replace(/\.map$/, '')}`;
    if (/^chunk-[A-Z0-9]+\.js(\.map)?$/.test(name) && !kept.has(js)) rmSync(path.join(outDir, name), { force: true });
  }
  return Object.keys(inputs);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--root');
  const root = path.resolve(i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fileURLToPath(new URL('..', import.meta.url)));
  const t0 = performance.now();
  const files = await buildCli(root);
  process.stdout.write(`ladder: built ${BUNDLE} from ${files.length} source files in ${Math.round(performance.now() - t0)} ms\n`);
}
