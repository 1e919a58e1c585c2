import { Ledger } from '../exchange/matching/index.ts';
import { type SymbolRules, qtyNum } from './markets.ts';

/** One notional bracket (Binance `leverageBracket` shape). */
export interface Bracket {
  readonly bracket: number;
  readonly initialLeverage: number;
  readonly notionalCap: number;
  readonly notionalFloor: number;
  readonly maintMarginRatio: number;
  readonly cum: number;
}

/**
 * Leverage brackets. Binance's real tables differ per symbol and change often; the simulator uses one
 * plausible table (125× for BTC/ETH, 75× otherwise at the first tier) so margin, maintenance and
 * `setLeverage` limits behave sensibly. `cum` follows Binance's definition (maintenance amount).
 */
export function bracketsFor(symbol: string): Bracket[] {
  const top = symbol === 'BTCUSDT' || symbol === 'ETHUSDT' ? 125 : 75;
  const tiers: Array<[number, number, number]> = [
    [top, 50_000, 0.004],
    [Math.round(top * 0.8), 250_000, 0.005],
    [Math.round(top * 0.4), 1_000_000, 0.01],
    [Math.max(1, Math.round(top * 0.16)), 10_000_000, 0.025],
    [Math.max(1, Math.round(top * 0.08)), 50_000_000, 0.05],
    [Math.max(1, Math.round(top * 0.04)), 100_000_000, 0.1],
    [2, 200_000_000, 0.25],
    [1, 500_000_000, 0.5],
  ];
  const out: Bracket[] = [];
  let floor = 0;
  let cum = 0;
  let prevMmr = 0;
  tiers.forEach(([lev, cap, mmr], i) => {
    cum += floor * (mmr - prevMmr);
    out.push({ bracket: i + 1, initialLeverage: lev, notionalCap: cap, notionalFloor: floor, maintMarginRatio: mmr, cum });
    floor = cap;
    prevMmr = mmr;
  });
  return out;
}

export const maxLeverage = (symbol: string): number => bracketsFor(symbol)[0]!.initialLeverage;

/** The largest notional allowed at `leverage` (Binance `maxNotionalValue`). */
export function maxNotionalAt(symbol: string, leverage: number): number {
  const ok = bracketsFor(symbol).filter((b) => b.initialLeverage >= leverage);
  return ok[ok.length - 1]?.notionalCap ?? 0;
}

/** Maintenance margin rate of a notional. */
export function maintRate(symbol: string, notional: number): number {
  const b = bracketsFor(symbol).find((x) => notional <= x.notionalCap);
  return b?.maintMarginRatio ?? 0.5;
}

/**
 * The account-wide modes, as Binance keeps them (one per account, not per symbol): the position mode
 * (hedge = `dualSidePosition`) and the Multi-Assets margin mode. The simulator trades one-way only, but
 * it lets a client switch hedge mode on, as Binance does, so a bot's refusal to run in it can be tested.
 */
export class AccountModes {
  dualSidePosition = false;
  multiAssetsMargin = false;
}

/**
 * The simulator's account: the matching engine's ledger (wallet, positions, leverage) plus what only
 * the simulator reports, the liquidation price from its bracket table.
 */
export class Account extends Ledger {
  readonly modes = new AccountModes();

  /** A rough liquidation price (isolated formula on the position alone); 0 when flat. */
  liquidationPrice(r: SymbolRules): number {
    const p = this.positions.get(r.symbol);
    if (!p || p.amtSteps === 0) return 0;
    const notional = Math.abs(qtyNum(p.amtSteps, r)) * p.entryPrice;
    const mmr = maintRate(r.symbol, notional);
    const liq = p.amtSteps > 0 ? p.entryPrice * (1 - 1 / p.leverage + mmr) : p.entryPrice * (1 + 1 / p.leverage - mmr);
    return Math.max(0, liq);
  }
}
