import type { Security } from './auth.ts';
import type { Clearances } from './clearance.ts';
import type { Engine } from './engine.ts';
import type { Funding } from './funding.ts';
import type { ListenKeys } from './listen-keys.ts';
import type { Params } from './order-params.ts';
import type { PriceFeed } from './price-feed.ts';

/** What REST handlers work on. */
export interface RestContext {
  readonly engine: Engine;
  readonly feed: PriceFeed;
  readonly listenKeys: ListenKeys;
  /** Funding rates and the settlements they charged. */
  readonly funding: Funding;
  /** The clearance fees of liquidations (INSURANCE_CLEAR). */
  readonly clearances: Clearances;
  readonly fees: { readonly makerFeePct: number; readonly takerFeePct: number };
  /** The server's wall clock (with any injected skew): `/fapi/v1/time` and the recvWindow check. */
  wallNowMs(): number;
  /** The `/fapi/v1/exchangeInfo` body with the current serverTime. */
  exchangeInfoText(): string;
}

/** One Binance endpoint: its security type, request weight, and handler (throws `SimError` to reject). */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly security: Security;
  readonly weight: number | ((p: Params) => number);
  /** Counts against the ORDERS limits. */
  readonly order?: boolean;
  /** The handler returns the body text itself (already JSON). */
  readonly raw?: boolean;
  readonly handler: (ctx: RestContext, p: Params) => unknown;
}
