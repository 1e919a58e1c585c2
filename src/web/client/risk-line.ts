import type { AccountResponse } from '../components/dashboard-model.ts';
import { el, fmtNum } from '../components/format.ts';
import { getJson } from './api.ts';
import { fmtLocal } from './time.ts';

const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${fmtNum(Math.abs(x))}`;
const sign = (x: number | null) => (x === null ? '' : x > 0 ? 'pos' : x < 0 ? 'neg' : '');

/**
 * The account summary on the Positions tab ([views] 17): equity, wallet balance, available, margin used,
 * unrealised and today's realised PnL, and one line on the risk limits ([operate] 3).
 */
export class AccountSummary {
  readonly root = el('section', { id: 'account', class: 'account' });
  private readonly cards = el('div', { class: 'cards' });
  private readonly note = el('p', { class: 'muted', id: 'account-note' });
  private readonly risk = el('p', { id: 'risk', class: 'risk muted', role: 'status' });
  private loads = 0;

  constructor() {
    this.root.append(el('h2', {}, 'Account'), this.cards, this.note, this.risk);
  }

  async load(): Promise<void> {
    const n = ++this.loads;
    let a: AccountResponse;
    try {
      a = await getJson<AccountResponse>('/api/account');
    } catch (e) {
      this.risk.textContent = `Could not load the account: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    if (n !== this.loads) return;
    const asset = a.asset ?? '';
    const card = (key: string, label: string, value: string, cls = '') =>
      el('div', { class: `card ${cls}`, 'data-key': key }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value));
    this.cards.replaceChildren(
      card('equity', `Equity ${asset}`.trim(), fmtNum(a.balance?.total)),
      card('balance', 'Wallet balance', fmtNum(a.walletBalance)),
      card('available', 'Available', fmtNum(a.balance?.free)),
      card('margin', 'Margin used', fmtNum(a.marginUsed)),
      card('upnl', 'Unrealised PnL', signed(a.unrealizedPnl), sign(a.unrealizedPnl)),
      card('today', 'Realised today (UTC)', `${signed(a.today.realisedPnl)} · ${a.today.trades} trade(s)`, sign(a.today.realisedPnl)),
    );
    this.note.textContent = a.balance
      ? `Equity and available as the bot last read them (${fmtLocal(a.balance.atMs)}); PnL and margin of the ${a.openPositions} open position(s) at the last price.`
      : 'No balance read yet: the bot reads it every 15 s while it runs. PnL and margin at the last price.';
    const limits = Object.entries(a.riskLimits).map(([k, v]) => `${k} ${v}`);
    const set = limits.length ? `limits set: ${limits.join(', ')}` : 'no risk limit set';
    const h = a.riskHit;
    if (h?.active) {
      const until = h.untilMs === null ? 'until it clears' : `until ${fmtLocal(h.untilMs)}`;
      this.risk.className = 'risk hit';
      this.risk.textContent = `Risk limit hit: ${h.limit} (${h.detail}). No new entries ${until}; open positions keep their ladder and stop (${set}).`;
    } else {
      this.risk.className = 'risk muted';
      this.risk.textContent = `Risk limits: no limit stopping entries (${set}).`;
    }
  }
}
