/**
 * Minimal typings for better-sqlite3 12 (no @types/better-sqlite3 is installed): only what src/store
 * uses. A script file (no top-level import/export), so it declares the module rather than augmenting it.
 */
declare module 'better-sqlite3' {
  namespace Database {
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }

    interface Statement<P extends unknown[] = unknown[]> {
      run(...params: P): RunResult;
      get(...params: P): unknown;
      all(...params: P): unknown[];
      /** The rows one at a time (the statement is busy until the iteration ends). */
      iterate(...params: P): IterableIterator<unknown>;
    }

    interface Transaction<F extends (...args: never[]) => unknown> {
      (...args: Parameters<F>): ReturnType<F>;
      deferred(...args: Parameters<F>): ReturnType<F>;
      immediate(...args: Parameters<F>): ReturnType<F>;
      exclusive(...args: Parameters<F>): ReturnType<F>;
    }

    interface Options {
      readonly?: boolean;
      fileMustExist?: boolean;
      /** Busy timeout, ms (default 5000). */
      timeout?: number;
    }

    interface Database {
      readonly name: string;
      readonly open: boolean;
      readonly inTransaction: boolean;
      readonly readonly: boolean;
      prepare<P extends unknown[] = unknown[]>(sql: string): Statement<P>;
      exec(sql: string): this;
      pragma(source: string, options: { simple: true }): unknown;
      pragma(source: string, options?: { simple?: false }): unknown[];
      transaction<F extends (...args: never[]) => unknown>(fn: F): Transaction<F>;
      close(): this;
    }

    interface DatabaseConstructor {
      new (filename: string, options?: Options): Database;
      (filename: string, options?: Options): Database;
    }

    interface SqliteError extends Error {
      code: string;
    }
  }

  const Database: Database.DatabaseConstructor;
  export = Database;
}
