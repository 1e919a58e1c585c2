import { type BudgetOptions, WeightBudget } from './weight-budget.ts';

/**
 * One budget per exchange origin in the process (`https://fapi.binance.com`): Binance counts weight
 * per IP, so every CcxtExchange talking to the same host must spend from the same budget, or two
 * clients each staying under the limit would together pass it.
 */
const byOrigin = new Map<string, WeightBudget>();

/** The process's budget for `origin`, made with `options` on first use (later options are ignored). */
export function sharedBudget(origin: string, options: BudgetOptions = {}): WeightBudget {
  let b = byOrigin.get(origin);
  if (!b) {
    b = new WeightBudget(options);
    byOrigin.set(origin, b);
  }
  return b;
}

/** The origin of a ccxt exchange's REST API (its first URL in `urls.api`), or its id when it has none. */
export function apiOrigin(urls: unknown, fallback: string): string {
  const api = urls && typeof urls === 'object' ? (urls as Record<string, unknown>)['api'] : undefined;
  const first = findUrl(api);
  if (!first) return fallback;
  try {
    return new URL(first).origin;
  } catch {
    return fallback;
  }
}

/** The fapi entry when there is one (Binance USDⓈ-M), else the first http(s) URL in a nested `urls.api`. */
function findUrl(v: unknown): string | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  for (const key of ['fapiPrivate', 'fapiPublic']) if (typeof o[key] === 'string') return o[key];
  for (const x of Object.values(o)) {
    if (typeof x === 'string' && /^https?:/.test(x)) return x;
    const inner = findUrl(x);
    if (inner) return inner;
  }
  return undefined;
}
