import { open } from 'node:fs/promises';

/**
 * The whole file in one read of its stated size, into a buffer of its own (offset 0, so typed-array
 * views of it are aligned). fs/promises `readFile` reads in 512 KiB rounds through the thread pool:
 * 36 ms against 15 ms for the 13 shared kline files. Loops only if a read comes back short.
 */
export async function readWholeFile(path: string): Promise<Buffer> {
  const h = await open(path, 'r');
  try {
    const { size } = await h.stat();
    const buf = Buffer.allocUnsafeSlow(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await h.read(buf, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? buf : buf.subarray(0, at);
  } finally {
    await h.close();
  }
}
