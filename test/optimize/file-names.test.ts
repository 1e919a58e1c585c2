import { join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileInDataDir, workerFileNames } from '../../src/optimize/file-names.ts';

describe('workerFileNames: the names ladder workers find a run\'s files by', () => {
  it('a file\'s own name while no other file of the run shares it', () => {
    expect(workerFileNames(['../shared/data/binance-spot-klines/BTCUSDT-1h.csv', 'data/ETHUSDT-1h.csv', '/x/exchange-info.json'])).toEqual(['BTCUSDT-1h.csv', 'ETHUSDT-1h.csv', 'exchange-info.json']);
  });

  it('ladder data download\'s folders (one name per kind, a folder per symbol): the symbol\'s folder tells them apart (before: refused, or every job refused by the workers)', () => {
    const d = 'data/binance/futures';
    expect(workerFileNames([`${d}/BTCUSDT/1h`, `${d}/ETHUSDT/1h`, `${d}/BTCUSDT/funding`, `${d}/ETHUSDT/funding`, `${d}/BTCUSDT/mark-1h`, 'markets.json'])).toEqual(['BTCUSDT/1h', 'ETHUSDT/1h', 'BTCUSDT/funding', 'ETHUSDT/funding', 'mark-1h', 'markets.json']);
  });

  it('the shared data\'s candles and mark prices (both BTCUSDT-1h.csv): their folders', () => {
    expect(workerFileNames(['../shared/data/binance-spot-klines/BTCUSDT-1h.csv', '../shared/data/binance-usdm-mark-1h/BTCUSDT-1h.csv'])).toEqual(['binance-spot-klines/BTCUSDT-1h.csv', 'binance-usdm-mark-1h/BTCUSDT-1h.csv']);
  });

  it('as many folders as it takes, each path resolved first (no `..` in a name); the same path twice has one name', () => {
    const here = resolve('.').split(sep).filter(Boolean);
    expect(workerFileNames(['/a/x/1h', '/b/x/1h', '/c/y/1h'])).toEqual(['a/x/1h', 'b/x/1h', 'y/1h']);
    expect(workerFileNames(['x/1h', 'x/1h'])).toEqual(['1h', '1h']);
    // One path the end of another: the shorter is named whole.
    expect(workerFileNames(['/BTCUSDT/1h', '/z/BTCUSDT/1h'])).toEqual(['BTCUSDT/1h', 'z/BTCUSDT/1h']);
    // `../1h` beside `1h`: the folder above this one, and this one.
    expect(workerFileNames(['../1h', '1h'])).toEqual([`${here.at(-2)}/1h`, `${here.at(-1)}/1h`]);
  });
});

describe('fileInDataDir: a job\'s name stays inside --data-dir', () => {
  it('plain names and folders are joined to it', () => {
    expect(fileInDataDir('/w/data', 'BTCUSDT-1h.csv')).toBe(join('/w/data', 'BTCUSDT-1h.csv'));
    expect(fileInDataDir('/w/data', 'BTCUSDT/1h')).toBe(join('/w/data', 'BTCUSDT', '1h'));
  });

  it('a name that would lead outside it is refused (null): .., ., empty parts, an absolute path, a backslash', () => {
    for (const bad of ['../secret', 'a/../../b', './x', 'a//b', '/etc/passwd', '', 'a\\..\\b']) expect(fileInDataDir('/w/data', bad), bad).toBeNull();
  });
});
