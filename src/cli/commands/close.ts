import type { Command } from 'commander';
import { type MarketRules, formatQty } from '../../core/market/market-rules.ts';
import { ExchangeError } from '../../exchange/errors.ts';
import type { ExchangePort, OrderState } from '../../exchange/port.ts';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from '../../bot/retry.ts';
import { withRetriedReads } from '../../bot/retrying-reads.ts';
import { CliError, checkExchangeUrlOption, parseSymbolOption } from '../cli-error.ts';
import { readConfig } from '../read-config.ts';
import { readCredentials } from '../secrets.ts';

interface CloseOptions {
  all?: boolean;
  symbol?: string;
  config: string;
  exchangeUrl?: string;
  confirmLive?: boolean;
}

/** Tries to flatten one symbol (a close order that met a moving position is retried on a fresh read). */
const CLOSE_ATTEMPTS = 5;
/**
 * What a refused close order may be retried after (on a fresh read of the position): anything but a
 * refusal of the keys or of the margin. A clock skew is resynced by the adapter; a plain refusal
 * (-4131 PERCENT_PRICE when the book is thin in a crash) may pass a moment later, and a reduce-only
 * close sent again can never over-close.
 */
const RETRY_CLOSE: ReadonlySet<string> = new Set(['reduceOnlyRejected', 'unknownOutcome', 'duplicate', 'transient', 'rateLimited', 'clockSkew', 'rejected']);
/** A cancel that failed for these reasons is tried again (a cancel is safe to repeat: gone is gone). */
const RETRY_CANCEL: ReadonlySet<string> = new Set(['unknownOutcome', 'transient', 'rateLimited']);
const RETRY_WAIT_MS = 300;
/** How long a close order may take to show as a flat position (Binance may answer a market order NEW). */
const FLAT_WAIT_MS = 10_000;

/**
 * The kill switch ([operate] 4): closes the open positions with reduce-only market orders, then cancels
 * our resting orders. The exchange is the truth: no store is opened, so it runs beside a live bot,
 * which sees an exit it did not send (a `ladderclose-…` id never matches its own `<SYMBOL>-<id>-…`),
 * books it as `manual`, ends the ladder and cancels its own orphans.
 */
export function registerCloseCommand(program: Command): void {
  program
    .command('close')
    .description('Kill switch: close every open position with reduce-only market orders, then cancel our orders (safe while the bot runs; needs API keys and --confirm-live)')
    .option('--all', 'every symbol of the config, and any other symbol with an open position')
    .option('--symbol <symbol>', 'one symbol only (BTCUSDT or BTC/USDT:USDT)')
    .option('--config <file>', 'config.json to use', 'config.json')
    .option('--exchange-url <url>', 'a Binance-compatible server instead of Binance (e.g. the simulator: http://127.0.0.1:18080)')
    .option('--confirm-live', 'required: you mean to send real orders')
    .action(async (o: CloseOptions) => {
      if (Boolean(o.all) === Boolean(o.symbol)) throw new CliError('close: give either --all (every symbol of the config) or --symbol S');
      // `btcusdt` and `btc/usdt:usdt` are BTCUSDT, as for backtest and history.
      const symbol = o.symbol !== undefined ? parseSymbolOption('--symbol', o.symbol) : undefined;
      checkExchangeUrlOption(o.exchangeUrl);
      const creds = readCredentials();
      if (!creds) throw new CliError('close needs API keys: set LADDER_API_KEY and LADDER_API_SECRET in the environment or in .env (never in config.json)');
      if (!o.confirmLive) throw new CliError('close sends real market orders: add --confirm-live to confirm');
      const cfg = await readConfig(o.config);
      if (!cfg.ok) throw new CliError(`${o.config}: invalid config`);
      const { connectExchange } = await import('../../exchange/connect.ts');
      const ex = connectExchange(cfg.value, creds, o.exchangeUrl);
      try {
        const markets = await ex.markets();
        // --all: the config's symbols and every other one holding a position (a symbol taken out of
        // `symbols` keeps its position, and the docs send the trader here to go fully flat).
        // That list failing, or naming a symbol with no market rules here, does not stop the kill switch:
        // the rest is still closed, then the command fails naming what it could not do.
        let failed = 0;
        const fail = (line: string) => {
          failed++;
          process.stderr.write(`ladder: ${line}\n`);
        };
        let held: string[] = [];
        if (symbol === undefined && ex.openPositionSymbols) {
          try {
            held = await withRetry(() => ex.openPositionSymbols!(), DEFAULT_RETRY);
          } catch (e) {
            if (!(e instanceof ExchangeError)) throw e;
            fail(`the account's positions could not be listed (${failure(e)}): only the config's symbols are closed; a position on another symbol may be left open`);
          }
        }
        const configured = symbol !== undefined ? [symbol] : cfg.value.symbols;
        const find = (s: string) => [...markets.values()].find((x) => x.id === s || x.symbol === s);
        const targets = configured.map((s) => {
          const m = find(s);
          if (!m) throw new CliError(`${s} is not a market of ${ex.name}`);
          return m;
        });
        for (const id of held) {
          if (targets.some((m) => m.id === id)) continue;
          const m = find(id);
          if (m) targets.push(m);
          else fail(`${id}: holds a position, but is not a market Ladder can trade on ${ex.name}: close it by hand`);
        }
        for (const m of targets) {
          try {
            await closeSymbol(ex, m, say);
          } catch (e) {
            failed++;
            process.stderr.write(`ladder: ${m.id}: ${e instanceof Error ? e.message : String(e)}\n`);
          }
        }
        if (failed > 0) process.exitCode = 1;
      } finally {
        await ex.close().catch(() => undefined);
      }
    });
}

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * One per close order sent: `ladderclose-<SYMBOL>-<ms in base 36>`, at most 35 characters with Binance's
 * longest symbols (14; its newClientOrderId allows 36). A look-up after a lost answer asks for the id
 * just sent, so it finds this order and never an earlier run's close of the same size (which, by one
 * id per size, was taken as the current close: reported as done, then 10 s waiting for a flat that
 * never came). Never `<SYMBOL>-…`, the bot's own form.
 */
export const closeClientId = (symbol: string, sentAtMs: number): string => `ladderclose-${symbol}-${sentAtMs.toString(36)}`;

/** The time of the last close id made in this process: the next one is later, so two ids are never the same. */
let lastCloseIdMs = 0;
const nextCloseIdMs = (): number => (lastCloseIdMs = Math.max(Date.now(), lastCloseIdMs + 1));

/** Flattens `m`, then cancels our orders there. Throws (orders kept) if the position does not go flat. */
export async function closeSymbol(port: ExchangePort, m: MarketRules, print: (line: string) => void): Promise<void> {
  // A failed read (5xx, timeout, 429) is retried with backoff: one 503 must not abort the kill switch.
  const ex = withRetriedReads(port, DEFAULT_RETRY);
  let closed = false;
  let refused = '';
  let lastRefusal = '';
  let takeProfitsCancelled = 0;
  /** Our take-profits whose state the last pass before a close could not learn (their cancel or look-up failed). */
  let takeProfitsUnknown: string[] = [];
  for (let attempt = 1; attempt <= CLOSE_ATTEMPTS; attempt++) {
    const p = await ex.position(m.id);
    if (p.side === null || p.qtySteps === 0) break;
    // Resting reduce-only TPs hold the position's reduce-only budget (Binance -4118): they go first.
    // The stop stays until the position is flat, so it is never unprotected.
    const tps = await cancelOurs(ex, m, print, (o) => o.type !== 'stop_market' && o.reduceOnly);
    takeProfitsCancelled += tps.cancelled;
    takeProfitsUnknown = tps.unknown;
    const clientOrderId = closeClientId(m.id, nextCloseIdMs());
    try {
      const o = await ex.createOrder({ symbol: m.id, side: p.side === 'long' ? 'sell' : 'buy', type: 'market', amountSteps: p.qtySteps, reduceOnly: true, clientOrderId });
      print(`${m.id}: closing ${p.side} ${formatQty(p.qtySteps, m)} with a reduce-only market order ${clientOrderId}${o.averagePrice ? ` (filled at ${o.averagePrice})` : ''}`);
      closed = true;
    } catch (e) {
      // The position moved meanwhile (a stop or TP filled: -2022; the bot put a TP back: -4118), or the answer was lost.
      if (!(e instanceof ExchangeError) || !RETRY_CLOSE.has(e.code)) throw e;
      // An order whose outcome is unknown (5xx, timeout) may have executed: it is looked up by its client id
      // before the position is read again (R6.4). Reduce-only keeps a re-send from ever over-closing, but a
      // close that did execute must be reported as such, not as "no open position".
      const found = e.code === 'unknownOutcome' ? await lookUp(ex, m.id, clientOrderId) : null;
      if (found !== null) {
        print(`${m.id}: closing ${p.side} ${formatQty(p.qtySteps, m)} with a reduce-only market order ${clientOrderId} (its answer was lost: found by its client id, ${found.status}${found.averagePrice ? ` at ${found.averagePrice}` : ''})`);
        closed = true;
        if (await waitFlat(ex, m.id)) break;
        continue;
      }
      lastRefusal = e.code;
      refused = ` (the last answer: ${failure(e)})`;
      print(`${m.id}: close order ${clientOrderId} not confirmed (${e.code}); reading the position again`);
      await sleep(RETRY_WAIT_MS * 2 ** (attempt - 1)); // 0.3, 0.6, 1.2, 2.4 s: a thin book has time to refill
      continue;
    }
    if (await waitFlat(ex, m.id)) break;
  }
  const after = await ex.position(m.id);
  if (after.side !== null && after.qtySteps !== 0) {
    // Said as it is: resting take-profits were cancelled to free the reduce-only budget.
    const tps = takeProfitsCancelled === 0 ? '' : ` (its ${takeProfitsCancelled} resting take-profit${takeProfitsCancelled === 1 ? ' was' : 's were'} cancelled to make room for the close; a running bot takes them as cancelled by hand and does not place them again)`;
    const unknownTps = takeProfitsUnknown.length === 0 ? '' : `; whether ${takeProfitsUnknown.length === 1 ? 'this order of ours still rests' : 'these orders of ours still rest'} is not known: ${takeProfitsUnknown.join('; ')}`;
    throw new Error(`position still open: ${after.side} ${formatQty(after.qtySteps, m)} after ${CLOSE_ATTEMPTS} attempts${refused}${unknownTps}${await stillOpenAdvice(ex, m, lastRefusal === 'reduceOnlyRejected', tps)}`);
  }
  if (!closed) print(`${m.id}: no open position`);
  // One read of the open orders for both: ours are cancelled, the rest said (cancelling ours leaves theirs as read).
  const open = await ex.openOrders(m.id);
  const { unknown, stillOpen } = await cancelOurs(ex, m, print, undefined, open);
  sayTheirs(open, m, print);
  // An order of ours left resting that is neither reduce-only nor closePosition can open a new position
  // (its cancel answered "unknown order" while the exchange still holds it): not flat in effect, so the command fails.
  const canOpen = stillOpen.filter((o) => !(o.reduceOnly || o.closePosition)).map((o) => `${o.type} ${o.side} ${formatQty(o.amountSteps, m)} ${o.clientOrderId}`);
  const problems = [
    ...(canOpen.length > 0 ? [`${canOpen.length === 1 ? 'this order of ours is' : 'these orders of ours are'} still open and can open a new position: ${canOpen.join('; ')}; cancel ${canOpen.length === 1 ? 'it' : 'them'} on the exchange (or run close again)`] : []),
    ...(unknown.length > 0 ? [`whether ${unknown.length === 1 ? 'this order of ours still rests' : 'these orders of ours still rest'} is not known: ${unknown.join('; ')}; run close again, or check on the exchange`] : []),
  ];
  if (problems.length > 0) throw new Error(`flat, but ${problems.join('; and ')}`);
}

/**
 * The orders that are not Ladder's still resting on `m` once it is flat: left alone (not ours), but
 * said, since the trader ran the kill switch to be flat: one not reduce-only can open a new position.
 * A reduce-only one cannot (the exchange expires it with nothing to reduce); one on the closing side
 * refuses the close itself (-4118: stillOpenAdvice names it), and a closePosition one expires once flat.
 */
function sayTheirs(open: readonly OrderState[], m: MarketRules, print: (line: string) => void): void {
  for (const o of open.filter((x) => !x.clientOrderId.startsWith(`${m.id}-`))) {
    print(`${m.id}: not Ladder's, left resting: ${o.type} ${o.side} ${o.closePosition ? 'closePosition' : formatQty(o.amountSteps, m)} ${o.clientOrderId} (${whatItCanDo(o)})`);
  }
}

/**
 * What a resting order can do once the symbol is flat, for the kill switch's lines: one neither
 * reduce-only nor closePosition can open a new position (the ccxt adapter reads a closePosition order
 * as reduce-only too; the port does not promise it).
 */
const whatItCanDo = (o: OrderState): string => (o.reduceOnly || o.closePosition ? 'reduce-only: it cannot open a position' : 'not reduce-only: it can open a new position; cancel it to stay flat');

/**
 * Cancels the resting orders of ours on `m` (client id `<SYMBOL>-…`) that `which` selects, stops on the
 * algo endpoint too (from `open` when read already). Returns how many it cancelled, those whose
 * state is not known (each said in words: the caller fails once the rest is done), and those found
 * still open after their cancel answered "unknown order" (said as not cancelled).
 */
async function cancelOurs(ex: ExchangePort, m: MarketRules, print: (line: string) => void, which?: (o: OrderState) => boolean, open?: readonly OrderState[]): Promise<{ cancelled: number; unknown: string[]; stillOpen: OrderState[] }> {
  const ours = (open ?? (await ex.openOrders(m.id))).filter((o) => o.clientOrderId.startsWith(`${m.id}-`) && (which?.(o) ?? true));
  if (ours.length === 0 && !which) print(`${m.id}: no order of ours open`);
  let cancelled = 0;
  const unknown: string[] = [];
  const stillOpen: OrderState[] = [];
  for (const o of ours) {
    // null: "unknown order", most often already gone (the bot cancelled its orphan first). A cancel whose
    // answer was lost is sent again: the second answer says whether it is gone.
    // A cancel that fails after its retries (a 5xx, a timeout, a refused key) says nothing either: the
    // rest goes on (before the close: the close still goes out), and the order is named as not known.
    let r: OrderState | null;
    try {
      r = await withRetry(() => ex.cancelOrder(m.id, o.clientOrderId, kindOf(o)), retryOn(RETRY_CANCEL));
    } catch (e) {
      if (!(e instanceof ExchangeError)) throw e;
      unknown.push(`${o.type} ${o.clientOrderId}: its cancel failed (${failure(e)})`);
      continue;
    }
    const after = r ? 'cancelled' : await afterUnknownCancel(ex, m, o, print);
    if (after === 'cancelled') cancelled++;
    if (after === 'cancelled' || after === 'gone') print(`${m.id}: ${after === 'cancelled' ? 'cancelled' : 'already gone:'} ${o.type} ${o.clientOrderId}`);
    else if (after === 'open') stillOpen.push(o);
    else unknown.push(after.unknown);
  }
  return { cancelled, unknown, stillOpen };
}

/**
 * An order whose cancel was answered "unknown order" is looked up: Binance answers so for a stop its
 * algo service is triggering (TRIGGERING: stuck there for minutes on its demo environment), which it
 * still lists. Found open: said as not cancelled, with what it can do ('open'). Found ended: 'gone'.
 * "No such order" (-2013) is believed only when the open orders list, read again, no longer shows it
 * (it listed it a moment ago); still listed, it is said as not cancelled. A look-up that fails (a 5xx,
 * a timeout, a refusal of the key) says nothing: `unknown`, never "gone".
 */
async function afterUnknownCancel(ex: ExchangePort, m: MarketRules, o: OrderState, print: (line: string) => void): Promise<'open' | 'gone' | { unknown: string }> {
  const notCancelled = (why: string) => print(`${m.id}: not cancelled: ${o.type} ${o.clientOrderId} is ${why}: ${whatItCanDo(o)}`);
  try {
    const now = await withRetry(() => ex.fetchOrder(m.id, o.clientOrderId, kindOf(o)), retryOn(RETRY_CANCEL));
    if (now === null) {
      if (!(await ex.openOrders(m.id)).some((x) => x.clientOrderId === o.clientOrderId)) return 'gone';
      notCancelled('still listed on the exchange, which answers "unknown order" to its cancel and "no such order" to its look-up');
      return 'open';
    }
    if (now.status !== 'open') return 'gone';
    notCancelled(`still open, ${now.triggered ? 'being triggered by the exchange' : 'still working on the exchange'} (it answered "unknown order" to the cancel)`);
    return 'open';
  } catch (e) {
    if (!(e instanceof ExchangeError)) throw e;
    return { unknown: `${o.type} ${o.clientOrderId} answered "unknown order" to its cancel and its look-up failed (${failure(e)})` };
  }
}

/** An exchange failure in words: `transient -1008: …`. */
const failure = (e: ExchangeError): string => `${e.code}${e.exchangeCode === null ? '' : ` ${e.exchangeCode}`}: ${e.message}`;

/**
 * The end of the message when the position stays open, from our open orders read now: whether a stop of
 * Ladder's still protects it (a position opened by hand and not managed has none: never said to be
 * protected), and after -4118 the reduce-only orders that are not Ladder's (the trader's own take-profit
 * set in the app) holding the position's reduce-only budget: every close is refused while they rest.
 * They are left alone (not ours to cancel), but named, since "run close again" alone would fail the same way.
 */
async function stillOpenAdvice(ex: ExchangePort, m: MarketRules, reduceOnlyRefused: boolean, tps: string): Promise<string> {
  let open: OrderState[];
  try {
    open = await ex.openOrders(m.id);
  } catch (e) {
    return `; its open orders could not be read (${e instanceof Error ? e.message : String(e)}): whether a stop of Ladder's protects it is not known${tps}: run close again`;
  }
  const stop = open.some((o) => o.clientOrderId.startsWith(`${m.id}-`) && o.type === 'stop_market') ? `its stop is kept and protects it${tps}` : `no stop of Ladder's rests on it: it is not protected${tps}`;
  const theirs = reduceOnlyRefused ? open.filter((o) => !o.clientOrderId.startsWith(`${m.id}-`) && o.reduceOnly && o.type !== 'stop_market') : [];
  if (theirs.length === 0) return `; ${stop}: run close again`;
  return `; reduce-only orders that are not Ladder's hold the position's reduce-only budget (${theirs.map((o) => `${o.type} ${o.clientOrderId}`).join(', ')}): cancel them (or close by hand), then run close again; ${stop}`;
}

/** The close order by its client id; null when the exchange does not know it (it never arrived). Failed look-ups are retried. */
async function lookUp(ex: ExchangePort, symbol: string, clientOrderId: string): Promise<OrderState | null> {
  const o = await withRetry(() => ex.fetchOrder(symbol, clientOrderId, 'order'), retryOn(RETRY_CANCEL));
  return o !== null && (o.filledSteps > 0 || o.status === 'open') ? o : null;
}

const retryOn = (codes: ReadonlySet<string>): RetryPolicy => ({ ...DEFAULT_RETRY, retryable: (e) => codes.has(e.code) });

const kindOf = (o: OrderState): 'order' | 'stop' => (o.type === 'stop_market' ? 'stop' : 'order');

/** Polls the position until it is flat, up to FLAT_WAIT_MS. */
async function waitFlat(ex: ExchangePort, symbol: string): Promise<boolean> {
  const end = Date.now() + FLAT_WAIT_MS;
  for (;;) {
    const p = await ex.position(symbol);
    if (p.side === null || p.qtySteps === 0) return true;
    if (Date.now() > end) return false;
    await sleep(250);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
