import { fileURLToPath } from 'node:url';

/** Hand-made candle fixtures (test/fixtures/candles). */
export const FIXTURES = fileURLToPath(new URL('../fixtures/candles/', import.meta.url));
/** The shared real Binance klines, beside the checkout (`../shared/data/…`, see its README). */
export const KLINES = fileURLToPath(new URL('../../../shared/data/binance-spot-klines/', import.meta.url));
