export { archiveRef, defaultOutDir, DEFAULT_BASE_URL, formatYearMonth, MARKETS, monthsBetween, parseBaseUrl, parseInterval, parseMarket, parseSymbol, parseYearMonth, type ArchiveRef, type Market, type YearMonth } from './archive-spec.ts';
export { parseChecksumText, sha256File } from './checksum.ts';
export { downloadArchives, type DownloadedArchive, type DownloadRequest, type DownloadResult, type DownloadRunOptions } from './download-archives.ts';
export { DownloadError, type DownloadErrorCode } from './download-error.ts';
export type { DownloadEvent } from './download-event.ts';
export { createProgressPrinter, formatBytes, type ProgressPrinter, type ProgressStream } from './download-progress.ts';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './fetch-archive.ts';
