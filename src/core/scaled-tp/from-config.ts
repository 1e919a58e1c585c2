import type { LadderConfig } from '../config/index.ts';
import type { FillModel } from '../fill-model.ts';
import type { ExitSettings, MoveStopTo } from './settings.ts';

/** The core's exit settings from a validated config.json (snake_case → SPEC words). */
export function exitSettingsFromConfig(c: LadderConfig): ExitSettings {
  return {
    scaled: c.enable_scaled_take_profit,
    levels: c.scaled_tp_levels.map((l) => ({
      profitPct: l.profit_pct,
      closePct: l.close_pct,
      moveStopTo: (typeof l.move_stop_to === 'object' ? { profitPct: l.move_stop_to.profit_pct } : l.move_stop_to) as MoveStopTo,
    })),
    minOrderNotional: c.scaled_tp_min_order_size,
    fallbackToSingle: c.scaled_tp_fallback_to_single,
    execution: c.scaled_tp_execution,
    breakevenOffsetPct: c.breakeven_offset_pct,
    stopLossPct: c.stop_loss_pct,
    takeProfitPct: c.take_profit_pct,
  };
}

/** Fees and slippage of simulated fills (backtest, paper) from config.json. */
export const fillModelFromConfig = (c: LadderConfig): FillModel => ({
  takerPct: c.fees.taker_pct,
  makerPct: c.fees.maker_pct,
  slippagePct: c.slippage_pct,
});
