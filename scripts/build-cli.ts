/**
 * Bundles the CLI (src/cli/main.ts) into dist/ladder.js with esbuild, so `ladder` starts without
 * compiling TypeScript at each call (issue 14: importing the module graph takes 0.6–0.75 s under tsx,
 * 0.12–0.15 s bundled). Run by `npm ci` / `npm install` (the `prepare` script) and by `npm run build`.
 *
 *   node --import tsx scripts/build-cli.ts [--root DIR]
 *
 * Writes, under <root>/dist/:
 * - ladder.js + ladder.js.map: the bundle (node, ESM, npm packages external, source maps to src/);
 * - ladder.inputs.json: every source file in the bundle with its mtime and size at build time.
 *   bin/ladder.js runs the bundle only while every one of them is unchanged, else the sources
 *   through tsx: an edit under src/ is never hidden behind a stale bundle.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** What bin/ladder.js reads; bump `format` when the shape changes (an unknown format means "rebuild"). */
export interface BundleInputs {
  readonly format: 1;
  /** Repo-relative path → [mtimeMs, size] at build time. */
  readonly inputs: Record<string, readonly [number, number]>;
}

export const BUNDLE = 'dist/ladder.js';
export const INPUTS = 'dist/ladder.inputs.json';

/**
 * A bundled module's `import.meta.url` would be the bundle's URL, so `new URL('../client/x.ts',
 * import.meta.url)` would point into dist/. Each source file gets its own URL back, computed from
 * the bundle's location (dist/ and src/ keep their places wherever the checkout lives).
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

/** Builds the bundle and its inputs list under `root`; returns the repo-relative input paths. */
export async function buildCli(root: string): Promise<string[]> {
  const outfile = path.join(root, BUNDLE);
  const startMs = Date.now();
  const result = await build({
    absWorkingDir: root,
    entryPoints: [path.join(root, 'src/cli/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [ownImportMetaUrl(root, path.dirname(outfile))],
  });
  // Map, bundle, then the inputs list, each by rename: a `ladder` starting meanwhile reads
  // a whole old or a whole new bundle, and the list never vouches for a bundle older than itself.
  mkdirSync(path.dirname(outfile), { recursive: true });
  for (const f of [...result.outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')))) writeAtomic(f.path, f.contents);
  const inputs: Record<string, readonly [number, number]> = {};
  for (const rel of Object.keys(result.metafile.inputs).sort()) {
    const st = statSync(path.join(root, rel));
    // Saved while esbuild was reading: which version is in the bundle is unknown, so none matches.
    inputs[rel] = st.mtimeMs >= startMs ? [-1, -1] : [st.mtimeMs, st.size];
  }
  const manifest: BundleInputs = { format: 1, inputs };
  writeAtomic(path.join(root, INPUTS), `${JSON.stringify(manifest, null, 1)}\n`);
  return Object.keys(inputs);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--root');
  const root = path.resolve(i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fileURLToPath(new URL('..', import.meta.url)));
  const t0 = performance.now();
  const files = await buildCli(root);
  process.stdout.write(`ladder: built ${BUNDLE} from ${files.length} source files in ${Math.round(performance.now() - t0)} ms\n`);
}
