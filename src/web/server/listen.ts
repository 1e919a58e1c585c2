import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `host:port` and resolves with the port bound (0: any free one); rejects with the listen error (EADDRINUSE …). */
export function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const fail = (e: Error) => {
      server.off('listening', ok);
      reject(e);
    };
    const ok = () => {
      server.off('error', fail);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', fail);
    server.once('listening', ok);
    server.listen(port, host);
  });
}

/**
 * Options for node:http's createServer that bound how long a client may take to send a request
 * (fastify sets none on a server of our own): checked every second. A response (an event stream) is
 * not bounded by them.
 */
export const requestTimeouts = (ms: number) => ({ requestTimeout: ms, headersTimeout: ms, connectionsCheckingInterval: 1000 }) as const;
