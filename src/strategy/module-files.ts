/**
 * The local files a strategy module is made of: the module and every file it imports, directly or
 * through another, by a relative or absolute path (or a `file:` URL). Packages (bare names, and any
 * file inside a node_modules folder) are not: they are dependencies, versioned by the lockfile. A
 * run that resumes on a module (optimize --resume) checks each of these files unchanged, since a
 * changed helper changes the strategy as much as a changed module does.
 *
 * The graph is esbuild's (the bundler the project already has): it reads TypeScript and JavaScript,
 * ESM and CommonJS (`require` of a literal path), JSON imports, and `./x.js` naming `./x.ts` as tsx
 * does. An import whose path is computed at run time (`import(name)`) cannot be followed.
 */
import { isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const inPackage = (path: string): boolean => path.split(sep).includes('node_modules') || path.split('/').includes('node_modules');

/**
 * esbuild's first error on one line, `/abs/file.ts:line:column: what`: its message starts with a
 * `Build failed with 1 error:` header, which alone names nothing (a caller keeping a message's first
 * line would keep only that).
 */
function firstBuildError(e: unknown): string {
  const first = (e as { errors?: readonly { text: string; location: { file: string; line: number; column: number } | null }[] }).errors?.[0];
  if (first === undefined) return e instanceof Error ? e.message : String(e);
  const at = first.location ? `${resolve(first.location.file)}:${first.location.line}:${first.location.column}: ` : '';
  return `${at}${first.text}`;
}

/**
 * The module at `absPath` and the local files it reaches, as absolute paths: the module first, then
 * the others in path order. Throws with esbuild's first error (`file:line:column: what`) when the
 * module or an import cannot be read or resolved.
 */
export async function moduleFiles(absPath: string): Promise<string[]> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [absPath],
    bundle: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    platform: 'node',
    format: 'esm',
    packages: 'external',
    plugins: [
      {
        name: 'file-urls',
        setup(b) {
          // `import … from 'file:///…'` (a path esbuild does not read as one): the file, unless a package's.
          b.onResolve({ filter: /^file:/ }, (args) => {
            const path = fileURLToPath(args.path);
            return inPackage(path) ? { path: args.path, external: true } : { path };
          });
        },
      },
    ],
  }).catch((e: unknown) => {
    throw new Error(firstBuildError(e), { cause: e });
  });
  const entry = resolve(absPath);
  const reached = Object.keys(result.metafile.inputs)
    .map((p) => (isAbsolute(p) ? p : resolve(p)))
    .filter((p) => p !== entry && !inPackage(p));
  return [entry, ...[...new Set(reached)].sort()];
}
