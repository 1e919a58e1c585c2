import type { Engine } from './engine.ts';
import { simError } from './errors.ts';
import { required } from './order-params.ts';
import type { Route } from './routes.ts';

const SUCCESS = { code: 200, msg: 'success' };

/** A boolean parameter as Binance takes it ("true" / "false"), else -1130. */
function boolParam(p: Record<string, string>, name: string): boolean {
  const v = required(p, name).toLowerCase();
  if (v !== 'true' && v !== 'false') throw simError('-1130', name);
  return v === 'true';
}

const anyPosition = (e: Engine): boolean => [...e.account.positions.values()].some((p) => p.amtSteps !== 0);
const anyOpenOrder = (e: Engine): boolean => e.openOrders().length > 0 || e.openAlgos().length > 0;

/** `GET/POST /fapi/v1/positionSide/dual` and `GET/POST /fapi/v1/multiAssetsMargin`. */
export const MODE_ROUTES: Route[] = [
  { method: 'GET', path: '/fapi/v1/positionSide/dual', security: 'SIGNED', weight: 30, handler: (ctx) => ({ dualSidePosition: ctx.engine.account.modes.dualSidePosition }) },
  {
    method: 'POST', path: '/fapi/v1/positionSide/dual', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      const dual = boolParam(p, 'dualSidePosition');
      if (dual === ctx.engine.account.modes.dualSidePosition) throw simError('-4059');
      // Binance checks orders first, then positions, across every symbol of the account.
      if (anyOpenOrder(ctx.engine)) throw simError('-4067');
      if (anyPosition(ctx.engine)) throw simError('-4068');
      ctx.engine.account.modes.dualSidePosition = dual;
      return SUCCESS;
    },
  },
  { method: 'GET', path: '/fapi/v1/multiAssetsMargin', security: 'SIGNED', weight: 30, handler: (ctx) => ({ multiAssetsMargin: ctx.engine.account.modes.multiAssetsMargin }) },
  {
    method: 'POST', path: '/fapi/v1/multiAssetsMargin', security: 'SIGNED', weight: 1,
    handler: (ctx, p) => {
      const on = boolParam(p, 'multiAssetsMargin');
      if (on === ctx.engine.account.modes.multiAssetsMargin) throw simError('-4171');
      // Multi-Assets mode is cross margin only: no symbol may be isolated when it is switched on.
      if (on && [...ctx.engine.rules.keys()].some((s) => ctx.engine.account.marginType(s) === 'ISOLATED')) throw simError('-4167');
      ctx.engine.account.modes.multiAssetsMargin = on;
      return SUCCESS;
    },
  },
];
