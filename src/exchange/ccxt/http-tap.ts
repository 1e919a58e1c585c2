import { AsyncLocalStorage } from 'node:async_hooks';
import type { Exchange } from 'ccxt';
import { type HttpFacts, attachHttpFacts, badResponseError, rateLimitWaitMsOf, unlistedStatusError } from './errors.ts';
import type { WeightBudget } from './weight-budget.ts';

/**
 * Hooks into one ccxt instance's REST path, below every unified method (so ccxt's own inner calls,
 * exchangeInfo and the order look-ups inside `trades`, are covered too):
 * - `fetch2` (before signing, so a long wait cannot stale the timestamp): waits at the budget's gate
 *   with the endpoint's weight (ccxt's cost table for Binance is the request weight);
 * - `handleErrors` (sees every response, success or not): records status, body and headers of *this*
 *   request. ccxt's `last_response_headers` is shared by concurrent calls, so the facts travel in an
 *   AsyncLocalStorage scope opened per request, and are attached to the error the request raises
 *   (`errors.ts` maps by them) and fed to the budget (used-weight headers, 429/418 Retry-After). An
 *   error status ccxt would let through as an answer (one missing from its `httpExceptions`) is raised.
 */

interface RequestScope {
  facts?: HttpFacts;
}

type Fetch2 = (path: string, api?: unknown, method?: string, params?: Record<string, unknown>, headers?: unknown, body?: unknown, config?: Record<string, unknown>) => Promise<unknown>;
type HandleErrors = (status: number, reason: string, url: string, method: string, headers: Record<string, string>, body: string, response: unknown, ...rest: unknown[]) => unknown;

interface Tappable {
  fetch2: Fetch2;
  handleErrors: HandleErrors;
  calculateRateLimiterCost(api: unknown, method: string, path: string, params: Record<string, unknown>, config: Record<string, unknown>): number;
  httpExceptions: Record<string, unknown>;
  [TAPPED]?: WeightBudget;
}

const TAPPED = Symbol.for('ladder.httpTap');
const scope = new AsyncLocalStorage<RequestScope>();

/** Binance endpoints that count against the ORDERS limits. */
const ORDER_PATHS = new Set(['order', 'batchOrders', 'algoOrder']);
/**
 * New orders that weigh nothing against the IP's request weight on Binance USDⓈ-M ("0 on IP rate
 * limit"): only the order counts limit them. ccxt's cost for them (4 for an order) mixes in the
 * order limits; taken as weight it would hold a stop or an exit back for the rest of the minute
 * whenever reads had spent the weight, though the exchange takes it.
 */
const WEIGHTLESS_ORDER_PATHS = new Set(['order', 'algoOrder']);

/** Installs the gate and the response tap on `ex` (once; a second call with another budget throws). */
export function tapExchange(ex: Exchange, budget: WeightBudget): void {
  const t = ex as unknown as Tappable;
  if (t[TAPPED]) {
    if (t[TAPPED] !== budget) throw new Error(`${ex.id}: this ccxt instance already spends from another rate-limit budget`);
    return;
  }
  t[TAPPED] = budget;
  const fetch2 = t.fetch2;
  const handleErrors = t.handleErrors;

  t.fetch2 = async function (this: Tappable, path, api = 'public', method = 'GET', params = {}, headers, body, config = {}) {
    const order = method === 'POST' && ORDER_PATHS.has(path);
    const weight = order && WEIGHTLESS_ORDER_PATHS.has(path) ? 0 : Number(this.calculateRateLimiterCost(api, method, path, params, config)) || 1;
    await budget.acquire({ weight, order });
    const s: RequestScope = {};
    const sentAtMs = budget.nowMs();
    try {
      return await scope.run(s, () => fetch2.call(this, path, api, method, params, headers, body, config));
    } catch (e) {
      if (s.facts) {
        attachHttpFacts(e, s.facts);
        if (s.facts.status === 429 || s.facts.status === 418) budget.penalize(rateLimitWaitMsOf(s.facts, Date.now()), s.facts.status === 418);
      }
      throw e;
    } finally {
      if (s.facts) budget.observe({ headers: s.facts.headers, sentAtMs });
    }
  };

  t.handleErrors = function (this: Tappable, status, reason, url, method, headers, body, response, ...rest) {
    const s = scope.getStore();
    if (s) s.facts = { status, body: typeof body === 'string' ? body : String(body ?? ''), headers: headers ?? {} };
    if (status === 200 && /\/exchangeInfo(\?|$)/.test(url) && response && typeof response === 'object') {
      budget.setLimitsFromExchangeInfo((response as Record<string, unknown>)['rateLimits']);
    }
    const handled = handleErrors.call(this, status, reason, url, method, headers, body, response, ...rest);
    if (handled === undefined && status >= 400 && !(String(status) in this.httpExceptions)) {
      throw unlistedStatusError(ex.id, method, url, status, reason, typeof body === 'string' ? body : '');
    }
    if (handled === undefined && status >= 200 && status < 300) {
      const wrong = notTheAnswer(method, url, response);
      if (wrong) throw badResponseError(ex.id, method, url, status, wrong, typeof body === 'string' ? body : '');
    }
    return handled;
  };
}

/** Binance endpoints (GET) whose answer is a list: anything else in a 200 is not their answer. */
const LIST_ANSWERS = /\/(?:positionRisk|openOrders|openAlgoOrders|allOrders|userTrades|income|klines|fundingRate)(?:\?|$)/;

/** Endpoints (matched on "METHOD url") whose answer (an object) has one of these fields: without it, it says nothing of what was done or is. */
const ANSWER_FIELDS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/\/(?:order|algoOrder)(?:\?|$)/, ['orderId', 'algoId']],
  [/\/account(?:\?|$)/, ['assets']],
  [/\/ticker\/(?:24hr|price)(?:\?|$)/, ['lastPrice', 'price']],
  [/\/exchangeInfo(?:\?|$)/, ['symbols']],
  // GET only: a change of either mode answers {"code":200,"msg":"success"}.
  [/^GET .*\/positionSide\/dual(?:\?|$)/, ['dualSidePosition']],
  [/^GET .*\/multiAssetsMargin(?:\?|$)/, ['multiAssetsMargin']],
];

/**
 * What is wrong with a 2xx answer that is not one (a proxy's or a CDN's page, a cut body, JSON
 * without the list or the fields): ccxt hands such a body on as the answer, and reads of it are
 * wrong answers, not failures: a positions read an empty list ("flat": the position taken for closed
 * by hand, its stop cancelled), a balance 0, a price NaN, an order with no id or status. Null when
 * it is one.
 */
function notTheAnswer(method: string, url: string, response: unknown): string | null {
  if (response === undefined || response === null || typeof response !== 'object') return 'the answer is not JSON';
  if (method === 'GET' && LIST_ANSWERS.test(url) && !Array.isArray(response)) return 'the answer is not a list';
  if (Array.isArray(response)) return null;
  const fields = ANSWER_FIELDS.find(([path]) => path.test(`${method} ${url}`))?.[1];
  if (fields && !fields.some((f) => f in response)) return `the answer has no ${fields.join(' or ')}`;
  return null;
}
