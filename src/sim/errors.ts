/**
 * Binance USDⓈ-M error codes the simulator answers with, in one table (fastify-style stable codes).
 * Messages are Binance's own texts; `%s` slots are filled by `simError(code, ...args)`.
 * Source: Binance "Error Codes" page for USDⓈ-M futures, and the texts ccxt 4.5.84 quotes in binance.js.
 */
export const BINANCE_ERRORS = {
  '-1000': { status: 400, msg: 'An unknown error occurred while processing the request.' },
  '-1001': { status: 500, msg: 'Internal error; unable to process your request. Please try again.' },
  '-1003': { status: 429, msg: 'Too many requests; current limit of IP(%s) request weight per minute is %s. Please use WebSocket Streams for live updates to avoid polling the API.' },
  '-1008': { status: 503, msg: 'Server is currently overloaded with other requests. Please try again in a few minutes.' },
  '-1015': { status: 429, msg: 'Too many new orders; current limit is %s orders per %s.' },
  '-1021': { status: 400, msg: 'Timestamp for this request is outside of the recvWindow.' },
  '-1022': { status: 400, msg: 'Signature for this request is not valid.' },
  '-1100': { status: 400, msg: "Illegal characters found in parameter '%s'; legal range is '%s'." },
  '-1101': { status: 400, msg: 'Duplicate values for a parameter detected.' },
  '-1102': { status: 400, msg: "Mandatory parameter '%s' was not sent, was empty/null, or malformed." },
  '-1106': { status: 400, msg: "Parameter '%s' sent when not required." },
  '-1111': { status: 400, msg: 'Precision is over the maximum defined for this asset.' },
  '-1115': { status: 400, msg: 'Invalid timeInForce.' },
  '-1116': { status: 400, msg: 'Invalid orderType.' },
  '-1117': { status: 400, msg: 'Invalid side.' },
  '-1120': { status: 400, msg: 'Invalid interval.' },
  '-1121': { status: 400, msg: 'Invalid symbol.' },
  '-1125': { status: 400, msg: 'This listenKey does not exist.' },
  '-1130': { status: 400, msg: "Data sent for parameter '%s' is not valid." },
  '-1131': { status: 400, msg: 'recvWindow must be less than 60000' },
  '-2011': { status: 400, msg: 'Unknown order sent.' },
  '-2013': { status: 400, msg: 'Order does not exist.' },
  '-2014': { status: 401, msg: 'API-key format invalid.' },
  '-2015': { status: 401, msg: 'Invalid API-key, IP, or permissions for action, request ip: %s' },
  '-2019': { status: 400, msg: 'Margin is insufficient.' },
  '-2021': { status: 400, msg: 'Order would immediately trigger.' },
  '-2022': { status: 400, msg: 'ReduceOnly Order is rejected.' },
  '-4002': { status: 400, msg: 'Price greater than max price.' },
  '-4003': { status: 400, msg: 'Quantity less than or equal to zero.' },
  '-4004': { status: 400, msg: 'Quantity less than min quantity.' },
  '-4005': { status: 400, msg: 'Quantity greater than max quantity.' },
  '-4006': { status: 400, msg: 'Stop price less than zero.' },
  '-4013': { status: 400, msg: 'Price less than min price.' },
  '-4014': { status: 400, msg: 'Price not increased by tick size.' },
  '-4015': { status: 400, msg: 'Client order id is not valid.' },
  '-4016': { status: 400, msg: 'Price is higher than mark price multiplier cap.' },
  '-4023': { status: 400, msg: 'Quantity not increased by step size.' },
  '-4024': { status: 400, msg: 'Price is lower than mark price multiplier floor.' },
  '-4028': { status: 400, msg: 'Leverage %s is not valid' },
  '-4045': { status: 400, msg: 'Reach max stop order limit.' },
  '-4046': { status: 400, msg: 'No need to change margin type.' },
  '-4047': { status: 400, msg: 'Margin type cannot be changed if there exists open orders.' },
  '-4048': { status: 400, msg: 'Margin type cannot be changed if there exists position.' },
  '-4059': { status: 400, msg: 'No need to change position side.' },
  '-4061': { status: 400, msg: "Order's position side does not match user's setting." },
  '-4067': { status: 400, msg: 'Position side cannot be changed if there exists open orders.' },
  '-4068': { status: 400, msg: 'Position side cannot be changed if there exists position.' },
  '-4116': { status: 400, msg: 'ClientOrderId is duplicated.' },
  '-4118': { status: 400, msg: 'ReduceOnly Order Failed. Please check your existing position and open orders' },
  '-4120': { status: 400, msg: 'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.' },
  '-4130': { status: 400, msg: 'An open stop or take profit order with GTE and closePosition in the direction is existing.' },
  '-4131': { status: 400, msg: "The counterparty's best price does not meet the PERCENT_PRICE filter limit." },
  '-4509': { status: 400, msg: 'TIF GTE can only be used with open positions or open orders.' },
  '-4164': { status: 400, msg: "Order's notional must be no smaller than %s (unless you choose reduce only)." },
  '-4167': { status: 400, msg: 'Unable to adjust to Multi-Assets mode with symbols of USDⓈ-M Futures under isolated-margin mode.' },
  '-4168': { status: 400, msg: 'Unable to adjust to isolated-margin mode under the Multi-Assets mode.' },
  '-4171': { status: 400, msg: "Adjusted Multi-Assets mode is same as user's setting." },
  '-5022': { status: 400, msg: 'Due to the order could not be executed as maker, the Post Only order will be rejected.' },
} as const;

export type BinanceErrorCode = keyof typeof BINANCE_ERRORS;

/** A Binance-style rejection: HTTP status plus `{ code, msg }` body. Thrown by handlers, caught by the router. */
export class SimError extends Error {
  constructor(
    readonly code: number,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'SimError';
  }

  /** The JSON body Binance sends. */
  body(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

/** Builds the error for `code`, filling each `%s` in Binance's message with the next argument. */
export function simError(code: BinanceErrorCode, ...args: Array<string | number>): SimError {
  const def = BINANCE_ERRORS[code];
  let i = 0;
  const msg = def.msg.replace(/%s/g, () => String(args[i++] ?? ''));
  return new SimError(Number(code), def.status, msg);
}

/** The same error with a message of the simulator's own (for cases Binance words differently per field). */
export function simErrorWithMessage(code: BinanceErrorCode, msg: string): SimError {
  return new SimError(Number(code), BINANCE_ERRORS[code].status, msg);
}
