import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The code of a worker thread that runs the TypeScript module at `entry`: tsx is registered first,
 * so the sources load there as they do in the main thread (from the bundled CLI too: a source
 * file's `import.meta.url` is its own there). Run it with `new Worker(code, { eval: true })`.
 */
export function tsWorkerCode(entry: URL): string {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); }).catch((e) => { throw e; });`;
}
