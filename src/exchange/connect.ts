import { BinanceUsdm } from './ccxt/ccxt-parts.ts';
import type { LadderConfig } from '../core/config/index.ts';
import { NO_WS_SNAPSHOTS, ccxtForUrl } from './ccxt-for-url.ts';
import { CcxtExchange } from './ccxt/ccxt-exchange.ts';

export interface Credentials {
  readonly apiKey: string;
  readonly secret: string;
}

/**
 * The exchange of a config: Binance USDⓈ-M through ccxt (`exchange.testnet` → Binance's demo
 * trading endpoints), or any Binance-compatible server at `exchangeUrl` (the simulator).
 */
export function connectExchange(config: LadderConfig, creds: Credentials | null, exchangeUrl?: string): CcxtExchange {
  if (exchangeUrl) return new CcxtExchange(ccxtForUrl(exchangeUrl, creds ? { apiKey: creds.apiKey, secret: creds.secret } : {}));
  // The config's schema takes "binanceusdm" only (SUPPORTED_EXCHANGE_IDS).
  if (config.exchange.id !== 'binanceusdm') throw new Error(`exchange.id: ${config.exchange.id} is not supported (binanceusdm only)`);
  const ex = new BinanceUsdm({
    ...(creds ? { apiKey: creds.apiKey, secret: creds.secret } : {}),
    enableRateLimit: true,
    options: { fetchCurrencies: false, defaultType: 'swap', fetchMarkets: { types: ['linear'] }, ...NO_WS_SNAPSHOTS },
  });
  ex.has['fetchCurrencies'] = false;
  if (config.exchange.testnet) (ex as unknown as { enableDemoTrading(on: boolean): void }).enableDemoTrading(true);
  return new CcxtExchange(ex);
}
