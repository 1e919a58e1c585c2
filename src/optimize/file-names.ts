import { resolve, sep } from 'node:path';
import type { InputFile, StudyInputs } from './study.ts';

/** The data files of a study (candles, markets, signals, detail, funding, mark prices): what a worker must hold and a resume checks. */
export const studyInputFiles = (i: StudyInputs): InputFile[] => [...i.data, ...i.detail, ...(i.markets ? [i.markets] : []), ...(i.signals ? [i.signals] : []), ...(i.funding ?? []), ...(i.mark ?? [])];

/**
 * The name a `ladder worker` finds each of a run's input files by in its --data-dir: the file's (or
 * directory's) own name, or, where two different files share it, the shortest ending of their paths
 * that tells them apart: `ladder data download`'s `…/BTCUSDT/1h` and `…/ETHUSDT/1h` are `BTCUSDT/1h`
 * and `ETHUSDT/1h`, the shared data's candles and mark prices `binance-spot-klines/BTCUSDT-1h.csv` and
 * `binance-usdm-mark-1h/BTCUSDT-1h.csv`. Paths are resolved on the coordinator first, so a name never
 * holds `..`. One name per path, in order; the same path twice has one name.
 */
export function workerFileNames(paths: readonly string[]): string[] {
  const full = paths.map((p) => resolve(p));
  const segments = full.map((p) => p.split(sep).filter((s) => s !== ''));
  const take = paths.map(() => 1);
  const nameOf = (i: number) => segments[i]!.slice(-take[i]!).join('/');
  for (;;) {
    const byName = new Map<string, number[]>();
    for (let i = 0; i < paths.length; i++) byName.set(nameOf(i), [...(byName.get(nameOf(i)) ?? []), i]);
    let longer = false;
    for (const group of byName.values()) {
      if (new Set(group.map((i) => full[i])).size < 2) continue;
      for (const i of group) {
        if (take[i]! < segments[i]!.length) {
          take[i]!++;
          longer = true;
        }
      }
    }
    if (!longer) return paths.map((_, i) => nameOf(i));
  }
}

/**
 * Where a job's file `name` is inside `dataDir`, or null when the name is not a plain relative path
 * there (empty parts, `.` or `..`, a backslash, an absolute path): a job read from Redis may not point
 * a worker outside its data directory.
 */
export function fileInDataDir(dataDir: string, name: string): string | null {
  const parts = name.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\'))) return null;
  return [dataDir, ...parts].join(sep);
}
