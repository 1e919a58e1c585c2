/** What the downloader reports while it works; the CLI turns these into a progress display. */
interface FileRef {
  /** 1-based position of the month in the run, of `count`. */
  readonly index: number;
  readonly count: number;
  /** `BTCUSDT-1h-2024-01.zip` */
  readonly fileName: string;
}

/** What a month's archive held, read by Ladder's loaders: candles (klines, mark prices) or funding settlements. */
export type MonthRows = { readonly candles: number } | { readonly settlements: number };

export type DownloadEvent =
  | (FileRef & { readonly type: 'file.start'; /** Bytes of a `.part` left by an earlier run. */ readonly resumeFromBytes: number })
  | (FileRef & { readonly type: 'file.progress'; readonly bytes: number; readonly totalBytes: number | undefined })
  | (FileRef & { readonly type: 'file.retry'; readonly attempt: number; readonly attempts: number; readonly delayMs: number; readonly reason: string })
  | (FileRef & { readonly type: 'file.restart'; readonly reason: string })
  | (FileRef &
      MonthRows & {
        readonly type: 'file.done';
        readonly path: string;
        readonly bytes: number;
        readonly outcome: 'downloaded' | 'present';
        /** > 0 when the last response continued an earlier one (HTTP 206). */
        readonly resumedFromBytes: number;
      });
