import type { DomainEvent } from '../core/model/commands.ts';

/** One human line per interesting event, for the demo's terminal (the JSON log goes to stderr). */
export function demoLine(e: DomainEvent): string | null {
  const t = new Date(e.timeMs).toISOString().slice(0, 16).replace('T', ' ');
  const head = `${t}  ${e.symbol.padEnd(8)}`;
  switch (e.type) {
    case 'plan.made': {
      const p = e.plan;
      const levels = p.levels.map((l) => (l.skipped ? `${l.reason.toUpperCase()} skipped` : `${l.reason.toUpperCase()} ${l.targetPrice}`)).join(' · ');
      return `${head}${p.side === 'long' ? 'LONG ' : 'SHORT'} at ${p.entryPrice}  stop ${p.initialStopPrice}  ladder ${levels}${p.mode === 'single' ? ` (single TP: ${p.singleReason})` : ''}`;
    }
    case 'fill.applied':
      return `${head}${e.reason.startsWith('tp') ? `✓ ${e.reason.toUpperCase()} filled` : `■ ${e.reason}`} at ${e.price}  pnl ${e.pnl.toFixed(2)}`;
    case 'stop.moved':
      return `${head}↑ stop ${e.fromPrice} → ${e.toPrice} (${e.rule})`;
    case 'position.closed':
      return `${head}closed (${e.reason})  total pnl ${e.pnl.toFixed(2)}`;
    default:
      return null;
  }
}
