import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { eventLine } from '../../src/cli/event-printer.ts';
import { createRunLogger, resolveLogFormat, stdoutPrinter } from '../../src/cli/log-output.ts';
import { tempDir } from '../support/temp-dir.ts';

const base = { level: 30, time: '2026-05-01T12:00:05.123Z', app: 'ladder', symbol: 'BTCUSDT', positionId: 'BTCUSDT-x', eventTime: '2024-03-01T10:00:00.000Z' };

describe('eventLine: one readable line per log record', () => {
  it('prints an entry with its ladder in base-asset quantities, at the event’s own time', () => {
    const plan = { ...base, msg: 'plan.made', side: 'long', entry: 60000, qty: 0.01, mode: 'scaled', singleReason: null, stop: 58800, levels: [{ level: 1, reason: 'tp1', target: 60600, qty: 0.003, skipped: null }, { level: 2, reason: 'tp2', target: 61200, qty: 0, skipped: 'below_minimum' }, { level: 3, reason: 'tp3', target: 62100, qty: 0.007, skipped: null }] };
    expect(eventLine(plan)).toBe('2024-03-01 10:00:00  BTCUSDT   LONG 0.01 at 60000  stop 58800  ladder TP1 60600 (0.003) · TP2 skipped (below_minimum) · TP3 62100 (0.007)');
    const single = { ...plan, side: 'short', mode: 'single', singleReason: 'disabled', levels: [{ level: 1, reason: 'tp', target: 58200, qty: 0.01, skipped: null }] };
    expect(eventLine(single)).toBe('2024-03-01 10:00:00  BTCUSDT   SHORT 0.01 at 60000  stop 58800  single take-profit TP 58200 (0.01) (scaled TP off)');
  });

  it('shows each fill’s slippage against its target or stop, in % and price, worse or better', () => {
    const fill = { ...base, msg: 'fill.applied', clientOrderId: 'x-tp1', reason: 'tp1', tpLevel: 1, price: 60110.9, qty: 0.003, fee: 0.09, pnl: 1.5, remaining: 0.007 };
    expect(eventLine({ ...fill, refKind: 'target', refPrice: 60600, slippage: 489.1, slippagePct: 0.8071 })).toBe(
      '2024-03-01 10:00:00  BTCUSDT   ✓ TP1 filled 0.003 at 60110.9, 0.81 % (489.1) worse than the target 60600  pnl +1.50  left 0.007',
    );
    expect(eventLine({ ...fill, price: 60650, refKind: 'target', refPrice: 60600, slippage: -50, slippagePct: -0.0825 })).toContain('at 60650, 0.08 % (50) better than the target 60600');
    expect(eventLine({ ...fill, price: 60600, refKind: 'target', refPrice: 60600, slippage: 0, slippagePct: 0 })).toContain('at 60600, at the target  pnl');
    const stop = { ...fill, reason: 'stop', tpLevel: null, price: 59900, qty: 0.007, pnl: -0.8, remaining: 0, refKind: 'stop', refPrice: 60000, slippage: 100, slippagePct: 0.1667 };
    expect(eventLine(stop)).toBe('2024-03-01 10:00:00  BTCUSDT   ■ stop exit 0.007 at 59900, 0.17 % (100) worse than the stop 60000  pnl -0.80');
    expect(eventLine({ ...fill, reason: 'signal', remaining: 0 })).toBe('2024-03-01 10:00:00  BTCUSDT   ■ signal exit 0.003 at 60110.9  pnl +1.50');
  });

  it('prints stop moves with their direction, closes, and signals at the candle’s time', () => {
    expect(eventLine({ ...base, msg: 'stop.moved', from: 58800, to: 60000, reason: 'breakeven', tpLevel: 1 })).toBe('2024-03-01 10:00:00  BTCUSDT   ↑ stop 58800 → 60000 (breakeven)');
    expect(eventLine({ ...base, msg: 'stop.moved', from: 61200, to: 60000, reason: 'breakeven', tpLevel: 1 })).toContain('↓ stop 61200 → 60000');
    expect(eventLine({ ...base, msg: 'position.closed', reason: 'tp3', pnl: 12.3456, avgExitPrice: 61234.56789012 })).toBe('2024-03-01 10:00:00  BTCUSDT   closed (tp3)  total pnl +12.35  avg exit 61234.568');
    expect(eventLine({ ...base, msg: 'position.funding', amount: -0.0603468, funding: -0.1203468, settlements: 1, status: 'open' })).toBe('2024-03-01 10:00:00  BTCUSDT   funding -0.06 (1 settlement), the position now -0.12 in all');
    expect(eventLine({ ...base, msg: 'position.funding', amount: 0.5, funding: 0.5, settlements: 2, status: 'closed' })).toBe('2024-03-01 10:00:00  BTCUSDT   funding +0.50 (2 settlements), the closed trade now +0.50 in all');
    const { eventTime: _, ...noEventTime } = base;
    expect(eventLine({ ...noEventTime, msg: 'signal', side: 'long', reason: 'ema_cross up', signalTime: '2024-03-01T09:00:00.000Z' })).toBe('2024-03-01 09:00:00  BTCUSDT   signal long (ema_cross up)');
  });

  it('marks warnings and errors and prints any other event as its name and fields, at the line’s time', () => {
    const { eventTime: _, ...line } = base;
    expect(eventLine({ ...line, level: 40, msg: 'entry.skipped_below_minimum', qty: 0.001, price: 60000, why: 'min_notional' })).toBe('2026-05-01 12:00:05  BTCUSDT   ! entry.skipped_below_minimum  positionId=BTCUSDT-x qty=0.001 price=60000 why=min_notional');
    expect(eventLine({ level: 50, time: base.time, app: 'ladder', msg: 'step.failed', err: { message: 'boom', code: 'transient' } })).toBe('2026-05-01 12:00:05            ✗ step.failed  err=boom');
    expect(eventLine({ ...line, level: 40, msg: 'risk.limit_hit', limit: 'daily_loss_limit', detail: 'realised PnL since 2026-05-01T00:00:00.000Z is -210, the daily loss limit is 200', until: '2026-05-02T00:00:00.000Z' })).toBe(
      '2026-05-01 12:00:05  BTCUSDT   ! risk limit daily_loss_limit hit: realised PnL since 2026-05-01T00:00:00.000Z is -210, the daily loss limit is 200; no new entries until 2026-05-02T00:00:00.000Z (open positions keep their ladder and stop)',
    );
  });

  it('says a stop stuck in TRIGGERING, whose cancel backs off, once in words, and when it is gone', () => {
    const { eventTime: _, ...line } = base;
    expect(eventLine({ ...line, level: 40, msg: 'order.cancel_stuck_triggering', clientOrderId: 'BTCUSDT-x-sl1', nextTryS: 15, maxWaitS: 240 })).toBe(
      '2026-05-01 12:00:05  BTCUSDT   ! BTCUSDT-x-sl1 is stuck in TRIGGERING on the exchange: its cancel is answered -2011 while it is listed, so it still rests; asked again in 15 s, then less often, up to every 240 s',
    );
    expect(eventLine({ ...line, msg: 'order.cancel_stuck_ended', clientOrderId: 'BTCUSDT-x-sl1', stuckForS: 1815, cancelsAsked: 11 })).toBe('2026-05-01 12:00:05  BTCUSDT   BTCUSDT-x-sl1 is no longer listed, after 1815 s stuck in TRIGGERING (11 cancels asked)');
  });

  it('keeps order traffic, repeats and debug lines off the terminal', () => {
    for (const msg of ['order.sent', 'order.requested', 'tp.hit', 'position.opened', 'ladder.start', 'dashboard.started']) expect(eventLine({ ...base, msg }), msg).toBeNull();
    expect(eventLine({ ...base, level: 20, msg: 'stream.order_update' })).toBeNull();
  });
});

describe('log output', () => {
  it('is pretty on a terminal and JSON otherwise unless --log-format says, and refuses anything else', () => {
    expect(resolveLogFormat(undefined, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
    expect(() => resolveLogFormat('text', true)).toThrow('--log-format: must be "pretty" or "json", got "text"');
  });

  it('pretty: readable lines for the terminal and every event as a JSON line in --log-file, the key redacted', () => {
    const file = join(tempDir('ladder-logs-'), 'ladder.log');
    const printed: string[] = [];
    const log = createRunLogger({ format: 'pretty', file, level: 'debug', print: (l) => printed.push(l), jsonIsTTY: true });
    log.info({ symbol: 'BTCUSDT', eventTime: '2024-03-01T10:00:00.000Z', from: 58800, to: 60000, reason: 'breakeven', tpLevel: 1 }, 'stop.moved');
    log.info({ symbol: 'BTCUSDT', qty: 0.003, apiKey: 'K3Y' }, 'order.sent');
    log.debug({ symbol: 'BTCUSDT' }, 'stream.order_update');
    expect(printed).toEqual(['2024-03-01 10:00:00  BTCUSDT   ↑ stop 58800 → 60000 (breakeven)']);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['msg'])).toEqual(['stop.moved', 'order.sent', 'stream.order_update']);
    expect(lines[1]).toMatchObject({ qty: 0.003, apiKey: '[redacted]' });
  });

  it('names the file it cannot open and a log level it does not know', () => {
    const missing = join(tempDir('ladder-logs-'), 'no-such-dir', 'x.log');
    expect(() => createRunLogger({ format: 'pretty', file: missing, level: 'info', print: () => undefined, jsonIsTTY: true })).toThrow(`--log-file: cannot open ${missing} (ENOENT`);
    expect(() => createRunLogger({ format: 'json', file: null, level: 'loud', print: () => undefined, jsonIsTTY: false })).toThrow('LADDER_LOG_LEVEL: must be one of');
  });
});

describe('stdoutPrinter: the readable lines, until stdout goes away', () => {
  /** A stdout whose writes fail with `code` once `failing` (a closed terminal: EIO; a closed pipe: EPIPE). */
  function stdout(code: string) {
    const lines: string[] = [];
    const state = { failing: false };
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (state.failing) return cb(Object.assign(new Error(`write ${code}`), { code }));
        lines.push(String(chunk));
        cb();
      },
    });
    return { out, lines, state };
  }

  for (const code of ['EIO', 'EPIPE']) {
    it(`${code}: the lines after it are dropped, no error escapes (before: each one an uncaught exception, the bot's stop ended as fatal)`, async () => {
      const { out, lines, state } = stdout(code);
      const uncaught: unknown[] = [];
      const onUncaught = (e: unknown) => uncaught.push(e);
      process.on('uncaughtException', onUncaught);
      try {
        const print = stdoutPrinter(out as unknown as NodeJS.WriteStream);
        print('first');
        state.failing = true;
        print('second');
        await new Promise((r) => setImmediate(r));
        print('third');
        print('fourth');
        await new Promise((r) => setImmediate(r));
        expect(lines).toEqual(['first\n']);
        expect(uncaught).toEqual([]);
      } finally {
        process.off('uncaughtException', onUncaught);
      }
    });
  }
});
