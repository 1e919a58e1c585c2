import { describe, expect, it } from 'vitest';
import { createProgressPrinter, formatBytes, type DownloadEvent } from '../../../src/data/download/index.ts';

const f = { index: 2, count: 3, fileName: 'BTCUSDT-1h-2024-02.zip' };
const events: DownloadEvent[] = [
  { ...f, type: 'file.start', resumeFromBytes: 0 },
  { ...f, type: 'file.progress', bytes: 0, totalBytes: 40_000 },
  { ...f, type: 'file.progress', bytes: 10_000, totalBytes: 40_000 },
  { ...f, type: 'file.retry', attempt: 2, attempts: 5, delayMs: 500, reason: 'http://h/x.zip: HTTP 503 Service Unavailable' },
  { ...f, type: 'file.progress', bytes: 40_000, totalBytes: 40_000 },
  { ...f, type: 'file.done', path: 'out/BTCUSDT-1h-2024-02.zip', bytes: 40_000, outcome: 'downloaded', resumedFromBytes: 10_000, candles: 696 },
];

function capture(isTTY: boolean) {
  let text = '';
  const stream = { isTTY, columns: 120, write: (s: string) => (text += s) };
  return { stream, text: () => text };
}

describe('download progress', () => {
  it('writes one plain line per archive (and per retry) when stderr is not a terminal', () => {
    const out = capture(false);
    const p = createProgressPrinter(out.stream);
    for (const e of events) p.onEvent(e);
    expect(out.text()).toBe(
      '[2/3] BTCUSDT-1h-2024-02.zip: http://h/x.zip: HTTP 503 Service Unavailable; retrying in 0.5 s (try 2 of 5)\n' +
        '[2/3] BTCUSDT-1h-2024-02.zip: downloaded 40.0 kB (resumed at 10.0 kB), checksum ok, 696 candles\n',
    );
  });

  it('says so when an archive is already here', () => {
    const out = capture(false);
    createProgressPrinter(out.stream).onEvent({ ...f, type: 'file.done', path: 'p', bytes: 900, outcome: 'present', resumedFromBytes: 0, candles: 696 });
    expect(out.text()).toBe('[2/3] BTCUSDT-1h-2024-02.zip: already here, checksum ok (900 B), 696 candles\n');
  });

  it('redraws one line with months and bytes on a terminal, and ends each archive with a plain line', () => {
    const out = capture(true);
    let now = 0;
    const p = createProgressPrinter(out.stream, () => (now += 1000));
    for (const e of events) p.onEvent(e);
    const text = out.text();
    expect(text).toContain('\r\x1b[2K[2/3] BTCUSDT-1h-2024-02.zip   25%  10.0 kB / 40.0 kB  ██████░░░░░░░░░░░░░░░░░░');
    expect(text).toContain('100%  40.0 kB / 40.0 kB  ████████████████████████');
    expect(text.endsWith('\r\x1b[2K[2/3] BTCUSDT-1h-2024-02.zip: downloaded 40.0 kB (resumed at 10.0 kB), checksum ok, 696 candles\n')).toBe(true);
    expect(text.split('\n').filter(Boolean).map((l) => l.slice(l.lastIndexOf('\x1b[2K') + 4))).toEqual([
      '[2/3] BTCUSDT-1h-2024-02.zip: http://h/x.zip: HTTP 503 Service Unavailable; retrying in 0.5 s (try 2 of 5)',
      '[2/3] BTCUSDT-1h-2024-02.zip: downloaded 40.0 kB (resumed at 10.0 kB), checksum ok, 696 candles',
    ]);
  });

  it('formats sizes in decimal units', () => {
    expect([formatBytes(999), formatBytes(1500), formatBytes(2_345_678), formatBytes(3e9)]).toEqual(['999 B', '1.5 kB', '2.3 MB', '3.00 GB']);
  });
});
