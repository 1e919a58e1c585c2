/**
 * Broken invariants and unusable databases: these throw (STYLE §8). Outcomes the bot must handle
 * (a duplicate intent, an out-of-order order status) are returned as values instead.
 */
export type StoreErrorCode =
  /** The file was written by a newer Ladder: its schema version is above the newest migration known here. */
  | 'newer_schema'
  /** SQLite refused WAL mode (e.g. a network file system): the durability guarantees would not hold. */
  | 'wal_unavailable'
  /** The file is not an SQLite database at all (a wrong --db). */
  | 'not_a_database'
  /** The file is a damaged SQLite database (cut short, overwritten in part): SQLite's words name no file. */
  | 'corrupt_store'
  /** A reader's --db is empty or another program's SQLite database: no Ladder schema to read (and none is written). */
  | 'not_a_store'
  /** The file cannot be opened at all (a directory, no permission): SQLite's message names no file. */
  | 'cannot_open'
  /** A save with `expectVersion` found another version stored (a stale in-memory position). */
  | 'stale_version'
  /** A save would change what never changes (symbol, side, entry, plan) or drop booked trades. */
  | 'conflicting_position'
  /** original = remaining + Σ exits does not hold (R4.2). */
  | 'size_not_conserved'
  /** A second open position for a symbol (one-way mode: one position per symbol). */
  | 'duplicate_open_position'
  /** A fill booked with a position that is not its own, or that has not applied it. */
  | 'fill_mismatch'
  /** An intent whose fields contradict each other (quantity, reduce-only, prices). */
  | 'invalid_intent'
  /** A stored row that cannot be read back (hand-edited or corrupted). */
  | 'corrupt_row'
  /** Another running bot holds this store's run lock ([entries] 4). */
  | 'store_in_use'
  /** Another program holds SQLite's own lock on the file past the busy timeout (an sqlite3 shell inside a transaction). */
  | 'locked';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** SQLite's answer when a file is not a database at all (it opens any file lazily; the first read says). */
export const isNotADatabase = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === 'SQLITE_NOTADB';

/** SQLite's answer when a database's pages are damaged (SQLITE_CORRUPT and its extended codes). */
export const isCorrupt = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CORRUPT');
};

/** SQLite could not write where it must (a read-only file or directory, another user's store, WAL's -shm file not creatable). */
export const isCannotWrite = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code.startsWith('SQLITE_READONLY'));
};

/** SQLite's answer when another connection held the file's lock for longer than the busy timeout. */
export const isBusy = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
};

/** SQLite's lock on `path` held by another program (isBusy): a `locked` StoreError naming `what` and what to do. */
export const lockedError = (path: string, what: string, e: unknown): StoreError =>
  new StoreError('locked', `${path}: ${what} is locked by another program (SQLite: ${(e as Error).message}): end what holds it (an sqlite3 shell or a database browser in a transaction), then try again`);
