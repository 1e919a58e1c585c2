import { describe, expect, it } from 'vitest';
import { archiveKind, archiveRef, defaultOutDir, DownloadError, monthsBetween, parseBaseUrl, parseDataType, parseInterval, parseMarket, parseSymbol, parseYearMonth } from '../../../src/data/download/index.ts';

const ym = (s: string) => parseYearMonth('--from', s);
const badInput = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DownloadError);
    expect((e as DownloadError).code).toBe('badInput');
    return (e as Error).message;
  }
  throw new Error('expected a badInput error');
};

describe('archive names and URLs', () => {
  it("builds Binance's USDⓈ-M futures monthly kline URL and its .CHECKSUM", () => {
    const r = archiveRef('https://data.binance.vision', { type: 'klines', market: 'futures', interval: '1h' }, 'BTCUSDT', ym('2024-01'));
    expect(r.url).toBe('https://data.binance.vision/data/futures/um/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01.zip');
    expect(r.checksumUrl).toBe('https://data.binance.vision/data/futures/um/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01.zip.CHECKSUM');
    expect([r.fileName, r.label]).toEqual(['BTCUSDT-1h-2024-01.zip', 'BTCUSDT 1h 2024-01']);
  });

  it("builds Binance's spot monthly kline URL", () => {
    expect(archiveRef('https://data.binance.vision', { type: 'klines', market: 'spot', interval: '15m' }, 'ETHUSDT', ym('2025-11')).url).toBe('https://data.binance.vision/data/spot/monthly/klines/ETHUSDT/15m/ETHUSDT-15m-2025-11.zip');
  });

  it("builds Binance's USDⓈ-M funding-rate and mark-price kline URLs", () => {
    const f = archiveRef('https://data.binance.vision', { type: 'funding' }, 'BTCUSDT', ym('2024-01'));
    expect([f.url, f.checksumUrl, f.fileName, f.label]).toEqual([
      'https://data.binance.vision/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-01.zip',
      'https://data.binance.vision/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-01.zip.CHECKSUM',
      'BTCUSDT-fundingRate-2024-01.zip',
      'BTCUSDT funding 2024-01',
    ]);
    const m = archiveRef('https://data.binance.vision', { type: 'mark', interval: '1h' }, 'BTCUSDT', ym('2024-01'));
    expect([m.url, m.fileName, m.label]).toEqual(['https://data.binance.vision/data/futures/um/monthly/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2024-01.zip', 'BTCUSDT-1h-2024-01.zip', 'BTCUSDT mark 1h 2024-01']);
  });

  it('puts downloads in data/binance/<market>/<SYMBOL>/<interval>, …/mark-<interval> and …/funding by default', () => {
    expect(defaultOutDir({ type: 'klines', market: 'futures', interval: '1h' }, 'BTCUSDT')).toBe('data/binance/futures/BTCUSDT/1h');
    expect(defaultOutDir({ type: 'mark', interval: '15m' }, 'BTCUSDT')).toBe('data/binance/futures/BTCUSDT/mark-15m');
    expect(defaultOutDir({ type: 'funding' }, 'BTCUSDT')).toBe('data/binance/futures/BTCUSDT/funding');
  });
});

describe('download options', () => {
  it('lists the months from --from to --to, both included, across a year end', () => {
    expect(monthsBetween(ym('2023-11'), ym('2024-02')).map((m) => `${m.year}-${m.month}`)).toEqual(['2023-11', '2023-12', '2024-1', '2024-2']);
    expect(monthsBetween(ym('2024-06'), ym('2024-06'))).toHaveLength(1);
  });

  it('refuses --from after --to', () => {
    expect(badInput(() => monthsBetween(ym('2024-06'), ym('2024-01')))).toBe('--from 2024-06 is after --to 2024-01');
  });

  it('refuses a month that is not YYYY-MM', () => {
    for (const s of ['2024-1', '2024-13', '2024-00', 'jan 2024', '2024-01-01']) expect(badInput(() => parseYearMonth('--to', s))).toContain('--to: not a month');
  });

  it('upper-cases a symbol and refuses one with other characters, pointing at the exchange id', () => {
    expect(parseSymbol(' btcusdt ')).toBe('BTCUSDT');
    expect(parseSymbol('1000PEPEUSDT')).toBe('1000PEPEUSDT');
    expect(badInput(() => parseSymbol('BTC/USDT:USDT'))).toBe('--symbol: not a Binance symbol ("BTC/USDT:USDT"; expected letters and digits like BTCUSDT; use the exchange id, e.g. BTCUSDT)');
    expect(badInput(() => parseSymbol('BTC USDT'))).toContain('--symbol: not a Binance symbol');
    expect(badInput(() => parseSymbol('../etc'))).toContain('--symbol');
  });

  it('takes the intervals the loaders read and names the valid ones otherwise', () => {
    expect(parseInterval('15m')).toBe('15m');
    const msg = badInput(() => parseInterval('1mo'));
    expect(msg).toBe('--interval: unknown interval "1mo" (expected one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 1w)');
    expect(badInput(() => parseInterval('1H'))).toContain('unknown interval "1H"');
  });

  it('takes klines, mark or funding as the type; mark and funding of futures only, an interval for all but funding', () => {
    expect(parseDataType(' Funding ')).toBe('funding');
    expect(badInput(() => parseDataType('trades'))).toBe('--type: "trades" is not one of klines, mark, funding');
    expect(archiveKind('klines', 'spot', '1h')).toEqual({ type: 'klines', market: 'spot', interval: '1h' });
    expect(archiveKind('mark', 'futures', '4h')).toEqual({ type: 'mark', interval: '4h' });
    expect(archiveKind('funding', 'futures', undefined)).toEqual({ type: 'funding' });
    expect(badInput(() => archiveKind('funding', 'spot', undefined))).toBe('--type funding: Binance publishes funding rates for USDⓈ-M futures only, not for --market spot');
    expect(badInput(() => archiveKind('mark', 'futures', '1mo'))).toContain('--interval: unknown interval "1mo"');
  });

  it('takes futures or spot as the market', () => {
    expect(parseMarket('SPOT')).toBe('spot');
    expect(badInput(() => parseMarket('coin'))).toBe('--market: "coin" is not one of futures, spot');
  });

  it('takes an http(s) base URL, keeping a mirror path prefix', () => {
    expect(parseBaseUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(parseBaseUrl('https://mirror.example/binance/')).toBe('https://mirror.example/binance');
    expect(badInput(() => parseBaseUrl('data.binance.vision'))).toContain('--base-url: not a URL');
    expect(badInput(() => parseBaseUrl('ftp://x'))).toContain('must be http or https');
  });
});
