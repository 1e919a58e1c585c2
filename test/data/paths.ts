import { fileURLToPath } from 'node:url';

/** Hand-made candle fixtures (test/fixtures/candles). */
export const FIXTURES = fileURLToPath(new URL('../fixtures/candles/', import.meta.url));
/** The shared real Binance klines, beside the checkout (`../shared/data/…`, see its README). */
export const KLINES = fileURLToPath(new URL('../../../shared/data/binance-spot-klines/', import.meta.url));
/** The shared real USDⓈ-M funding rates and 1h mark-price klines (`../shared/data/…`, see their READMEs). */
export const FUNDING = fileURLToPath(new URL('../../../shared/data/binance-usdm-funding/', import.meta.url));
export const MARK_1H = fileURLToPath(new URL('../../../shared/data/binance-usdm-mark-1h/', import.meta.url));
