// Tests src/data/markets-loader.ts and the shipped excerpt (kept beside the market readers it feeds).
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { marketsFromExchangeInfo } from '../../../src/core/market/index.ts';
import { DEFAULT_MARKETS_PATH, defaultMarkets, loadMarketsFile } from '../../../src/data/markets-loader.ts';
import { EXCERPT_PATH, REPO_ROOT, SNAPSHOT_PATH, TEN, loadSnapshot, readJson } from './snapshot.ts';
import { tempDir } from '../../support/temp-dir.ts';

const snapshot = loadSnapshot();
const tmp = tempDir('ladder-markets-');

describe('the shipped excerpt data/markets/binance-usdm-excerpt.json', () => {
  it('is the default markets file and stays small (< 60 KB)', () => {
    expect(DEFAULT_MARKETS_PATH).toBe(EXCERPT_PATH);
    expect(statSync(EXCERPT_PATH).size).toBeLessThan(60_000);
  });

  it('is the source response with symbols cut to the ten traded symbols, all else unchanged', () => {
    const excerpt = readJson(EXCERPT_PATH) as Record<string, unknown>;
    const { symbols: _all, ...head } = snapshot;
    const { symbols, ...excerptHead } = excerpt;
    expect(Object.keys(excerpt)).toEqual(Object.keys(snapshot));
    expect(excerptHead).toEqual(head);
    expect(symbols).toEqual(snapshot.symbols.filter((s) => (TEN as readonly string[]).includes(s.symbol)));
  });

  it('is exactly what scripts/make-markets-excerpt.ts writes', () => {
    const out = path.join(tmp, 'excerpt.json');
    execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), [path.join(REPO_ROOT, 'scripts/make-markets-excerpt.ts'), SNAPSHOT_PATH, out]);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(EXCERPT_PATH, 'utf8'));
  });
});

describe('defaultMarkets', () => {
  it('loads the ten symbols with the same rules as the full snapshot', async () => {
    const markets = await defaultMarkets();
    const full = marketsFromExchangeInfo(snapshot);
    if (!full.ok) throw new Error(full.error.join('\n'));
    expect([...markets.keys()].sort()).toEqual([...TEN].sort());
    for (const id of TEN) expect(markets.get(id)).toEqual(full.value.get(id));
  });
});

describe('loadMarketsFile', () => {
  it('reads the full snapshot', async () => {
    const r = await loadMarketsFile(SNAPSHOT_PATH);
    expect(r.ok && r.value.size).toBe(347);
  });

  it('names the file when it does not exist', async () => {
    const file = path.join(tmp, 'missing.json');
    expect(await loadMarketsFile(file)).toEqual({ ok: false, error: [`${file}: no such file`] });
  });

  it('names the file when it is not JSON', async () => {
    const file = path.join(tmp, 'broken.json');
    writeFileSync(file, '{"symbols": [');
    const r = await loadMarketsFile(file);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toEqual([`${file}:1:14: malformed JSON: Unexpected end of JSON input`]);
  });

  it('a file that is not JSON at all (a CSV given as --markets) is one line at its line and column, not JSON.parse\'s quote of the text with its newlines', async () => {
    const file = path.join(tmp, 'signals.csv');
    writeFileSync(file, 'time,symbol,side\n2026-02-05T00:00:00Z,BTCUSDT,long\n');
    const r = await loadMarketsFile(file);
    // Before: '…signals.csv: invalid JSON (Unexpected token \'i\', "time,symbol"... is not valid JSON)', no place; a
    // shorter file ('time,symbol,side\n') was quoted whole, its newline printed the CLI's error as two lines.
    expect(r).toEqual({ ok: false, error: [`${file}:1:1: malformed JSON: unexpected token "time"`] });
  });

  it('reads a file saved with a UTF-8 byte order mark (Windows editors), as config, candle and signal files are', async () => {
    const file = path.join(tmp, 'bom.json');
    writeFileSync(file, `\uFEFF${readFileSync(EXCERPT_PATH, 'utf8')}`);
    const r = await loadMarketsFile(file);
    expect(r.ok ? [...r.value.keys()].sort() : r.error).toEqual([...TEN].sort());
  });

  it('names the file on every rule problem', async () => {
    const file = path.join(tmp, 'bad-rules.json');
    const btc = snapshot.symbols.find((s) => s.symbol === 'BTCUSDT');
    writeFileSync(file, JSON.stringify({ symbols: [{ ...btc, filters: [] }] }));
    expect(await loadMarketsFile(file)).toEqual({ ok: false, error: [`${file}: symbols[0] BTCUSDT: PRICE_FILTER missing`] });
  });
});
