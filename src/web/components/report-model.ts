import type { SummaryView } from './summary-cards.ts';
import type { CandleColumns, EquityCurve, LevelRow, TradeView } from './view-model.ts';

/** Everything a backtest report page shows, embedded in the HTML as JSON. */
export interface ReportData {
  readonly title: string;
  readonly subtitle: string;
  readonly runs: readonly { readonly name: string; readonly summary: SummaryView; readonly levels: readonly LevelRow[] }[];
  readonly symbols: readonly {
    readonly symbol: string;
    readonly timeframeMs: number;
    readonly priceDecimals: number;
    readonly qtyDecimals: number;
    readonly candles: CandleColumns;
  }[];
  /** Trades drawn on the chart and listed: those of the first run. */
  readonly trades: readonly TradeView[];
  readonly equity: readonly EquityCurve[];
  readonly attribution: string;
}
