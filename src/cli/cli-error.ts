import type { Command } from 'commander';
import { parseTimeText } from '../data/parse-time.ts';
import { symbolProblem, toExchangeSymbol } from '../strategy/signals-file.ts';

/** A user-facing error: printed as `ladder: <message>` on stderr, exit code 1, nothing on stdout. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** ISO-8601 calendar date, optionally with a time (minutes at least) and a zone. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * `--from`/`--to`: ISO-8601 only (`2024-01-31`, `2024-01-31T12:00Z`, `2024-01-31T14:00+02:00`) → ms UTC.
 * A date or a time without a zone is UTC, never the machine's local time; anything else (`01/31/2024`,
 * `yesterday`, an epoch number) is an error naming the option ([views] 17).
 */
export function parseTimeOption(name: string, text: string): number {
  const ms = ISO_8601.test(text) ? parseTimeText(text) : NaN;
  if (!Number.isFinite(ms)) throw new CliError(`${name}: not a date in ISO-8601 (${JSON.stringify(text)}; expected 2024-01-31, 2024-01-31T12:00Z or 2024-01-31T14:00+02:00; without a zone it is UTC)`);
  return ms;
}

/**
 * `--symbol`: the exchange id or the ccxt symbol of a USDⓈ-M perpetual, in any case (`btcusdt`,
 * `BTCUSDT`, `btc/usdt:usdt`) → the exchange id `BTCUSDT`, as signal files and candle file names
 * are read; anything else (a spot or coin-margined symbol, a typo) is an error naming the option.
 */
export function parseSymbolOption(name: string, text: string): string {
  const id = toExchangeSymbol(text.trim());
  if (id === undefined) throw new CliError(`${name}: ${symbolProblem(text.trim())}`);
  return id;
}

/**
 * `--manage [symbols...]` (paper, live): `true` (no symbol named: every symbol of the config) as
 * is; else each symbol as parseSymbolOption reads it, and each one of the config's `symbols` (a
 * symbol the bot does not trade would adopt nothing, silently).
 */
export function parseManageOption(manage: readonly string[] | true | undefined, configSymbols: readonly string[]): readonly string[] | true | undefined {
  if (manage === undefined || manage === true) return manage;
  const traded = configSymbols.map((s) => toExchangeSymbol(s) ?? s);
  return manage.map((text) => {
    const id = parseSymbolOption('--manage', text);
    if (!traded.includes(id)) throw new CliError(`--manage: ${id} is not one of the config's symbols (${traded.join(', ')}): the bot adopts positions only on the symbols it trades`);
    return id;
  });
}

/**
 * `--poll-ms` (paper, live): a whole number of milliseconds, 1 to 3,600,000. Anything else (`5s`, `0`,
 * `-5`, `1.5e3x`) would make the loop wait NaN or nothing, which Node runs as 1 ms: a request storm.
 */
export function parsePollMsOption(text: string): number {
  const ms = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(ms >= 1 && ms <= 3_600_000)) throw new CliError(`--poll-ms: must be a whole number of milliseconds from 1 to 3600000 (default 1000), got ${JSON.stringify(text)}`);
  return ms;
}

export const splitList = (s: string | undefined): string[] => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** Any option given an empty value on the command line (`--data ""`, an unset shell variable): a CliError naming it. */
export function refuseEmptyValues(cmd: Command): void {
  for (const opt of cmd.options) {
    const value: unknown = cmd.getOptionValue(opt.attributeName());
    if (typeof value === 'string' && value.trim() === '' && cmd.getOptionValueSource(opt.attributeName()) === 'cli') throw new CliError(`${opt.long}: empty value`);
  }
}

/**
 * Commander's parser for a comma-separated list option given more than once: `--data a.csv --data b.csv`
 * is `--data a.csv,b.csv`, not the last one alone (the first file was dropped without a word). An empty
 * value in any of them leaves the option empty, which the command refuses as such (`--data: empty value`).
 */
export const appendList = (value: string, previous: string | undefined): string =>
  previous === undefined ? value : previous.trim() === '' || value.trim() === '' ? '' : `${previous},${value}`;

/**
 * A single-value option given more than once in `argv` (`--config a.json … --config b.json`): a CliError
 * naming it and its values. Commander keeps the last value, so the first was dropped without a word and
 * the run was not the one the trader typed. List options (`appendList`) and variadic ones add up, and a
 * flag given twice means what it means once: both are left alone. Tokens after `--` are operands.
 */
export function refuseRepeatedOptions(cmd: Command, argv: readonly string[]): void {
  const end = argv.indexOf('--');
  const tokens = end === -1 ? argv : argv.slice(0, end);
  for (const opt of cmd.options) {
    if (opt.long === undefined || (!opt.required && !opt.optional) || opt.variadic || opt.parseArg === appendList) continue;
    const long = opt.long;
    const values: string[] = [];
    tokens.forEach((t, i) => {
      if (t === long) values.push(tokens[i + 1] ?? '');
      else if (t.startsWith(`${long}=`)) values.push(t.slice(long.length + 1));
    });
    if (values.length > 1) throw new CliError(`${long}: given ${values.length} times (${values.join(', ')}): give it once`);
  }
}

/**
 * `map` when it has no entry for `id` yet, else a CliError: options that take one entry per symbol
 * (`--detail`, `--funding`, `--mark`) name the second one given.
 */
export function onePerSymbol<T>(map: Map<string, T>, option: string, id: string, file: string): Map<string, T> {
  if (map.has(id)) throw new CliError(`${option}: two entries for ${id} (${file} is the second): one per symbol; several files of it (months) go in one directory, given as one entry`);
  return map;
}

/**
 * `--exchange-url` (paper, live, close): an http:// or https:// URL. Anything else (`notaurl`,
 * `127.0.0.1:18080` without the scheme) made every request fail as a network error, retried forever.
 */
export function checkExchangeUrlOption(text: string | undefined): void {
  if (text === undefined) return;
  let ok = false;
  try {
    const u = new URL(text);
    ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok) throw new CliError(`--exchange-url: must be an http:// or https:// URL (e.g. http://127.0.0.1:18080), got ${JSON.stringify(text)}`);
}
