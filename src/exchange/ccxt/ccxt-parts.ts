import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { pro } from 'ccxt';

/**
 * The two parts of ccxt the bot uses, loaded by their own files. ccxt's entry imports every one of its
 * ~110 exchanges: 0.55–1.24 s a process measured here, against 0.23–0.42 s for `binanceusdm` alone,
 * paid by every `ladder live`/`paper`/`demo`/`close` start and every restart. The package's `exports`
 * map names only its entry, so the files are found beside it (ccxt is pinned to one version in
 * package.json; test/exchange/ccxt/ccxt-parts.test.ts holds them to the entry's own classes).
 */
const entry = pathToFileURL(createRequire(import.meta.url).resolve('ccxt')); // …/ccxt/dist/ccxt.cjs
const part = async <T>(rel: string): Promise<T> => (await import(new URL(`../js/src/${rel}`, entry).href)) as T;

/** ccxt.pro's `binanceusdm`: REST and websocket. */
export const BinanceUsdm = (await part<{ default: typeof pro.binanceusdm }>('pro/binanceusdm.js')).default;

/** ccxt's error classes, by name. */
export const ccxtErrors = (await part<{ default: Record<string, abstract new (...a: never[]) => Error> }>('base/errors.js')).default;
