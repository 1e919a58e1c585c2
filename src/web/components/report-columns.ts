import { type ColumnSpec, type EncodeOptions, decodeColumn, decodeTextColumn, encodeColumn, encodeTextColumn } from './column-codec.ts';
import type { BlobRef, TradeCodes } from './report-model.ts';
import type { CandleColumns, EquityCurve, TradeView } from './view-model.ts';

/**
 * The report's large data as columns, written in Node and read in the page by the same file (so the
 * two cannot drift apart). Prices and quantities are integers at their symbol's exact scale, stored as
 * differences from a nearby reference (the previous candle's close, the trade's entry, its target, the
 * stop in force): what is left is small and compresses well.
 */

export class ColumnWriter {
  private readonly parts: Uint8Array[] = [];
  private readonly cols: [string, ColumnSpec][] = [];
  add(name: string, values: ArrayLike<number>, o: EncodeOptions = {}): void {
    this.push(name, encodeColumn(values, o));
  }
  addText(name: string, values: readonly string[]): void {
    this.push(name, encodeTextColumn(values));
  }
  finish(id: string): { ref: BlobRef; bytes: Uint8Array } {
    const bytes = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      bytes.set(p, at);
      at += p.length;
    }
    return { ref: { id, cols: this.cols }, bytes };
  }
  private push(name: string, c: { spec: ColumnSpec; bytes: Uint8Array }): void {
    if (this.cols.some(([n]) => n === name)) throw new Error(`column ${name} written twice`);
    this.cols.push([name, c.spec]);
    this.parts.push(c.bytes);
  }
}

/** The columns of a blob by name; a missing column is an error naming it. */
export class ColumnReader {
  private readonly num = new Map<string, Float64Array>();
  private readonly text = new Map<string, string[]>();
  constructor(bytes: Uint8Array, ref: BlobRef) {
    let at = 0;
    for (const [name, spec] of ref.cols) {
      if (spec.text) this.text.set(name, decodeTextColumn(bytes, at, spec));
      else this.num.set(name, decodeColumn(bytes, at, spec));
      at += spec.bytes;
    }
    if (at !== bytes.length) throw new Error(`blob ${ref.id}: ${bytes.length} bytes, its columns take ${at}`);
  }
  has(name: string): boolean {
    return this.num.has(name) || this.text.has(name);
  }
  n(name: string): Float64Array {
    const c = this.num.get(name);
    if (!c) throw new Error(`missing numeric column ${name}`);
    return c;
  }
  s(name: string): string[] {
    const c = this.text.get(name);
    if (!c) throw new Error(`missing text column ${name}`);
    return c;
  }
}

const intAt = (scale: number) => {
  const u = 10 ** scale;
  return (v: number) => Math.round(v * u);
};
const valueAt = (scale: number) => {
  const u = 10 ** scale;
  return (q: number) => q / u;
};

// ---- candles ----------------------------------------------------------------------------------

/** Open as a step from the previous close, close from the open, high above and low below the body. */
export function writeCandles(w: ColumnWriter, c: { readonly [K in keyof CandleColumns]: ArrayLike<number> }, priceScale: number): void {
  const P = intAt(priceScale);
  const n = c.t.length;
  const o = new Float64Array(n);
  const cl = new Float64Array(n);
  const h = new Float64Array(n);
  const l = new Float64Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const O = P(c.o[i]!);
    const C = P(c.c[i]!);
    o[i] = O - prev;
    cl[i] = C - O;
    h[i] = P(c.h[i]!) - Math.max(O, C);
    l[i] = Math.min(O, C) - P(c.l[i]!);
    prev = C;
  }
  w.add('t', c.t);
  for (const [name, col] of [['o', o], ['c', cl], ['h', h], ['l', l]] as const) w.add(name, col, { delta: false });
}

export function readCandles(r: ColumnReader, priceScale: number): CandleColumns {
  const V = valueAt(priceScale);
  const [dO, dC, dH, dL] = [r.n('o'), r.n('c'), r.n('h'), r.n('l')];
  const n = dO.length;
  const o: number[] = new Array(n);
  const h: number[] = new Array(n);
  const l: number[] = new Array(n);
  const c: number[] = new Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const O = prev + dO[i]!;
    const C = O + dC[i]!;
    o[i] = V(O);
    c[i] = V(C);
    h[i] = V(Math.max(O, C) + dH[i]!);
    l[i] = V(Math.min(O, C) - dL[i]!);
    prev = C;
  }
  return { t: Array.from(r.n('t')), o, h, l, c };
}

// ---- equity -----------------------------------------------------------------------------------

/** Equity is drawn, not booked: kept to the cent. */
export const EQUITY_DECIMALS = 2;

export function writeEquity(w: ColumnWriter, t: ArrayLike<number>, v: ArrayLike<number>): void {
  w.add('t', t);
  w.add('v', v, { roundTo: EQUITY_DECIMALS });
}

export const readEquity = (r: ColumnReader, name: string): EquityCurve => ({ name, t: Array.from(r.n('t')), v: Array.from(r.n('v')) });

// ---- trades -----------------------------------------------------------------------------------

/** Fees to 0.0001 (as shown), PnL to 0.000001 (sums of a trade's exits stay right to the cent). */
export const FEE_DECIMALS = 4;
export const PNL_DECIMALS = 6;

/** Per trade, then per target, stop move and exit (`n…` say how many of each a trade has). */
const TRADE_COLUMNS = ['sym', 'side', 'open', 'entryT', 'entryP', 'qty', 'stop0', 'nT', 'tCode', 'tOff', 'tSkip', 'nM', 'mDt', 'mRef', 'mTo', 'mRule', 'nX', 'xDt', 'xCode', 'xP', 'xQ', 'xFee', 'xPnl'] as const;
/** Columns stored as differences from the previous trade's value (the rest are residuals already). */
const DELTA_COLUMNS = new Set<string>(['sym', 'entryT', 'entryP']);

export interface SymbolScales {
  readonly symbol: string;
  readonly priceScale: number;
  readonly qtyScale: number;
}

/** The price an exit is stored against: its target (TP), the stop in force (stop), else the entry. */
function exitReference(t: TradeView, e: { readonly reason: string; readonly timeMs: number }): number {
  if (e.reason === 'stop') {
    let stop = t.initialStop;
    for (const m of t.stopMoves) if (m.timeMs <= e.timeMs) stop = m.to;
    return stop;
  }
  return t.targets.find((x) => x.reason === e.reason)?.price ?? t.entryPrice;
}

/**
 * Predicts an integer from a base by the ratio seen the last time for the same key: a stop or target
 * offset scales with the entry price, a quantity with its inverse. Only the residual is stored, so a
 * prediction never changes a value, it only makes the residual small.
 */
class Ratios {
  private readonly last = new Map<string, number>();
  predict(key: string, base: number): number {
    const r = this.last.get(key);
    return r === undefined ? 0 : Math.round(base * r);
  }
  learn(key: string, base: number, actual: number): void {
    if (base !== 0 && Number.isFinite(base)) this.last.set(key, actual / base);
  }
}

/** Fee and PnL of an exit as the fill model books them, from rates the writer measured: the residual is then ~0. */
const feeGuess = (price: number, qty: number, rate: number) => price * qty * rate;
const pnlGuess = (t: { side: 'long' | 'short'; entryPrice: number }, price: number, qty: number, fee: number, entryRate: number) =>
  (price - t.entryPrice) * qty * (t.side === 'long' ? 1 : -1) - fee - t.entryPrice * qty * entryRate;

const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[s.length >> 1]! : 0;
};

/** Trades in symbol order then entry time (returned: the order they are stored in). */
export function writeTrades(w: ColumnWriter, trades: readonly TradeView[], symbols: readonly SymbolScales[]): { codes: TradeCodes; order: TradeView[] } {
  const symIndex = new Map(symbols.map((s, k) => [s.symbol, k]));
  const sym = (t: TradeView) => {
    const k = symIndex.get(t.symbol);
    if (k === undefined) throw new Error(`trade ${t.id}: symbol ${t.symbol} has no candles in the report`);
    return k;
  };
  const order = [...trades].sort((a, b) => sym(a) - sym(b) || a.entryTimeMs - b.entryTimeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const targetCodes = new Codes<string>();
  const exitCodes = new Codes<string>();
  const ruleCodes = new Codes<string>();
  const targetOf = new Map<number, readonly [number, string]>();
  const exitOf = new Map<number, readonly [string, number | null]>();
  const exitCode = (e: TradeView['exits'][number]) => {
    const code = exitCodes.of(`${e.reason} ${e.level}`);
    exitOf.set(code, [e.reason, e.level]);
    return code;
  };
  // The fill model's rates, measured: the exit fee per code, the entry fee's share per exit.
  const feeRateSamples = new Map<number, number[]>();
  const entryRateSamples: number[] = [];
  for (const t of order) {
    for (const e of t.exits) {
      const code = exitCode(e);
      feeRateSamples.set(code, [...(feeRateSamples.get(code) ?? []), e.fee / (e.price * e.quantity)]);
      entryRateSamples.push(-(e.pnl - pnlGuess(t, e.price, e.quantity, e.fee, 0)) / (t.entryPrice * e.quantity));
    }
  }
  const feeRates = exitCodes.list.map((_, k) => median(feeRateSamples.get(k) ?? []));
  const entryFeeRate = median(entryRateSamples);

  const cols: Record<string, number[]> = {};
  const col = (name: string) => (cols[name] ??= []);
  const ratios = new Ratios();
  for (const t of order) {
    const k = sym(t);
    const s = symbols[k]!;
    const P = intAt(s.priceScale);
    const Q = intAt(s.qtyScale);
    const entry = P(t.entryPrice);
    const qty = Q(t.originalQuantity);
    const long = t.side === 'long'; // stops and targets lie on opposite sides for a short
    col('sym').push(k);
    col('side').push(t.side === 'long' ? 0 : 1);
    col('open').push(t.open ? 1 : 0);
    col('entryT').push(t.entryTimeMs);
    col('entryP').push(entry);
    col('qty').push(qty - ratios.predict(`${k}:qty`, 1 / entry));
    ratios.learn(`${k}:qty`, 1 / entry, qty);
    const stopOff = P(t.initialStop) - entry;
    col('stop0').push(stopOff - ratios.predict(`${k}:${long}:stop`, entry));
    ratios.learn(`${k}:${long}:stop`, entry, stopOff);
    col('nT').push(t.targets.length);
    const targetInts: number[] = [];
    for (const x of t.targets) {
      const code = targetCodes.of(`${x.level} ${x.reason}`);
      targetOf.set(code, [x.level, x.reason]);
      const off = P(x.price) - entry;
      targetInts.push(entry + off);
      col('tCode').push(code);
      col('tOff').push(off - ratios.predict(`${k}:${long}:t${code}`, entry));
      col('tSkip').push(x.skipped ? 1 : 0);
      ratios.learn(`${k}:${long}:t${code}`, entry, off);
    }
    col('nM').push(t.stopMoves.length);
    let stop = t.initialStop;
    for (const m of t.stopMoves) {
      if (m.from !== stop) throw new Error(`trade ${t.id}: stop move from ${m.from}, but the stop was ${stop}`);
      // Stored against the nearest of the entry and the targets (breakeven, a previous target).
      const refs = [entry, ...targetInts];
      const to = P(m.to);
      let ref = 0;
      for (let r = 1; r < refs.length; r++) if (Math.abs(to - refs[r]!) < Math.abs(to - refs[ref]!)) ref = r;
      col('mDt').push(m.timeMs - t.entryTimeMs);
      col('mRef').push(ref);
      col('mTo').push(to - refs[ref]!);
      col('mRule').push(ruleCodes.of(m.reason));
      stop = m.to;
    }
    col('nX').push(t.exits.length);
    let left = qty;
    t.exits.forEach((e, j) => {
      const code = exitCode(e);
      const q = Q(e.quantity);
      // The last exit of a closed trade takes what is left; the others a share like last time's.
      const qGuess = j === t.exits.length - 1 && !t.open ? left : ratios.predict(`${k}:x${code}`, qty);
      ratios.learn(`${k}:x${code}`, qty, q);
      left -= q;
      const fee = feeGuess(e.price, e.quantity, feeRates[code]!);
      col('xDt').push(e.timeMs - t.entryTimeMs);
      col('xCode').push(code);
      col('xP').push(P(e.price) - P(exitReference(t, e)));
      col('xQ').push(q - qGuess);
      col('xFee').push(intAt(FEE_DECIMALS)(e.fee) - intAt(FEE_DECIMALS)(fee));
      col('xPnl').push(intAt(PNL_DECIMALS)(e.pnl) - intAt(PNL_DECIMALS)(pnlGuess(t, e.price, e.quantity, fee, entryFeeRate)));
    });
  }
  const seq = order.map((t) => {
    const m = /^(.*)-(\d+)$/.exec(t.id);
    return m && m[1] === t.symbol && String(Number(m[2])) === m[2] ? Number(m[2]) : null;
  });
  if (seq.every((x) => x !== null)) w.add('seq', seq as number[]);
  else w.addText('id', order.map((t) => t.id));
  for (const name of TRADE_COLUMNS) w.add(name, cols[name] ?? [], { delta: DELTA_COLUMNS.has(name) });
  // Funding (a backtest with --funding): part of a trade's PnL beside its exits'; the columns exist only then.
  if (order.some((t) => t.funding !== undefined)) {
    w.add('fundOn', order.map((t) => (t.funding === undefined ? 0 : 1)));
    w.add('fund', order.map((t) => (t.funding === undefined ? 0 : intAt(PNL_DECIMALS)(t.funding))));
  }
  const codes: TradeCodes = {
    targets: targetCodes.list.map((_, k) => targetOf.get(k)!),
    exits: exitCodes.list.map((_, k) => exitOf.get(k)!),
    rules: ruleCodes.list,
    feeRates,
    entryFeeRate,
  };
  return { codes, order };
}

/** The trades back as the components draw them; the trade's PnL and average exit price are its exits' sum (plus its funding) and mean. */
export function readTrades(r: ColumnReader, codes: TradeCodes, symbols: readonly SymbolScales[]): TradeView[] {
  const at = (name: string) => {
    const c = r.n(name);
    let i = 0;
    return () => {
      if (i >= c.length) throw new Error(`column ${name} ends early`);
      return c[i++]!;
    };
  };
  const [sym, side, open, entryT, entryP, qtyR, stop0, nT, tCode, tOff, tSkip, nM, mDt, mRef, mTo, mRule, nX, xDt, xCode, xP, xQ, xFee, xPnl] = TRADE_COLUMNS.map(at) as (() => number)[];
  const n = r.n('sym').length;
  const ids = r.has('seq') ? null : r.s('id');
  const seq = r.has('seq') ? r.n('seq') : null;
  const ratios = new Ratios();
  const fundOn = r.has('fundOn') ? r.n('fundOn') : null;
  const fund = fundOn === null ? null : r.n('fund');
  const out: TradeView[] = [];
  for (let i = 0; i < n; i++) {
    const k = sym!();
    const s = symbols[k]!;
    const P = intAt(s.priceScale);
    const V = valueAt(s.priceScale);
    const QV = valueAt(s.qtyScale);
    const long = side!() === 0;
    const isOpen = open!() === 1;
    const entryTimeMs = entryT!();
    const entry = entryP!();
    const qty = qtyR!() + ratios.predict(`${k}:qty`, 1 / entry);
    ratios.learn(`${k}:qty`, 1 / entry, qty);
    const stopOff = stop0!() + ratios.predict(`${k}:${long}:stop`, entry);
    ratios.learn(`${k}:${long}:stop`, entry, stopOff);
    const targets: TradeView['targets'][number][] = [];
    const targetInts: number[] = [];
    for (let j = nT!(); j > 0; j--) {
      const code = tCode!();
      const off = tOff!() + ratios.predict(`${k}:${long}:t${code}`, entry);
      ratios.learn(`${k}:${long}:t${code}`, entry, off);
      const [level, reason] = codes.targets[code]!;
      targetInts.push(entry + off);
      targets.push({ level, reason, price: V(entry + off), skipped: tSkip!() === 1 });
    }
    const stopMoves: TradeView['stopMoves'][number][] = [];
    let stop = V(entry + stopOff);
    const initialStop = stop;
    for (let j = nM!(); j > 0; j--) {
      const timeMs = entryTimeMs + mDt!();
      const ref = mRef!();
      const to = V((ref === 0 ? entry : targetInts[ref - 1]!) + mTo!());
      stopMoves.push({ timeMs, from: stop, to, reason: codes.rules[mRule!()]! });
      stop = to;
    }
    const head = { symbol: s.symbol, side: long ? ('long' as const) : ('short' as const), entryTimeMs, entryPrice: V(entry), originalQuantity: QV(qty), initialStop, targets, stopMoves };
    const ref: TradeView = { ...head, id: '', avgExitPrice: null, pnl: 0, exits: [] };
    const exits: TradeView['exits'][number][] = [];
    let pnl = 0;
    let qSum = 0;
    let pq = 0;
    let left = qty;
    const count = nX!();
    for (let j = 0; j < count; j++) {
      const timeMs = entryTimeMs + xDt!();
      const code = xCode!();
      const [reason, level] = codes.exits[code]!;
      const price = V(P(exitReference(ref, { reason, timeMs })) + xP!());
      const qGuess = j === count - 1 && !isOpen ? left : ratios.predict(`${k}:x${code}`, qty);
      const q = xQ!() + qGuess;
      ratios.learn(`${k}:x${code}`, qty, q);
      left -= q;
      const quantity = QV(q);
      const feeG = feeGuess(price, quantity, codes.feeRates[code]!);
      const fee = valueAt(FEE_DECIMALS)(xFee!() + intAt(FEE_DECIMALS)(feeG));
      const exitPnl = valueAt(PNL_DECIMALS)(xPnl!() + intAt(PNL_DECIMALS)(pnlGuess(head, price, quantity, feeG, codes.entryFeeRate)));
      exits.push({ timeMs, price, quantity, reason, level, fee, pnl: exitPnl });
      pnl += exitPnl;
      qSum += quantity;
      pq += price * quantity;
    }
    const funding = fundOn !== null && fundOn[i] === 1 ? valueAt(PNL_DECIMALS)(fund![i]!) : undefined;
    out.push({
      ...head,
      id: seq ? `${s.symbol}-${seq[i]}` : ids![i]!,
      avgExitPrice: qSum > 0 ? pq / qSum : null,
      pnl: funding === undefined ? pnl : pnl + funding,
      exits,
      ...(isOpen ? { open: true } : {}),
      ...(funding === undefined ? {} : { funding }),
    });
  }
  return out;
}

/** Dense codes for repeated small strings, in first-seen order. */
class Codes<T> {
  readonly list: T[] = [];
  private readonly index = new Map<T, number>();
  of(x: T): number {
    let k = this.index.get(x);
    if (k === undefined) {
      k = this.list.length;
      this.list.push(x);
      this.index.set(x, k);
    }
    return k;
  }
}
