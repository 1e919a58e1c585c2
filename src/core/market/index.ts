export {
  type MarketRules,
  type OrderKind,
  type Rounding,
  formatPrice,
  formatQty,
  priceToTicks,
  qtyToSteps,
  stepsToQty,
  ticksToPrice,
} from './market-rules.ts';
export { fromBinanceSymbol, marketsFromExchangeInfo, unifiedSymbolOf } from './binance-exchange-info.ts';
export { type CcxtMarketOptions, type CcxtPrecisionMode, fromCcxtMarket } from './ccxt-market.ts';
export { type Markets, findMarket, marketsBySymbol, parseMarketsFile } from './markets-file.ts';
