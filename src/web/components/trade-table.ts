import { el, fmtDuration, fmtNum, fmtTimeUtc, pnlCell } from './format.ts';
import type { TradeView } from './view-model.ts';

export interface TradeTableOptions {
  readonly priceDecimals: (symbol: string) => number;
  readonly qtyDecimals: (symbol: string) => number;
  readonly fmtTime?: (ms: number) => string;
  /** A trade's row was opened (the report shows it on the chart). */
  readonly onSelect?: (t: TradeView) => void;
}

/**
 * Trades grouped by entry (R4.5, R8.4): one row per trade that expands to its partial exits, with
 * the profit per level, the average exit price and the total PnL.
 */
export function renderTradeTable(trades: readonly TradeView[], o: TradeTableOptions): HTMLElement {
  const time = o.fmtTime ?? fmtTimeUtc;
  const root = el('div', { class: 'trades' });
  if (trades.length === 0) root.append(el('p', { class: 'empty' }, 'No trades.'));
  for (const t of trades) {
    const pd = o.priceDecimals(t.symbol);
    const qd = o.qtyDecimals(t.symbol);
    const summary = el(
      'summary',
      { 'data-trade-id': t.id },
      el('span', { class: `side ${t.side}` }, t.side.toUpperCase()),
      el('span', { class: 'sym' }, t.symbol),
      el('span', {}, time(t.entryTimeMs)),
      el('span', { class: 'num' }, `entry ${fmtNum(t.entryPrice, pd)}`),
      el('span', { class: 'num' }, `qty ${fmtNum(t.originalQuantity, qd)}`),
      el('span', { class: 'num' }, `avg exit ${fmtNum(t.avgExitPrice, pd)}`),
      el('span', { class: 'num' }, `${t.exits.length} ${t.exits.length === 1 ? 'exit' : 'exits'}`),
      el('span', { class: 'num duration' }, t.open ? 'open' : fmtDuration((t.exits.at(-1)?.timeMs ?? t.entryTimeMs) - t.entryTimeMs)),
      el('span', { class: `num total ${t.pnl > 0 ? 'pos' : t.pnl < 0 ? 'neg' : ''}` }, `PnL ${fmtNum(t.pnl)}`),
      el('span', { class: 'level-pnl' }, profitPerLevel(t)),
    );
    const head = el('tr', {}, ...['Time', 'Reason', 'Level', 'Price', 'Quantity', 'Fee', 'PnL'].map((h) => el('th', {}, h)));
    const rows = t.exits.map((e) =>
      el(
        'tr',
        { class: 'exit', 'data-reason': e.reason },
        el('td', {}, time(e.timeMs)),
        el('td', {}, e.reason),
        el('td', { class: 'num' }, e.level === null ? '–' : String(e.level)),
        el('td', { class: 'num' }, fmtNum(e.price, pd)),
        el('td', { class: 'num' }, fmtNum(e.quantity, qd)),
        el('td', { class: 'num' }, fmtNum(e.fee, 4)),
        pnlCell(e.pnl),
      ),
    );
    const moves = t.stopMoves.length
      ? el('p', { class: 'moves' }, `Stop ${fmtNum(t.initialStop, pd)}` + t.stopMoves.map((m) => ` → ${fmtNum(m.to, pd)} (${m.reason})`).join(''))
      : el('p', { class: 'moves' }, `Stop ${fmtNum(t.initialStop, pd)}, never moved`);
    const details = el('details', { class: 'trade' }, summary, el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)), moves);
    if (o.onSelect) details.addEventListener('toggle', () => details.open && o.onSelect?.(t));
    root.append(details);
  }
  return root;
}

/**
 * PnL per exit reason in ladder order, e.g. `TP1 +1.80 · TP2 +3.60 · STOP −0.20` (R8.4 "profit per
 * level"), then the trade's funding when modelled (`FUNDING −0.12`), so the parts add up to its PnL.
 */
export function profitPerLevel(t: TradeView): string {
  const by = new Map<string, number>();
  for (const e of t.exits) by.set(e.reason, (by.get(e.reason) ?? 0) + e.pnl);
  if (t.funding !== undefined) by.set('funding', t.funding);
  return [...by.entries()].map(([r, pnl]) => `${r.toUpperCase()} ${pnl > 0 ? '+' : pnl < 0 ? '−' : ''}${fmtNum(Math.abs(pnl))}`).join(' · ');
}
