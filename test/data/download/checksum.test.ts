import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DownloadError, parseChecksumText, sha256File } from '../../../src/data/download/index.ts';
import { tempDir } from '../../support/temp-dir.ts';

const HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'; // sha256 of no bytes
const dir = tempDir('ladder-checksum-');

describe('checksums', () => {
  it("reads Binance's .CHECKSUM text (sha256sum output)", () => {
    expect(parseChecksumText(`${HASH}  BTCUSDT-1h-2024-01.zip\n`, 'BTCUSDT-1h-2024-01.zip', 'x')).toBe(HASH);
    expect(parseChecksumText(`${HASH.toUpperCase()} *BTCUSDT-1h-2024-01.zip`, 'BTCUSDT-1h-2024-01.zip', 'x')).toBe(HASH);
    expect(parseChecksumText(`${HASH}\n`, 'BTCUSDT-1h-2024-01.zip', 'x')).toBe(HASH);
  });

  it('refuses a checksum of another file, or text that is not a checksum', () => {
    expect(() => parseChecksumText(`${HASH}  ETHUSDT-1h-2024-01.zip`, 'BTCUSDT-1h-2024-01.zip', 'a.CHECKSUM')).toThrow('a.CHECKSUM: is the checksum of ETHUSDT-1h-2024-01.zip, not BTCUSDT-1h-2024-01.zip');
    expect(() => parseChecksumText('<Error>NoSuchKey</Error>', 'B.zip', 'b.CHECKSUM')).toThrow(DownloadError);
  });

  it('hashes a file', async () => {
    const p = join(dir, 'empty');
    writeFileSync(p, '');
    expect(await sha256File(p)).toBe(HASH);
  });
});
