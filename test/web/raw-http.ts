import { connect } from 'node:net';

export interface RawAnswer {
  /** 0: the connection was reset before an answer arrived. */
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

/**
 * One request written byte for byte on a socket to 127.0.0.1 (node's client would refuse or rewrite
 * these URLs); resolves with the answer once the server closes (`Connection: close`).
 */
export function raw(port: number, requestLine: string, headers = 'Host: 127.0.0.1\r\n', body = ''): Promise<RawAnswer> {
  return new Promise((done, fail) => {
    const s = connect(port, '127.0.0.1', () => s.write(`${requestLine}\r\n${headers}Connection: close\r\n\r\n${body}`));
    let out = '';
    const answer = () => {
      const head = out.slice(0, out.indexOf('\r\n\r\n'));
      done({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body: out.slice(head.length + 4) });
    };
    s.on('data', (b: Buffer) => (out += b.toString('latin1')));
    s.on('end', answer);
    // A server that refuses a request while it is still being written (431) resets the connection,
    // and the reset can overtake its answer: status 0 then.
    s.on('error', (e) => (out.startsWith('HTTP/') || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? answer() : fail(e)));
  });
}
