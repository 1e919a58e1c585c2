import { el } from '../components/format.ts';
import type { RiskResponse } from '../server/risk-view.ts';
import { getJson } from './api.ts';
import { fmtLocal } from './time.ts';

/** One line on the Positions tab: the risk limit stopping new entries, if any ([operate] 3). */
export class RiskLine {
  readonly root = el('p', { id: 'risk', class: 'risk muted', role: 'status' });

  async load(): Promise<void> {
    let r: RiskResponse;
    try {
      r = await getJson<RiskResponse>('/api/risk');
    } catch (e) {
      this.root.textContent = `Could not load the risk limits: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    const today = `realised today (UTC): ${Math.round(r.today.realisedPnl * 100) / 100} over ${r.today.trades} trade(s)`;
    const h = r.hit;
    if (h?.active) {
      const until = h.untilMs === null ? 'until it clears' : `until ${fmtLocal(h.untilMs)}`;
      this.root.className = 'risk hit';
      this.root.textContent = `Risk limit hit: ${h.limit} (${h.detail}). No new entries ${until}; open positions keep their ladder and stop. ${today}.`;
    } else {
      this.root.className = 'risk muted';
      this.root.textContent = `Risk limits: no limit stopping entries; ${today}.`;
    }
  }
}
