import { type Rng, createRng } from './random.ts';

/**
 * User-data stream keys (`/fapi/v1/listenKey`). As on Binance, one account has one active key:
 * POST returns it again (and extends it) while it is active. Keys do not expire in the simulator.
 */
export class ListenKeys {
  private active: string | undefined;
  private readonly rng: Rng;
  private readonly closedListeners: Array<(key: string) => void> = [];

  constructor(seed: number) {
    this.rng = createRng(seed ^ 0x5eed);
  }

  create(): string {
    if (!this.active) {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
      this.active = Array.from({ length: 64 }, () => alphabet[Math.floor(this.rng.next() * alphabet.length)]).join('');
    }
    return this.active;
  }

  /** The active key, or undefined (PUT then answers -1125). */
  current(): string | undefined {
    return this.active;
  }

  isValid(key: string): boolean {
    return key === this.active;
  }

  close(): void {
    const key = this.active;
    this.active = undefined;
    if (key) for (const l of this.closedListeners) l(key);
  }

  onClosed(l: (key: string) => void): void {
    this.closedListeners.push(l);
  }
}
