export { archiveKind, archiveRef, DATA_TYPES, defaultOutDir, DEFAULT_BASE_URL, formatYearMonth, kindLabel, MARKETS, monthsBetween, parseBaseUrl, parseDataType, parseInterval, parseMarket, parseSymbol, parseYearMonth, type ArchiveKind, type ArchiveRef, type DataType, type Market, type YearMonth } from './archive-spec.ts';
export { parseChecksumText, sha256File } from './checksum.ts';
export { downloadArchives, downloadFundingArchives, type DownloadedArchive, type DownloadRequest, type DownloadResult, type DownloadRunOptions, type FundingDownloadRequest, type FundingDownloadResult } from './download-archives.ts';
export { DownloadError, type DownloadErrorCode } from './download-error.ts';
export type { DownloadEvent, MonthRows } from './download-event.ts';
export { createProgressPrinter, formatBytes, type ProgressPrinter, type ProgressStream } from './download-progress.ts';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './fetch-archive.ts';
