import type { Store } from '../../src/store/index.ts';

/**
 * The real store, each method call noted by name in `calls` (nothing stands in for it): a test of
 * what a view reads, e.g. that it never reads the whole trade history.
 */
export function recordingStore(real: Store, calls: string[]): Store {
  return new Proxy(real, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(key));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
