// The client lives with the exchange adapters (src/exchange must not import src/sim); the simulator's
// callers keep their names for it.
export { ccxtForUrl as ccxtForSimulator, type UrlClientOptions as SimClientOptions, type UrlExchange as SimExchange } from '../exchange/ccxt-for-url.ts';
