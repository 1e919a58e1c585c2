import type { FeedEnd, RunResponse } from '../components/dashboard-model.ts';
import { el, fmtNum } from '../components/format.ts';
import { getJson } from './api.ts';
import { fmtLocal } from './time.ts';

/** The header's words for an ended feed, short (the pill) and long (its tooltip). */
export function endedText(e: FeedEnd): { short: string; long: string } {
  const at = fmtLocal(e.atMs);
  const detail = e.detail ? `: ${e.detail}` : '';
  switch (e.reason) {
    case 'data_ended':
      return { short: 'ended · data ran out', long: `the replayed data ran out (${at})${detail}; prices no longer move` };
    case 'stopped':
      return { short: 'ended · bot stopped', long: `the bot stopped at ${at}${detail}` };
    case 'failed':
      return { short: 'ended · bot failed', long: `the bot ended on an error at ${at}${detail}` };
    case 'not_responding':
      return { short: 'ended · bot not responding', long: `last heartbeat ${at}${detail}` };
    default:
      return { short: 'ended', long: at };
  }
}

const sizeText = (p: { mode: string; value: number }) => (p.mode === 'quote' ? `${fmtNum(p.value)} per position` : p.mode === 'base' ? `${p.value} base units per position` : `${p.value} % of equity at risk`);

/**
 * What the store ran with ([views] 17): a line in the header (mode, leverage, since when) and a section
 * on the Positions tab with the run's config: leverage, ladder, sizing, stop, limits. From the store's
 * latest run, never from a config file.
 */
export class RunPanel {
  readonly line = el('span', { class: 'run-line', id: 'run-line' });
  readonly root = el('section', { id: 'run', class: 'run' });
  private loads = 0;

  async load(): Promise<void> {
    const n = ++this.loads;
    let r: RunResponse;
    try {
      r = await getJson<RunResponse>('/api/run');
    } catch (e) {
      this.line.textContent = `run unknown (${e instanceof Error ? e.message : String(e)})`;
      return;
    }
    if (n !== this.loads) return;
    const c = r.config;
    const run = r.run;
    const since = run ? `${run.mode} run since ${fmtLocal(run.startedAtMs)}${run.endedAtMs !== null ? `, ended ${fmtLocal(run.endedAtMs)}` : ''}` : r.source === 'fallback' ? 'no run recorded: the given config' : 'no run recorded';
    this.line.textContent = c ? `${since} · ${c.leverage}×` : since;
    this.line.dataset.leverage = c ? String(c.leverage) : '';
    this.root.dataset.source = r.source;
    if (!c) {
      this.root.replaceChildren(el('h2', {}, 'Run'), el('p', { class: 'muted' }, run ? `${since}. Its stored config no longer validates.` : 'No run is recorded in this store (none yet, or a store from before Ladder recorded its runs): leverage and ladder unknown; the analytics use the default starting balance and take-profit. `ladder dashboard --config FILE` gives the config it ran with.'));
      return;
    }
    const kv = (key: string, label: string, value: string) => el('div', { 'data-key': key }, el('span', {}, label), el('b', {}, value));
    const ladder = c.scaled
      ? c.levels.map((l) => `TP${l.level} ${l.closePct} % at +${l.profitPct} %`).join(' · ')
      : `single take-profit at ${c.takeProfitPct} %`;
    const limits = Object.entries(c.riskLimits).map(([k, v]) => `${k} ${v}`);
    this.root.replaceChildren(
      el('h2', {}, 'Run'),
      el('p', { class: 'muted' }, `${since}${run ? ` (${run.command})` : ''}.`),
      el(
        'div',
        { class: 'kv' },
        kv('leverage', 'Leverage', `${c.leverage}× ${c.marginMode}`),
        kv('sizing', 'Sizing', sizeText(c.positionSize)),
        kv('stop', 'Initial stop', `${c.stopLossPct} %`),
        kv('ladder', c.scaled ? `Ladder (${c.execution})` : 'Exit', ladder),
        kv('symbols', 'Symbols', `${c.symbols.join(' ')} ${c.timeframe}`),
        kv('strategy', 'Strategy', c.strategy),
        kv('max-open', 'Max open', String(c.maxOpenPositions)),
        kv('limits', 'Risk limits', limits.length ? limits.join(', ') : 'none'),
      ),
    );
  }
}
