import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type MarketRules, parseMarketsFile } from '../core/market/index.ts';
import { formatConfigIssues } from '../core/config/index.ts';
import { parseJsonText } from '../core/config/parse.ts';
import { type Result, err, ok } from '../core/result.ts';

/** The shipped excerpt of Binance USDⓈ-M exchangeInfo (ten symbols; see data/markets/README.md). */
export const DEFAULT_MARKETS_PATH = fileURLToPath(new URL('../../data/markets/binance-usdm-excerpt.json', import.meta.url));

/**
 * Reads a `--markets` file: a Binance exchangeInfo JSON or ccxt markets JSON (SPEC "Data formats").
 * Every error names the file.
 */
export async function loadMarketsFile(path: string): Promise<Result<Map<string, MarketRules>, string[]>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return err([`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${e instanceof Error ? e.message : String(e)})`}`]);
  }
  let json: unknown;
  try {
    // A byte order mark (Windows editors save one) is not JSON, but it is no error in the file either.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    // Said as config.json's and space.json's are: one line at the error's line and column (JSON.parse's own
    // message may quote the text, newlines included, and give no place).
    const placed = parseJsonText(text, () => ok(null));
    return err(placed.ok ? [`${path}: malformed JSON`] : formatConfigIssues(placed.error, path));
  }
  const r = parseMarketsFile(json);
  return r.ok ? r : err(r.error.map((msg) => `${path}: ${msg}`));
}

/** The shipped markets excerpt. Throws if it is missing or broken: that is a packaging bug, not a user error. */
export async function defaultMarkets(): Promise<Map<string, MarketRules>> {
  const r = await loadMarketsFile(DEFAULT_MARKETS_PATH);
  if (!r.ok) throw new Error(`shipped markets excerpt is unusable: ${r.error.join('; ')}`);
  return r.value;
}
