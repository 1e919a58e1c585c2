import type { SummaryView } from './summary-cards.ts';
import type { CandleColumns, EquityCurve, LevelRow, TradeView } from './view-model.ts';

/**
 * The dashboard's JSON API (src/web/server) as the page (src/web/client) reads it. Times are ms UTC
 * (the page shows them in the viewer's time zone); prices and quantities are numbers, shown with the
 * decimals of the symbol's tick and step.
 */
export interface SymbolInfo {
  readonly symbol: string;
  /** Exact texts from the plans of its positions; null when no position of it is stored yet. */
  readonly tickSize: string | null;
  readonly stepSize: string | null;
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
  /** Timeframe of its stored candles; null when none are stored. */
  readonly timeframeMs: number | null;
  readonly lastPrice: number | null;
  readonly lastPriceTimeMs: number | null;
  /** Where the last price came from: the bot's live feed, or the last stored candle's close. */
  readonly priceSource: 'feed' | 'candle' | null;
}

export interface LevelCardView {
  /** The ladder level; null for the single take-profit (it is not ladder level 1). */
  readonly level: number | null;
  readonly reason: string;
  readonly targetPrice: number;
  readonly closePct: number;
  readonly plannedQty: number;
  readonly filledQty: number;
  readonly status: string;
  readonly skipped: string | null;
  readonly hit: boolean;
  readonly hitTimeMs: number | null;
  readonly fillPrice: number | null;
}

/** One open position's card (R8.1–R8.3), from the core's `tpStatus` at the last known price. */
export interface PositionCardView {
  readonly id: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly mode: 'scaled' | 'single';
  /** From the config of the run the position was opened under (the store's runs); null when unknown. */
  readonly leverage: number | null;
  /**
   * Estimated liquidation price at that leverage on isolated margin (the distance the config check
   * uses: 100/leverage − the maintenance margin %); null without a leverage.
   */
  readonly liquidationPrice: number | null;
  /** Initial margin of the remaining size: entry × remaining / leverage. */
  readonly marginUsed: number | null;
  /** Unrealised PnL over that margin, in % (Binance's ROE). */
  readonly returnOnMarginPct: number | null;
  readonly entryPrice: number;
  readonly entryTimeMs: number;
  readonly originalQty: number;
  readonly remainingQty: number;
  readonly levels: readonly LevelCardView[];
  readonly stopPrice: number;
  readonly previousStopPrice: number | null;
  readonly nextTarget: { readonly level: number | null; readonly reason: string; readonly price: number; readonly distancePct: number | null } | null;
  readonly markPrice: number | null;
  readonly markTimeMs: number | null;
  readonly unrealizedPnl: number | null;
  readonly realizedPnl: number;
  readonly avgExitPrice: number | null;
  /** The position as the shared trade chart draws it (entry, exits, targets, stop ladder). */
  readonly trade: TradeView;
}

export type FeedState = 'live' | 'down' | 'standalone' | 'ended';

/** Why the feed ended: the replayed data ran out (the demo), the bot stopped or failed, or it went silent. */
export interface FeedEnd {
  readonly reason: 'data_ended' | 'stopped' | 'failed' | 'not_responding';
  /** When: the data's end was seen, the bot ended, or its last heartbeat. */
  readonly atMs: number;
  readonly detail: string | null;
}

export interface FeedView {
  /**
   * `live`: the bot beside the dashboard reached the exchange recently; `down`: it has not; `standalone`:
   * no bot in this process (the store is read); `ended`: the store's latest run says its feed ended.
   */
  readonly state: FeedState;
  readonly lastOkMs: number | null;
  readonly lastError: string | null;
  readonly ended: FeedEnd | null;
}

/** What the store's latest run traded with ([views] 17): the parts of its stored config the dashboard shows. */
export interface RunConfigView {
  /** One line, as `ladder config validate` prints it. */
  readonly summary: string;
  readonly exchange: string;
  readonly symbols: readonly string[];
  readonly timeframe: string;
  readonly strategy: string;
  readonly leverage: number;
  readonly marginMode: string;
  readonly maxOpenPositions: number;
  readonly positionSize: { readonly mode: string; readonly value: number };
  readonly stopLossPct: number;
  readonly takeProfitPct: number;
  readonly scaled: boolean;
  readonly execution: string;
  readonly breakevenOffsetPct: number;
  readonly levels: readonly { readonly level: number; readonly profitPct: number; readonly closePct: number; readonly moveStopTo: string }[];
  /** The risk limits set (absent ones are off). */
  readonly riskLimits: Readonly<Record<string, number>>;
}

export interface RunResponse {
  /** `run`: the store's latest run; `fallback`: the store has no run, the config given to the dashboard; `none`: neither. */
  readonly source: 'run' | 'fallback' | 'none';
  readonly run: {
    readonly id: number;
    readonly mode: 'paper' | 'live' | 'demo';
    readonly command: string;
    readonly startedAtMs: number;
    readonly heartbeatAtMs: number;
    readonly endedAtMs: number | null;
    readonly state: 'running' | 'data_ended' | 'stopped' | 'failed' | 'not_responding';
    readonly detail: string | null;
  } | null;
  /** Null when the stored config does not validate any more (or there is none). */
  readonly config: RunConfigView | null;
  readonly serverTimeMs: number;
}

/** The account summary over the positions ([views] 17): the bot's last balance read and the store. */
export interface AccountResponse {
  /** Settle asset of the balance (USDT); null before the bot read one. */
  readonly asset: string | null;
  /** The last balance the bot read (every 15 s while it runs): total = equity, free = available. */
  readonly balance: { readonly total: number; readonly free: number; readonly atMs: number } | null;
  /** Equity less the open positions' unrealised PnL now: the wallet balance. */
  readonly walletBalance: number | null;
  readonly unrealizedPnl: number;
  /** Σ initial margin of the open positions (entry × remaining / leverage); null when a leverage is unknown. */
  readonly marginUsed: number | null;
  readonly openPositions: number;
  /** Realised PnL of the trades closed since 00:00 UTC (what daily_loss_limit counts). */
  readonly today: { readonly fromMs: number; readonly realisedPnl: number; readonly trades: number };
  /** The limit refusing entries, if any, and the limits set in the run's config. */
  readonly riskHit: { readonly limit: string; readonly detail: string; readonly sinceMs: number; readonly untilMs: number | null; readonly active: boolean } | null;
  readonly riskLimits: Readonly<Record<string, number>>;
  readonly serverTimeMs: number;
}

export interface PositionsResponse {
  readonly positions: readonly PositionCardView[];
  readonly symbols: readonly SymbolInfo[];
  readonly feed: FeedView;
  /** Id of the newest stored event the snapshot includes. */
  readonly lastEventId: number;
  readonly serverTimeMs: number;
}

export interface HistoryResponse {
  /** One page of trades, newest entry first. */
  readonly trades: readonly TradeView[];
  readonly symbols: readonly SymbolInfo[];
  /** Trades matching the filters, over all pages. */
  readonly total: number;
  readonly closed: number;
  /** Σ PnL of every matching trade's exits (realised), over all pages. */
  readonly realisedPnl: number;
  /** 1-based; past the last page gives the last page. */
  readonly page: number;
  readonly pageSize: number;
  readonly pages: number;
}

export interface RunView {
  readonly summary: SummaryView;
  readonly levels: readonly LevelRow[];
  readonly expectancy: number;
  readonly avg_r: number;
}

export interface ComparedTrade {
  readonly id: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly entryTimeMs: number;
  readonly scaledPnl: number;
  readonly singlePnl: number;
  /** How the single take-profit closed: `tp`, `stop`, `signal`, or `end` (stored candles ran out). */
  readonly singleReason: string;
}

export interface AnalyticsResponse {
  readonly startingBalance: number;
  /** The bot's closed trades (R8.5), through `analyzeRun`, the code `ladder compare` uses. */
  readonly scaled: RunView;
  /** Scaled vs single take-profit on the same entries: the closed trades with stored candles. */
  readonly comparison: {
    readonly entries: number;
    /** Trades left out: no stored candle after their entry. */
    readonly withoutCandles: readonly string[];
    /** Single-TP outcomes still open when the stored candles ended, closed at the last close (`end`). */
    readonly closedAtEnd: number;
    readonly takeProfitPct: number;
    readonly scaled: RunView;
    readonly single: RunView;
    readonly trades: readonly ComparedTrade[];
  };
  /** Realised equity (starting balance + PnL of every exit, in time order): scaled, then single. */
  readonly equity: readonly EquityCurve[];
}

export interface CandlesResponse {
  readonly symbol: string;
  readonly timeframeMs: number | null;
  readonly candles: CandleColumns;
}

/** Server-sent events on `/api/stream` (the `event:` name, then its JSON `data:`). */
export interface StreamMessages {
  readonly positions: PositionsResponse;
  /** A stored domain event (a fill, a stop move, a plan, a close). */
  readonly event: { readonly id: number; readonly type: string; readonly symbol: string; readonly positionId: string; readonly timeMs: number };
  /** Prices from the bot's feed, throttled. */
  readonly prices: { readonly prices: readonly { readonly symbol: string; readonly price: number; readonly timeMs: number }[] };
  /** A closed candle the bot stored. */
  readonly candle: { readonly symbol: string; readonly timeframeMs: number; readonly t: number; readonly o: number; readonly h: number; readonly l: number; readonly c: number };
  readonly feed: FeedView;
}
