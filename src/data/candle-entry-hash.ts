import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CANDLE_FILE_RE } from './candle-name.ts';
import { sha256File } from './download/checksum.ts';

/**
 * SHA-256 of a `--data`/`--detail` entry as the candle loader reads it: a file's bytes, or for a
 * directory its candle files (the loader's own choice: `.csv`, `.csv.gz`, `.zip`, by name), each
 * name and hash in order, so that a changed, added or removed month changes it. Lower-case hex.
 */
export async function sha256CandleEntry(path: string): Promise<string> {
  if (!(await stat(path)).isDirectory()) return sha256File(path);
  const names = (await readdir(path)).filter((n) => CANDLE_FILE_RE.test(n)).sort();
  const hash = createHash('sha256');
  for (const n of names) hash.update(`${n}\0${await sha256File(join(path, n))}\n`);
  return hash.digest('hex');
}
