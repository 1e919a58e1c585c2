import { el } from '../components/format.ts';
import type { SignalsResponse } from '../server/signals-view.ts';
import { getJson } from './api.ts';
import { fmtLocal } from './time.ts';

/** Signals received from outside (the webhook, [entries] 2), newest first, with their source and status; shown in the History tab. */
export class SignalsView {
  readonly root = el('section', { id: 'signals', class: 'signals' });
  private readonly status = el('p', { class: 'muted' });
  private readonly body = el('div', { class: 'scroll' });

  constructor() {
    this.root.append(el('h2', {}, 'Received signals'), this.status, this.body);
  }

  async load(): Promise<void> {
    let r: SignalsResponse;
    try {
      r = await getJson<SignalsResponse>('/api/signals', { limit: 100 });
    } catch (e) {
      this.status.textContent = `Could not load the signals: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    this.status.textContent = r.signals.length ? `${r.signals.length} most recent (ladder live|paper --webhook).` : 'None received (ladder live|paper --webhook).';
    const head = el('tr', {}, ...['Received', 'Source', 'Id', 'Symbol', 'Side', 'Stop %', 'Status', 'What happened'].map((h) => el('th', {}, h)));
    const rows = r.signals.map((s) =>
      el(
        'tr',
        { class: `signal ${s.status}`, 'data-signal-id': s.id },
        el('td', {}, fmtLocal(s.receivedAtMs)),
        el('td', {}, s.source),
        el('td', {}, s.id),
        el('td', {}, s.symbol),
        el('td', {}, s.side),
        el('td', {}, s.stopLossPct === null ? '–' : String(s.stopLossPct)),
        el('td', {}, s.status),
        el('td', {}, s.detail ?? ''),
      ),
    );
    this.body.replaceChildren(el('table', { class: 'signals' }, el('thead', {}, head), el('tbody', {}, ...rows)));
  }
}
