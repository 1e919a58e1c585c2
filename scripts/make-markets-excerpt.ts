/**
 * Writes data/markets/binance-usdm-excerpt.json: the Binance USDⓈ-M exchangeInfo snapshot with
 * `symbols` cut down to the ten symbols the demo trades. Everything else (timezone, serverTime,
 * futuresType, rateLimits, exchangeFilters, assets) and every kept value is copied unchanged.
 *
 *   npx tsx scripts/make-markets-excerpt.ts [source.json] [out.json]
 *
 * Default source: ../shared/data/binance-usdm-exchange-info.json beside the checkout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const EXCERPT_SYMBOLS = [
  'BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'AVAXUSDT', 'LINKUSDT', 'DOTUSDT',
] as const;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const source = path.resolve(process.argv[2] ?? path.join(repoRoot, '../shared/data/binance-usdm-exchange-info.json'));
const out = path.resolve(process.argv[3] ?? path.join(repoRoot, 'data/markets/binance-usdm-excerpt.json'));

const info = JSON.parse(readFileSync(source, 'utf8')) as Record<string, unknown> & { symbols?: unknown };
if (!Array.isArray(info.symbols)) throw new Error(`${source}: no "symbols" array; not an exchangeInfo response`);
const wanted = new Set<string>(EXCERPT_SYMBOLS);
const symbols = info.symbols.filter((s: { symbol?: unknown }) => typeof s.symbol === 'string' && wanted.has(s.symbol));
const missing = EXCERPT_SYMBOLS.filter((id) => !symbols.some((s: { symbol?: unknown }) => s.symbol === id));
if (missing.length > 0) throw new Error(`${source}: missing symbols ${missing.join(', ')}`);

// Same key order as the source; 4-space indentation as in the shared snapshot.
writeFileSync(out, `${JSON.stringify({ ...info, symbols }, null, 4)}\n`);
process.stdout.write(`${out}: ${symbols.length} symbols from ${source}\n`);
