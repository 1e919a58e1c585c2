import type { MarketRules } from '../core/market/market-rules.ts';
import { ExchangeError, isRetryable } from '../exchange/errors.ts';
import type { ExchangePort, MarginMode, MarginModeChange } from '../exchange/port.ts';
import type { Logger } from './logger.ts';

/** Refused at start: the account or a market is not one the bot can trade safely. The message says how to fix it. */
export class AccountCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountCheckError';
  }
}

/** Runs a start-up call with the bot's transient-failure retries. */
export type StartupCall = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

/**
 * The account-wide modes: one-way positions only (the bot's orders carry no positionSide, and its
 * ladder and stops assume one position per symbol), and single-asset margin (its liquidation check
 * assumes the position's own margin). Both are refused rather than changed: switching them touches
 * every position of the account, which is the owner's decision.
 */
export async function checkAccountModes(ex: ExchangePort, call: StartupCall): Promise<void> {
  if (!ex.accountModes) return;
  const modes = await call('accountModes', () => ex.accountModes!());
  if (modes.hedgeMode) {
    throw new AccountCheckError(
      `${ex.name}: the account is in hedge mode (dualSidePosition); Ladder trades one-way positions only. ` +
        'Switch it to one-way mode with no position or order open (Binance Futures: Preferences > Position Mode > One-way Mode), then start again.',
    );
  }
  if (modes.multiAssets) {
    throw new AccountCheckError(
      `${ex.name}: the account is in Multi-Assets margin mode; Ladder assumes single-asset margin (its liquidation check and sizing use one settle asset). ` +
        'Switch it to Single-Asset Mode (Binance Futures: Preferences > Asset Mode > Single-Asset Mode), then start again.',
    );
  }
}

/**
 * The settle assets must hold something: with nothing in the futures wallet (the funds left in spot)
 * every entry is refused for margin (-2019), an alert each signal. An empty wallet holds no position
 * (a position's margin counts in its balance), so refusing to start leaves nothing unmanaged. With
 * several settle assets (USDT and USDC symbols) and only some empty, the others' symbols can trade: the
 * empty ones are returned, to be said, not refused. A balance that could not be read is not judged
 * here (the bot's own reads retry and say why).
 */
export function checkSettleBalances(balances: readonly { readonly asset: string; readonly total: number }[], exchange: string, paper = false): string[] {
  const empty = balances.filter((b) => !(b.total > 0));
  if (empty.length === 0 || empty.length < balances.length) return empty.map((b) => b.asset);
  const assets = empty.map((b) => b.asset).join(' or ');
  const held = empty.map((b) => `${b.asset} (balance ${b.total})`).join(' or ');
  const fix = paper ? 'start a new paper account (another --db, with --balance)' : `transfer ${assets} to the USDⓈ-M Futures wallet (Binance: Assets > Transfer), then start again`;
  throw new AccountCheckError(`${exchange}: the ${paper ? 'paper' : 'futures'} account holds no ${held}, the margin every entry needs: ${fix}`);
}

/** The market must be trading: a settling or delisted one accepts no entry (Binance -1121, -4140). */
export function checkTrading(m: MarketRules, exchange: string): void {
  if (m.status !== undefined && m.status !== 'TRADING') {
    throw new AccountCheckError(`symbols: ${m.symbol} is not trading on ${exchange} (status ${m.status}); remove it from symbols or wait until it trades again`);
  }
}

/**
 * Sets the configured margin mode on one symbol. Binance refuses the change while a position or an
 * order is open there: the bot then keeps the current mode and says so (the open position still
 * needs its ladder and stop; refusing to start would leave it unmanaged).
 */
export async function applyMarginMode(ex: ExchangePort, symbol: string, mode: MarginMode, call: StartupCall, log: Logger): Promise<MarginModeChange | null> {
  if (!ex.setMarginMode) return null;
  const r = await call(`setMarginMode ${symbol}`, () => ex.setMarginMode!(symbol, mode));
  if (r === 'blocked') log.warn({ symbol, marginMode: mode, why: 'a position or an order is open there: the current mode stays until the symbol is flat, and is set before its next entry' }, 'account.margin_mode_kept');
  else if (r === 'changed') log.info({ symbol, marginMode: mode }, 'account.margin_mode_set');
  return r;
}

/**
 * What a margin-mode or leverage call made before an entry from flat came to:
 * - `set`: the configured value holds (changed now, or already so);
 * - `kept`: the margin mode could not change while an order of the owner's rests there (said); the
 *   entry goes out in the current mode, and the next entry tries again;
 * - `unknown`: no definitive answer (a 5xx, a timeout, the network): whether it was changed is not
 *   known, so the entry waits as for a failing read (within webhook.max_lag_s) and asks again;
 * - `refused`: a definitive refusal (-4028 the leverage above the symbol's brackets now, -4168 isolated
 *   margin under Multi-Assets mode…): the position would not be the configured one (a higher leverage
 *   puts liquidation before the stop), so the signal is not traded, with an alert;
 * - `rateLimited`: a 429, a 418 ban, or not sent for one: the entry would be refused for it too; it waits.
 */
export type AccountSetting = 'set' | 'kept' | 'unknown' | 'refused' | 'rateLimited';

/**
 * The configured margin mode of a symbol, set again before every entry from flat (start may have had to
 * keep the current one, a position being open; the owner may have switched it by hand since), so that
 * the new position is in the configured mode (isolated: its loss bounded by its own margin).
 */
export async function setKeptMarginMode(ex: ExchangePort, symbol: string, mode: MarginMode, log: Logger): Promise<AccountSetting> {
  if (!ex.setMarginMode) return 'set';
  try {
    const r = await ex.setMarginMode(symbol, mode);
    if (r === 'blocked') {
      log.warn({ symbol, marginMode: mode, why: 'an order is open there: this entry goes out in the current mode' }, 'account.margin_mode_kept');
      return 'kept';
    }
    if (r === 'changed') log.info({ symbol, marginMode: mode }, 'account.margin_mode_set');
    return 'set';
  } catch (e) {
    log.warn({ symbol, marginMode: mode, err: { message: e instanceof Error ? e.message : String(e) } }, 'account.margin_mode_failed');
    return settingFailure(e);
  }
}

/**
 * The configured leverage, set again before every entry from flat: raised by hand since start (5× to
 * 100×), the position's liquidation would come before its stop (the stop-past-liquidation check reads
 * the config's leverage). Binance answers success when it is already so.
 */
export async function setLeverageAgain(ex: ExchangePort, symbol: string, leverage: number, log: Logger): Promise<AccountSetting> {
  try {
    await ex.setLeverage(symbol, leverage);
    return 'set';
  } catch (e) {
    log.warn({ symbol, leverage, err: { message: e instanceof Error ? e.message : String(e) } }, 'account.leverage_failed');
    return settingFailure(e);
  }
}

/** A failed account call: refused for good only on the exchange's definitive answer (a 5xx body's code says nothing). */
function settingFailure(e: unknown): AccountSetting {
  if (isRateLimited(e)) return 'rateLimited';
  if (!(e instanceof ExchangeError) || e.code === 'unknownOutcome' || isRetryable(e)) return 'unknown';
  return 'refused';
}

/** A 429, 418 or 403 (Binance's WAF) answer, or a request not sent because one is in force: nothing was done. */
const isRateLimited = (e: unknown): boolean => e instanceof ExchangeError && e.code === 'rateLimited';
