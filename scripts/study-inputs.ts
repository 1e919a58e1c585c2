/** The study's inputs (docs/backtest-results.md), shared by scripts/backtest-study.ts and scripts/funding-study.ts. */
export const KLINES = '../shared/data/binance-spot-klines';
export const MARKETS = '../shared/data/binance-usdm-exchange-info.json';
export const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT', 'DOGEUSDT', 'AVAXUSDT', 'LINKUSDT', 'DOTUSDT'];
export const LADDERS = ['examples/ladders/default.json', 'examples/ladders/front-loaded.json', 'examples/ladders/runner-heavy.json'];
