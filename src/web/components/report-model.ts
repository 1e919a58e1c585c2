import type { ColumnSpec } from './column-codec.ts';
import type { SummaryView } from './summary-cards.ts';
import type { LevelRow } from './view-model.ts';

/**
 * Everything a backtest report page shows. The small parts (header, summaries, levels) are JSON; the
 * large ones (candles, trades, equity) are compact numeric columns in compressed blobs embedded once
 * beside it (`BlobRef`), read when shown: candles once per symbol, shared by every run.
 */
export interface ReportData {
  readonly version: 2;
  readonly title: string;
  readonly subtitle: string;
  readonly header: ReportHeader;
  readonly runs: readonly ReportRun[];
  readonly symbols: readonly ReportSymbol[];
  readonly attribution: string;
}

/** What the report was made from: the period, symbols, config (and its hash) and files. */
export interface ReportHeader {
  /** First candle's open time, ms UTC. */
  readonly fromMs: number;
  /** Last candle's close time, ms UTC (exclusive end). */
  readonly toMs: number;
  readonly candles: number;
  readonly symbols: readonly string[];
  readonly strategy: string;
  readonly configFile: string;
  /** SHA-256 (hex) of the canonical JSON of the validated config with its defaults. */
  readonly configSha256: string;
  readonly dataFiles: readonly string[];
  readonly detailFiles: readonly string[];
  /** `compare --ladders` files, in run order. */
  readonly ladderFiles: readonly string[];
  /** `--funding` and `--mark` files, only when given: funding is then part of every trade's PnL. */
  readonly fundingFiles?: readonly string[];
  readonly markFiles?: readonly string[];
  /** `compare`: whether every run entered the same trades; null for a backtest. */
  readonly sameEntries: boolean | null;
  readonly generatedAtMs: number;
}

/** A blob of columns: its element id in the page and its columns in byte order. */
export interface BlobRef {
  readonly id: string;
  readonly cols: readonly (readonly [string, ColumnSpec])[];
}

/** Small tables the trade columns index into (codes), so a reason is one small integer per exit. */
export interface TradeCodes {
  /** Target code → [level, reason] (`tp1`…, or `tp` for the single take-profit). */
  readonly targets: readonly (readonly [number, string])[];
  /** Exit code → [reason, level or null]. */
  readonly exits: readonly (readonly [string, number | null])[];
  /** Stop move rule code → rule (`breakeven`, `previous_tp`, …). */
  readonly rules: readonly string[];
  /** Exit code → fee ÷ (price × quantity) as measured: fees are stored as the difference from it. */
  readonly feeRates: readonly number[];
  /** The entry fee's share of an exit ÷ (entry price × quantity), as measured (PnL is stored against it). */
  readonly entryFeeRate: number;
}

export interface ReportRun {
  readonly name: string;
  readonly summary: SummaryView;
  readonly levels: readonly LevelRow[];
  readonly tradeCount: number;
  /** With funding modelled (`--funding`): what the run's trades paid (negative) or received, in its PnL. */
  readonly funding?: { readonly total: number; readonly settlements: number };
  readonly codes: TradeCodes;
  readonly trades: BlobRef;
  readonly equity: BlobRef;
}

export interface ReportSymbol {
  readonly symbol: string;
  readonly timeframeMs: number;
  /** Display decimals (the market's tick and step). */
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
  /** Stored prices and quantities are integers × 10^−scale: exact for every price and quantity of the symbol. */
  readonly priceScale: number;
  readonly qtyScale: number;
  readonly candleCount: number;
  readonly candles: BlobRef;
}
