import type { LevelReason } from '../core/model/plan.ts';
import { type ExitReason, type PartialExit, closeClientId, exitClientId } from '../core/model/position.ts';
import type { Steps } from '../core/units.ts';

/**
 * The exits of a backtest's closed trades, one column per field (issue 14 part 3: a columnar exit
 * log). A closed trade keeps where its exits start and how many there are; its `partialExits` are
 * built from here when read (closed-trade.ts). An exit object with its boxed doubles and client id
 * costs ~190 B on the heap; a row here costs 45 B, which is what brings the 10M-candle run under 1 GB.
 *
 * Client ids are not stored when they are the ones the trade's id gives (`<id>-tp1`, `<id>-close`),
 * only the others (a later close's `<id>-close1`), so every exit reads back exactly as it was.
 */
export class ExitLog {
  private n = 0;
  /** Rows in chunks of CHUNK rows: the log grows without copying (and without garbage to collect). */
  private readonly chunks: Chunk[] = [];
  private readonly reasons: ExitReason[] = [];
  /** Row → client id, for the rows whose id is not the one their trade's id gives. */
  private readonly otherIds = new Map<number, string>();
  /** Row → order id, for the rows that have one (a backtest's instant fills have none). */
  private readonly orderIds = new Map<number, string>();

  /** Rows so far: the first row of the next trade's exits. */
  get length(): number {
    return this.n;
  }

  /** Appends the exits of the trade `tradeId`; returns the first row. */
  append(tradeId: string, exits: readonly PartialExit[]): number {
    const first = this.n;
    for (const e of exits) {
      const i = this.n++;
      const k = i & MASK;
      const c = k === 0 ? this.addChunk() : this.chunks[i >>> SHIFT]!.timeMs.length === k ? this.growFirst() : this.chunks[i >>> SHIFT]!;
      c.timeMs[k] = e.timeMs;
      c.price[k] = e.price;
      c.qtySteps[k] = e.qtySteps;
      c.fee[k] = e.fee;
      c.pnl[k] = e.pnl;
      c.level[k] = e.level ?? 0;
      c.reason[k] = this.reasonIndex(e.reason);
      if (!isDerivedClientId(e.clientOrderId, tradeId, e.reason)) this.otherIds.set(i, e.clientOrderId);
      if (e.orderId !== null) this.orderIds.set(i, e.orderId);
    }
    return first;
  }

  /** The exits in rows [first, first + count) of trade `tradeId`, as the core made them. */
  read(tradeId: string, first: number, count: number): PartialExit[] {
    const out = new Array<PartialExit>(count);
    for (let j = 0; j < count; j++) {
      const i = first + j;
      const c = this.chunks[i >>> SHIFT]!;
      const k = i & MASK;
      const reason = this.reasons[c.reason[k]!]!;
      const level = c.level[k]!;
      out[j] = {
        reason,
        level: level === 0 ? null : level,
        timeMs: c.timeMs[k]!,
        price: c.price[k]!,
        qtySteps: c.qtySteps[k]! as Steps,
        fee: c.fee[k]!,
        pnl: c.pnl[k]!,
        clientOrderId: this.otherIds.get(i) ?? derivedClientId(tradeId, reason),
        orderId: this.orderIds.get(i) ?? null,
      };
    }
    return out;
  }

  private reasonIndex(reason: ExitReason): number {
    let k = this.reasons.indexOf(reason);
    if (k < 0) {
      if (this.reasons.length === 256) throw new RangeError('more than 256 exit reasons');
      k = this.reasons.push(reason) - 1;
    }
    return k;
  }

  /** A new chunk; the first one starts small (a run of a few hundred trades) and grows to CHUNK rows. */
  private addChunk(): Chunk {
    const c = chunkOf(this.chunks.length === 0 ? FIRST : CHUNK, null);
    this.chunks.push(c);
    return c;
  }

  private growFirst(): Chunk {
    const c = chunkOf(this.chunks[0]!.timeMs.length * 2, this.chunks[0]!);
    this.chunks[0] = c;
    return c;
  }
}

const SHIFT = 14;
/** Rows per chunk: 16,384 (720 KB); only the first chunk grows to it (from FIRST rows), by copying. */
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;
const FIRST = 512;

/** A chunk of `size` rows, holding `from`'s rows first. */
function chunkOf(size: number, from: Chunk | null): Chunk {
  const c: Chunk = {
    timeMs: new Float64Array(size),
    price: new Float64Array(size),
    qtySteps: new Float64Array(size),
    fee: new Float64Array(size),
    pnl: new Float64Array(size),
    level: new Int32Array(size),
    reason: new Uint8Array(size),
  };
  if (from !== null) {
    c.timeMs.set(from.timeMs);
    c.price.set(from.price);
    c.qtySteps.set(from.qtySteps);
    c.fee.set(from.fee);
    c.pnl.set(from.pnl);
    c.level.set(from.level);
    c.reason.set(from.reason);
  }
  return c;
}

interface Chunk {
  readonly timeMs: Float64Array;
  readonly price: Float64Array;
  readonly qtySteps: Float64Array;
  readonly fee: Float64Array;
  readonly pnl: Float64Array;
  /** The 1-based level, or 0 for none. */
  readonly level: Int32Array;
  /** Index into `reasons`. */
  readonly reason: Uint8Array;
}

/** Is `id` the one `derivedClientId` gives? Compared in place: the common case builds no string. */
function isDerivedClientId(id: string, tradeId: string, reason: ExitReason): boolean {
  const suffix = reason.startsWith('tp') ? reason : 'close';
  return id.length === tradeId.length + 1 + suffix.length && id.startsWith(tradeId) && id.charCodeAt(tradeId.length) === 45 /* - */ && id.endsWith(suffix);
}

/** The client id an exit of this reason has when its order was the first of its kind: `<id>-tpN` / `<id>-tp`, else `<id>-close`. */
function derivedClientId(tradeId: string, reason: ExitReason): string {
  return reason.startsWith('tp') ? exitClientId(tradeId, reason as LevelReason) : closeClientId(tradeId);
}
