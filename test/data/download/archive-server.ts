/**
 * A stand-in for data.binance.vision on 127.0.0.1 (ephemeral port): serves the archives a test
 * publishes, honours `Range: bytes=N-`, records every request, and misbehaves on demand (a status
 * for the next n requests, a connection cut after some bytes, Range ignored).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { strToU8, zipSync } from 'fflate';

export interface RecordedRequest {
  readonly path: string;
  readonly range: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

export interface ArchiveServer {
  readonly baseUrl: string;
  /** `127.0.0.1:PORT`, as messages name the host. */
  readonly host: string;
  readonly requests: RecordedRequest[];
  put(path: string, body: Uint8Array | string): void;
  /** Answers the next `times` requests for `path` with `status` (and an empty body). */
  failNext(path: string, status: number, times?: number): void;
  /** The next `times` responses for `path` send their headers and `bytes` bytes, then drop the connection. */
  cutNext(path: string, bytes: number, times?: number): void;
  /** Answers every request for `path` with the whole file (200), whatever its Range header. */
  ignoreRange(path: string): void;
  close(): Promise<void>;
}

export async function startArchiveServer(): Promise<ArchiveServer> {
  const files = new Map<string, Uint8Array>();
  const fails = new Map<string, { status: number; times: number }>();
  const cuts = new Map<string, { bytes: number; times: number }>();
  const noRange = new Set<string>();
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const range = req.headers.range;
    requests.push({ path, range, headers: req.headers });
    const fail = fails.get(path);
    if (fail && fail.times > 0) {
      fail.times--;
      res.writeHead(fail.status).end();
      return;
    }
    const body = files.get(path);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>');
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    if (m && !noRange.has(path)) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, 'accept-ranges': 'bytes' });
    } else {
      res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
    }
    const rest = body.subarray(start);
    const cut = cuts.get(path);
    if (cut && cut.times > 0) {
      cut.times--;
      // Flush the first bytes, then drop the connection mid-body.
      res.write(rest.subarray(0, cut.bytes), () => res.socket?.destroy());
      return;
    }
    res.end(rest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    put: (path, body) => files.set(path, typeof body === 'string' ? strToU8(body) : body),
    failNext: (path, status, times = 1) => fails.set(path, { status, times }),
    cutNext: (path, bytes, times = 1) => cuts.set(path, { bytes, times }),
    ignoreRange: (path) => noRange.add(path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** `/data/futures/um/monthly/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01.zip`, as Binance lays them out. */
export function archivePath(market: 'futures' | 'spot', symbol: string, interval: string, ym: string): string {
  const root = market === 'futures' ? '/data/futures/um/monthly/klines' : '/data/spot/monthly/klines';
  return `${root}/${symbol}/${interval}/${symbol}-${interval}-${ym}.zip`;
}

/** A Binance-style archive: one `<name>.csv` inside `<name>.zip`. */
export function zipCsv(fileName: string, csv: string): Uint8Array {
  return zipSync({ [fileName.replace(/\.zip$/, '.csv')]: strToU8(csv) });
}

/** `/data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2024-01.zip`. */
export const fundingArchivePath = (symbol: string, ym: string): string => `/data/futures/um/monthly/fundingRate/${symbol}/${symbol}-fundingRate-${ym}.zip`;

/** `/data/futures/um/monthly/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2024-01.zip`. */
export const markArchivePath = (symbol: string, interval: string, ym: string): string => `/data/futures/um/monthly/markPriceKlines/${symbol}/${interval}/${symbol}-${interval}-${ym}.zip`;

/** Publishes a month's kline archive and its `.CHECKSUM` (`<sha256>  <name>`); returns the zip bytes. */
export function publish(server: ArchiveServer, market: 'futures' | 'spot', symbol: string, interval: string, ym: string, csv: string): Uint8Array {
  return publishAt(server, archivePath(market, symbol, interval, ym), csv);
}

/** Publishes `csv` zipped at `path` (any archive type), with its `.CHECKSUM`; returns the zip bytes. */
export function publishAt(server: ArchiveServer, path: string, csv: string): Uint8Array {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const zip = zipCsv(name, csv);
  server.put(path, zip);
  server.put(`${path}.CHECKSUM`, `${sha256(zip)}  ${name}\n`);
  return zip;
}
