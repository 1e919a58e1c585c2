import { describe, expect, it } from 'vitest';
import { redact, secretValues } from '../../src/notify/redact.ts';
import { TELEGRAM_MAX_TEXT, noticeText, telegramText, webhookBody } from '../../src/notify/render.ts';

describe('notification texts (docs/notifications.md)', () => {
  it('an entry with its plan, as the docs show it', () => {
    const text = noticeText({
      type: 'entry',
      symbol: 'BTCUSDT',
      positionId: 'BTCUSDT-sl5k2p',
      side: 'long',
      entryPrice: 65000.1,
      qty: 0.015,
      stopPrice: 63700.1,
      mode: 'scaled',
      levels: [
        { level: 1, reason: 'tp1', targetPrice: 65650.2, qty: 0.004, skipped: null },
        { level: 2, reason: 'tp2', targetPrice: 66300.2, qty: 0.004, skipped: null },
        { level: 3, reason: 'tp3', targetPrice: 67275.2, qty: 0.007, skipped: null },
      ],
      adopted: false,
    });
    expect(text).toBe(['🟢 Long BTCUSDT: 0.015 at 65000.1', 'Stop 63700.1', 'TP1 65650.2 × 0.004', 'TP2 66300.2 × 0.004', 'TP3 67275.2 × 0.007', '(BTCUSDT-sl5k2p)'].join('\n'));
  });

  it('a TP fill, a stop move, an exit summary, a limit and an alert', () => {
    expect(noticeText({ type: 'tp', symbol: 'BTCUSDT', positionId: 'BTCUSDT-sl5k2p', side: 'long', reason: 'tp1', level: 1, price: 65650.2, qty: 0.004, pnl: 2.47, remainingQty: 0.011 })).toBe(
      '✅ BTCUSDT TP1 filled: 0.004 at 65650.2, PnL +2.47; 0.011 left (BTCUSDT-sl5k2p)',
    );
    expect(noticeText({ type: 'stop', symbol: 'BTCUSDT', positionId: 'p', side: 'long', fromPrice: 63700.1, toPrice: 65000.1, rule: 'breakeven', level: 1 })).toBe('🛡 BTCUSDT stop moved 63700.1 → 65000.1 (breakeven after TP1) (p)');
    expect(
      noticeText({ type: 'exit', symbol: 'ETHUSDT', positionId: 'e', side: 'short', reason: 'stop', entryPrice: 3000, avgExitPrice: 2970, qty: 1, pnl: 28.5, levelsHit: [1], levelsPlanned: 3, durationMs: 95 * 60_000 }),
    ).toBe(['💰 ETHUSDT short closed (stop): PnL +28.50', '1 from 3000 to avg 2970 (1.00 %), levels hit TP1 of 3, after 1 h 35 min', '(e)'].join('\n'));
    expect(noticeText({ type: 'risk', limit: 'daily_loss_limit', detail: 'lost 210 today (limit 200)', untilMs: Date.UTC(2026, 0, 2) })).toBe(
      '⛔ Risk limit daily_loss_limit hit: lost 210 today (limit 200). No new entry until 2026-01-02T00:00:00.000Z; open positions keep their ladder and stop.',
    );
    expect(noticeText({ type: 'alert', kind: 'exchange_unreachable', symbol: null, message: 'no answer since …' })).toBe('⚠️ exchange unreachable: no answer since …');
  });

  it('the webhook body carries the stable id, the order, the text and the data', () => {
    const body = JSON.parse(webhookBody({ id: 7, key: 'p:closed', type: 'alert', symbol: 'BTCUSDT', timeMs: Date.UTC(2026, 0, 1), createdAtMs: 0, payload: { type: 'alert', kind: 'other', symbol: 'BTCUSDT', message: 'x' } })) as Record<string, unknown>;
    expect(body).toEqual({ id: 'p:closed', seq: 7, type: 'alert', time: '2026-01-01T00:00:00.000Z', symbol: 'BTCUSDT', text: '⚠️ BTCUSDT: alert: x', data: { type: 'alert', kind: 'other', symbol: 'BTCUSDT', message: 'x' } });
  });

  it("cuts a text to Telegram's limit", () => {
    expect(telegramText('a'.repeat(5000))).toHaveLength(TELEGRAM_MAX_TEXT);
    expect(telegramText('short')).toBe('short');
  });

  it('never cuts an emoji in half (a lone surrogate is not UTF-8: Telegram would refuse the message)', () => {
    for (const pad of [TELEGRAM_MAX_TEXT - 3, TELEGRAM_MAX_TEXT - 2, TELEGRAM_MAX_TEXT - 1]) {
      const cut = telegramText(`${'a'.repeat(pad)}${'📈'.repeat(100)}`);
      expect(cut.length).toBeLessThanOrEqual(TELEGRAM_MAX_TEXT);
      expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut)).toBe(false); // no high surrogate without its low half
      expect(cut.endsWith('…')).toBe(true);
      expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
    }
  });

  it('redacts the secrets of the environment, request signatures and bot tokens', () => {
    const secrets = secretValues({ LADDER_API_KEY: 'ak-123456789', LADDER_API_SECRET: 'short', HOME: '/root' });
    expect(secrets).toEqual(['ak-123456789']); // a 5-character value would blank ordinary words
    expect(redact('key ak-123456789 signature=0123456789abcdef0123 url /bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage', secrets)).toBe(
      'key [redacted] signature=[redacted] url /bot[redacted]/sendMessage',
    );
  });
});
