import type { PositionCardView } from './dashboard-model.ts';
import { el, fmtNum, fmtPct } from './format.ts';

export interface CardFormat {
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
  readonly fmtTime: (ms: number) => string;
}

const signed = (x: number, digits = 2) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${fmtNum(Math.abs(x), digits)}`;
const pnlClass = (x: number | null) => (x === null ? '' : x > 0 ? 'pos' : x < 0 ? 'neg' : '');

/**
 * The ladder as a progress bar (R8.2): one segment per level, as wide as its share; a hit level shows a
 * check and its fill price, the next one is outlined, a skipped one struck through.
 */
export function renderLadder(p: PositionCardView, f: CardFormat): HTMLElement {
  const nextReason = p.nextTarget?.reason ?? null;
  const bar = el('div', { class: 'ladder', role: 'list', 'aria-label': 'take-profit levels' });
  for (const l of p.levels) {
    const cls = ['level', l.hit ? 'hit' : '', l.skipped ? 'skipped' : '', l.reason === nextReason ? 'next' : ''].filter(Boolean).join(' ');
    const partial = !l.hit && l.plannedQty > 0 && l.filledQty > 0 ? Math.min(100, (l.filledQty / l.plannedQty) * 100) : 0;
    const seg = el(
      'div',
      { class: cls, role: 'listitem', 'data-level': l.level === null ? l.reason : String(l.level), style: `flex-grow:${Math.max(l.closePct, 8)}`, title: `${l.reason.toUpperCase()} ${l.closePct} % at ${fmtNum(l.targetPrice, f.priceDecimals)}${l.skipped ? ` (skipped: ${l.skipped})` : ''}` },
      el('div', { class: 'bar', style: `width:${partial}%` }),
      el('span', { class: 'name' }, l.reason.toUpperCase()),
      ...(l.hit ? [el('span', { class: 'check', 'aria-label': 'filled' }, '✓')] : []),
      el('span', { class: 'px' }, l.hit && l.fillPrice !== null ? `@ ${fmtNum(l.fillPrice, f.priceDecimals)}` : `${fmtNum(l.targetPrice, f.priceDecimals)}`),
    );
    bar.append(seg);
  }
  return bar;
}

/** The text of an open position's card (R8.1–R8.3); the dashboard puts its live chart under it. */
export function renderPositionCard(p: PositionCardView, f: CardFormat): HTMLElement {
  const px = (x: number | null) => fmtNum(x, f.priceDecimals);
  const qty = (x: number) => fmtNum(x, f.qtyDecimals);
  const kv = (label: string, value: string | Node, cls = '') => el('div', { class: cls }, el('span', {}, label), el('b', {}, value));
  const filledLevels = p.levels.filter((l) => l.hit).length;
  const active = p.levels.filter((l) => !l.skipped).length;
  const next = p.nextTarget;
  // Named by its level's reason: the single take-profit is `TP`, not ladder level 1.
  const nextName = next?.reason.toUpperCase() ?? '';
  return el(
    'div',
    { class: 'card-body' },
    el(
      'div',
      { class: 'head' },
      el('span', { class: `side ${p.side}` }, p.side.toUpperCase()),
      el('span', { class: 'sym' }, p.symbol),
      ...(p.leverage !== null ? [el('span', { class: 'badge lev' }, `${p.leverage}×`)] : []),
      el('span', { class: 'muted' }, `${p.mode === 'single' ? 'single TP' : `${filledLevels}/${active} levels`} · since ${f.fmtTime(p.entryTimeMs)}`),
    ),
    renderLadder(p, f),
    el(
      'div',
      { class: 'kv' },
      kv('Entry', px(p.entryPrice), 'entry'),
      kv('Size (orig → left)', `${qty(p.originalQty)} → ${qty(p.remainingQty)}`, 'size'),
      kv('Stop', p.previousStopPrice === null ? px(p.stopPrice) : `${px(p.stopPrice)} (was ${px(p.previousStopPrice)})`, 'stop'),
      kv(
        'Next target',
        next ? `${nextName} ${px(next.price)}${next.distancePct === null ? '' : ` · ${signed(next.distancePct)} %`}` : '–',
        'next',
      ),
      kv('Price', p.markPrice === null ? '–' : px(p.markPrice), 'mark'),
      kv('Unrealised PnL', el('span', { class: pnlClass(p.unrealizedPnl) }, p.unrealizedPnl === null ? '–' : signed(p.unrealizedPnl)), 'upnl'),
      kv('Realised PnL', el('span', { class: pnlClass(p.realizedPnl) }, signed(p.realizedPnl)), 'rpnl'),
      kv('Avg exit', p.avgExitPrice === null ? '–' : px(p.avgExitPrice), 'avg'),
      kv('Liq. price (est.)', px(p.liquidationPrice), 'liq'),
      kv('Margin', fmtNum(p.marginUsed), 'margin'),
      kv('Return on margin', el('span', { class: pnlClass(p.returnOnMarginPct) }, p.returnOnMarginPct === null ? '–' : `${signed(p.returnOnMarginPct)} %`), 'rom'),
      ...(p.originalQty > 0 ? [kv('Closed', fmtPct(1 - p.remainingQty / p.originalQty, 0), 'closed')] : []),
    ),
  );
}
