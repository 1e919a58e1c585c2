/**
 * Progress on stderr. On a terminal: one line redrawn in place (month i of n, a bar, bytes); when
 * stderr is a file or a pipe: one plain line per archive, plus one per retry, nothing redrawn.
 */
import type { DownloadEvent } from './download-event.ts';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressPrinter {
  readonly onEvent: (ev: DownloadEvent) => void;
  /** Clears a half-drawn bar (before an error message is printed). */
  readonly finish: () => void;
}

/** `1234567` → `1.2 MB` (decimal units, as download sizes are usually shown). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

function bar(fraction: number): string {
  const full = Math.round(Math.min(Math.max(fraction, 0), 1) * BAR_WIDTH);
  return `${'█'.repeat(full)}${'░'.repeat(BAR_WIDTH - full)}`;
}

const prefix = (ev: { index: number; count: number; fileName: string }) => `[${ev.index}/${ev.count}] ${ev.fileName}`;

function doneText(ev: Extract<DownloadEvent, { type: 'file.done' }>): string {
  const what =
    ev.outcome === 'present'
      ? `already here, checksum ok (${formatBytes(ev.bytes)})`
      : `downloaded ${formatBytes(ev.bytes)}${ev.resumedFromBytes > 0 ? ` (resumed at ${formatBytes(ev.resumedFromBytes)})` : ''}, checksum ok`;
  return `${prefix(ev)}: ${what}, ${'settlements' in ev ? `${ev.settlements} settlements` : `${ev.candles} candles`}`;
}

function noteText(ev: DownloadEvent): string | undefined {
  switch (ev.type) {
    case 'file.retry':
      return `${prefix(ev)}: ${ev.reason}; retrying in ${(ev.delayMs / 1000).toFixed(1)} s (try ${ev.attempt} of ${ev.attempts})`;
    case 'file.restart':
      return `${prefix(ev)}: ${ev.reason}; downloading again from the start`;
    case 'file.start':
      return ev.resumeFromBytes > 0 ? `${prefix(ev)}: resuming a partial download (${formatBytes(ev.resumeFromBytes)} on disk)` : undefined;
    case 'file.progress':
    case 'file.done':
      return undefined;
    default:
      return assertNever(ev);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled download event: ${JSON.stringify(x)}`);
}

export function createProgressPrinter(stream: ProgressStream, clock: () => number = Date.now): ProgressPrinter {
  if (stream.isTTY !== true) {
    return {
      onEvent: (ev) => {
        const text = ev.type === 'file.done' ? doneText(ev) : noteText(ev);
        if (text !== undefined) stream.write(`${text}\n`);
      },
      finish: () => undefined,
    };
  }
  let drawn = false;
  let lastDrawMs = -Infinity;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  const draw = (text: string) => {
    const width = stream.columns ?? 100;
    stream.write(`\r\x1b[2K${text.length >= width ? text.slice(0, width - 1) : text}`);
    drawn = true;
  };
  return {
    onEvent: (ev) => {
      if (ev.type === 'file.progress') {
        const now = clock();
        const finished = ev.totalBytes !== undefined && ev.bytes >= ev.totalBytes;
        if (!finished && now - lastDrawMs < REDRAW_MS) return;
        lastDrawMs = now;
        // Numbers before the bar, so a narrow terminal cuts the bar, not the figures.
        const size = ev.totalBytes !== undefined ? `${String(Math.floor((100 * ev.bytes) / ev.totalBytes)).padStart(3)}%  ${formatBytes(ev.bytes)} / ${formatBytes(ev.totalBytes)}  ${bar(ev.bytes / ev.totalBytes)}` : formatBytes(ev.bytes);
        draw(`${prefix(ev)}  ${size}`);
        return;
      }
      if (ev.type === 'file.done') {
        clear();
        stream.write(`${doneText(ev)}\n`);
        return;
      }
      const text = noteText(ev);
      if (ev.type === 'file.start') draw(`${prefix(ev)}  checking…`);
      if (text !== undefined) {
        clear();
        stream.write(`${text}\n`);
      }
    },
    finish: clear,
  };
}
