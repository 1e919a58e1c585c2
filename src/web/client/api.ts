/** The page's access to its own server: same origin, the token (if the page was opened with one) on every request. */
const token = new URLSearchParams(location.search).get('token');

export function apiUrl(path: string, params: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  if (token) q.set('token', token);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function getJson<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const r = await fetch(apiUrl(path, params), { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!r.ok) {
    const body = (await r.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `${path}: HTTP ${r.status}`);
  }
  return (await r.json()) as T;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/**
 * The server's event stream (`/api/stream`). EventSource reconnects by itself after a drop; when the
 * server refuses outright (the stream closes for good) this reopens it with a growing delay.
 */
export class LiveStream {
  private es: EventSource | null = null;
  private retryMs = 1000;
  state: StreamState = 'connecting';

  constructor(
    private readonly handlers: Record<string, (data: unknown) => void>,
    private readonly onState: (s: StreamState) => void,
  ) {
    this.open();
  }

  private set(s: StreamState): void {
    if (s === this.state) return;
    this.state = s;
    this.onState(s);
  }

  private open(): void {
    const es = new EventSource(apiUrl('/api/stream'));
    this.es = es;
    es.onopen = () => {
      this.retryMs = 1000;
      this.set('live');
    };
    es.onerror = () => {
      this.set('reconnecting');
      if (es.readyState === EventSource.CLOSED) {
        setTimeout(() => this.open(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 15_000);
      }
    };
    for (const [name, fn] of Object.entries(this.handlers)) es.addEventListener(name, (m) => fn(JSON.parse((m as MessageEvent<string>).data)));
  }

  close(): void {
    this.es?.close();
  }
}
