/** SHA-256 of a file, and the `.CHECKSUM` files Binance publishes beside each archive. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DownloadError } from './download-error.ts';

/** Lower-case hex SHA-256 of the file's bytes, streamed (archives of 1m candles run to tens of MB). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The hash in a `.CHECKSUM` file: `sha256sum` output, `<64 hex>  <file name>` (a `*` before the
 * name in binary mode). When the file names an archive, it must be the one we asked for.
 */
export function parseChecksumText(text: string, fileName: string, source: string): string {
  const m = /^\s*([0-9a-fA-F]{64})(?:\s+\*?(\S+))?\s*$/.exec(text.split('\n').find((l) => l.trim() !== '') ?? '');
  if (!m) throw new DownloadError('badArchive', `${source}: not a checksum file (expected "<sha256>  ${fileName}", got ${JSON.stringify(text.slice(0, 80))})`);
  const named = m[2];
  if (named !== undefined && named !== fileName) throw new DownloadError('badArchive', `${source}: is the checksum of ${named}, not ${fileName}`);
  return (m[1] as string).toLowerCase();
}
