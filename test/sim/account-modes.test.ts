import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BTC, type Harness, harness } from './harness.ts';

/** The implicit ccxt calls for the endpoints ccxt has no unified method for. */
interface Raw {
  fapiPrivateGetMultiAssetsMargin(): Promise<{ multiAssetsMargin: boolean }>;
  fapiPrivatePostMultiAssetsMargin(p: Record<string, string>): Promise<unknown>;
}

describe('account modes (position mode, multi-assets, margin type)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await h.ex.loadMarkets();
    await h.admin.setPrice('BTCUSDT', '60000');
  });
  afterEach(async () => h.close());

  it('starts one-way; setPositionMode(true) switches to hedge mode and back, as Binance does', async () => {
    expect(await h.ex.fetchPositionMode()).toMatchObject({ hedged: false });
    await expect(h.ex.setPositionMode(false)).rejects.toThrow(/-4059/);
    await h.ex.setPositionMode(true);
    expect(await h.ex.fetchPositionMode()).toMatchObject({ hedged: true });
    expect(h.sim.admin.accountConfig().dualSidePosition).toBe(true);
    await h.ex.setPositionMode(false);
    expect(await h.ex.fetchPositionMode()).toMatchObject({ hedged: false });
  });

  it('in hedge mode refuses an order without a position side (-4061), an algo (stop) order too, as Binance does; nothing rests or fills; one-way again, it is accepted', async () => {
    await h.ex.setPositionMode(true);
    await expect(h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'h-entry' })).rejects.toThrow(/-4061/);
    await expect(h.ex.createOrder(BTC, 'limit', 'buy', 0.002, 59000, { clientOrderId: 'h-limit' })).rejects.toThrow(/-4061/);
    await expect(h.ex.createOrder(BTC, 'market', 'sell', undefined as unknown as number, undefined, { stopLossPrice: 59000, closePosition: true, clientOrderId: 'h-sl' })).rejects.toThrow(/-4061/);
    expect(h.sim.admin.state().positions).toEqual([]);
    expect(h.sim.admin.state().openOrders).toEqual([]);
    expect(h.sim.admin.state().openAlgoOrders).toEqual([]);
    await h.ex.setPositionMode(false);
    await h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'o-entry' });
    expect(h.sim.admin.state().positions).toHaveLength(1);
  });

  it('refuses a position mode change while a position or an order is open (-4068, -4067)', async () => {
    await h.ex.createOrder(BTC, 'market', 'buy', 0.002, undefined, { clientOrderId: 'm-entry' });
    await expect(h.ex.setPositionMode(true)).rejects.toThrow(/-4068/);
    await h.ex.createOrder(BTC, 'limit', 'sell', 0.002, 61000, { clientOrderId: 'm-tp', reduceOnly: true });
    await expect(h.ex.setPositionMode(true)).rejects.toThrow(/-4067/);
  });

  it('sets the margin type; the same type again is -4046', async () => {
    expect(h.sim.admin.accountConfig().symbols['BTCUSDT']).toEqual({ leverage: 20, marginType: 'CROSSED' });
    await h.ex.setMarginMode('isolated', BTC);
    expect(h.sim.admin.accountConfig().symbols['BTCUSDT']!.marginType).toBe('ISOLATED');
    // binanceusdm throws it (MarginModeAlreadySet) by default.
    await expect(h.ex.setMarginMode('isolated', BTC)).rejects.toThrow(/-4046.*No need to change margin type/);
  });

  it('reads and switches the Multi-Assets mode; isolated margin and Multi-Assets exclude each other', async () => {
    const raw = h.ex as unknown as Raw;
    expect(await raw.fapiPrivateGetMultiAssetsMargin()).toEqual({ multiAssetsMargin: false });
    await expect(raw.fapiPrivatePostMultiAssetsMargin({ multiAssetsMargin: 'false' })).rejects.toThrow(/-4171/);
    await h.ex.setMarginMode('isolated', BTC);
    await expect(raw.fapiPrivatePostMultiAssetsMargin({ multiAssetsMargin: 'true' })).rejects.toThrow(/-4167/);
    await h.ex.setMarginMode('cross', BTC);
    await raw.fapiPrivatePostMultiAssetsMargin({ multiAssetsMargin: 'true' });
    expect(await raw.fapiPrivateGetMultiAssetsMargin()).toEqual({ multiAssetsMargin: true });
    await expect(h.ex.setMarginMode('isolated', BTC)).rejects.toThrow(/-4168/);
    expect((await h.admin.call('GET', 'account'))['multiAssetsMargin']).toBe(true);
  });
});
