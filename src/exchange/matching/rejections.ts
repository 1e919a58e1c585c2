/**
 * The refusals the matching engine itself gives, as Binance USDⓈ-M codes with Binance's own texts.
 * Parameter and filter errors (precision, MIN_NOTIONAL, PERCENT_PRICE …) are the caller's: the
 * simulator checks them on its wire, paper mode on its requests.
 */
export const REJECTIONS = {
  '-2011': 'Unknown order sent.',
  '-2019': 'Margin is insufficient.',
  '-2021': 'Order would immediately trigger.',
  '-2022': 'ReduceOnly Order is rejected.',
  '-4045': 'Reach max stop order limit.',
  '-4116': 'ClientOrderId is duplicated.',
  '-4118': 'ReduceOnly Order Failed. Please check your existing position and open orders',
  '-4130': 'An open stop or take profit order with GTE and closePosition in the direction is existing.',
  '-4509': 'TIF GTE can only be used with open positions or open orders.',
  '-5022': 'Due to the order could not be executed as maker, the Post Only order will be rejected.',
} as const;

export type RejectCode = keyof typeof REJECTIONS;

export interface Rejection {
  readonly code: RejectCode;
  readonly msg: string;
}

export const rejection = (code: RejectCode): Rejection => ({ code, msg: REJECTIONS[code] });
