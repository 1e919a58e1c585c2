// bench/profile-engine.ts
import { parseArgs } from "node:util";

// src/core/model/position.ts
var exitClientId = (positionId, reason) => `${positionId}-${reason}`;
var stopClientId = (positionId, seq) => `${positionId}-sl${seq}`;
var closeClientId = (positionId, seq = 0) => seq === 0 ? `${positionId}-close` : `${positionId}-close${seq}`;

// src/core/result.ts
var ok = (value) => ({ ok: true, value });
var err = (error) => ({ ok: false, error });
function assertNever(x) {
  throw new Error(`unhandled: ${JSON.stringify(x)}`);
}

// src/core/units.ts
function asTicks(n) {
  if (!Number.isSafeInteger(n)) throw new Error(`ticks must be a safe integer, got ${n}`);
  return n;
}
function asSteps(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`steps must be a non-negative safe integer, got ${n}`);
  return n;
}
var sideSign = (side) => side === "long" ? 1 : -1;

// src/core/decimal.ts
var DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$|^([+-])?\.(\d+)(?:[eE]([+-]?\d+))?$/;
function parseDec(text) {
  const m2 = DECIMAL_RE.exec(text.trim());
  if (!m2) throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const sign = (m2[1] ?? m2[5]) === "-" ? -1n : 1n;
  const whole = m2[2] ?? "0";
  const frac = m2[3] ?? m2[6] ?? "";
  const exp = Number(m2[4] ?? m2[7] ?? "0");
  let int = BigInt(whole + frac) * sign;
  let scale = frac.length - exp;
  if (scale < 0) {
    int *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { int, scale };
}
function decOfNumber(x) {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  return parseDec(String(x));
}
var decOf = (x) => typeof x === "string" ? parseDec(x) : typeof x === "number" ? decOfNumber(x) : x;
var ratioOf = (d) => ({ num: d.int, den: 10n ** BigInt(d.scale) });
function mul(a, b) {
  return { num: a.num * b.num, den: a.den * b.den };
}
function div(a, b) {
  if (b.num === 0n) throw new Error("division by zero");
  const sign = b.num < 0n ? -1n : 1n;
  return { num: a.num * b.den * sign, den: a.den * b.num * sign };
}
function add(a, b) {
  return { num: a.num * b.den + b.num * a.den, den: a.den * b.den };
}
var intRatio = (n) => ({ num: BigInt(n), den: 1n });
function floorRatio(r) {
  const q = r.num / r.den;
  return r.num < 0n && q * r.den !== r.num ? q - 1n : q;
}
function ceilRatio(r) {
  const q = r.num / r.den;
  return r.num > 0n && q * r.den !== r.num ? q + 1n : q;
}
function formatScaled(n, unit) {
  const v = BigInt(n) * unit.int;
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(unit.scale + 1, "0");
  const cut = digits.length - unit.scale;
  let whole = digits.slice(0, cut);
  const frac = digits.slice(cut).replace(/0+$/, "");
  if (whole === "") whole = "0";
  const text = frac ? `${whole}.${frac}` : whole;
  return neg && text !== "0" ? `-${text}` : text;
}
var POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
function scaledIntToNumber(n, int, scale) {
  const v = n * int;
  if (Number.isSafeInteger(v) && scale <= 22) return scale === 0 ? v : v / POW10[scale];
  return Number(formatScaled(n, { int: BigInt(int), scale }));
}
function scaledToNumber(n, unit) {
  const int = Number(unit.int);
  if (Number.isSafeInteger(int)) return scaledIntToNumber(n, int, unit.scale);
  return Number(formatScaled(n, unit));
}
function directedRound(x, up) {
  const r = Math.round(x);
  if (!Number.isFinite(x) || Math.abs(x - r) <= Math.abs(x) * 1e-12 + 1e-9) return null;
  return up ? Math.ceil(x) : Math.floor(x);
}

// src/core/scaled-tp/level-status.ts
var NEXT = {
  pending: { send: "sent" },
  sent: { fill: "filled", partialFill: "sent", reject: "pending", cancel: "canceled", endPartial: "filled", withdraw: "withdrawn" },
  // The bot's own cancel (a change outside the bot) is on its way: a fill before it lands is booked;
  // once it has landed with nothing filled, the level is pending again (sent anew for what is left).
  withdrawn: { fill: "filled", partialFill: "withdrawn", endPartial: "filled", cancel: "pending", reject: "pending" },
  canceled: { fill: "filled", partialFill: "filled" },
  filled: { fill: "filled", partialFill: "filled", endPartial: "filled", cancel: "filled" },
  skipped: {}
};
var ANSWER = Object.fromEntries(
  Object.entries(NEXT).map(([from, row]) => [from, Object.fromEntries(Object.entries(row).map(([input, to]) => [input, Object.freeze(ok(to))]))])
);
function nextLevelStatus(from, input) {
  return ANSWER[from][input] ?? err(`level ${from} cannot take ${input}`);
}

// src/core/scaled-tp/price-math.ts
function scaledEntryTicks(entry, signedPct, m2, up) {
  const fast = directedRound(Number(entry) * (100 + signedPct) / 100 / tickNumber(m2), up);
  if (fast !== null) return asTicks(fast);
  if (signedPct === 0 && typeof entry === "number") {
    const onTick = ticksOfPriceOnTick(entry, m2);
    if (onTick !== null) return asTicks(onTick);
  }
  const e = decOf(entry);
  const factor = div(add(intRatio(100), ratioOf(decOf(signedPct))), intRatio(100));
  const r = div(mul(ratioOf(e), factor), ratioOf(m2.tickSize));
  return asTicks(Number(up ? ceilRatio(r) : floorRatio(r)));
}
function ticksOfPriceOnTick(price, m2) {
  const int = Number(m2.tickSize.int);
  const scale = m2.tickSize.scale;
  if (!Number.isSafeInteger(int) || !(Math.abs(price) * 2 ** -52 < 10 ** -(scale + 1))) return null;
  const r = Math.round(price / tickNumber(m2));
  return scaledIntToNumber(r, int, scale) === price ? r : null;
}
var tickNumber = (m2) => Number(m2.tickSize.int) / 10 ** m2.tickSize.scale;
var stepNumber = (m2) => Number(m2.stepSize.int) / 10 ** m2.stepSize.scale;
function targetTicks(entry, profitPct, side, m2) {
  return side === "long" ? scaledEntryTicks(entry, profitPct, m2, true) : scaledEntryTicks(entry, -profitPct, m2, false);
}
function stopTicksAt(entry, pctFromEntry, side, m2) {
  return side === "long" ? scaledEntryTicks(entry, pctFromEntry, m2, true) : scaledEntryTicks(entry, -pctFromEntry, m2, false);
}
var isFavourable = (candidate, current, side) => side === "long" ? candidate > current : candidate < current;
function notionalMinSteps(notional, priceTicks, m2) {
  if (notional <= 0) return 0;
  const fast = directedRound(notional / (priceTicks * tickNumber(m2) * stepNumber(m2)), true);
  if (fast !== null) return fast;
  const perStep = mul(mul(intRatio(priceTicks), ratioOf(m2.tickSize)), ratioOf(m2.stepSize));
  return Number(ceilRatio(div(ratioOf(decOf(notional)), perStep)));
}
function shareOfSteps(q, pct) {
  const fast = directedRound(q * pct / 100, false);
  if (fast !== null) return fast;
  return Number(floorRatio(div(mul(intRatio(q), ratioOf(decOf(pct))), intRatio(100))));
}

// src/core/scaled-tp/ladder-rules.ts
var POSITION_LEDGER = {
  fill(s, reason, level, timeMs, price, qtySteps, fee, pnl, clientOrderId, orderId, tradeId, firstOfLevel) {
    s.partialExits = mergeExit(s.partialExits, { reason, level, timeMs, price, qtySteps, fee, pnl, clientOrderId, orderId });
    if (level !== null && firstOfLevel && !s.tpLevelsHit.includes(level)) s.tpLevelsHit = appended(s.tpLevelsHit, level);
    s.appliedTradeIds = appended(s.appliedTradeIds, tradeId);
  },
  stopMove(s, timeMs, fromTicks, toTicks, fromPrice, toPrice, rule, level) {
    s.stopMoves = appended(s.stopMoves, { timeMs, fromTicks, toTicks, fromPrice, toPrice, rule, level });
  }
};
var NONE = Object.freeze([]);
var PENDING = levelState("pending", asSteps(0), asSteps(0), false);
var SKIPPED = levelState("skipped", asSteps(0), asSteps(0), false);
function openLadder(i, out, into = null) {
  const { plan } = i;
  const limitMode = plan.execution === "limit";
  const levels = new Array(plan.levels.length);
  for (let k = 0; k < levels.length; k++) {
    const l = plan.levels[k];
    levels[k] = l.skipped !== null ? SKIPPED : limitMode ? levelState("sent", asSteps(0), l.qtySteps, false) : PENDING;
  }
  if (into !== null && into.status !== "closed") throw new Error(`${into.id}: an open position cannot be reused for ${i.id}`);
  const s = into ?? newState();
  s.id = i.id;
  s.symbol = i.symbol;
  s.side = plan.side;
  s.entryPrice = plan.entryPrice;
  s.entryTimeMs = i.timeMs;
  s.entryFee = i.entryFee;
  s.entryFeeBooked = 0;
  s.originalSteps = plan.originalSteps;
  s.remainingSteps = plan.originalSteps;
  s.plan = plan;
  s.levels = levels;
  s.partialExits = NONE;
  s.tpLevelsHit = NONE;
  s.stopTicks = plan.initialStopTicks;
  s.stopSeq = 0;
  s.stopMoves = NONE;
  s.closing = null;
  s.closeSeq = 0;
  s.status = "open";
  s.appliedTradeIds = NONE;
  settle(s);
  if (out === null) return s;
  out.commands.push({ kind: "placeStop", clientOrderId: stopClientId(i.id, 0), stopTicks: plan.initialStopTicks, stopPrice: plan.initialStopPrice });
  out.events.push({ type: "plan.made", positionId: i.id, symbol: i.symbol, timeMs: i.timeMs, plan });
  if (limitMode) {
    for (const l of plan.levels) {
      if (l.skipped !== null) continue;
      const id = exitClientId(i.id, l.reason);
      out.commands.push(exitCommand(s, l, l.qtySteps, l.targetPrice, id));
      out.events.push(requested(s, l, l.qtySteps, i.timeMs, id));
    }
  }
  return s;
}
var REACHED_NOTHING = 0;
var REACHED = 1;
var STOP_AT_FROM = 2;
var STOP_AT_STOP = 4;
var LEVEL_BIT = 8;
var MAX_REACH_LEVELS = 27;
var levelReached = (r, i) => (r & LEVEL_BIT << i) !== 0;
function reachSegment(s, from, to, timeMs, out) {
  const long = s.side === "long";
  if (stopTouched(long, from, s.stopPrice)) {
    reachStop(s, from, timeMs, out);
    return REACHED | STOP_AT_FROM;
  }
  const best = long ? Math.max(from, to) : Math.min(from, to);
  if (!targetReached(long, best, s.nextTargetPrice)) {
    if (!stopTouched(long, to, s.stopPrice)) return REACHED_NOTHING;
    reachStop(s, s.stopPrice, timeMs, out);
    return REACHED | STOP_AT_STOP;
  }
  const plan = s.plan;
  const levels = s.levels.slice();
  let result = REACHED;
  let uncommitted = uncommittedSteps(s);
  for (let i = 0; i < levels.length; i++) {
    const st = levels[i];
    const pl = plan.levels[i];
    const resting = st.status === "sent" && plan.execution === "limit" && !st.reached;
    if (st.status !== "pending" && !resting) continue;
    if (!targetReached(long, best, pl.targetPrice)) break;
    const hit = out === null ? null : { type: "tp.hit", positionId: s.id, symbol: s.symbol, timeMs, level: pl.level, reason: pl.reason, price: reachPrice(s, i, from), profitPct: pl.profitPct };
    if (resting) {
      levels[i] = levelState(st.status, st.filledSteps, st.orderSteps, true);
      result |= LEVEL_BIT << i;
      if (hit !== null) out.events.push(hit);
      continue;
    }
    const qty = sendSteps(s, levels, i, uncommitted);
    if (qty === 0) {
      if (hit !== null) out.events.push(hit);
      continue;
    }
    uncommitted -= qty;
    levels[i] = levelState(must(nextLevelStatus(st.status, "send")), st.filledSteps, asSteps(qty), true);
    result |= LEVEL_BIT << i;
    if (out !== null) {
      const id = exitClientId(s.id, pl.reason);
      out.commands.push(exitCommand(s, pl, asSteps(qty), reachPrice(s, i, from), id));
      out.events.push(hit, requested(s, pl, asSteps(qty), timeMs, id));
    }
  }
  s.levels = levels;
  settle(s);
  return result;
}
function reachPrice(s, i, from) {
  const target = s.plan.levels[i].targetPrice;
  return targetReached(s.side === "long", from, target) ? from : target;
}
var stopTouched = (long, x, stop) => long ? x <= stop : x >= stop;
var targetReached = (long, x, target) => long ? x >= target : x <= target;
function reachStop(s, price, timeMs, out) {
  const clientOrderId = stopClientId(s.id, s.stopSeq);
  s.closing = { reason: "stop", clientOrderId };
  if (out !== null) {
    out.commands.push({ kind: "closeRemainder", reason: "stop", qtySteps: s.remainingSteps, clientOrderId, triggerPrice: price });
    out.events.push({ type: "stop.reached", positionId: s.id, symbol: s.symbol, timeMs, price });
  }
  settle(s);
}
function requestCloseOf(s, reason, price, timeMs, out) {
  const clientOrderId = closeClientId(s.id, s.closeSeq);
  if (out !== null) {
    const resting = restingExitIds(s);
    if (resting.length) out.commands.push({ kind: "cancelOrders", clientOrderIds: resting });
    out.commands.push({ kind: "closeRemainder", reason, qtySteps: s.remainingSteps, clientOrderId, triggerPrice: price });
    out.events.push({ type: "order.requested", positionId: s.id, symbol: s.symbol, timeMs, clientOrderId, reason, qtySteps: s.remainingSteps, orderType: "market" });
  }
  s.closing = { reason, clientOrderId };
  settle(s);
}
function bookFill(s, target, clientOrderId, tradeId, orderId, timeMs, qtySteps, price, fee, out, ledger = POSITION_LEDGER) {
  if (out !== null && ledger !== POSITION_LEDGER) throw new Error(`${s.id}: a fill with an out is recorded on the position (POSITION_LEDGER)`);
  let completedLevel = null;
  let firstFillOfLevel = false;
  let reason;
  let level = null;
  if (typeof target === "number") {
    const st = s.levels[target];
    const pl = s.plan.levels[target];
    const filled = st.filledSteps + qtySteps;
    const next = must(nextLevelStatus(st.status, filled === st.orderSteps ? "fill" : "partialFill"));
    s.levels = replaceAt(s.levels, target, levelState(next, asSteps(filled), st.orderSteps, true));
    if (next === "filled" && st.status !== "filled") completedLevel = pl;
    firstFillOfLevel = st.filledSteps === 0;
    reason = pl.reason;
    level = pl.reason === "tp" ? null : pl.level;
  } else {
    reason = target;
  }
  const stopSeq = s.stopSeq;
  const remaining = asSteps(s.remainingSteps - qtySteps);
  const closed = remaining === 0;
  const qty = qtyOf(qtySteps, s.plan);
  const gross = (price - s.entryPrice) * qty * sideSign(s.side);
  const entryShare = closed ? s.entryFee - s.entryFeeBooked : s.entryFee * qtySteps / s.originalSteps;
  const pnl = gross - fee - entryShare;
  s.remainingSteps = remaining;
  s.entryFeeBooked = s.entryFeeBooked + entryShare;
  ledger.fill(s, reason, level, timeMs, price, qtySteps, fee, pnl, clientOrderId, orderId, tradeId, firstFillOfLevel);
  const applied = out === null ? null : { type: "fill.applied", positionId: s.id, symbol: s.symbol, timeMs, clientOrderId, orderId, reason, level, price, qtySteps, fee, pnl, remainingSteps: remaining };
  if (closed) {
    s.status = "closed";
    s.closing = null;
    if (out !== null) {
      const resting = restingExitIds(s);
      const leftovers = reason === "stop" ? resting : prepended(stopClientId(s.id, stopSeq), resting);
      if (leftovers.length) out.commands.push({ kind: "cancelOrders", clientOrderIds: leftovers });
      out.events.push(applied, { type: "position.closed", positionId: s.id, symbol: s.symbol, timeMs, reason, pnl: totalPnl(s), avgExitPrice: averageExitPrice(s) });
    }
  } else {
    const moved = completedLevel !== null && raiseStop(s, completedLevel, timeMs, ledger);
    if (out !== null) {
      const move = moved ? s.stopMoves[s.stopMoves.length - 1] : null;
      if (move !== null) out.commands.push(moveStopCommand(s, move));
      out.events.push(applied);
      if (move !== null) out.events.push(stopMovedEvent(s, move));
    }
  }
  settle(s);
  return pnl;
}
function raiseStop(s, pl, timeMs, ledger) {
  const to = pl.stopAfter;
  if (to === null || !isFavourable(to.ticks, s.stopTicks, s.side)) return false;
  const fromTicks = s.stopTicks;
  const fromPrice = stopPriceOf(s);
  s.stopTicks = to.ticks;
  s.stopSeq = s.stopSeq + 1;
  ledger.stopMove(s, timeMs, fromTicks, to.ticks, fromPrice, to.price, to.rule, pl.level);
  return true;
}
function moveStopCommand(p, m2) {
  return {
    kind: "moveStop",
    clientOrderId: stopClientId(p.id, p.stopSeq),
    replacesClientOrderId: stopClientId(p.id, p.stopSeq - 1),
    fromTicks: m2.fromTicks,
    toTicks: m2.toTicks,
    stopPrice: m2.toPrice,
    rule: m2.rule
  };
}
var stopMovedEvent = (p, m2) => ({
  type: "stop.moved",
  positionId: p.id,
  symbol: p.symbol,
  timeMs: m2.timeMs,
  fromPrice: m2.fromPrice,
  toPrice: m2.toPrice,
  rule: m2.rule,
  level: m2.level
});
function sendSteps(p, levels, i, uncommitted) {
  const pl = p.plan.levels[i];
  let laterMin = 0;
  let laterExists = false;
  for (let j = i + 1; j < levels.length; j++) {
    if (levels[j].status !== "pending") continue;
    laterExists = true;
    laterMin = Math.max(laterMin, p.plan.levels[j].minSteps);
  }
  const qty = Math.min(pl.qtySteps, uncommitted);
  if (!laterExists || pl.closesRemainder) return uncommitted;
  const left = uncommitted - qty;
  return left > 0 && left < laterMin ? uncommitted : qty;
}
function uncommittedSteps(p) {
  let inFlight = 0;
  for (const st of p.levels) if (st.status === "sent" || st.status === "withdrawn") inFlight += st.orderSteps - st.filledSteps;
  return Math.max(0, p.remainingSteps - inFlight);
}
function exitCommand(p, pl, qtySteps, triggerPrice, clientOrderId) {
  return {
    kind: "placeExit",
    level: pl.level,
    reason: pl.reason,
    orderType: p.plan.execution,
    qtySteps,
    clientOrderId,
    limitTicks: pl.targetTicks,
    limitPrice: pl.targetPrice,
    triggerPrice
  };
}
function requested(p, pl, qtySteps, timeMs, clientOrderId) {
  return {
    type: "order.requested",
    positionId: p.id,
    symbol: p.symbol,
    timeMs,
    clientOrderId,
    reason: pl.reason,
    qtySteps,
    orderType: p.plan.execution
  };
}
function restingExitIds(p) {
  const ids = [];
  if (p.plan.execution !== "limit") return ids;
  for (let i = 0; i < p.levels.length; i++) if (p.levels[i].status === "sent" || p.levels[i].status === "withdrawn") ids.push(exitClientId(p.id, p.plan.levels[i].reason));
  return ids;
}
var mergedPrice = (price, qtySteps, addPrice, addSteps) => (price * qtySteps + addPrice * addSteps) / (qtySteps + addSteps);
function mergeExit(exits, e) {
  let i = -1;
  for (let k = 0; k < exits.length && i < 0; k++) if (exits[k].clientOrderId === e.clientOrderId) i = k;
  if (i < 0) return appended(exits, e);
  const a = exits[i];
  const qty = a.qtySteps + e.qtySteps;
  const merged = {
    ...a,
    price: mergedPrice(a.price, a.qtySteps, e.price, e.qtySteps),
    qtySteps: asSteps(qty),
    fee: a.fee + e.fee,
    pnl: a.pnl + e.pnl,
    orderId: a.orderId ?? e.orderId
  };
  return replaceAt(exits, i, merged);
}
function newState() {
  return {
    id: "",
    symbol: "",
    side: "long",
    entryPrice: 0,
    entryTimeMs: 0,
    entryFee: 0,
    entryFeeBooked: 0,
    originalSteps: asSteps(0),
    remainingSteps: asSteps(0),
    plan: null,
    levels: NONE,
    partialExits: NONE,
    tpLevelsHit: NONE,
    stopTicks: 0,
    stopSeq: 0,
    stopMoves: NONE,
    closing: null,
    closeSeq: 0,
    status: "closed",
    appliedTradeIds: NONE,
    nextTargetPrice: 0,
    stopPrice: 0
  };
}
function levelState(status, filledSteps, orderSteps, reached) {
  return { status, filledSteps, orderSteps, reached };
}
function settle(s) {
  const long = s.side === "long";
  const none = long ? Infinity : -Infinity;
  const active = s.status === "open" && s.closing === null;
  let nextTargetPrice = none;
  if (active) {
    for (let i = 0; i < s.levels.length; i++) {
      const st = s.levels[i];
      const eligible = st.status === "pending" || st.status === "sent" && s.plan.execution === "limit" && !st.reached;
      if (eligible) {
        nextTargetPrice = s.plan.levels[i].targetPrice;
        break;
      }
    }
  }
  s.nextTargetPrice = nextTargetPrice;
  s.stopPrice = active ? stopPriceOf(s) : -none;
  return s;
}
var triggerLow = (p) => p.side === "long" ? p.stopPrice : p.nextTargetPrice;
var triggerHigh = (p) => p.side === "long" ? p.nextTargetPrice : p.stopPrice;
var stopPriceOf = (p) => p.stopTicks === p.plan.initialStopTicks ? p.plan.initialStopPrice : scaledIntToNumber(p.stopTicks, p.plan.tickUnit.int, p.plan.tickUnit.scale);
var qtyOf = (steps, plan) => scaledIntToNumber(steps, plan.stepUnit.int, plan.stepUnit.scale);
function totalPnl(p) {
  let s = 0;
  for (const e of p.partialExits) s += e.pnl;
  return s;
}
function averageExitPrice(p) {
  let q = 0;
  let v = 0;
  for (const e of p.partialExits) {
    q += e.qtySteps;
    v += e.price * e.qtySteps;
  }
  return q === 0 ? NaN : v / q;
}
function prepended(x, xs) {
  const out = new Array(xs.length + 1);
  out[0] = x;
  for (let i = 0; i < xs.length; i++) out[i + 1] = xs[i];
  return out;
}
function appended(xs, x) {
  const out = new Array(xs.length + 1);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i];
  out[xs.length] = x;
  return out;
}
function replaceAt(xs, i, x) {
  const out = xs.slice();
  out[i] = x;
  return out;
}
function must(r) {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

// src/core/analytics/run-summary.ts
function summarizePnls(pnls, startingBalance, equity) {
  let wins = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let total = 0;
  for (const pnl of pnls) {
    total += pnl;
    if (pnl > 0) {
      wins++;
      grossProfit += pnl;
    } else grossLoss -= pnl;
  }
  return {
    trades: pnls.length,
    win_rate: pnls.length ? wins / pnls.length : 0,
    profit_factor: grossLoss > 0 ? grossProfit / grossLoss : null,
    total_pnl: total,
    max_drawdown_pct: maxDrawdownPct(equity),
    final_equity: startingBalance + total
  };
}
function maxDrawdownPct(equity) {
  let peak = -Infinity;
  let low = Infinity;
  let after = false;
  let worst = 0;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i];
    if (e > peak) {
      if (peak > 0 && after) worst = Math.max(worst, (peak - low) * 100 / peak);
      peak = e;
      low = e;
      after = false;
    } else if (e === e) {
      if (e < low) low = e;
      after = true;
    } else if (peak > 0) worst = NaN;
  }
  if (peak > 0 && after) worst = Math.max(worst, (peak - low) * 100 / peak);
  return worst;
}

// src/core/analytics/level-stats.ts
var isTakeProfitReason = (reason) => reason.startsWith("tp");
var LevelTally = class {
  rows = /* @__PURE__ */ new Map();
  row(reason, level) {
    let r = this.rows.get(reason);
    if (!r) this.rows.set(reason, r = { level, eligible: 0, hits: 0, pnl: 0 });
    return r;
  }
  add(t) {
    this.addPlan(t.plan);
    for (const e of t.partialExits) this.addExit(e.reason, e.level, e.pnl);
  }
  /** A trade's plan: each level it had active (not skipped for size) is eligible once. */
  addPlan(plan) {
    for (const l of plan.levels) if (l.skipped === null) this.row(l.reason, l.reason === "tp" ? null : l.level).eligible++;
  }
  /** One exit of the trade whose plan was added: a take-profit exit is a hit of its level. */
  addExit(reason, level, pnl) {
    if (!isTakeProfitReason(reason)) return;
    const r = this.row(reason, level);
    r.hits++;
    r.pnl += pnl;
  }
  /** The rows: ladder levels in order, the single take-profit last. */
  stats() {
    return [...this.rows.entries()].sort(([, x], [, y]) => (x.level ?? Infinity) - (y.level ?? Infinity)).map(([reason, r]) => ({
      level: r.level,
      reason,
      eligible: r.eligible,
      hits: r.hits,
      hit_rate: r.eligible ? r.hits / r.eligible : 0,
      avg_pnl: r.hits ? r.pnl / r.hits : 0
    }));
  }
};

// src/core/fill-model.ts
var slipped = (price, buy, slippagePct) => slippagePct === 0 ? price : Number(slippedText(price, buy, slippagePct));
function slippedText(price, buy, slippagePct) {
  const p = decOfNumber(price);
  const s = decOfNumber(slippagePct);
  const hundred = 100n * 10n ** BigInt(s.scale);
  return formatScaled(p.int * (buy ? hundred + s.int : hundred - s.int), { int: 1n, scale: p.scale + s.scale + 2 });
}
var feeOf = (price, qty, pct) => price * qty * pct / 100;
function advanceSegmentOf(s, from, to, timeMs, fm, out, tally, ledger = POSITION_LEDGER) {
  if (s.status !== "open" || s.closing !== null) return false;
  const exitIsBuy = s.side === "short";
  const n = s.levels.length;
  if (n > MAX_REACH_LEVELS) throw new Error(`a ladder of ${n} levels: at most ${MAX_REACH_LEVELS}`);
  let start = from;
  let changed = false;
  for (let guard = 0; guard <= n + 2; guard++) {
    const stop = s.stopPrice;
    const r = reachSegment(s, start, to, timeMs, out);
    if (r === REACHED_NOTHING) break;
    changed = true;
    let last = start;
    if ((r & (STOP_AT_FROM | STOP_AT_STOP)) !== 0) {
      last = (r & STOP_AT_FROM) !== 0 ? start : stop;
      fillNow(s, "stop", s.closing.clientOrderId, s.remainingSteps, last, false, timeMs, fm, exitIsBuy, out, tally, ledger);
    } else {
      const maker = s.plan.execution === "limit";
      for (let i = 0; i < n && s.status === "open"; i++) {
        if (!levelReached(r, i)) continue;
        const st = s.levels[i];
        last = reachPrice(s, i, start);
        fillNow(s, i, exitClientId(s.id, s.plan.levels[i].reason), st.orderSteps - st.filledSteps, last, maker, timeMs, fm, exitIsBuy, out, tally, ledger);
      }
    }
    if (s.status !== "open") break;
    start = last;
    const lo = triggerLow(s);
    const hi = triggerHigh(s);
    if (start > lo && start < hi && to > lo && to < hi) break;
  }
  return changed;
}
function fillNow(s, target, clientOrderId, qtySteps, at, maker, timeMs, fm, exitIsBuy, out, tally, ledger) {
  const price = maker ? at : slipped(at, exitIsBuy, fm.slippagePct);
  const fee = feeOf(price, qtyOf(qtySteps, s.plan), maker ? fm.makerPct : fm.takerPct);
  const pnl = bookFill(s, target, clientOrderId, clientOrderId, null, timeMs, asSteps(qtySteps), price, fee, out, ledger);
  if (tally !== null) tally.realized += pnl;
}
function closeRemainderOf(s, reason, price, timeMs, fm, out, tally, ledger = POSITION_LEDGER) {
  if (s.status !== "open" || s.closing !== null) return false;
  const qtySteps = s.remainingSteps;
  requestCloseOf(s, reason, price, timeMs, out);
  const fill = slipped(price, s.side === "short", fm.slippagePct);
  const fee = feeOf(fill, qtyOf(qtySteps, s.plan), fm.takerPct);
  const id = s.closing.clientOrderId;
  const pnl = bookFill(s, reason, id, id, null, timeMs, qtySteps, fill, fee, out, ledger);
  if (tally !== null) tally.realized += pnl;
  return true;
}

// src/core/candle-path.ts
var reachesTrigger = (p, a, b) => (a < b ? a : b) <= triggerLow(p) || (a > b ? a : b) >= triggerHigh(p);
function intrabarPath(out, o, h, l, c, side, model) {
  const lowFirst = model === "ohlc" && c !== o ? c > o : side === "long";
  out[0] = o;
  out[1] = lowFirst ? l : h;
  out[2] = lowFirst ? h : l;
  out[3] = c;
}
function walkCandleOf(s, path, o, h, l, c, timeMs, model, fm, tally, ledger = POSITION_LEDGER) {
  intrabarPath(path, o, h, l, c, s.side, model);
  for (let k = 0; k < 3 && s.status === "open"; k++) {
    const a = path[k];
    const b = path[k + 1];
    if (reachesTrigger(s, a, b)) advanceSegmentOf(s, a, b, timeMs, fm, null, tally, ledger);
  }
}

// src/core/market/market-rules.ts
var ticksToPrice = (t, m2) => scaledToNumber(t, m2.tickSize);
var stepsToQty = (s, m2) => scaledToNumber(s, m2.stepSize);
function qtyToSteps(qty, m2, rounding = "down") {
  if (typeof qty === "number") {
    const fast = directedRound(qty / (Number(m2.stepSize.int) / 10 ** m2.stepSize.scale), rounding === "up");
    if (fast !== null) return asSteps(fast);
  }
  const r = div(ratioOf(parseDec(String(qty))), ratioOf(m2.stepSize));
  return asSteps(Number(rounding === "down" ? floorRatio(r) : ceilRatio(r)));
}

// src/core/scaled-tp/settings.ts
var moveStopRule = (levels, i) => levels[i]?.moveStopTo ?? (i === 0 ? "breakeven" : "previous_tp");

// src/core/scaled-tp/entry-ticks.ts
var LIMIT = 2 ** 52;
var POW102 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
var ULP32 = 2 ** -47;
var MAX_DECIMALS = 15;
function pctFactor(signedPct) {
  if (!Number.isFinite(signedPct)) return null;
  const d = decOfNumber(signedPct);
  if (d.scale > MAX_DECIMALS) return null;
  const den = 100 * POW102[d.scale];
  const num = Number(d.int) + den;
  if (!Number.isSafeInteger(num) || !(num > 0) || den >= LIMIT) return null;
  return { num, den };
}
var EntryTicks = class {
  v = 0;
  d = 0;
  ok = false;
  tickInt;
  tickScale;
  constructor(tick) {
    this.tickInt = tick.int;
    this.tickScale = Number.isSafeInteger(tick.int) && tick.int > 0 && tick.scale <= 22 ? tick.scale : -1;
  }
  /** Reads the entry; false when it cannot be read exactly here (then `ticks` answers NaN). */
  read(entry) {
    this.ok = this.tickScale >= 0 && (typeof entry === "number" ? this.readNumber(entry) : this.readText(entry));
    return this.ok;
  }
  /**
   * The double `x` is the decimal v / 10^d, d its fewest decimals, when that decimal gives `x` back and
   * no other decimal with d + 1 or fewer decimals lies within an ulp of it (10^-d above 32 ulps of x):
   * then v / 10^d is exactly the shortest round-trip text of x, what `decOfNumber` parses.
   */
  readNumber(x) {
    if (!(x > 0) || x >= LIMIT) return false;
    const d0 = this.d;
    const v0 = Math.round(x * POW102[d0]);
    if (v0 / POW102[d0] === x && (d0 === 0 || Math.round(x * POW102[d0 - 1]) / POW102[d0 - 1] !== x)) return this.accept(x, v0, d0);
    for (let d = 0; d <= MAX_DECIMALS; d++) {
      const v = Math.round(x * POW102[d]);
      if (v / POW102[d] === x) return this.accept(x, v, d);
    }
    return false;
  }
  accept(x, v, d) {
    if (!(v < LIMIT) || !(x * ULP32 < 1 / POW102[d])) return false;
    this.v = v;
    this.d = d;
    return true;
  }
  /** Plain `digits[.digits]` text (a slipped fill's exact price); anything else goes to the exact path. */
  readText(s) {
    let v = 0;
    let d = -1;
    if (s.length === 0 || s.length > 16) return false;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 46 && d < 0 && i > 0 && i < s.length - 1) d = 0;
      else if (c >= 48 && c <= 57) {
        v = v * 10 + (c - 48);
        if (d >= 0) d++;
      } else return false;
    }
    if (!(v > 0) || d < 0 && s.length > 15) return false;
    this.v = v;
    this.d = d < 0 ? 0 : d;
    return true;
  }
  /**
   * floor (or ceil, `up`) of entry × f / tick in whole ticks, exactly; NaN when the operands leave the
   * exact range, or no entry was read.
   */
  ticks(f, up) {
    if (!this.ok || f === null) return NaN;
    let num = this.v * f.num;
    let den = f.den * this.tickInt;
    const ts = this.tickScale;
    if (ts >= this.d) num *= POW102[ts - this.d];
    else den *= POW102[this.d - ts];
    if (!(num < LIMIT && den < LIMIT)) return NaN;
    let q = Math.floor(num / den);
    let r = num - q * den;
    if (r < 0) {
      q--;
      r += den;
    } else if (r >= den) {
      q++;
      r -= den;
    }
    return up && r > 0 ? q + 1 : q;
  }
};
function shareOf(q, c) {
  if (c === null) return NaN;
  const num = q * (c.num - c.den);
  if (!(num < LIMIT && num >= 0)) return NaN;
  const den = c.den;
  let s = Math.floor(num / den);
  const r = num - s * den;
  if (r < 0) s--;
  else if (r >= den) s++;
  return s;
}

// src/core/scaled-tp/ladder-plan.ts
var sided = (x) => ({ long: pctFactor(x), short: pctFactor(-x) });
var LadderPlanner = class {
  constructor(market, settings) {
    this.market = market;
    this.settings = settings;
    const m2 = market;
    this.unit = {
      tickSize: formatScaled(1, m2.tickSize),
      stepSize: formatScaled(1, m2.stepSize),
      tickUnit: { int: Number(m2.tickSize.int), scale: m2.tickSize.scale },
      stepUnit: { int: Number(m2.stepSize.int), scale: m2.stepSize.scale }
    };
    const n = settings.levels.length;
    this.reasons = settings.levels.map((_, k) => `tp${k + 1}`);
    this.stopRules = settings.levels.map((_, k) => moveStopRule(settings.levels, k));
    this.ticks = new EntryTicks(this.unit.tickUnit);
    this.targetF = settings.levels.map((l) => sided(l.profitPct));
    this.takeProfitF = sided(settings.takeProfitPct);
    this.breakevenF = sided(settings.breakevenOffsetPct);
    this.stopRuleF = this.stopRules.map((rule) => typeof rule === "object" ? sided(rule.profitPct) : null);
    this.closeF = settings.levels.map((l) => pctFactor(l.closePct));
    this.fixedMin = Math.max(1, m2.minQtySteps[settings.execution]);
    this.minIsFixed = !(m2.minNotionalAppliesToReduceOnly && m2.minNotional > 0) && !(settings.minOrderNotional > 0);
    this.plainTick = Number.isSafeInteger(this.unit.tickUnit.int);
    this.targets = new Array(n).fill(0);
    this.mins = new Array(n).fill(0);
    this.laterMin = new Array(n).fill(0);
    this.qty = new Array(n).fill(0);
    this.carried = new Array(n).fill(0);
    this.closes = new Array(n).fill(false);
    this.skips = new Array(n).fill(null);
  }
  market;
  settings;
  unit;
  reasons;
  stopRules;
  /** The integer path for targets and stops, and the factors of every percentage of the settings. */
  ticks;
  targetF;
  takeProfitF;
  breakevenF;
  stopRuleF;
  closeF;
  /** max(1, minQty): every level's exit minimum when no notional minimum applies (then it is price-free). */
  fixedMin;
  minIsFixed;
  /** Ticks to a price by the plain path (`tickUnit.int` a safe integer), else `ticksToPrice`. */
  plainTick;
  /** Scratch, read only during one `plan` call (nothing returned holds them): each level's target, minimum and split. */
  targets;
  mins;
  laterMin;
  qty;
  carried;
  closes;
  skips;
  /**
   * `planScratch`: the plan is written into these objects, the planner's own, instead of new ones
   * (a scaled and a single plan, made on first use; each with its result and its levels' stop-afters).
   */
  scaledScratch = null;
  singleScratch = null;
  /** The initial stop's factor for the last stop distance seen (settings' or a signal's). */
  stopPct = NaN;
  stopF = { long: null, short: null };
  price(t) {
    const u = this.unit.tickUnit;
    return this.plainTick ? scaledIntToNumber(t, u.int, u.scale) : ticksToPrice(t, this.market);
  }
  /**
   * The stop after level index k fills (R1.5, `move_stop_to`): exact ticks, or null when it stays.
   * Written into `into` when given (a scratch plan's), else a new object.
   */
  stopAfterLevel(k, breakeven, entry, side, into) {
    const rule = this.stopRules[k];
    if (rule === "none") return null;
    if (rule === "breakeven") return stopAfterOf(into, breakeven, this.price(breakeven), "breakeven");
    if (rule === "previous_tp") {
      if (k === 0) throw new Error("previous_tp on level 1 must be rejected by config validation");
      const t = this.targets[k - 1];
      return stopAfterOf(into, t, this.price(t), "previous_tp");
    }
    if (typeof rule === "object") {
      const t = this.at(entry, rule.profitPct, this.stopRuleF[k], side, stopTicksAt);
      return stopAfterOf(into, t, this.price(t), "profit_pct");
    }
    return assertNever(rule);
  }
  /**
   * The price level `pct` % from the entry in ticks, rounded as `round` does (`targetTicks`: away from
   * the entry; `stopTicksAt`: in the position's favour; both up for longs, down for shorts): by the
   * integer path when it can decide, else by that exact function.
   */
  at(entry, pct, f, side, round) {
    const long = side === "long";
    const t = f === null ? NaN : this.ticks.ticks(long ? f.long : f.short, long);
    return t === t ? t : round(entry, pct, side, this.market);
  }
  /**
   * `plan`, written into objects the planner owns and writes again on its next `planScratch`: for a
   * driver that drops each plan when its trade closes, before it plans the next one (the backtest,
   * whose closed trades plan again when read; the optimizer's figures), so that an entry allocates
   * no plan. Never for a plan that is kept (the bot's, a stored one, a trade of a `BacktestRun` kept
   * as a position).
   */
  planScratch(i) {
    return this.make(i, true);
  }
  plan(i) {
    return this.make(i, false);
  }
  /** A plan in new objects, or (`reuse`) in the planner's scratch objects. */
  make(i, reuse) {
    const { side } = i;
    const { market: m2, settings: s } = this;
    const q = i.quantitySteps;
    if (q <= 0) return err({ code: "no_quantity", message: "position quantity is zero steps" });
    const entry = i.entryPrice;
    const stopPct = i.stopLossPct ?? s.stopLossPct;
    this.ticks.read(entry);
    if (!Object.is(stopPct, this.stopPct)) {
      this.stopPct = stopPct;
      this.stopF = sided(-stopPct);
    }
    const initialStop = this.at(entry, -stopPct, this.stopF, side, stopTicksAt);
    if (initialStop <= 0) return err({ code: "stop_not_positive", message: `a stop ${stopPct}% from the entry ${String(i.entryPrice)} is not a positive price` });
    const breakeven = this.at(entry, s.breakevenOffsetPct, this.breakevenF, side, stopTicksAt);
    const head = { side, entryPrice: Number(i.entryPrice), q, initialStop, breakeven };
    if (!s.scaled) return this.single(head, "disabled", this.at(entry, s.takeProfitPct, this.takeProfitF, side, targetTicks), reuse);
    const n = s.levels.length;
    const { targets, mins } = this;
    for (let k = 0; k < n; k++) {
      const t = this.at(entry, s.levels[k].profitPct, this.targetF[k], side, targetTicks);
      if (t <= 0) return err({ code: "target_not_positive", message: `level at ${s.levels[k].profitPct}% gives a target at or below zero` });
      targets[k] = t;
      mins[k] = this.minIsFixed ? this.fixedMin : minExitSteps(t, m2, s);
    }
    const exits = this.split(q);
    if (exits <= 1 && n > 1) {
      if (s.fallbackToSingle) return this.single(head, "too_small_to_split", this.at(entry, s.takeProfitPct, this.takeProfitF, side, targetTicks), reuse);
      for (let k = 0; k < n; k++) {
        const last = k === n - 1;
        this.qty[k] = last ? q : 0;
        this.carried[k] = last ? q : 0;
        this.closes[k] = last;
        this.skips[k] = last ? null : "too_small_to_split";
      }
    }
    const into = reuse ? this.scaledScratch ??= newScratch(n, this.unit) : null;
    const planned = into === null ? new Array(n) : into.levels;
    for (let k = 0; k < n; k++) {
      const spec = s.levels[k];
      const t = targets[k];
      const l = into === null ? planned[k] = newLevel() : into.levels[k];
      l.level = k + 1;
      l.reason = this.reasons[k];
      l.profitPct = spec.profitPct;
      l.closePct = spec.closePct;
      l.targetTicks = t;
      l.targetPrice = this.price(t);
      l.minSteps = asSteps(mins[k]);
      l.qtySteps = asSteps(this.qty[k]);
      l.carriedInSteps = asSteps(this.carried[k]);
      l.closesRemainder = this.closes[k];
      l.skipped = this.skips[k];
      l.stopAfter = this.stopAfterLevel(k, breakeven, entry, side, into === null ? null : into.stopAfters[k]);
    }
    return this.planOf(head, "scaled", null, planned, into);
  }
  /** `splitQuantity` into the planner's scratch (no object per level); returns the number of exits. */
  split(q) {
    const specs = this.settings.levels;
    const { mins, laterMin, qty: qtyOut, carried, closes, skips } = this;
    const n = specs.length;
    laterMin[n - 1] = 0;
    for (let k = n - 2; k >= 0; k--) laterMin[k] = Math.max(laterMin[k + 1], mins[k + 1]);
    let remaining = q;
    let carry = 0;
    let exits = 0;
    for (let k = 0; k < n; k++) {
      if (remaining === 0) {
        qtyOut[k] = 0;
        carried[k] = 0;
        closes[k] = false;
        skips[k] = "nothing_left";
        continue;
      }
      const last = k === n - 1;
      let qty = last ? remaining : Math.min(share(q, specs[k].closePct, this.closeF[k] ?? null) + carry, remaining);
      if (!last && qty < mins[k]) {
        qtyOut[k] = 0;
        carried[k] = carry;
        closes[k] = false;
        skips[k] = "below_minimum";
        carry = qty;
        continue;
      }
      const left = remaining - qty;
      const closesRemainder = last || left === 0 || left < laterMin[k];
      if (closesRemainder) qty = remaining;
      qtyOut[k] = qty;
      carried[k] = carry;
      closes[k] = closesRemainder;
      skips[k] = null;
      exits++;
      remaining -= qty;
      carry = 0;
    }
    return exits;
  }
  /** The single take-profit plan; `t`: its target, `targetTicks(entry, takeProfitPct)`. */
  single(h, reason, t, reuse) {
    const tp = this.settings.takeProfitPct;
    if (t <= 0) return err({ code: "target_not_positive", message: `take_profit_pct ${tp}% gives a target at or below zero` });
    const into = reuse ? this.singleScratch ??= newScratch(1, this.unit) : null;
    const l = into === null ? newLevel() : into.levels[0];
    l.level = 1;
    l.reason = "tp";
    l.profitPct = tp;
    l.closePct = 100;
    l.targetTicks = t;
    l.targetPrice = this.price(t);
    l.minSteps = asSteps(0);
    l.qtySteps = asSteps(h.q);
    l.carriedInSteps = asSteps(0);
    l.closesRemainder = true;
    l.skipped = null;
    l.stopAfter = null;
    return this.planOf(h, "single", reason, into === null ? [l] : into.levels, into);
  }
  /**
   * The plan's own fields, written into a new plan (`newPlan`: every field in one order, one hidden
   * class) or into the scratch one; its result is the scratch's own when reused.
   */
  planOf(h, mode, singleReason, levels, into) {
    const u = this.unit;
    const p = into === null ? newPlan(u) : into.plan;
    p.side = h.side;
    p.entryPrice = h.entryPrice;
    p.originalSteps = asSteps(h.q);
    p.initialStopTicks = h.initialStop;
    p.initialStopPrice = this.price(h.initialStop);
    p.breakevenTicks = h.breakeven;
    p.execution = this.settings.execution;
    p.mode = mode;
    p.singleReason = singleReason;
    p.levels = levels;
    return into === null ? ok(p) : into.result;
  }
};
var newPlan = (u) => ({
  side: "long",
  entryPrice: 0,
  originalSteps: asSteps(0),
  initialStopTicks: 0,
  initialStopPrice: 0,
  breakevenTicks: 0,
  execution: "market",
  tickSize: u.tickSize,
  stepSize: u.stepSize,
  tickUnit: u.tickUnit,
  stepUnit: u.stepUnit,
  mode: "scaled",
  singleReason: null,
  levels: []
});
var newLevel = () => ({
  level: 0,
  reason: "tp",
  profitPct: 0,
  closePct: 0,
  targetTicks: 0,
  targetPrice: 0,
  minSteps: asSteps(0),
  qtySteps: asSteps(0),
  carriedInSteps: asSteps(0),
  closesRemainder: false,
  skipped: null,
  stopAfter: null
});
function stopAfterOf(into, ticks, price, rule) {
  if (into === null) return { ticks, price, rule };
  into.ticks = ticks;
  into.price = price;
  into.rule = rule;
  return into;
}
function newScratch(n, u) {
  const plan = newPlan(u);
  const levels = Array.from({ length: n }, newLevel);
  plan.levels = levels;
  return { plan, levels, stopAfters: Array.from({ length: n }, () => ({ ticks: 0, price: 0, rule: "breakeven" })), result: ok(plan) };
}
function minExitSteps(priceTicks, m2, s) {
  const exchangeNotional = m2.minNotionalAppliesToReduceOnly ? m2.minNotional : 0;
  return Math.max(
    1,
    m2.minQtySteps[s.execution],
    notionalMinSteps(exchangeNotional, priceTicks, m2),
    notionalMinSteps(s.minOrderNotional, priceTicks, m2)
  );
}
function share(q, closePct, closeF) {
  const fast = shareOf(q, closeF);
  return fast === fast ? fast : shareOfSteps(q, closePct);
}

// src/data/candle-series.ts
var closeTimeMs = (s, i) => s.time[i] + s.timeframeMs;
function lowerBoundTime(time, timeMs, from = 0, to = time.length) {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = lo + hi >>> 1;
    if (time[mid] < timeMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function findGaps(time, timeframeMs) {
  const gaps = [];
  for (let i = 1; i < time.length; i++) {
    const prev = time[i - 1];
    const t = time[i];
    if (t - prev > timeframeMs) {
      const fromMs = prev + timeframeMs;
      gaps.push({ afterIndex: i - 1, fromMs, toMs: t, missing: Math.round((t - fromMs) / timeframeMs) });
    }
  }
  return gaps;
}

// src/core/position-size.ts
var maxEntrySteps = (m2) => asSteps(Math.min(m2.maxQtySteps.market, m2.maxQtySteps.limit));
function entrySteps(size, price, equity, stopLossPct, m2) {
  const qty = size.mode === "quote" ? size.value / price : size.mode === "base" ? size.value : equity * size.value / 100 / (price * stopLossPct / 100);
  if (!(qty > 0) || !Number.isFinite(qty)) return qtyToSteps(0, m2);
  return asSteps(Math.min(qtyToSteps(qty, m2, "down"), maxEntrySteps(m2)));
}
function entryBelowMinimum(steps, price, m2) {
  if (steps === 0 || steps < m2.minQtySteps.market) return { why: "below_min_qty", detail: `size rounds to ${steps} steps` };
  const notional = price * stepsToQty(steps, m2);
  if (notional < m2.minNotional) return { why: "below_min_notional", detail: `${notional.toFixed(2)} < ${m2.minNotional}` };
  return null;
}

// src/backtest/closed-trade.ts
var ClosedTrade = class {
  #log;
  #t;
  #plan = null;
  #levels = null;
  #exits = null;
  #moves = null;
  constructor(log, t) {
    this.#log = log;
    this.#t = t;
  }
  get id() {
    return this.#log.id(this.#t);
  }
  get symbol() {
    return this.#log.symbol(this.#t);
  }
  get side() {
    return this.#log.side(this.#t);
  }
  get entryPrice() {
    return this.#log.entryPriceOf(this.#t);
  }
  get entryTimeMs() {
    return this.#log.entryTimeMsOf(this.#t);
  }
  get entryFee() {
    return this.#log.entryFeeOf(this.#t);
  }
  get entryFeeBooked() {
    return this.#log.entryFeeBookedOf(this.#t);
  }
  get originalSteps() {
    return this.#log.originalStepsOf(this.#t);
  }
  get remainingSteps() {
    return 0;
  }
  get plan() {
    return this.#plan ??= this.#log.plan(this.#t);
  }
  get levels() {
    return this.#levels ??= this.#log.levels(this.#t);
  }
  get partialExits() {
    return this.#exits ??= this.#log.exits(this.#t);
  }
  get tpLevelsHit() {
    return this.#log.tpLevelsHitOf(this.#t, this.partialExits);
  }
  get stopTicks() {
    return this.#log.stopTicksOf(this.#t);
  }
  get stopSeq() {
    return this.#log.stopSeqOf(this.#t);
  }
  get stopMoves() {
    return this.#moves ??= this.#log.stopMoves(this.#t);
  }
  /** A closed ladder has no close order in flight. */
  get closing() {
    return null;
  }
  get closeSeq() {
    return this.#log.closeSeqOf(this.#t);
  }
  get status() {
    return "closed";
  }
  get appliedTradeIds() {
    return this.#log.appliedTradeIdsOf(this.#t, this.partialExits);
  }
  /** No target and no stop can be reached any more: the band of a closed ladder (settle in ladder-rules.ts). */
  get nextTargetPrice() {
    return this.side === "long" ? Infinity : -Infinity;
  }
  get stopPrice() {
    return this.side === "long" ? -Infinity : Infinity;
  }
  /** The fields as a plain object: what JSON.stringify and a spread of a position would show. */
  toJSON() {
    return {
      id: this.id,
      symbol: this.symbol,
      side: this.side,
      entryPrice: this.entryPrice,
      entryTimeMs: this.entryTimeMs,
      entryFee: this.entryFee,
      entryFeeBooked: this.entryFeeBooked,
      originalSteps: this.originalSteps,
      remainingSteps: this.remainingSteps,
      plan: this.plan,
      levels: this.levels,
      partialExits: this.partialExits,
      tpLevelsHit: this.tpLevelsHit,
      stopTicks: this.stopTicks,
      stopSeq: this.stopSeq,
      stopMoves: this.stopMoves,
      closing: this.closing,
      closeSeq: this.closeSeq,
      status: this.status,
      appliedTradeIds: this.appliedTradeIds,
      nextTargetPrice: this.nextTargetPrice,
      stopPrice: this.stopPrice
    };
  }
};

// src/backtest/open-trade-rows.ts
var E = 6;
var M = 6;
var OpenTradeRows = class _OpenTradeRows {
  /**
   * `instantFills`: every fill is an instant fill of the core's fill model (fill-model.ts), which fills
   * each order whole, once, as its own trade, under the client id its position's id and its reason give
   * (`<id>-tpN`, the last stop's `<id>-sl<n>`, the first close's `<id>-close`). Then an order is told by
   * its reason, no id string is compared per fill, and the log keeps no client id (it derives them when
   * read). The engine's ledger; a property test holds its records to the position's own
   * (test/backtest/closed-trade.test.ts). Without it (a position's records), ids are compared as strings.
   */
  constructor(instantFills = false) {
    this.instantFills = instantFills;
  }
  instantFills;
  /** Exits so far, their numbers (E per row) and, beside them, reasons, client ids and order ids. */
  ne = 0;
  exitNums = new Float64Array(E * 8);
  reasons = [];
  clientIds = [];
  orderIds = [];
  /** Stop moves so far (M numbers per row) and their rules. */
  nm = 0;
  moveNums = new Float64Array(M * 4);
  rules = [];
  /** Levels hit, in the order of their first fills. */
  nh = 0;
  levelsHit = [];
  /** Trade ids applied, in fill order. */
  nt = 0;
  tradeIds = [];
  /** The rows of a position's own records (a state booked with `POSITION_LEDGER`). */
  static of(p) {
    const r = new _OpenTradeRows();
    for (const e of p.partialExits) r.addExit(e.reason, e.level, e.timeMs, e.price, e.qtySteps, e.fee, e.pnl, e.clientOrderId, e.orderId);
    for (const m2 of p.stopMoves) r.stopMove(null, m2.timeMs, m2.fromTicks, m2.toTicks, m2.fromPrice, m2.toPrice, m2.rule, m2.level);
    for (const l of p.tpLevelsHit) r.levelsHit[r.nh++] = l;
    for (const id of p.appliedTradeIds) r.tradeIds[r.nt++] = id;
    return r;
  }
  fill(s, reason, level, timeMs, price, qtySteps, fee, pnl, clientOrderId, orderId, tradeId, firstOfLevel) {
    let i = -1;
    if (this.instantFills) {
      if (tradeId !== clientOrderId) throw new Error(`${clientOrderId}: an instant fill is its order's own trade, not ${tradeId}`);
      if (level === null && reason !== "tp" && (s.remainingSteps !== 0 || s.closeSeq !== 0)) throw new Error(`${clientOrderId}: an instant ${reason} fill closes the whole first close or stop order`);
      for (let k = 0; k < this.ne && i < 0; k++) if (this.reasons[k] === reason) i = k;
    } else for (let k = 0; k < this.ne && i < 0; k++) if (this.clientIds[k] === clientOrderId) i = k;
    if (i < 0) this.addExit(reason, level, timeMs, price, qtySteps, fee, pnl, clientOrderId, orderId);
    else {
      const a = this.exitNums;
      const o = i * E;
      a[o + 1] = mergedPrice(a[o + 1], a[o + 2], price, qtySteps);
      a[o + 2] = a[o + 2] + qtySteps;
      a[o + 3] = a[o + 3] + fee;
      a[o + 4] = a[o + 4] + pnl;
      this.orderIds[i] ??= orderId;
    }
    if (level !== null && firstOfLevel && !this.hasHit(level)) this.levelsHit[this.nh++] = level;
    this.tradeIds[this.nt++] = tradeId;
  }
  stopMove(_s, timeMs, fromTicks, toTicks, fromPrice, toPrice, rule, level) {
    if ((this.nm + 1) * M > this.moveNums.length) this.moveNums = grown(this.moveNums);
    const a = this.moveNums;
    const o = this.nm * M;
    a[o] = timeMs;
    a[o + 1] = fromTicks;
    a[o + 2] = toTicks;
    a[o + 3] = fromPrice;
    a[o + 4] = toPrice;
    a[o + 5] = level;
    this.rules[this.nm++] = rule;
  }
  /** Number x (0…5: time, price, steps, fee, PnL, level or 0) of exit i. */
  exit(i, x) {
    return this.exitNums[i * E + x];
  }
  /** Copies exit i's six numbers (`exit(i, 0…5)`) to `to` from index k. */
  copyExit(i, to, k) {
    copy6(this.exitNums, i * E, to, k);
  }
  /** Copies stop move i's six numbers (time, from ticks, to ticks, from price, to price, level) to `to` from index k. */
  copyMove(i, to, k) {
    copy6(this.moveNums, i * M, to, k);
  }
  /** Realised PnL of all exits, summed in exit order as `totalPnl` sums a position's (R4.3). */
  totalPnl() {
    let s = 0;
    for (let i = 0; i < this.ne; i++) s += this.exitNums[i * E + 4];
    return s;
  }
  /** Empty again, for the symbol's next trade (the scratch keeps its room). */
  clear() {
    this.ne = 0;
    this.nm = 0;
    this.nh = 0;
    this.nt = 0;
  }
  addExit(reason, level, timeMs, price, qtySteps, fee, pnl, clientOrderId, orderId) {
    if ((this.ne + 1) * E > this.exitNums.length) this.exitNums = grown(this.exitNums);
    const a = this.exitNums;
    const o = this.ne * E;
    a[o] = timeMs;
    a[o + 1] = price;
    a[o + 2] = qtySteps;
    a[o + 3] = fee;
    a[o + 4] = pnl;
    a[o + 5] = level ?? 0;
    this.reasons[this.ne] = reason;
    this.clientIds[this.ne] = clientOrderId;
    this.orderIds[this.ne++] = orderId;
  }
  hasHit(level) {
    for (let i = 0; i < this.nh; i++) if (this.levelsHit[i] === level) return true;
    return false;
  }
};
function copy6(from, o, to, k) {
  to[k] = from[o];
  to[k + 1] = from[o + 1];
  to[k + 2] = from[o + 2];
  to[k + 3] = from[o + 3];
  to[k + 4] = from[o + 4];
  to[k + 5] = from[o + 5];
}
function grown(a) {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

// src/backtest/columns.ts
var SHIFT = 9;
var CHUNK = 1 << SHIFT;
var MASK = CHUNK - 1;
var Rows = class {
  constructor(stride) {
    this.stride = stride;
  }
  stride;
  chunks = [];
  /** Where the row of the last `at` starts in the chunk it returned. */
  off = 0;
  /** The chunk holding row i (an existing row, or the next one: rows are appended in order); the row starts at `off`. */
  at(i) {
    const c = i >>> SHIFT;
    let a = this.chunks[c];
    if (a === void 0) this.chunks.push(a = new Float64Array(CHUNK * this.stride));
    this.off = (i & MASK) * this.stride;
    return a;
  }
  /** The chunk holding row i, which must exist (reading never grows the table); the row starts at `off`. */
  row(i) {
    const a = this.chunks[i >>> SHIFT];
    const o = (i & MASK) * this.stride;
    if (a === void 0 || o >= a.length) throw new RangeError(`row ${i}: not written`);
    this.off = o;
    return a;
  }
};

// src/backtest/trade-log.ts
var TradeLog = class {
  n = 0;
  symbols = [];
  planners = [];
  plannerIndex = /* @__PURE__ */ new Map();
  /** A row per trade, its fields at the T_ offsets. */
  trades = new Rows(T_STRIDE);
  ids = /* @__PURE__ */ new Map();
  entryTexts = /* @__PURE__ */ new Map();
  tpLevelsHit = /* @__PURE__ */ new Map();
  appliedTradeIds = /* @__PURE__ */ new Map();
  /** A row per level of each trade: status code, filled steps, order steps, reached (1/0). */
  nl = 0;
  levelRows = new Rows(4);
  /** A row per exit: time, price, steps, fee, PnL, level (0: none), reason code. */
  ne = 0;
  exitRows = new Rows(7);
  reasons = [];
  exitIds = /* @__PURE__ */ new Map();
  orderIds = /* @__PURE__ */ new Map();
  /** A row per stop move: time, from ticks, to ticks, from price, to price, level, rule code. */
  nm = 0;
  moveRows = new Rows(7);
  /**
   * Writes a closed ladder state whose exits, stop moves, levels hit and trade ids are in `rows` (the
   * backtest's ledger), or on the state itself when no rows are given. `plannedEntry` and
   * `stopLossPct` are what its plan was made from. Returns its row.
   */
  append(s, planner, plannedEntry, stopLossPct, rows = OpenTradeRows.of(s)) {
    if (s.status !== "closed") throw new Error(`${s.id}: only a closed ladder is a closed trade`);
    const none = s.side === "long" ? Infinity : -Infinity;
    if (s.remainingSteps !== 0 || s.closing !== null || s.nextTargetPrice !== none || s.stopPrice !== -none) throw new Error(`${s.id}: a closed ladder holds nothing and has no order or trigger left`);
    const t = this.n++;
    const sym = this.symbolOf(planner, s.symbol);
    const num = numberOfId(s.id, this.symbols[sym]);
    if (num === 0) this.ids.set(t, s.id);
    if (typeof plannedEntry === "string") this.entryTexts.set(t, plannedEntry);
    const r = this.trades.at(t);
    const o = this.trades.off;
    r[o + T_SYM] = sym;
    r[o + T_NUM] = num;
    r[o + T_SHORT] = s.side === "short" ? 1 : 0;
    r[o + T_ENTRY_PRICE] = s.entryPrice;
    r[o + T_ENTRY_TIME] = s.entryTimeMs;
    r[o + T_ENTRY_FEE] = s.entryFee;
    r[o + T_ENTRY_FEE_BOOKED] = s.entryFeeBooked;
    r[o + T_ORIGINAL_STEPS] = s.originalSteps;
    r[o + T_STOP_TICKS] = s.stopTicks;
    r[o + T_STOP_SEQ] = s.stopSeq;
    r[o + T_CLOSE_SEQ] = s.closeSeq;
    r[o + T_STOP_LOSS_PCT] = stopLossPct;
    r[o + T_PLANNED_ENTRY] = typeof plannedEntry === "number" && plannedEntry !== s.entryPrice ? plannedEntry : NaN;
    r[o + T_LEVEL_FROM] = this.nl;
    r[o + T_LEVEL_COUNT] = s.levels.length;
    r[o + T_EXIT_FROM] = this.ne;
    r[o + T_EXIT_COUNT] = rows.ne;
    r[o + T_MOVE_FROM] = this.nm;
    r[o + T_MOVE_COUNT] = rows.nm;
    for (const l of s.levels) {
      const a = this.levelRows.at(this.nl++);
      const k = this.levelRows.off;
      a[k] = statusCode(l.status);
      a[k + 1] = l.filledSteps;
      a[k + 2] = l.orderSteps;
      a[k + 3] = l.reached ? 1 : 0;
    }
    for (let x = 0; x < rows.ne; x++) {
      const i = this.ne++;
      const a = this.exitRows.at(i);
      const k = this.exitRows.off;
      const reason = rows.reasons[x];
      rows.copyExit(x, a, k);
      a[k + 6] = this.reasonIndex(reason);
      if (!rows.instantFills && !isDerivedClientId(rows.clientIds[x], s.id, reason, s.stopSeq)) this.exitIds.set(i, rows.clientIds[x]);
      const orderId = rows.orderIds[x];
      if (orderId !== null) this.orderIds.set(i, orderId);
    }
    for (let x = 0; x < rows.nm; x++) {
      const a = this.moveRows.at(this.nm++);
      const k = this.moveRows.off;
      rows.copyMove(x, a, k);
      a[k + 6] = RULES.indexOf(rows.rules[x]);
    }
    if (!levelsAreOfExits(rows)) this.tpLevelsHit.set(t, rows.levelsHit.slice(0, rows.nh));
    if (!idsAreOfExits(rows)) this.appliedTradeIds.set(t, rows.tradeIds.slice(0, rows.nt));
    return t;
  }
  // ---- Reading trade t back ----
  /** Field `f` (a T_ offset) of trade t. */
  field(t, f) {
    const r = this.trades.row(t);
    return r[this.trades.off + f];
  }
  symbol(t) {
    return this.symbols[this.field(t, T_SYM)];
  }
  id(t) {
    const num = this.field(t, T_NUM);
    return num === 0 ? this.ids.get(t) : `${this.symbol(t)}-${num}`;
  }
  side(t) {
    return this.field(t, T_SHORT) === 1 ? "short" : "long";
  }
  entryPriceOf(t) {
    return this.field(t, T_ENTRY_PRICE);
  }
  entryTimeMsOf(t) {
    return this.field(t, T_ENTRY_TIME);
  }
  entryFeeOf(t) {
    return this.field(t, T_ENTRY_FEE);
  }
  entryFeeBookedOf(t) {
    return this.field(t, T_ENTRY_FEE_BOOKED);
  }
  originalStepsOf(t) {
    return this.field(t, T_ORIGINAL_STEPS);
  }
  stopTicksOf(t) {
    return this.field(t, T_STOP_TICKS);
  }
  stopSeqOf(t) {
    return this.field(t, T_STOP_SEQ);
  }
  closeSeqOf(t) {
    return this.field(t, T_CLOSE_SEQ);
  }
  /** The plan, made again by the symbol's planner from the request the trade's entry made. */
  plan(t) {
    const planned = this.field(t, T_PLANNED_ENTRY);
    const entryPrice = this.entryTexts.get(t) ?? (Number.isNaN(planned) ? this.entryPriceOf(t) : planned);
    const r = this.planners[this.field(t, T_SYM)].plan({ side: this.side(t), entryPrice, quantitySteps: this.originalStepsOf(t), stopLossPct: this.field(t, T_STOP_LOSS_PCT) });
    if (!r.ok) throw new Error(`${this.id(t)}: its plan cannot be made again (${r.error.message})`);
    return r.value;
  }
  levels(t) {
    const from = this.field(t, T_LEVEL_FROM);
    const out = new Array(this.field(t, T_LEVEL_COUNT));
    for (let j = 0; j < out.length; j++) {
      const a = this.levelRows.row(from + j);
      const k = this.levelRows.off;
      out[j] = levelState(STATUSES[a[k]], a[k + 1], a[k + 2], a[k + 3] === 1);
    }
    return out;
  }
  exits(t) {
    const count = this.field(t, T_EXIT_COUNT);
    if (count === 0) return NONE;
    const from = this.field(t, T_EXIT_FROM);
    const id = this.id(t);
    const stopSeq = this.stopSeqOf(t);
    const out = new Array(count);
    for (let j = 0; j < count; j++) {
      const i = from + j;
      const a = this.exitRows.row(i);
      const k = this.exitRows.off;
      const reason = this.reasons[a[k + 6]];
      const level = a[k + 5];
      out[j] = {
        reason,
        level: level === 0 ? null : level,
        timeMs: a[k],
        price: a[k + 1],
        qtySteps: a[k + 2],
        fee: a[k + 3],
        pnl: a[k + 4],
        clientOrderId: this.exitIds.get(i) ?? derivedClientId(id, reason, stopSeq),
        orderId: this.orderIds.get(i) ?? null
      };
    }
    return out;
  }
  stopMoves(t) {
    const count = this.field(t, T_MOVE_COUNT);
    if (count === 0) return NONE;
    const from = this.field(t, T_MOVE_FROM);
    const out = new Array(count);
    for (let j = 0; j < count; j++) {
      const a = this.moveRows.row(from + j);
      const k = this.moveRows.off;
      out[j] = { timeMs: a[k], fromTicks: a[k + 1], toTicks: a[k + 2], fromPrice: a[k + 3], toPrice: a[k + 4], rule: RULES[a[k + 6]], level: a[k + 5] };
    }
    return out;
  }
  /** Levels hit in fill order, as the exits say (each ladder level's first exit), unless the state said otherwise. */
  tpLevelsHitOf(t, exits) {
    return this.tpLevelsHit.get(t) ?? levelsOfExits(exits);
  }
  /** The backtest's fills are instant: each one's trade id is its order's client id, unless the state said otherwise. */
  appliedTradeIdsOf(t, exits) {
    return this.appliedTradeIds.get(t) ?? (exits.length === 0 ? NONE : exits.map((e) => e.clientOrderId));
  }
  symbolOf(planner, symbol) {
    let k = this.plannerIndex.get(planner);
    if (k === void 0) {
      k = this.planners.push(planner) - 1;
      this.symbols.push(symbol);
      this.plannerIndex.set(planner, k);
    }
    if (this.symbols[k] !== symbol) throw new Error(`${symbol}: a trade under the planner of ${this.symbols[k]}`);
    return k;
  }
  reasonIndex(reason) {
    let k = this.reasons.indexOf(reason);
    if (k < 0) {
      if (this.reasons.length === 256) throw new RangeError("more than 256 exit reasons");
      k = this.reasons.push(reason) - 1;
    }
    return k;
  }
};
var [T_SYM, T_NUM, T_SHORT, T_ENTRY_PRICE, T_ENTRY_TIME, T_ENTRY_FEE, T_ENTRY_FEE_BOOKED, T_ORIGINAL_STEPS, T_STOP_TICKS, T_STOP_SEQ, T_CLOSE_SEQ, T_STOP_LOSS_PCT, T_PLANNED_ENTRY, T_LEVEL_FROM, T_LEVEL_COUNT, T_EXIT_FROM, T_EXIT_COUNT, T_MOVE_FROM, T_MOVE_COUNT, T_STRIDE] = [
  0,
  1,
  2,
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  12,
  13,
  14,
  15,
  16,
  17,
  18,
  19
];
var STATUSES = ["pending", "sent", "filled", "skipped", "canceled", "withdrawn"];
var RULES = ["breakeven", "previous_tp", "profit_pct"];
function numberOfId(id, symbol) {
  const from = symbol.length + 1;
  if (id.length <= from || id.length > from + 10 || !id.startsWith(symbol) || id.charCodeAt(symbol.length) !== 45 || id.charCodeAt(from) === 48) return 0;
  let n = 0;
  for (let i = from; i < id.length; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return 0;
    n = n * 10 + d;
  }
  return n;
}
function derivedClientId(tradeId, reason, stopSeq) {
  return reason.startsWith("tp") ? exitClientId(tradeId, reason) : reason === "stop" ? stopClientId(tradeId, stopSeq) : closeClientId(tradeId);
}
function isDerivedClientId(id, tradeId, reason, stopSeq) {
  const n = tradeId.length;
  if (id.length <= n + 1 || id.charCodeAt(n) !== 45 || !id.startsWith(tradeId)) return false;
  if (reason === "stop") return id.length === n + 3 + String(stopSeq).length && id.startsWith("sl", n + 1) && id.endsWith(String(stopSeq));
  const suffix = reason.startsWith("tp") ? reason : "close";
  return id.length === n + 1 + suffix.length && id.endsWith(suffix);
}
function levelsOfExits(exits) {
  let out = null;
  for (const e of exits) if (e.level !== null && !(out !== null && out.includes(e.level))) (out ??= []).push(e.level);
  return out ?? NONE;
}
function levelsAreOfExits(rows) {
  let n = 0;
  for (let i = 0; i < rows.ne; i++) {
    const level = rows.exit(i, 5);
    if (level === 0) continue;
    let seen = false;
    for (let j = 0; j < i && !seen; j++) seen = rows.exit(j, 5) === level;
    if (seen) continue;
    if (n >= rows.nh || rows.levelsHit[n++] !== level) return false;
  }
  return n === rows.nh;
}
function idsAreOfExits(rows) {
  if (rows.nt !== rows.ne) return false;
  for (let i = 0; i < rows.nt; i++) if (rows.tradeIds[i] !== rows.clientIds[i]) return false;
  return true;
}
function statusCode(s) {
  switch (s) {
    case "pending":
      return 0;
    case "sent":
      return 1;
    case "filled":
      return 2;
    case "skipped":
      return 3;
    case "canceled":
      return 4;
    default:
      return 5;
  }
}

// src/backtest/engine.ts
function insideBand(lo, hi, o, h, l, c) {
  return l > lo && h < hi && o > lo && o < hi && c > lo && c < hi;
}
var bySymbol = (a, b) => a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
function runBacktest(symbols, o) {
  const seen = /* @__PURE__ */ new Set();
  for (const s of symbols) {
    if (seen.has(s.symbol)) throw new RangeError(`runBacktest: ${s.symbol} is given twice (one input per symbol)`);
    seen.add(s.symbol);
  }
  const states = [...symbols].sort(bySymbol).map((input) => {
    const st = {
      input,
      planner: new LadderPlanner(input.market, o.settings),
      pos: null,
      rows: new OpenTradeRows(true),
      spare: null,
      plannedEntry: 0,
      stopLossPct: 0,
      margin: 0,
      count: 0,
      i: 0,
      at: -1,
      sig: null,
      ended: input.candles.length === 0,
      qtySteps: -1,
      qty: 0,
      n: input.candles.length,
      time: input.candles.time,
      close: input.candles.close
    };
    return st;
  });
  const total = symbols.reduce((n, s) => n + s.candles.length, 0);
  const sharedTimes = symbols.length === 1 ? symbols[0].candles.time : null;
  const equityTimeMs = sharedTimes ?? new Float64Array(total);
  const equity = new Float64Array(total);
  const trades2 = [];
  const levelTally = new LevelTally();
  const pnls = [];
  const tradeLog = new TradeLog();
  const skipped = [];
  const path = new Float64Array(4);
  const slip = o.fills.slippagePct;
  const tally = { realized: 0 };
  let open = 0;
  let usedMargin = 0;
  let points = 0;
  const book = (st) => {
    const p = st.pos;
    if (p.status !== "closed") return;
    const rows = st.rows;
    levelTally.addPlan(p.plan);
    for (let x = 0; x < rows.ne; x++) levelTally.addExit(rows.reasons[x], rows.exit(x, 5) || null, rows.exit(x, 4));
    pnls.push(rows.totalPnl());
    trades2.push(new ClosedTrade(tradeLog, tradeLog.append(p, st.planner, st.plannedEntry, st.stopLossPct, rows)));
    rows.clear();
    st.spare = p;
    st.pos = null;
    usedMargin -= st.margin;
    st.margin = 0;
    open--;
  };
  const walk = (st, c, j) => {
    const p = st.pos;
    const op = c.open[j];
    const h = c.high[j];
    const l = c.low[j];
    const cl = c.close[j];
    if (insideBand(triggerLow(p), triggerHigh(p), op, h, l, cl)) return;
    walkCandleOf(p, path, op, h, l, cl, c.time[j], o.intrabar, o.fills, tally, st.rows);
    book(st);
  };
  const closeNow = (st, reason, price, timeMs) => {
    closeRemainderOf(st.pos, reason, price, timeMs, o.fills, null, tally, st.rows);
    book(st);
  };
  const skip = (st, sig, why, detail) => {
    skipped.push({ symbol: st.input.symbol, timeMs: sig.timeMs, side: sig.side, why, detail });
  };
  const enter = (st, i, sig) => {
    const { candles: c, market: m2, symbol } = st.input;
    if (open >= o.maxOpenPositions) return skip(st, sig, "max_open_positions", `${open} positions open`);
    const exact = slip === 0 ? null : slippedText(c.open[i], sig.side === "long", slip);
    const price = exact === null ? c.open[i] : Number(exact);
    const stopPct = sig.stopLossPct ?? o.settings.stopLossPct;
    const balance = o.startingBalance + tally.realized;
    const steps = entrySteps(o.positionSize, price, o.sizingBalance === "starting" ? o.startingBalance : balance, stopPct, m2);
    const refused = entryBelowMinimum(steps, price, m2);
    if (refused) return skip(st, sig, refused.why, refused.detail);
    const qty = stepsToQty(steps, m2);
    const notional = price * qty;
    const margin = notional / o.leverage;
    if (margin > balance - usedMargin) return skip(st, sig, "insufficient_margin", `needs ${margin.toFixed(2)}, free ${(balance - usedMargin).toFixed(2)}`);
    const plan = st.planner.planScratch({ side: sig.side, entryPrice: exact ?? price, quantitySteps: steps, stopLossPct: stopPct });
    if (!plan.ok) return skip(st, sig, "plan_error", plan.error.message);
    const id = `${symbol}-${++st.count}`;
    st.pos = openLadder({ id, symbol, timeMs: c.time[i], entryFee: feeOf(price, qty, o.fills.takerPct), plan: plan.value }, null, st.spare);
    st.plannedEntry = exact ?? price;
    st.stopLossPct = stopPct;
    st.margin = margin;
    usedMargin += margin;
    open++;
  };
  const walkAt = (st, i) => {
    const { candles: c, detail } = st.input;
    if (detail) {
      const from = lowerBoundTime(detail.time, c.time[i]);
      const to = lowerBoundTime(detail.time, c.time[i] + c.timeframeMs, from);
      if (to > from) {
        for (let j = from; j < to && st.pos !== null; j++) walk(st, detail, j);
        return;
      }
    }
    walk(st, c, i);
  };
  const end = (st) => {
    st.ended = true;
    if (st.pos === null) return;
    const c = st.input.candles;
    const last = c.length - 1;
    closeNow(st, "end", c.close[last], closeTimeMs(c, last));
  };
  const markToMarket = () => {
    let e = o.startingBalance + tally.realized;
    if (open === 0) return e;
    for (const st of states) {
      const p = st.pos;
      if (p === null) continue;
      const close = st.close[Math.max(0, st.i - 1)];
      if (p.remainingSteps !== st.qtySteps) {
        st.qtySteps = p.remainingSteps;
        st.qty = qtyOf(p.remainingSteps, p.plan);
      }
      e += (p.side === "long" ? close - p.entryPrice : p.entryPrice - close) * st.qty - (p.entryFee - p.entryFeeBooked);
    }
    return e;
  };
  if (states.length === 1) {
    points = runOneSymbol(states[0]);
  }
  if (states.length > 1) points = runMerged();
  function runMerged() {
    const k = states.length;
    let t = Infinity;
    for (let q = 0; q < k; q++) {
      const st = states[q];
      if (st.i < st.n) t = Math.min(t, st.time[st.i]);
    }
    let waiting = 0;
    let pts = 0;
    while (t !== Infinity) {
      if (waiting > 0) {
        for (let q = 0; q < k; q++) {
          const st = states[q];
          if (!st.ended && st.i === st.n && closeTimeMs(st.input.candles, st.i - 1) <= t) {
            end(st);
            waiting--;
          }
        }
      }
      let next = Infinity;
      let signalled = false;
      for (let q = 0; q < k; q++) {
        const st = states[q];
        if (st.i < st.n && st.time[st.i] === t) {
          const at = st.at = st.i++;
          if (st.i === st.n && !st.ended) waiting++;
          const sig = st.sig = st.input.entryAt(at);
          if (sig !== null) {
            signalled = true;
            if (st.pos !== null && st.pos.side !== sig.side) closeNow(st, "signal", st.input.candles.open[at], t);
          }
        } else st.at = -1;
        if (st.i < st.n) next = Math.min(next, st.time[st.i]);
      }
      if (signalled) {
        for (let q = 0; q < k; q++) {
          const st = states[q];
          if (st.at >= 0 && st.sig !== null && st.pos === null) enter(st, st.at, st.sig);
          st.sig = null;
        }
      }
      for (let q = 0; q < k; q++) {
        const st = states[q];
        if (st.at >= 0 && st.pos !== null) walkAt(st, st.at);
      }
      if (sharedTimes === null) equityTimeMs[pts] = t;
      equity[pts++] = markToMarket();
      t = next;
    }
    return pts;
  }
  function runOneSymbol(st) {
    const { candles: c, detail, entryAt } = st.input;
    const { open: O, high: H, low: L, close: C, time: T } = c;
    const n = c.length;
    let pos = null;
    let lo = 0;
    let hi = 0;
    let long = true;
    let entry = 0;
    let qty = 0;
    let feeLeft = 0;
    let base = o.startingBalance + tally.realized;
    for (let i = 0; i < n; i++) {
      const sig = entryAt(i);
      let changed = false;
      if (sig !== null) {
        if (st.pos !== null && st.pos.side !== sig.side) closeNow(st, "signal", O[i], T[i]);
        if (st.pos === null) enter(st, i, sig);
        changed = true;
      }
      if (st.pos !== null && (detail !== void 0 || changed || !insideBand(lo, hi, O[i], H[i], L[i], C[i]))) {
        walkAt(st, i);
        changed = true;
      }
      if (changed) {
        pos = st.pos;
        base = o.startingBalance + tally.realized;
        if (pos !== null) {
          lo = triggerLow(pos);
          hi = triggerHigh(pos);
          long = pos.side === "long";
          entry = pos.entryPrice;
          qty = qtyOf(pos.remainingSteps, pos.plan);
          feeLeft = pos.entryFee - pos.entryFeeBooked;
        }
      }
      const cl = C[i];
      equity[i] = pos === null ? base : base + ((long ? cl - entry : entry - cl) * qty - feeLeft);
    }
    st.i = n;
    return n;
  }
  for (const st of states) if (!st.ended) end(st);
  if (points > 0) equity[points - 1] = markToMarket();
  const curve = equity.subarray(0, points);
  return {
    trades: trades2,
    equityTimeMs: equityTimeMs.subarray(0, points),
    equity: curve,
    skipped,
    summary: summarizePnls(pnls, o.startingBalance, curve),
    levels: levelTally.stats()
  };
}

// src/data/load-candles.ts
import { closeSync, fstatSync, openSync, readFileSync as readFileSync2, readSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join as join2, resolve } from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { unzipSync } from "fflate";

// src/data/candle-file-error.ts
var CandleFileError = class extends Error {
  name = "CandleFileError";
  file;
  /** 1-based line number, or undefined when the problem is the whole file (e.g. empty). */
  line;
  field;
  constructor(file, line, field, problem) {
    super(`${file}${line !== void 0 ? `:${line}` : ""}: ${field !== void 0 ? `${field}: ` : ""}${problem}`);
    this.file = file;
    this.line = line;
    this.field = field;
  }
};

// src/data/parse-number.ts
var POW103 = new Float64Array(23);
for (let i = 0, p = 1; i <= 22; i++, p *= 10) POW103[i] = p;
var TWO_53 = 9007199254740992;
var COMMA = 44;
var LF = 10;
var CR = 13;
var DOT = 46;
var MINUS = 45;
var PLUS = 43;
var DECIMAL_RE2 = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
function withFinalNewline(b) {
  if (b.length > 0 && b[b.length - 1] === LF) return b;
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  out[b.length] = LF;
  return out;
}
var fieldEnd = 0;
function scanField(b, p) {
  for (; ; ) {
    const c = b[p];
    if (c === COMMA || c === LF || c === CR) return p;
    p++;
  }
}
function bytesText(b, start, end) {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}
function slowDecimal(b, start, end) {
  const text = bytesText(b, start, end);
  return DECIMAL_RE2.test(text) ? Number(text) : NaN;
}
function parseDecimalField(b, start) {
  let p = start;
  let c = b[p];
  const neg = c === MINUS;
  if (neg || c === PLUS) c = b[++p];
  const intStart = p;
  let m2 = 0;
  let d = c - 48;
  while (d >= 0 && d <= 9) {
    m2 = m2 * 10 + d;
    d = b[++p] - 48;
  }
  let digits = p - intStart;
  let k = 0;
  if (d === DOT - 48) {
    const fracStart = ++p;
    d = b[p] - 48;
    while (d >= 0 && d <= 9) {
      m2 = m2 * 10 + d;
      d = b[++p] - 48;
    }
    k = p - fracStart;
    digits += k;
  }
  fieldEnd = p;
  c = d + 48;
  if (c !== COMMA && c !== LF && c !== CR) {
    fieldEnd = scanField(b, p);
    return slowDecimal(b, start, fieldEnd);
  }
  if (digits === 0) return NaN;
  if (m2 >= TWO_53 || k > 22) return withoutTrailingZeros(b, start, p, neg);
  const v = k === 0 ? m2 : m2 / POW103[k];
  return neg ? -v : v;
}
function withoutTrailingZeros(b, start, end, neg) {
  let last = end;
  const dot = b.indexOf(DOT, start);
  if (dot >= 0 && dot < end) {
    while (last > dot + 1 && b[last - 1] === 48) last--;
  }
  let m2 = 0;
  let k = 0;
  let inFraction = false;
  for (let p = neg || b[start] === PLUS ? start + 1 : start; p < last; p++) {
    const c = b[p];
    if (c === DOT) inFraction = true;
    else {
      m2 = m2 * 10 + (c - 48);
      if (inFraction) k++;
    }
  }
  if (m2 >= TWO_53 || k > 22) return slowDecimal(b, start, end);
  const v = k === 0 ? m2 : m2 / POW103[k];
  return neg ? -v : v;
}

// src/data/parse-time.ts
var SECONDS_BELOW = 1e11;
var MILLIS_BELOW = 1e14;
var MICROS_BELOW = 1e17;
function epochToMs(v) {
  if (!(v >= 0)) return NaN;
  if (v < SECONDS_BELOW) return Math.round(v * 1e3);
  if (v < MILLIS_BELOW) return Math.floor(v);
  if (v < MICROS_BELOW) return Math.floor(v / 1e3);
  return NaN;
}
function daysFromCivil(y, m2, d) {
  y -= m2 <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m2 + (m2 > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
var DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function isLeap(y) {
  return y % 4 === 0 && y % 100 !== 0 || y % 400 === 0;
}
function digitsAt(b, p, n, end) {
  if (p + n > end) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = b[p + i] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
function parseIsoBytes(b, start, end) {
  const y = digitsAt(b, start, 4, end);
  const mo = digitsAt(b, start + 5, 2, end);
  const d = digitsAt(b, start + 8, 2, end);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || b[start + 4] !== 45 || b[start + 7] !== 45) return NaN;
  if (d > DAYS_IN_MONTH[mo - 1] || mo === 2 && d === 29 && !isLeap(y)) return NaN;
  let ms2 = daysFromCivil(y, mo, d) * 864e5;
  let p = start + 10;
  if (p === end) return ms2;
  const sep = b[p];
  if (sep !== 84 && sep !== 116 && sep !== 32) return NaN;
  const h = digitsAt(b, p + 1, 2, end);
  const mi = digitsAt(b, p + 4, 2, end);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || b[p + 3] !== 58) return NaN;
  ms2 += h * 36e5 + mi * 6e4;
  p += 6;
  if (p < end && b[p] === 58) {
    const s = digitsAt(b, p + 1, 2, end);
    if (s < 0 || s > 59) return NaN;
    ms2 += s * 1e3;
    p += 3;
    if (p < end && (b[p] === 46 || b[p] === 44)) {
      p++;
      let scale = 100;
      const fracStart = p;
      while (p < end && b[p] >= 48 && b[p] <= 57) {
        ms2 += (b[p] - 48) * scale;
        scale = scale === 1 ? 0 : scale / 10;
        p++;
      }
      if (p === fracStart) return NaN;
    }
  }
  if (p === end) return ms2;
  const z5 = b[p];
  if ((z5 === 90 || z5 === 122) && p + 1 === end) return ms2;
  if (z5 !== 43 && z5 !== 45) return NaN;
  const sign = z5 === 43 ? 1 : -1;
  const oh = digitsAt(b, p + 1, 2, end);
  if (oh < 0 || oh > 23) return NaN;
  p += 3;
  let om = 0;
  if (p < end) {
    if (b[p] === 58) p++;
    om = digitsAt(b, p, 2, end);
    if (om < 0 || om > 59 || p + 2 !== end) return NaN;
  }
  return ms2 - sign * (oh * 36e5 + om * 6e4);
}
var timeFieldEnd = 0;
function parseTimeField(b, start) {
  let p = start;
  let v = 0;
  let d = b[p] - 48;
  while (d >= 0 && d <= 9) {
    v = v * 10 + d;
    d = b[++p] - 48;
  }
  const c = d + 48;
  if (p > start && (c === 44 || c === 10 || c === 13)) {
    timeFieldEnd = p;
    return epochToMs(v);
  }
  const stop = scanField(b, p);
  timeFieldEnd = stop;
  if (c === 45 && p - start === 4) return parseIsoBytes(b, start, stop);
  const x = parseDecimalField(b, start);
  return epochToMs(x);
}
var isoOf = (ms2) => Number.isFinite(ms2) ? new Date(ms2).toISOString() : String(ms2);

// src/data/timeframe.ts
var MINUTE_MS = 6e4;
var HOUR_MS = 60 * MINUTE_MS;
var DAY_MS = 24 * HOUR_MS;
var WEEK_MS = 7 * DAY_MS;
var TIMEFRAMES = {
  "1m": MINUTE_MS,
  "3m": 3 * MINUTE_MS,
  "5m": 5 * MINUTE_MS,
  "15m": 15 * MINUTE_MS,
  "30m": 30 * MINUTE_MS,
  "1h": HOUR_MS,
  "2h": 2 * HOUR_MS,
  "4h": 4 * HOUR_MS,
  "6h": 6 * HOUR_MS,
  "8h": 8 * HOUR_MS,
  "12h": 12 * HOUR_MS,
  "1d": DAY_MS,
  "1w": WEEK_MS
};
var NAMES = Object.keys(TIMEFRAMES);
function isTimeframeName(s) {
  return Object.hasOwn(TIMEFRAMES, s);
}
function formatTimeframe(ms2) {
  for (const n of NAMES) if (TIMEFRAMES[n] === ms2) return n;
  const units = [
    [WEEK_MS, "w"],
    [DAY_MS, "d"],
    [HOUR_MS, "h"],
    [MINUTE_MS, "m"],
    [1e3, "s"]
  ];
  for (const [u, suffix] of units) if (ms2 !== 0 && ms2 % u === 0) return `${ms2 / u}${suffix}`;
  return `${ms2}ms`;
}

// src/data/candle-assemble.ts
function inferTimeframeMs(time) {
  let candidate = NaN;
  let votes = 0;
  for (let i = 1; i < time.length; i++) {
    const d = time[i] - time[i - 1];
    if (votes === 0) candidate = d;
    votes += d === candidate ? 1 : -1;
  }
  let held = 0;
  for (let i = 1; i < time.length; i++) if (time[i] - time[i - 1] === candidate) held++;
  if (held * 2 > time.length - 1) return candidate;
  const counts = /* @__PURE__ */ new Map();
  for (let i = 1; i < time.length; i++) {
    const d = time[i] - time[i - 1];
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best;
  let bestCount = 0;
  for (const [d, count] of counts) {
    if (count > bestCount || count === bestCount && best !== void 0 && d < best) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}
function concatChunks(chunks) {
  if (chunks.length === 1) return chunks[0];
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const cols = ["time", "open", "high", "low", "close", "volume"];
  const buf = new Float64Array(total * 6);
  const out = Object.fromEntries(cols.map((k, j) => [k, buf.subarray(j * total, (j + 1) * total)]));
  const lines = new Uint32Array(total);
  let at = 0;
  for (const c of chunks) {
    for (const k of cols) out[k].set(c[k], at);
    lines.set(c.lines, at);
    at += c.length;
  }
  return { file: chunks.map((c) => c.file).join(","), length: total, ...out, lines };
}
function assembleSeries(input, opts2) {
  const chunks = [...input].sort((a, b) => a.time[0] - b.time[0]);
  const starts = [];
  let total = 0;
  for (let k = 0; k < chunks.length; k++) {
    const c = chunks[k];
    const prev = chunks[k - 1];
    if (prev !== void 0 && c.time[0] <= prev.time[prev.length - 1]) {
      throw new CandleFileError(c.file, c.lines[0], "time", `${isoOf(c.time[0])} overlaps ${prev.file} (which runs to ${isoOf(prev.time[prev.length - 1])}, line ${prev.lines[prev.length - 1]})`);
    }
    starts.push(total);
    total += c.length;
  }
  const all = concatChunks(chunks);
  const where = (i) => {
    let k = starts.length - 1;
    while (starts[k] > i) k--;
    return { file: chunks[k].file, line: all.lines[i] };
  };
  const inferred = inferTimeframeMs(all.time) ?? opts2.timeframeHintMs;
  const tf = opts2.timeframeMs ?? inferred;
  if (tf === void 0) {
    throw new CandleFileError(all.file, void 0, "time", "a single candle: cannot infer the timeframe (give it, e.g. --timeframe 1h)");
  }
  if (!(tf > 0) || !Number.isInteger(tf)) throw new Error(`timeframe must be a positive whole number of ms, got ${tf}`);
  for (let i = 1; i < all.length; i++) {
    const d = all.time[i] - all.time[i - 1];
    if (d !== tf && (d < tf || d % tf !== 0)) {
      const at = where(i);
      const before = where(i - 1);
      const prevAt = before.file === at.file ? `line ${before.line}` : `${before.file}:${before.line}`;
      const why = d < tf ? `less than the ${formatTimeframe(tf)} timeframe` : `not a whole number of ${formatTimeframe(tf)} candles`;
      throw new CandleFileError(at.file, at.line, "time", `${isoOf(all.time[i])} is ${formatTimeframe(d)} after ${prevAt}, ${why}`);
    }
  }
  return {
    ...opts2.symbol !== void 0 ? { symbol: opts2.symbol } : {},
    timeframeMs: tf,
    length: all.length,
    time: all.time,
    open: all.open,
    high: all.high,
    low: all.low,
    close: all.close,
    volume: all.volume,
    gaps: findGaps(all.time, tf),
    source: opts2.source
  };
}

// src/data/candle-cache.ts
import { createHash } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readFileSync } from "node:fs";
var CACHE_VERSION = 2;
var MAGIC = "LADDERC1";
var LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
var COLUMNS = ["time", "open", "high", "low", "close", "volume"];
function cacheKey(sources, options) {
  const h = createHash("sha256");
  h.update(JSON.stringify({ v: CACHE_VERSION, sources, options }));
  return h.digest("hex").slice(0, 32);
}
var cacheFilePath = (cacheDir, key) => join(cacheDir, `${key}.bin`);
async function readCandleCache(cacheDir, key) {
  let buf;
  try {
    buf = readFileSync(cacheFilePath(cacheDir, key));
  } catch (e) {
    const code = e.code;
    if (code === "ENOENT") return void 0;
    throw new CandleFileError(cacheFilePath(cacheDir, key), void 0, "file", `the candle cache file cannot be read (${code ?? String(e)}); delete it or the cache directory`);
  }
  if (buf.length < 12 || buf.toString("latin1", 0, 8) !== MAGIC) return void 0;
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > buf.length) return void 0;
  let header;
  try {
    header = JSON.parse(buf.toString("utf8", 12, 12 + headerLength));
  } catch {
    return void 0;
  }
  if (header.key !== key || header.littleEndian !== LITTLE_ENDIAN) return void 0;
  const n = header.length;
  if (!Number.isSafeInteger(n) || n < 1 || !Number.isSafeInteger(header.timeframeMs) || header.timeframeMs < 1) return void 0;
  const dataStart = align8(12 + headerLength);
  if (buf.length !== dataStart + n * 8 * COLUMNS.length) return void 0;
  const bytes = (buf.byteOffset + dataStart) % 8 === 0 ? buf : Buffer.from(buf);
  const col = (j) => new Float64Array(bytes.buffer, bytes.byteOffset + dataStart + j * n * 8, n);
  return {
    ...header.symbol !== void 0 ? { symbol: header.symbol } : {},
    timeframeMs: header.timeframeMs,
    length: n,
    time: col(0),
    open: col(1),
    high: col(2),
    low: col(3),
    close: col(4),
    volume: col(5),
    gaps: header.gaps,
    source: header.source
  };
}
async function writeCandleCache(cacheDir, key, s) {
  const header = {
    key,
    littleEndian: LITTLE_ENDIAN,
    length: s.length,
    timeframeMs: s.timeframeMs,
    ...s.symbol !== void 0 ? { symbol: s.symbol } : {},
    gaps: [...s.gaps],
    source: s.source
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const dataStart = align8(12 + json.length);
  const out = Buffer.alloc(dataStart + s.length * 8 * COLUMNS.length);
  out.write(MAGIC, 0, "latin1");
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  COLUMNS.forEach((name, j) => {
    const a = s[name];
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.length * 8), dataStart + j * s.length * 8);
  });
  await mkdir(cacheDir, { recursive: true });
  const file = cacheFilePath(cacheDir, key);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, out);
  await rename(tmp, file);
}
function align8(n) {
  return n + 7 & ~7;
}

// src/data/candle-layout.ts
var SKIP = 0;
var TIME = 1;
var OPEN = 2;
var HIGH = 3;
var LOW = 4;
var CLOSE = 5;
var VOLUME = 6;
var ROLE_FIELD = ["columns", "time", "open", "high", "low", "close", "volume"];
var BINANCE_ROLES = [TIME, OPEN, HIGH, LOW, CLOSE, VOLUME, SKIP, SKIP, SKIP, SKIP, SKIP, SKIP];
var HEADER_NAMES = {
  time: TIME,
  timestamp: TIME,
  date: TIME,
  datetime: TIME,
  open_time: TIME,
  opentime: TIME,
  open: OPEN,
  high: HIGH,
  low: LOW,
  close: CLOSE,
  volume: VOLUME
};
var LF2 = 10;
var CR2 = 13;
var COMMA2 = 44;
function rolesFromHeader(file, header, line) {
  const names = header.split(",").map((n) => n.trim().replace(/^"(.*)"$/, "$1").toLowerCase());
  const roles = names.map((n) => HEADER_NAMES[n] ?? SKIP);
  for (let role = TIME; role <= VOLUME; role++) {
    const count = roles.filter((r) => r === role).length;
    const field = ROLE_FIELD[role];
    if (count === 0) throw new CandleFileError(file, line, "header", `no ${field} column (header ${JSON.stringify(header)}; expected time,open,high,low,close,volume or Binance's kline columns)`);
    if (count > 1) throw new CandleFileError(file, line, "header", `more than one ${field} column (header ${JSON.stringify(header)})`);
  }
  return roles;
}
function countColumns(b, p, end) {
  let n = 1;
  for (; p < end; p++) {
    const c = b[p];
    if (c === LF2 || c === CR2) break;
    if (c === COMMA2) n++;
  }
  return n;
}
function readLayout(b, file) {
  const end = b.length;
  let p = 0;
  if (b[0] === 239 && b[1] === 187 && b[2] === 191) p = 3;
  let line = 1;
  while (p < end && (b[p] === LF2 || b[p] === CR2)) {
    if (b[p] === LF2) line++;
    p++;
  }
  if (p >= end) throw new CandleFileError(file, void 0, "file", "empty file: no candles");
  const first = b[p];
  if (first >= 48 && first <= 57) {
    const n = countColumns(b, p, end);
    if (n !== 12) {
      throw new CandleFileError(file, line, "columns", `${n} columns and no header line: expected Binance's 12-column kline layout, or a header naming time,open,high,low,close,volume`);
    }
    return { roles: BINANCE_ROLES, p, line };
  }
  const stop = scanLine(b, p, end);
  const roles = rolesFromHeader(file, new TextDecoder().decode(b.subarray(p, stop)), line);
  return { roles, p: skipNewline(b, stop, end), line: line + 1 };
}
function scanLine(b, p, end) {
  while (p < end && b[p] !== LF2 && b[p] !== CR2) p++;
  return p;
}
function skipNewline(b, p, end) {
  if (p < end && b[p] === CR2) p++;
  if (p < end && b[p] === LF2) p++;
  return p;
}

// src/data/candle-csv.ts
function fieldText(b, start, stop) {
  return stop - start > 60 ? `${bytesText(b, start, start + 60)}\u2026` : bytesText(b, start, stop);
}
function fieldError(file, line, role, b, start, val = NaN) {
  const stop = scanField(b, start);
  const text = fieldText(b, start, stop);
  const kind = role === TIME ? "a time" : val === val ? "a finite number" : "a number";
  return new CandleFileError(file, line, ROLE_FIELD[role], stop === start ? "empty" : `not ${kind} ("${text}")`);
}
function checkRow(file, line, o, h, l, c, v) {
  if (!(l > 0)) throw new CandleFileError(file, line, "low", `not positive (${l})`);
  if (h < l) throw new CandleFileError(file, line, "high", `high < low (${h} < ${l})`);
  if (o < l || o > h) throw new CandleFileError(file, line, "open", `open outside [low, high] (${o} not in [${l}, ${h}])`);
  if (c < l || c > h) throw new CandleFileError(file, line, "close", `close outside [low, high] (${c} not in [${l}, ${h}])`);
  if (!(v >= 0)) throw new CandleFileError(file, line, "volume", `negative (${v})`);
}
function binanceRow(x, p, n, prevT) {
  const { b, buf, capacity } = x;
  const start = p;
  let e = 0;
  let d = b[p] - 48;
  while (d >= 0 && d <= 9) {
    e = e * 10 + d;
    d = b[++p] - 48;
  }
  const t = epochToMs(e);
  if (d !== COMMA2 - 48 || p === start || !(t > prevT)) return -1;
  const o = parseDecimalField(b, p + 1);
  p = fieldEnd;
  if (b[p] !== COMMA2) return -1;
  const h = parseDecimalField(b, p + 1);
  p = fieldEnd;
  if (b[p] !== COMMA2) return -1;
  const l = parseDecimalField(b, p + 1);
  p = fieldEnd;
  if (b[p] !== COMMA2) return -1;
  const c = parseDecimalField(b, p + 1);
  p = fieldEnd;
  if (b[p] !== COMMA2) return -1;
  const v = parseDecimalField(b, p + 1);
  p = fieldEnd;
  if (b[p] !== COMMA2) return -1;
  if (!(l > 0 && h >= l && o >= l && o <= h && c >= l && c <= h && v >= 0 && h < Infinity && v < Infinity)) return -1;
  p++;
  const { words, offset } = x;
  let commas = 0;
  while ((offset + p & 3) !== 0) {
    const ch = b[p];
    if (ch === LF2 || ch === CR2) break;
    if (ch === COMMA2) commas++;
    p++;
  }
  if ((offset + p & 3) === 0) {
    let wi = offset + p >> 2;
    const nw = words.length;
    while (wi < nw) {
      const w = words[wi];
      const lf = w ^ 168430090;
      if (((lf - 16843009 | 0) & ~lf & 2155905152) !== 0) break;
      commas += countBytes(w, 741092396);
      wi++;
    }
    p = (wi << 2) - offset;
    for (; ; ) {
      const ch = b[p];
      if (ch === LF2 || ch === CR2) break;
      if (ch === COMMA2) commas++;
      p++;
    }
  }
  if (commas !== 5) return -1;
  if (b[p] === CR2) p++;
  if (b[p] !== LF2) return -1;
  buf[n] = t;
  buf[capacity + n] = o;
  buf[2 * capacity + n] = h;
  buf[3 * capacity + n] = l;
  buf[4 * capacity + n] = c;
  buf[5 * capacity + n] = v;
  return p + 1;
}
function generalRow(x, p, n, prevT, line) {
  const { b, file, roleOf, ncols, lastRead, buf, capacity } = x;
  let t = NaN;
  let o = NaN;
  let h = NaN;
  let l = NaN;
  let c = NaN;
  let v = NaN;
  let col = 0;
  for (; ; ) {
    const role = roleOf[col];
    let q;
    if (role === SKIP) q = scanField(b, p);
    else if (role === TIME) {
      t = parseTimeField(b, p);
      q = timeFieldEnd;
      if (!Number.isFinite(t)) throw fieldError(file, line, role, b, p);
    } else {
      const val = parseDecimalField(b, p);
      q = fieldEnd;
      if (!Number.isFinite(val)) throw fieldError(file, line, role, b, p, val);
      if (role === OPEN) o = val;
      else if (role === HIGH) h = val;
      else if (role === LOW) l = val;
      else if (role === CLOSE) c = val;
      else v = val;
    }
    col++;
    p = q;
    if (b[q] !== COMMA2) break;
    p++;
    if (col > lastRead) {
      let commas = 0;
      for (; ; ) {
        const ch = b[p];
        if (ch === COMMA2) commas++;
        else if (ch === LF2 || ch === CR2) break;
        p++;
      }
      col += commas + 1;
      break;
    }
  }
  if (col !== ncols) throw new CandleFileError(file, line, "columns", `${col} columns, expected ${ncols}`);
  if (b[p] === CR2) p++;
  if (b[p] !== LF2) throw new CandleFileError(file, line, "columns", "stray carriage return");
  checkRow(file, line, o, h, l, c, v);
  if (t <= prevT) {
    const prevLine = x.lines[n - 1];
    const problem = t === prevT ? `duplicate timestamp ${isoOf(t)}, also on line ${prevLine}` : `${isoOf(t)} is earlier than line ${prevLine} (${isoOf(prevT)}): rows must be in time order`;
    throw new CandleFileError(file, line, "time", problem);
  }
  buf[n] = t;
  buf[capacity + n] = o;
  buf[2 * capacity + n] = h;
  buf[3 * capacity + n] = l;
  buf[4 * capacity + n] = c;
  buf[5 * capacity + n] = v;
  return p + 1;
}
function countBytes(w, pattern) {
  const x = w ^ pattern;
  const z5 = ~((x & 2139062143) + 2139062143 | 0 | x | 2139062143);
  return Math.imul(z5 >>> 7, 16843009) >>> 24;
}
function countLineFeeds(b, p) {
  let n = 0;
  const end = b.length;
  while (p < end && (b.byteOffset + p & 3) !== 0) if (b[p++] === LF2) n++;
  if (p >= end) return n;
  const words = new Int32Array(b.buffer, b.byteOffset + p, end - p >> 2);
  for (let i = 0; i < words.length; i++) {
    n += countBytes(words[i], 168430090);
  }
  for (p += words.length << 2; p < end; p++) if (b[p] === LF2) n++;
  return n;
}
function parseCandleCsv(input, file) {
  const b = withFinalNewline(input);
  const end = b.length;
  const layout = readLayout(b, file);
  let { p, line } = layout;
  const roleOf = Uint8Array.from(layout.roles);
  const binance = layout.roles.length === 12 && layout.roles.every((r, i) => r === BINANCE_ROLES[i]);
  let lastRead = roleOf.length - 1;
  while (roleOf[lastRead] === SKIP) lastRead--;
  const capacity = countLineFeeds(b, p) + 1;
  const buf = new Float64Array(capacity * 6);
  const lines = new Uint32Array(capacity);
  const x = {
    b,
    file,
    roleOf,
    ncols: roleOf.length,
    lastRead,
    buf,
    capacity,
    lines,
    words: new Int32Array(b.buffer, 0, b.byteOffset + b.length >> 2),
    offset: b.byteOffset
  };
  let n = 0;
  let prevT = -Infinity;
  while (p < end) {
    const c0 = b[p];
    if (c0 === LF2 || c0 === CR2 && b[p + 1] === LF2) {
      p += c0 === LF2 ? 1 : 2;
      line++;
      continue;
    }
    let q = binance ? binanceRow(x, p, n, prevT) : -1;
    if (q < 0) q = generalRow(x, p, n, prevT, line);
    p = q;
    prevT = buf[n];
    lines[n] = line;
    n++;
    line++;
  }
  if (n === 0) throw new CandleFileError(file, void 0, "file", "empty file: no candles after the header");
  const col = (k) => buf.subarray(k * capacity, k * capacity + n);
  return { file, length: n, time: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5), lines: lines.subarray(0, n) };
}

// src/data/candle-name.ts
import { basename } from "node:path";
var CANDLE_FILE_RE = /\.(?:csv|csv\.gz|zip)$/i;
var NAME_RE = /^([A-Za-z0-9]{2,})[-_](\d+[mhdwM])(?:[-_.]|$)/;
function infoFromFileName(path) {
  const m2 = NAME_RE.exec(basename(path));
  if (!m2) return {};
  const tf = m2[2];
  return { symbol: m2[1].toUpperCase(), ...isTimeframeName(tf) ? { timeframeMs: TIMEFRAMES[tf] } : {} };
}

// src/data/load-candles.ts
var gunzipAsync = promisify(gunzip);
async function statOf(path) {
  try {
    return await stat(path);
  } catch (e) {
    throw new CandleFileError(path, void 0, "file", `cannot read (${e.code ?? String(e)})`);
  }
}
var listed = (path, st) => ({ path, stamp: { path: resolve(path), size: st.size, mtimeMs: st.mtimeMs } });
async function listFiles(path) {
  const st = await statOf(path);
  if (!st.isDirectory()) return [listed(path, st)];
  const names = (await readdir(path)).filter((n) => CANDLE_FILE_RE.test(n)).sort();
  if (names.length === 0) throw new CandleFileError(path, void 0, "file", "directory holds no .csv, .csv.gz or .zip candle files");
  return Promise.all(names.map(async (n) => listed(join2(path, n), await statOf(join2(path, n)))));
}
var SCRATCH_MAX = 32 * 1024 * 1024;
var scratch = Buffer.alloc(0);
function readIntoScratch(path) {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size > SCRATCH_MAX) return readFileSync2(fd);
    if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX, Math.max(size, scratch.length * 2)));
    let at = 0;
    while (at < size) {
      const n = readSync(fd, scratch, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return scratch.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}
async function parseCandleFile(path) {
  if (!/\.(gz|zip)$/i.test(path)) {
    return [parseCandleCsv(readIntoScratch(path), path)];
  }
  const raw = readFileSync2(path);
  if (/\.gz$/i.test(path)) {
    let bytes;
    try {
      bytes = await gunzipAsync(raw);
    } catch (e) {
      throw new CandleFileError(path, void 0, "file", `not a gzip file (${e.message})`);
    }
    return [parseCandleCsv(bytes, path)];
  }
  if (/\.zip$/i.test(path)) {
    let entries;
    try {
      entries = unzipSync(raw, { filter: (f) => /\.csv$/i.test(f.name) && !f.name.startsWith("__MACOSX/") });
    } catch (e) {
      throw new CandleFileError(path, void 0, "file", `not a zip file (${e.message})`);
    }
    const names = Object.keys(entries).sort();
    if (names.length === 0) throw new CandleFileError(path, void 0, "file", "zip archive holds no .csv file");
    return names.map((n) => parseCandleCsv(entries[n], `${path}:${n}`));
  }
  return [parseCandleCsv(raw, path)];
}
function agreed(values2) {
  const set = new Set(values2.filter((v) => v !== void 0));
  if (set.size > 1) return "conflict";
  return set.values().next().value;
}
async function loadCandles(input, opts2 = {}) {
  const inputs = typeof input === "string" ? [input] : [...input];
  if (inputs.length === 0) throw new Error("loadCandles: no candle file given");
  const files = (await Promise.all(inputs.map(listFiles))).flat();
  const source = inputs.join(",");
  const nameInfo = files.map((f) => infoFromFileName(f.path));
  let symbol = opts2.symbol;
  if (symbol === void 0) {
    const s = agreed(nameInfo.map((i) => i.symbol));
    if (s === "conflict") throw new CandleFileError(source, void 0, "file", `files are named for different symbols (${[...new Set(nameInfo.map((i) => i.symbol))].join(", ")}); load one symbol at a time or give the symbol`);
    symbol = s;
  }
  const hint = agreed(nameInfo.map((i) => i.timeframeMs));
  const timeframeHintMs = hint === "conflict" ? void 0 : hint;
  let key;
  if (opts2.cacheDir !== void 0) {
    key = cacheKey(files.map((f) => f.stamp), { timeframeMs: opts2.timeframeMs ?? null, timeframeHintMs: timeframeHintMs ?? null });
    const cached2 = await readCandleCache(opts2.cacheDir, key);
    if (cached2 !== void 0) return withIdentity(cached2, symbol, source);
  }
  const chunks = (await Promise.all(files.map((f) => parseCandleFile(f.path)))).flat();
  const series2 = assembleSeries(chunks, {
    source,
    ...symbol !== void 0 ? { symbol } : {},
    ...opts2.timeframeMs !== void 0 ? { timeframeMs: opts2.timeframeMs } : {},
    ...timeframeHintMs !== void 0 ? { timeframeHintMs } : {}
  });
  if (opts2.cacheDir !== void 0 && key !== void 0) {
    await writeCandleCache(opts2.cacheDir, key, series2).catch(() => void 0);
  }
  return series2;
}
function withIdentity(s, symbol, source) {
  const { symbol: _old, ...rest } = s;
  return { ...rest, ...symbol !== void 0 ? { symbol } : {}, source };
}

// bench/paths.ts
import { fileURLToPath } from "node:url";
var KLINES_DIR = fileURLToPath(new URL("../../shared/data/binance-spot-klines/", import.meta.url));
var EXCHANGE_INFO = fileURLToPath(new URL("../../shared/data/binance-usdm-exchange-info.json", import.meta.url));
var EXAMPLE_CONFIG = fileURLToPath(new URL("../examples/scaled.config.json", import.meta.url));
var CHILD_10M = fileURLToPath(new URL("./run-10m.ts", import.meta.url));
var SYMBOLS_1H = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "AVAXUSDT", "LINKUSDT", "DOTUSDT"];
var klineFile = (symbol, interval) => `${KLINES_DIR}${symbol}-${interval}.csv`;

// bench/setup.ts
import { readFile as readFile2 } from "node:fs/promises";

// src/core/config/schema.ts
import { z } from "zod";

// src/core/config/defaults.ts
var DEFAULT_LEVERAGE = 1;
var DEFAULT_STOP_LOSS_PCT = 2;
var DEFAULT_BREAKEVEN_OFFSET_PCT = 0;
var DEFAULT_EMA_FAST = 12;
var DEFAULT_EMA_SLOW = 26;
var MAINTENANCE_MARGIN_PCT = 0.5;
var liquidationDistancePct = (leverage) => 100 / leverage - MAINTENANCE_MARGIN_PCT;
var DEFAULT_LEVELS = Object.freeze([
  Object.freeze({ profit_pct: 1, close_pct: 30, move_stop_to: "breakeven" }),
  Object.freeze({ profit_pct: 2, close_pct: 30, move_stop_to: "previous_tp" }),
  Object.freeze({ profit_pct: 3.5, close_pct: 40, move_stop_to: "previous_tp" })
]);
var defaultMoveStopTo = (index) => index === 0 ? "breakeven" : "previous_tp";

// src/core/config/bounds.ts
var SUPPORTED_EXCHANGE_IDS = ["binanceusdm"];
var MAX_POSITION_VALUE = 1e9;
var MAX_PRICE_PCT = 1e4;
var MAX_COST_PCT = 10;
var MAX_BALANCE = 1e12;
var MAX_OPEN_POSITIONS = 1e3;
var MAX_PERIOD = 1e4;
var MAX_ATR_MULT = 100;

// src/core/config/path.ts
var IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
function formatPath(path) {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
function valueAt(root, path) {
  let v = root;
  for (const seg of path) {
    if (typeof v !== "object" || v === null) return void 0;
    v = v[seg];
  }
  return v;
}
var isRecord = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

// src/core/config/rules.ts
var CLOSE_PCT_SUM_TOLERANCE = 1e-9;
function crossFieldIssues(raw) {
  if (!isRecord(raw)) return [];
  return [...strategyIssues(raw.strategy), ...symbolIssues(raw.symbols), ...ladderIssues(raw), ...liquidationIssues(raw)];
}
function numberOr(obj, key, fallback) {
  const v = obj[key];
  if (v === void 0) return fallback;
  return typeof v === "number" && Number.isFinite(v) ? v : void 0;
}
var showNumber = (x) => String(Number(x.toPrecision(12)));
function strategyIssues(strategy) {
  if (!isRecord(strategy) || strategy.name !== "ema_cross") return [];
  const fast = numberOr(strategy, "fast", DEFAULT_EMA_FAST);
  const slow = numberOr(strategy, "slow", DEFAULT_EMA_SLOW);
  if (fast === void 0 || slow === void 0 || fast < slow) return [];
  return [{ path: ["strategy", "fast"], message: `must be less than strategy.slow (${slow})` }];
}
function symbolIssues(symbols) {
  if (!Array.isArray(symbols)) return [];
  const firstIndex = /* @__PURE__ */ new Map();
  const issues = [];
  symbols.forEach((s, i) => {
    if (typeof s !== "string") return;
    const first = firstIndex.get(s);
    if (first === void 0) firstIndex.set(s, i);
    else issues.push({ path: ["symbols", i], message: `duplicate of symbols[${first}]` });
  });
  return issues;
}
function ladderIssues(raw) {
  const levelsRaw = raw.scaled_tp_levels === void 0 ? DEFAULT_LEVELS : raw.scaled_tp_levels;
  if (!Array.isArray(levelsRaw) || levelsRaw.length === 0) return [];
  const levels = levelsRaw.map((l) => isRecord(l) ? l : {});
  const at = (k, ...rest) => ["scaled_tp_levels", k, ...rest];
  const profits = levels.map((l) => numberOr(l, "profit_pct", void 0));
  const targets = profits.map((p) => p !== void 0 && p > 0 ? p : void 0);
  const issues = [];
  for (let k = 1; k < levels.length; k++) {
    const prev = profits[k - 1];
    const cur = profits[k];
    if (prev !== void 0 && cur !== void 0 && !(cur > prev)) {
      issues.push({ path: at(k, "profit_pct"), message: `must be greater than level ${k - 1} (${prev})` });
    }
  }
  const closes = levels.map((l) => numberOr(l, "close_pct", void 0));
  if (closes.every((c) => c !== void 0)) {
    const sum = closes.reduce((a, c) => a + c, 0);
    if (!(Math.abs(sum - 100) <= CLOSE_PCT_SUM_TOLERANCE)) {
      issues.push({ path: ["scaled_tp_levels"], message: `close_pct values must sum to 100, got ${showNumber(sum)}` });
    }
  }
  levels.forEach((l, k) => {
    const move = l.move_stop_to;
    const own = targets[k];
    if (move === "previous_tp" && k === 0) {
      issues.push({ path: at(0, "move_stop_to"), message: '"previous_tp" is not allowed on level 0: there is no previous target' });
    }
    if (isRecord(move)) {
      const x = numberOr(move, "profit_pct", void 0);
      if (x !== void 0 && own !== void 0 && !(x < own)) {
        issues.push({
          path: at(k, "move_stop_to", "profit_pct"),
          message: `must be less than the level's own profit_pct (${own}): the stop would sit at or past the price just reached`
        });
      }
    }
  });
  const offset = numberOr(raw, "breakeven_offset_pct", DEFAULT_BREAKEVEN_OFFSET_PCT);
  if (offset !== void 0) {
    const k = levels.findIndex((l, i) => {
      const own = targets[i];
      return (l.move_stop_to ?? defaultMoveStopTo(i)) === "breakeven" && own !== void 0 && !(offset < own);
    });
    if (k >= 0) {
      issues.push({
        path: ["breakeven_offset_pct"],
        message: `must be less than ${formatPath(at(k, "profit_pct"))} (${profits[k]}), whose stop moves to breakeven`
      });
    }
  }
  return issues;
}
function liquidationIssues(raw) {
  const leverage = numberOr(raw, "leverage", DEFAULT_LEVERAGE);
  const stop = numberOr(raw, "stop_loss_pct", DEFAULT_STOP_LOSS_PCT);
  if (leverage === void 0 || !Number.isInteger(leverage) || leverage < 1 || leverage > 125) return [];
  if (stop === void 0 || stop <= 0) return [];
  const distance = liquidationDistancePct(leverage);
  if (stop < distance) return [];
  return [
    {
      path: ["stop_loss_pct"],
      message: `${stop}${raw.stop_loss_pct === void 0 ? " (the default)" : ""} is at or beyond the liquidation distance at ${leverage}x leverage (${showNumber(distance)} % = 100/${leverage} \u2212 ${MAINTENANCE_MARGIN_PCT} % maintenance margin): the stop could never fire`
    }
  ];
}

// src/core/config/schema.ts
var TIMEFRAMES2 = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"];
var MAX_LEVELS = 20;
var SYMBOL = /^[A-Z0-9]+\/[A-Z0-9]+:[A-Z0-9]+(-[0-9]{6})?$/;
var exchangeSchema = z.strictObject({
  id: z.string().refine((id) => SUPPORTED_EXCHANGE_IDS.includes(id), {
    error: (iss) => `only ${SUPPORTED_EXCHANGE_IDS.map((id) => `"${id}"`).join(", ")} is supported for now (got ${JSON.stringify(iss.input)})`
  }).meta({ enum: [...SUPPORTED_EXCHANGE_IDS] }).default("binanceusdm").describe('ccxt exchange id; Ladder is built and tested for "binanceusdm" (Binance USD\u24C8-M perpetual futures).'),
  testnet: z.boolean().default(false).describe("Trade on the exchange's testnet instead of the real market.")
});
var emaCrossSchema = z.strictObject({
  name: z.literal("ema_cross").describe('"ema_cross": go long when the fast EMA of the closes crosses above the slow one, short when it crosses below.'),
  fast: z.number().int().positive().max(MAX_PERIOD).default(DEFAULT_EMA_FAST).describe("Fast EMA period in candles; must be less than slow."),
  slow: z.number().int().positive().max(MAX_PERIOD).default(DEFAULT_EMA_SLOW).describe("Slow EMA period in candles."),
  atr_stop_mult: z.number().positive().max(MAX_ATR_MULT).optional().describe("Optional: put the initial stop atr_stop_mult \xD7 ATR(atr_period) from the entry instead of stop_loss_pct."),
  atr_period: z.number().int().positive().max(MAX_PERIOD).default(14).describe("ATR period in candles, used with atr_stop_mult.")
});
var signalsSchema = z.strictObject({
  name: z.literal("signals").describe('"signals": enter on the rows of a CSV file (time,symbol,side[,stop_loss_pct]).'),
  file: z.string().min(1).describe("Path of the signals CSV file, relative to the working directory.")
});
var moduleSchema = z.strictObject({
  name: z.literal("module").describe('"module": your own strategy, a TypeScript or JavaScript file that exports params (a zod schema) and create(params) (docs/strategies.md).'),
  path: z.string().min(1).describe("Path of the strategy file (.ts, .mts, .js, .mjs), relative to the config file's directory."),
  params: z.record(z.string(), z.unknown()).default({}).describe("Parameters for the module, checked by the zod schema it exports when it is loaded.")
});
var strategySchema = z.discriminatedUnion("name", [emaCrossSchema, signalsSchema, moduleSchema]);
var positionSizeSchema = z.discriminatedUnion("mode", [
  z.strictObject({
    mode: z.literal("quote").describe('"quote": value is the notional of each position in the quote currency (USDT).'),
    value: z.number().positive().max(MAX_POSITION_VALUE).describe("Notional per position in USDT (> 0).")
  }),
  z.strictObject({
    mode: z.literal("base").describe('"base": value is the quantity of each position in the base asset (e.g. BTC).'),
    value: z.number().positive().max(MAX_POSITION_VALUE).describe("Quantity per position in the base asset (> 0).")
  }),
  z.strictObject({
    mode: z.literal("risk_pct").describe('"risk_pct": value is the % of equity lost if the initial stop is hit.'),
    value: z.number().positive().max(100).describe("Equity % risked per position (> 0 and \u2264 100).")
  })
]);
var MOVE_STOP_TO_NAMES = ["breakeven", "previous_tp", "none"];
var moveStopToSchema = z.union(
  [
    z.enum(MOVE_STOP_TO_NAMES),
    z.strictObject({
      profit_pct: z.number().gt(-100).describe("Stop price as a % distance from the entry (negative: still at a loss); must be less than the level's own profit_pct.")
    })
  ],
  { error: 'must be "breakeven", "previous_tp", "none" or { "profit_pct": number }' }
);
var levelSchema = z.strictObject({
  profit_pct: z.number().positive().max(MAX_PRICE_PCT).describe("Distance of this level's target from the entry in % (> 0, greater than the previous level's)."),
  close_pct: z.number().positive().max(100).describe("Share of the original position closed at this level, in % (> 0 and \u2264 100; all levels sum to 100)."),
  move_stop_to: moveStopToSchema.optional().describe(
    'Where the stop moves when this level fills: "breakeven", "previous_tp", "none" or { "profit_pct": x }. Default: "breakeven" for the first level, "previous_tp" for the others.'
  )
});
var levelsSchema = z.array(levelSchema).min(1).max(MAX_LEVELS).default(() => structuredClone(DEFAULT_LEVELS)).transform(
  (levels) => levels.map((l, i) => ({ ...l, move_stop_to: l.move_stop_to ?? defaultMoveStopTo(i) }))
);
var feesSchema = z.strictObject({
  taker_pct: z.number().min(0).max(MAX_COST_PCT).default(0.05).describe("Taker fee in % of notional: entries, market exits, stops."),
  maker_pct: z.number().min(0).max(MAX_COST_PCT).default(0.02).describe("Maker fee in % of notional: resting limit exits.")
});
var backtestSchema = z.strictObject({
  starting_balance: z.number().positive().max(MAX_BALANCE).default(1e4).describe("Starting equity of a backtest, in the quote currency."),
  intrabar: z.enum(["pessimistic", "ohlc"]).default("pessimistic").describe(
    'Price path inside a candle: "pessimistic" (long: open\u2192low\u2192high\u2192close, short: open\u2192high\u2192low\u2192close) or "ohlc" (open\u2192low\u2192high\u2192close on up candles, open\u2192high\u2192low\u2192close on down candles).'
  )
});
var storeSchema = z.strictObject({
  path: z.string().min(1).default("ladder.db").describe("SQLite file that keeps positions, ladder state, orders and fills.")
});
var dashboardSchema = z.strictObject({
  host: z.string().min(1).default("127.0.0.1").describe("Address the dashboard listens on; keep 127.0.0.1 unless you mean to expose it."),
  port: z.number().int().min(0).max(65535).default(8080).describe("TCP port of the dashboard (1\u201365535, or 0 for any free port).")
});
var webhookSchema = z.strictObject({
  host: z.string().min(1).default("127.0.0.1").describe("Address the signal webhook listens on (ladder live|paper --webhook); keep 127.0.0.1 behind a reverse proxy or tunnel."),
  port: z.number().int().min(0).max(65535).default(8081).describe("TCP port of the signal webhook (1\u201365535, or 0 for any free port)."),
  path: z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, { error: 'must be a URL path starting with "/" (letters, digits, . _ ~ / -)' }).max(200).default("/webhook").describe("URL path that accepts signals (POST)."),
  max_lag_s: z.number().int().positive().max(86400).default(60).describe("A signal whose time is more than this many seconds old when it arrives is refused, and so is one still waiting this long after it arrived (the bot was down)."),
  allow_ips: z.array(z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address like "52.89.214.238"' })).default(() => []).describe("Addresses a signal may come from (e.g. TradingView's published webhook addresses); empty: any address."),
  rate_limit_per_min: z.number().int().positive().max(1e4).default(60).describe("Requests accepted per minute from one address; more are refused (429).")
});
var MAX_COOLDOWN_MINUTES = 43200;
var riskLimitsSchema = z.strictObject({
  daily_loss_limit: z.number().positive().max(MAX_BALANCE).optional().describe("No new entry once the realised loss of the current UTC day reaches this much, in the quote currency (> 0)."),
  max_drawdown_pct: z.number().positive().max(100).optional().describe("No new entry while equity is this % or more below its highest value seen by the bot (> 0 and \u2264 100)."),
  max_total_notional: z.number().positive().max(MAX_BALANCE).optional().describe("No new entry that would bring the open positions' total notional, the new entry's included, above this, in the quote currency (> 0)."),
  max_consecutive_losses: z.number().int().positive().max(MAX_OPEN_POSITIONS).optional().describe("After this many losing trades in a row, no new entry for cooldown_minutes (without cooldown_minutes: until the next UTC day)."),
  cooldown_minutes: z.number().positive().max(MAX_COOLDOWN_MINUTES).optional().describe("Length of the pause after max_consecutive_losses losing trades in a row, in minutes (> 0; needs max_consecutive_losses).")
}).refine((r) => r.cooldown_minutes === void 0 || r.max_consecutive_losses !== void 0, {
  path: ["cooldown_minutes"],
  error: "needs max_consecutive_losses (the losing streak that starts the pause)"
});
var NOTIFY_EVENTS = ["entry", "tp", "stop", "exit", "risk", "alert"];
var notifyEventsSchema = z.array(z.enum(NOTIFY_EVENTS)).min(1).refine((a) => new Set(a).size === a.length, { error: "lists an event twice" }).default(() => [...NOTIFY_EVENTS]);
var telegramSchema = z.strictObject({
  chat_id: z.union([z.number().int(), z.string().regex(/^(-?[1-9][0-9]{0,19}|@[A-Za-z][A-Za-z0-9_]{4,31})$/, { error: 'must be a numeric chat id like "-1001234567890" or a channel name like "@my_channel"' })]).transform((v) => String(v)).describe('The one Telegram chat that gets the messages and whose /status, /profit and /levels are answered: a numeric id ("123456789", "-1001234567890") or "@channel_name".'),
  events: notifyEventsSchema.describe('What this chat is sent: any of "entry", "tp", "stop", "exit", "risk", "alert" (default: all).'),
  min_interval_ms: z.number().int().min(1e3).max(36e5).default(1e3).describe("Least time between two messages to the chat, in ms (at least 1000: Telegram allows about one message a second per chat)."),
  api_root: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL like "https://api.telegram.org"' }).default("https://api.telegram.org").describe("Bot API server (a self-hosted one, or a local test server); the token is added by Ladder, never written here."),
  commands: z.boolean().default(true).describe("Answer the read-only commands /status, /profit and /levels from the configured chat (long polling).")
});
var notifyWebhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL like "https://example.com/ladder"' }).refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), { error: "must not carry a user or password: the signing secret comes from LADDER_NOTIFY_WEBHOOK_SECRET" }).describe('Where every notification is POSTed as JSON, with a stable "id" a receiver can dedupe on.'),
  events: notifyEventsSchema.describe('What the webhook is sent: any of "entry", "tp", "stop", "exit", "risk", "alert" (default: all).'),
  min_interval_ms: z.number().int().min(0).max(36e5).default(0).describe("Least time between two POSTs, in ms (0: no pacing)."),
  timeout_ms: z.number().int().min(100).max(12e4).default(1e4).describe("A POST not answered within this many ms is tried again later.")
});
var notifySchema = z.strictObject({
  telegram: telegramSchema.optional().describe("Telegram messages through a bot (grammY); off unless set."),
  webhook: notifyWebhookSchema.optional().describe("A generic JSON webhook; off unless set."),
  exchange_unreachable_after_s: z.number().int().positive().max(86400).default(300).describe("Alert when the exchange has not answered for this many seconds (and again when it answers)."),
  outbox_retention_days: z.number().int().min(1).max(3650).default(30).describe("Delivered notifications older than this many days are deleted from the store (at start, then daily); undelivered ones are kept.")
});
var configShapeSchema = z.strictObject({
  $schema: z.string().optional().describe("Path or URL of this file's JSON Schema, for editors; ignored by Ladder."),
  exchange: exchangeSchema.default(() => exchangeSchema.parse({})).describe("Exchange to trade on. No secrets here: API keys come from LADDER_API_KEY and LADDER_API_SECRET in the environment or .env."),
  symbols: z.array(z.string().regex(SYMBOL, { error: 'must be a ccxt unified futures symbol like "BTC/USDT:USDT"' })).min(1).default(() => ["BTC/USDT:USDT"]).describe('Markets to trade, as ccxt unified symbols (e.g. "BTC/USDT:USDT" for the BTCUSDT perpetual), without duplicates.'),
  timeframe: z.enum(TIMEFRAMES2).default("1h").describe("Candle timeframe the strategy runs on."),
  strategy: strategySchema.default(() => strategySchema.parse({ name: "ema_cross" })).describe('Where entries come from: an EMA crossover ("ema_cross"), a CSV file of signals ("signals") or your own strategy file ("module").'),
  leverage: z.number().int().min(1).max(125).default(DEFAULT_LEVERAGE).describe("Leverage set on every symbol, an integer from 1 to 125; stop_loss_pct must stay inside its liquidation distance."),
  margin_mode: z.enum(["isolated", "cross"]).default("isolated").describe('Margin mode set on every symbol at start (paper and live): "isolated" (the liquidation check assumes it) or "cross".'),
  max_open_positions: z.number().int().positive().max(MAX_OPEN_POSITIONS).default(3).describe("Most positions open at once across all symbols; entry signals beyond it are ignored."),
  position_size: positionSizeSchema.default(() => ({ mode: "quote", value: 1e3 })).describe("Size of each new position; the quantity is rounded down to the symbol's step size."),
  stop_loss_pct: z.number().positive().default(DEFAULT_STOP_LOSS_PCT).describe("Initial stop distance from the entry in % (> 0 and below the liquidation distance at the configured leverage)."),
  take_profit_pct: z.number().positive().max(MAX_PRICE_PCT).default(3).describe("Single take-profit distance from the entry in %: used when scaled TP is off, and as the fallback for a position too small to split."),
  enable_scaled_take_profit: z.boolean().default(false).describe("true: close each position in steps at scaled_tp_levels; false: close it whole at take_profit_pct."),
  scaled_tp_levels: levelsSchema.describe(
    "The take-profit ladder: 1 to 20 levels, profit_pct strictly ascending, close_pct summing to exactly 100."
  ),
  scaled_tp_min_order_size: z.number().min(0).max(MAX_POSITION_VALUE).default(0).describe("Smallest exit the ladder sends, as notional in the quote currency at the level's target; 0: only the exchange's minimums apply."),
  scaled_tp_fallback_to_single: z.boolean().default(true).describe("When no partial exit can meet the minimum: true manages the position with the single take-profit, false closes it whole at the last level."),
  scaled_tp_execution: z.enum(["market", "limit"]).default("market").describe('"market": a reduce-only market order when a target is touched; "limit": reduce-only limit orders resting at every target from the entry.'),
  breakeven_offset_pct: z.number().min(0).max(MAX_PRICE_PCT).default(DEFAULT_BREAKEVEN_OFFSET_PCT).describe(
    "Distance in % past the entry, in the position's favour, where a breakeven stop goes (e.g. to cover fees); less than the profit_pct of every level that moves the stop to breakeven."
  ),
  fees: feesSchema.default(() => feesSchema.parse({})).describe("Trading fees in % of notional, used by backtests and paper fills; 0 is allowed."),
  slippage_pct: z.number().min(0).max(MAX_COST_PCT).default(0).describe("Slippage in % applied against the trader on simulated market fills."),
  backtest: backtestSchema.default(() => backtestSchema.parse({})).describe("Backtest settings."),
  store: storeSchema.default(() => storeSchema.parse({})).describe("Where the bot keeps its state."),
  dashboard: dashboardSchema.default(() => dashboardSchema.parse({})).describe("The web dashboard."),
  webhook: webhookSchema.default(() => webhookSchema.parse({})).describe("The signal webhook (TradingView alerts and anything that can POST JSON); off unless --webhook is given."),
  risk_limits: riskLimitsSchema.default(() => ({})).describe("Limits that stop new entries (open positions keep their ladder and stop); each one is off unless set."),
  notify: notifySchema.default(() => notifySchema.parse({})).describe("Notifications of entries, take-profits, stop moves, exits, risk limits and alerts, by Telegram and/or a JSON webhook; off unless a channel is set.")
});
var configSchema = configShapeSchema.superRefine((cfg, ctx) => {
  for (const issue of crossFieldIssues(cfg)) ctx.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
}).meta({
  title: "Ladder configuration",
  description: "config.json of Ladder, a scaled take-profit bot for crypto perpetual futures. Every key is optional and has a default."
});

// src/core/config/json-schema.ts
import { z as z2 } from "zod";
var cached;
function configJsonSchema() {
  cached ??= z2.toJSONSchema(configSchema, { target: "draft-2020-12", io: "input" });
  return structuredClone(cached);
}
function knownKeysAt(path, value) {
  let nodes = [configJsonSchema()];
  for (const seg of path) {
    nodes = nodes.flatMap(variants).flatMap((n) => {
      const next = typeof seg === "number" ? n.items : n.properties?.[seg];
      return next === void 0 ? [] : [next];
    });
  }
  const objects = nodes.flatMap(variants).filter((n) => n.properties !== void 0);
  const matching = objects.filter((n) => matches(n, value));
  return [...new Set((matching.length > 0 ? matching : objects).flatMap((n) => Object.keys(n.properties ?? {})))];
}
var variants = (n) => [n, ...(n.oneOf ?? []).flatMap(variants), ...(n.anyOf ?? []).flatMap(variants)];
function matches(n, value) {
  if (typeof value !== "object" || value === null) return true;
  return Object.entries(n.properties ?? {}).every(
    ([k, p]) => p.const === void 0 || value[k] === p.const
  );
}

// src/core/config/issues.ts
var SECRET_KEY_MESSAGE = "secrets are never config keys: API keys come from LADDER_API_KEY and LADDER_API_SECRET in the environment or .env";
function isSecretKey(key) {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  return k === "key" || k === "token" || /secret|passw|passphrase|apikey|privatekey|accesskey|apitoken/.test(k);
}
function fromZodIssues(issues, input, prefix = []) {
  return withoutSafeIntegerBounds(issues).flatMap((issue) => fromZodIssue(issue, input, [...prefix, ...issue.path]));
}
var isSafeIntegerBound = (i) => i.code === "too_big" && Number(i.maximum) === Number.MAX_SAFE_INTEGER || i.code === "too_small" && Number(i.minimum) === Number.MIN_SAFE_INTEGER;
function withoutSafeIntegerBounds(issues) {
  const samePath = (a, b) => a.path.length === b.path.length && a.path.every((s, k) => s === b.path[k]);
  return issues.filter((i) => !isSafeIntegerBound(i) || !issues.some((o) => o !== i && o.code === i.code && samePath(o, i)));
}
function fromZodIssue(issue, input, path) {
  const value = valueAt(input, path);
  switch (issue.code) {
    case "invalid_type":
      if (value === void 0) return [{ path, message: "is required" }];
      return [{ path, message: `must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(value)}` }];
    case "too_small":
      return [{ path, message: boundMessage(issue.origin, issue.minimum, issue.inclusive ?? false, "min") }];
    case "too_big":
      return [{ path, message: boundMessage(issue.origin, issue.maximum, issue.inclusive ?? false, "max") }];
    case "invalid_value":
      return [{ path, message: oneOf(issue.values, value) }];
    case "unrecognized_keys":
      return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(path, value, key), atKey: true }));
    case "invalid_union": {
      if ("options" in issue && issue.options !== void 0) return [{ path, message: oneOf(issue.options, value) }];
      const inner = issue.errors.filter((branch) => branch.every((i) => i.path.length > 0));
      const only = inner.length === 1 ? inner[0] : void 0;
      return only === void 0 ? [{ path, message: issue.message }] : fromZodIssues(only, input, path);
    }
    case "invalid_format":
    case "not_multiple_of":
    case "invalid_key":
    case "invalid_element":
    case "custom":
      return [{ path, message: issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}
var EXPECTED = {
  number: "a number",
  int: "an integer",
  string: "a string",
  boolean: "true or false",
  object: "an object",
  array: "an array"
};
function describeValue(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : `${v} (out of range)`;
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return "a string";
  return typeof v;
}
function boundMessage(origin, bound, inclusive, side) {
  const n = Number(bound);
  if (origin === "array") {
    const levels = `${n} ${n === 1 ? "entry" : "entries"}`;
    return side === "min" ? `must have at least ${levels}` : `must have at most ${levels}`;
  }
  if (origin === "string") return side === "min" && n === 1 ? "must not be empty" : `must have ${side === "min" ? "at least" : "at most"} ${n} characters`;
  const shown = showBound(n);
  if (side === "min") return inclusive ? `must be at least ${shown}` : `must be greater than ${shown}`;
  return inclusive ? `must be at most ${shown}` : `must be less than ${shown}`;
}
function showBound(n) {
  const exp = n.toExponential();
  return Math.abs(n) >= 1e6 && /^-?1e\+\d+$/.test(exp) ? exp.replace("e+", "e") : String(n);
}
function oneOf(values2, value) {
  const list = values2.map((v) => JSON.stringify(v)).join(", ");
  if (value === void 0) return `is required: one of ${list}`;
  return values2.length === 1 ? `must be ${list}` : `must be one of ${list}`;
}
function unknownKeyMessage(objectPath, object, key) {
  if (isSecretKey(key)) return SECRET_KEY_MESSAGE;
  const known = knownKeysAt(objectPath, object).filter((k) => k !== "$schema" && k !== key);
  const guess = closestKey(key, known);
  if (guess !== void 0) return `unknown key (did you mean "${guess}"?)`;
  if (known.length > 0 && known.length <= 6) return `unknown key (allowed: ${known.join(", ")})`;
  return "unknown key";
}
function closestKey(key, known) {
  const norm = (s) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  const same = known.find((k) => norm(k) === norm(key));
  if (same !== void 0) return same;
  let best;
  let bestDistance = key.length > 4 ? 3 : 2;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}
function editDistance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
function dedupe(issues) {
  const seen = /* @__PURE__ */ new Set();
  return issues.filter((i) => {
    const id = `${formatPath(i.path)}\0${i.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

// src/core/config/json-text.ts
function positionAt(text, offset) {
  const end = Math.min(Math.max(offset, 0), text.length);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
var ScanFailure = class {
  constructor(offset, message) {
    this.offset = offset;
    this.message = message;
  }
  offset;
  message;
};
var MAX_DEPTH = 256;
var NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
var ESCAPES = /* @__PURE__ */ new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
var HEX4 = /^[0-9a-fA-F]{4}$/;
var TOKEN = /[^\s,:[\]{}"]{1,20}/y;
function unexpectedToken(text, at) {
  TOKEN.lastIndex = at;
  const m2 = TOKEN.exec(text);
  return `unexpected token ${JSON.stringify(m2 === null ? text[at] : m2[0])}`;
}
function scanJson(text) {
  const spans = /* @__PURE__ */ new Map();
  const duplicates = [];
  let i = 0;
  const fail = (message, at = i) => {
    throw new ScanFailure(at, message);
  };
  const skipSpace = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return;
      i++;
    }
  };
  const expect = (ch, message) => {
    skipSpace();
    if (text[i] !== ch) fail(i >= text.length ? "unexpected end of input" : message);
    i++;
  };
  const readString = () => {
    const start = i;
    i++;
    for (; ; ) {
      if (i >= text.length) fail("unterminated string", start);
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c < 32) fail("bad control character in string");
      if (c === 92) {
        const e = text[i + 1] ?? "";
        if (e === "u") {
          if (!HEX4.test(text.slice(i + 2, i + 6))) fail("bad \\u escape in string");
          i += 6;
        } else if (ESCAPES.has(e)) i += 2;
        else fail("bad escape in string");
      } else i++;
    }
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const readValue = (path, depth, keyOffset) => {
    skipSpace();
    if (i >= text.length) fail("unexpected end of input");
    if (depth > MAX_DEPTH) fail("nesting too deep");
    spans.set(formatPath(path), keyOffset === void 0 ? { valueOffset: i } : { keyOffset, valueOffset: i });
    const c = text[i];
    if (c === "{") readObject(path, depth);
    else if (c === "[") readArray(path, depth);
    else if (c === '"') readString();
    else if (c === "t" || c === "f" || c === "n") {
      const word = c === "t" ? "true" : c === "f" ? "false" : "null";
      if (!text.startsWith(word, i)) fail(unexpectedToken(text, i));
      i += word.length;
    } else {
      NUMBER.lastIndex = i;
      const m2 = NUMBER.exec(text);
      if (m2 === null) fail(unexpectedToken(text, i));
      else i += m2[0].length;
    }
  };
  const readObject = (path, depth) => {
    i++;
    skipSpace();
    if (text[i] === "}") {
      i++;
      return;
    }
    const seen = /* @__PURE__ */ new Set();
    for (; ; ) {
      skipSpace();
      if (text[i] !== '"') fail(i >= text.length ? "unexpected end of input" : "expected a double-quoted property name");
      const keyOffset = i;
      const key = readString();
      if (seen.has(key)) duplicates.push({ path: [...path, key], offset: keyOffset });
      seen.add(key);
      expect(":", "expected ':' after property name");
      readValue([...path, key], depth + 1, keyOffset);
      skipSpace();
      if (text[i] === ",") i++;
      else if (text[i] === "}") {
        i++;
        return;
      } else fail(i >= text.length ? "unexpected end of input" : "expected ',' or '}' after property value");
    }
  };
  const readArray = (path, depth) => {
    i++;
    skipSpace();
    if (text[i] === "]") {
      i++;
      return;
    }
    for (let index = 0; ; index++) {
      readValue([...path, index], depth + 1);
      skipSpace();
      if (text[i] === ",") i++;
      else if (text[i] === "]") {
        i++;
        return;
      } else fail(i >= text.length ? "unexpected end of input" : "expected ',' or ']' after array element");
    }
  };
  try {
    readValue([], 0);
    skipSpace();
    if (i < text.length) fail("unexpected text after the JSON value");
    return { ok: true, spans, duplicates };
  } catch (e) {
    if (e instanceof ScanFailure) return { ok: false, offset: e.offset, message: e.message };
    throw e;
  }
}

// src/core/config/parse.ts
function parseConfigText(text, _source) {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let value;
  try {
    value = JSON.parse(body);
  } catch (e) {
    return err([malformedJson(body, e instanceof Error ? e.message : String(e))]);
  }
  const scan = scanJson(body);
  const duplicates = scan.ok ? scan.duplicates.map((d) => ({ path: d.path, message: "duplicate key: JSON keeps only the last one", atKey: true })) : [];
  const r = check(value);
  const issues = [...duplicates, ...r.ok ? [] : r.error];
  if (issues.length === 0 && r.ok) return r;
  const spans = scan.ok ? scan.spans : /* @__PURE__ */ new Map();
  const placed = issues.map((i, order) => {
    const offset = offsetOf(i, spans);
    const pos = offset === void 0 ? void 0 : positionAt(body, offset);
    return { order, offset: offset ?? 0, issue: { path: formatPath(i.path), message: i.message, ...pos } };
  });
  placed.sort((a, b) => a.offset - b.offset || a.order - b.order);
  return err(placed.map((p) => p.issue));
}
function check(value) {
  const parsed = configShapeSchema.safeParse(value);
  const rules = crossFieldIssues(value);
  if (parsed.success && rules.length === 0) {
    const { $schema: _schema, ...config } = parsed.data;
    return ok(config);
  }
  return err(dedupe([...parsed.success ? [] : fromZodIssues(parsed.error.issues, value), ...rules]));
}
function offsetOf(issue, spans) {
  for (let n = issue.path.length; n >= 0; n--) {
    const span = spans.get(formatPath(issue.path.slice(0, n)));
    if (span === void 0) continue;
    return n === issue.path.length && issue.atKey === true ? span.keyOffset ?? span.valueOffset : span.valueOffset;
  }
  return void 0;
}
function malformedJson(text, message) {
  const issue = (msg, pos) => ({
    path: "",
    message: `malformed JSON: ${msg.replace(/\s+/g, " ")}`,
    ...pos
  });
  const cleaned = message.replace(/ (?:in JSON )?at position \d+.*$/s, "").replace(/ \(line \d+ column \d+\)/, "");
  const lineCol = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineCol !== null) return issue(cleaned, { line: Number(lineCol[1]), column: Number(lineCol[2]) });
  const at = /at position (\d+)/.exec(message);
  if (at !== null) return issue(cleaned, positionAt(text, Number(at[1])));
  if (/end of JSON input/i.test(message)) return issue(cleaned, positionAt(text, text.length));
  const scan = scanJson(text);
  return scan.ok ? issue(cleaned, positionAt(text, text.length)) : issue(scan.message, positionAt(text, scan.offset));
}

// src/core/scaled-tp/from-config.ts
function exitSettingsFromConfig(c) {
  return {
    scaled: c.enable_scaled_take_profit,
    levels: c.scaled_tp_levels.map((l) => ({
      profitPct: l.profit_pct,
      closePct: l.close_pct,
      moveStopTo: typeof l.move_stop_to === "object" ? { profitPct: l.move_stop_to.profit_pct } : l.move_stop_to
    })),
    minOrderNotional: c.scaled_tp_min_order_size,
    fallbackToSingle: c.scaled_tp_fallback_to_single,
    execution: c.scaled_tp_execution,
    breakevenOffsetPct: c.breakeven_offset_pct,
    stopLossPct: c.stop_loss_pct,
    takeProfitPct: c.take_profit_pct
  };
}
var fillModelFromConfig = (c) => ({
  takerPct: c.fees.taker_pct,
  makerPct: c.fees.maker_pct,
  slippagePct: c.slippage_pct
});

// src/data/markets-loader.ts
import { readFile } from "node:fs/promises";
import { fileURLToPath as fileURLToPath2 } from "node:url";

// src/core/market/binance-exchange-info.ts
import { z as z3 } from "zod";
var PERPETUAL_DELIVERY_MS = 41334048e5;
var MAX_DATE_MS = 864e13;
var COMMON_CURRENCIES = { XBT: "BTC", BCHSV: "BSV", YOYO: "YOYOW" };
var unifiedCode = (assetId) => COMMON_CURRENCIES[assetId] ?? assetId;
var FilterSchema = z3.looseObject({ filterType: z3.string() });
var SymbolSchema = z3.looseObject({
  symbol: z3.string().min(1),
  baseAsset: z3.string().min(1),
  quoteAsset: z3.string().min(1),
  marginAsset: z3.string().min(1).optional(),
  status: z3.string().optional(),
  contractType: z3.string().optional(),
  deliveryDate: z3.number().int().optional(),
  filters: z3.array(FilterSchema)
});
var ExchangeInfoSchema = z3.looseObject({ symbols: z3.array(z3.unknown()) });
function normalizeDec(d) {
  let { int, scale } = d;
  while (scale > 0 && int % 10n === 0n) {
    int /= 10n;
    scale -= 1;
  }
  return { int, scale };
}
function wireDec(v, where) {
  if (v === void 0 || v === null) return err(`${where} missing`);
  if (typeof v !== "string" && (typeof v !== "number" || !Number.isFinite(v))) {
    return err(`${where} is not a decimal: ${JSON.stringify(v)}`);
  }
  let d;
  try {
    d = parseDec(String(v));
  } catch {
    return err(`${where} is not a decimal: ${JSON.stringify(v)}`);
  }
  if (d.int < 0n) return err(`${where} is negative: ${JSON.stringify(v)}`);
  return ok(normalizeDec(d));
}
function stepsOf(qty, step, rounding) {
  const r = div(ratioOf(qty), ratioOf(step));
  return rounding === "up" ? ceilRatio(r) : floorRatio(r);
}
function minQtyToSteps(minQty, step, where) {
  const n = stepsOf(minQty, step, "up");
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) return err(`${where} is too large for the step size`);
  return ok(asSteps(Number(n < 1n ? 1n : n)));
}
function maxQtyToSteps(maxQty, step) {
  const n = stepsOf(maxQty, step, "down");
  return asSteps(n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n));
}
function describeZodError(e) {
  return e.issues.map((i) => {
    const path = i.path.map((p) => typeof p === "number" ? `[${p}]` : `.${String(p)}`).join("").replace(/^\./, "");
    return path ? `${path}: ${i.message}` : i.message;
  }).join("; ");
}
function unifiedSymbolOf(s) {
  const spot = `${unifiedCode(s.baseAsset)}/${unifiedCode(s.quoteAsset)}`;
  if (s.contractType === void 0) return ok(spot);
  if (s.marginAsset === void 0) return err(`${s.symbol}: marginAsset missing on a ${s.contractType || "contract"} symbol`);
  const settle2 = unifiedCode(s.marginAsset);
  if (s.contractType === "PERPETUAL" || s.deliveryDate === PERPETUAL_DELIVERY_MS) return ok(`${spot}:${settle2}`);
  if (s.deliveryDate === void 0) return err(`${s.symbol}: deliveryDate missing on a ${s.contractType || "contract"} symbol`);
  if (Math.abs(s.deliveryDate) > MAX_DATE_MS) return err(`${s.symbol}: deliveryDate ${s.deliveryDate} is not a date`);
  return ok(`${spot}:${settle2}-${yymmdd(s.deliveryDate)}`);
}
function yymmdd(timeMs) {
  const iso = new Date(timeMs).toISOString();
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10);
}
function nameOf(s) {
  const name = typeof s === "object" && s !== null ? s.symbol : void 0;
  return typeof name === "string" && name !== "" ? name : "(symbol without a name)";
}
function findFilter(s, ...types) {
  for (const t of types) {
    const f = s.filters.find((x) => x.filterType === t);
    if (f) return f;
  }
  return void 0;
}
function fromBinanceSymbol(s) {
  const parsed = SymbolSchema.safeParse(s);
  if (!parsed.success) {
    return err(`${nameOf(s)}: ${describeZodError(parsed.error)}`);
  }
  const sym = parsed.data;
  const id = sym.symbol;
  const priceFilter = findFilter(sym, "PRICE_FILTER");
  if (!priceFilter) return err(`${id}: PRICE_FILTER missing`);
  const lot = findFilter(sym, "LOT_SIZE");
  if (!lot) return err(`${id}: LOT_SIZE missing`);
  const marketLot = findFilter(sym, "MARKET_LOT_SIZE") ?? lot;
  const marketLotName = marketLot === lot ? "LOT_SIZE" : "MARKET_LOT_SIZE";
  const notionalFilter = findFilter(sym, "MIN_NOTIONAL", "NOTIONAL");
  const tick = wireDec(priceFilter["tickSize"], `${id}: PRICE_FILTER.tickSize`);
  if (!tick.ok) return tick;
  if (tick.value.int === 0n) return err(`${id}: PRICE_FILTER.tickSize must be positive`);
  const step = wireDec(lot["stepSize"], `${id}: LOT_SIZE.stepSize`);
  if (!step.ok) return step;
  if (step.value.int === 0n) return err(`${id}: LOT_SIZE.stepSize must be positive`);
  const qty = (f, name, key) => wireDec(f[key], `${id}: ${name}.${key}`);
  const minLimit = qty(lot, "LOT_SIZE", "minQty");
  if (!minLimit.ok) return minLimit;
  const maxLimit = qty(lot, "LOT_SIZE", "maxQty");
  if (!maxLimit.ok) return maxLimit;
  const minMarket = qty(marketLot, marketLotName, "minQty");
  if (!minMarket.ok) return minMarket;
  const maxMarket = qty(marketLot, marketLotName, "maxQty");
  if (!maxMarket.ok) return maxMarket;
  const minLimitSteps = minQtyToSteps(minLimit.value, step.value, `${id}: LOT_SIZE.minQty`);
  if (!minLimitSteps.ok) return minLimitSteps;
  const minMarketSteps = minQtyToSteps(minMarket.value, step.value, `${id}: ${marketLotName}.minQty`);
  if (!minMarketSteps.ok) return minMarketSteps;
  let minNotional = 0;
  if (notionalFilter) {
    const key = notionalFilter["notional"] === void 0 && notionalFilter["minNotional"] !== void 0 ? "minNotional" : "notional";
    const n = wireDec(notionalFilter[key], `${id}: ${notionalFilter.filterType}.${key}`);
    if (!n.ok) return n;
    minNotional = scaledToNumber(1, n.value);
  }
  const symbol = unifiedSymbolOf(sym);
  if (!symbol.ok) return symbol;
  return ok({
    id,
    symbol: symbol.value,
    base: unifiedCode(sym.baseAsset),
    quote: unifiedCode(sym.quoteAsset),
    tickSize: tick.value,
    stepSize: step.value,
    minQtySteps: { limit: minLimitSteps.value, market: minMarketSteps.value },
    maxQtySteps: { limit: maxQtyToSteps(maxLimit.value, step.value), market: maxQtyToSteps(maxMarket.value, step.value) },
    minNotional,
    minNotionalAppliesToReduceOnly: false,
    status: sym.status,
    contractType: sym.contractType === "" ? void 0 : sym.contractType
  });
}
function marketsFromExchangeInfo(json) {
  const parsed = ExchangeInfoSchema.safeParse(json);
  if (!parsed.success) return err([`exchangeInfo: ${describeZodError(parsed.error)}`]);
  const markets = /* @__PURE__ */ new Map();
  const errors = [];
  parsed.data.symbols.forEach((entry, i) => {
    const r = fromBinanceSymbol(entry);
    if (!r.ok) errors.push(`symbols[${i}] ${r.error}`);
    else if (markets.has(r.value.id)) errors.push(`symbols[${i}] ${r.value.id}: duplicate symbol`);
    else markets.set(r.value.id, r.value);
  });
  return errors.length > 0 ? err(errors) : ok(markets);
}

// src/core/market/ccxt-market.ts
import { z as z4 } from "zod";
var NumLike = z4.union([z4.number(), z4.string()]).nullish();
var MinMax = z4.looseObject({ min: NumLike, max: NumLike }).nullish();
var CcxtMarketSchema = z4.looseObject({
  id: z4.string().min(1),
  symbol: z4.string().min(1),
  base: z4.string().min(1),
  quote: z4.string().min(1),
  precision: z4.looseObject({ price: NumLike, amount: NumLike }),
  limits: z4.looseObject({ amount: MinMax, market: MinMax, cost: MinMax }),
  info: z4.unknown().optional()
});
function binanceInfo(info) {
  if (typeof info !== "object" || info === null) return void 0;
  const filters = info.filters;
  if (!Array.isArray(filters)) return void 0;
  const binanceShaped = filters.some((f) => typeof f === "object" && f !== null && "filterType" in f);
  return binanceShaped ? info : void 0;
}
var infoString = (info, key) => {
  const v = typeof info === "object" && info !== null ? info[key] : void 0;
  return typeof v === "string" && v !== "" ? v : void 0;
};
function sizeOf(v, mode, where) {
  if (mode === "tickSize") {
    const d = wireDec(v, where);
    if (d.ok && d.value.int === 0n) return err(`${where} must be positive`);
    return d;
  }
  const places = typeof v === "string" ? Number(v) : v;
  if (typeof places !== "number" || !Number.isInteger(places)) return err(`${where} is not a number of decimal places: ${JSON.stringify(v)}`);
  return ok(places >= 0 ? { int: 1n, scale: places } : { int: 10n ** BigInt(-places), scale: 0 });
}
function fromNumbers(m2, opts2) {
  const name = m2.symbol;
  const mode = opts2.precisionMode ?? "tickSize";
  const tick = sizeOf(m2.precision.price, mode, `${name}: precision.price`);
  if (!tick.ok) return tick;
  const step = sizeOf(m2.precision.amount, mode, `${name}: precision.amount`);
  if (!step.ok) return step;
  const optDec = (v, where) => v === void 0 || v === null ? ok(void 0) : wireDec(v, where);
  const amountMin = optDec(m2.limits.amount?.min, `${name}: limits.amount.min`);
  if (!amountMin.ok) return amountMin;
  const amountMax = optDec(m2.limits.amount?.max, `${name}: limits.amount.max`);
  if (!amountMax.ok) return amountMax;
  const marketMin = optDec(m2.limits.market?.min, `${name}: limits.market.min`);
  if (!marketMin.ok) return marketMin;
  const marketMax = optDec(m2.limits.market?.max, `${name}: limits.market.max`);
  if (!marketMax.ok) return marketMax;
  const costMin = optDec(m2.limits.cost?.min, `${name}: limits.cost.min`);
  if (!costMin.ok) return costMin;
  const zero = { int: 0n, scale: 0 };
  const minLimit = minQtyToSteps(amountMin.value ?? zero, step.value, `${name}: limits.amount.min`);
  if (!minLimit.ok) return minLimit;
  const minMarket = minQtyToSteps(marketMin.value ?? amountMin.value ?? zero, step.value, `${name}: limits.market.min`);
  if (!minMarket.ok) return minMarket;
  const maxLimit = amountMax.value === void 0 ? asSteps(Number.MAX_SAFE_INTEGER) : maxQtyToSteps(amountMax.value, step.value);
  return ok({
    id: m2.id,
    symbol: m2.symbol,
    base: m2.base,
    quote: m2.quote,
    tickSize: normalizeDec(tick.value),
    stepSize: normalizeDec(step.value),
    minQtySteps: { limit: minLimit.value, market: minMarket.value },
    maxQtySteps: { limit: maxLimit, market: marketMax.value === void 0 ? maxLimit : maxQtyToSteps(marketMax.value, step.value) },
    minNotional: costMin.value === void 0 ? 0 : scaledToNumber(1, costMin.value),
    minNotionalAppliesToReduceOnly: opts2.minNotionalAppliesToReduceOnly ?? false,
    status: infoString(m2.info, "status"),
    contractType: infoString(m2.info, "contractType")
  });
}
function fromCcxtMarket(m2, opts2 = {}) {
  const parsed = CcxtMarketSchema.safeParse(m2);
  if (!parsed.success) {
    const name = typeof m2 === "object" && m2 !== null ? m2.symbol ?? m2.id : void 0;
    return err(`${typeof name === "string" ? name : "(market without a symbol)"}: ${describeZodError(parsed.error)}`);
  }
  const market = parsed.data;
  const info = binanceInfo(market.info);
  if (!info) return fromNumbers(market, opts2);
  const raw = fromBinanceSymbol(info);
  if (!raw.ok) return err(`${market.symbol}: info: ${raw.error}`);
  return ok({
    ...raw.value,
    id: market.id,
    symbol: market.symbol,
    base: market.base,
    quote: market.quote,
    minNotionalAppliesToReduceOnly: opts2.minNotionalAppliesToReduceOnly ?? false
  });
}

// src/core/market/markets-file.ts
var isRecord2 = (x) => typeof x === "object" && x !== null && !Array.isArray(x);
function fromCcxtMarkets(entries, opts2) {
  const markets = /* @__PURE__ */ new Map();
  const errors = [];
  for (const [where, entry] of entries) {
    const r = fromCcxtMarket(entry, opts2);
    if (!r.ok) {
      errors.push(`${where}: ${r.error}`);
      continue;
    }
    const prev = markets.get(r.value.id);
    if (prev) errors.push(`${where}: id ${r.value.id} is used by both ${prev.symbol} and ${r.value.symbol} (use one market type, e.g. binanceusdm)`);
    else markets.set(r.value.id, r.value);
  }
  return errors.length > 0 ? err(errors) : ok(markets);
}
function parseMarketsFile(json, opts2 = {}) {
  if (isRecord2(json) && Array.isArray(json["symbols"])) return marketsFromExchangeInfo(json);
  if (Array.isArray(json)) return fromCcxtMarkets(json.map((m2, i) => [`[${i}]`, m2]), opts2);
  if (isRecord2(json)) {
    const entries = Object.entries(json);
    const looksCcxt = entries.length > 0 && entries.every(([, m2]) => isRecord2(m2) && "symbol" in m2 && "precision" in m2);
    if (looksCcxt) return fromCcxtMarkets(entries, opts2);
  }
  return err(['not a markets file: expected a Binance exchangeInfo response (with "symbols") or ccxt markets (an object keyed by symbol, or an array)']);
}

// src/data/markets-loader.ts
var DEFAULT_MARKETS_PATH = fileURLToPath2(new URL("../../data/markets/binance-usdm-excerpt.json", import.meta.url));
async function loadMarketsFile(path) {
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = e.code;
    return err([`${path}: ${code === "ENOENT" ? "no such file" : `cannot read (${e instanceof Error ? e.message : String(e)})`}`]);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return err([`${path}: invalid JSON (${e instanceof Error ? e.message : String(e)})`]);
  }
  const r = parseMarketsFile(json);
  return r.ok ? r : err(r.error.map((msg) => `${path}: ${msg}`));
}

// src/strategy/ema-cross.ts
import { WSMA } from "trading-signals";
var DEFAULT_ATR_PERIOD = 14;
var REASON_UP = "ema_cross up";
var REASON_DOWN = "ema_cross down";
function checkPeriod(name, n) {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`ema_cross: ${name} must be a whole number of candles \u2265 1, got ${n}`);
}
var EmaCrossStrategy = class {
  name = "ema_cross";
  warmup;
  params;
  #atrPeriod;
  #series;
  /** Next candle index to feed. */
  #next = 0;
  /** α = 2/(n+1) and 1 − α of each EMA, as trading-signals computes them. */
  #fastAlpha;
  #fastKeep;
  #slowAlpha;
  #slowKeep;
  /** EMA values after the last candle fed; meaningless until `#emaSeeded`. */
  #fast = 0;
  #slow = 0;
  #emaSeeded = false;
  #atr;
  #atrValue = NaN;
  /** fast − slow at the previous candle (NaN before both EMAs are stable). */
  #prevDiff = NaN;
  constructor(params) {
    checkPeriod("fast", params.fast);
    checkPeriod("slow", params.slow);
    if (params.fast >= params.slow) throw new Error(`ema_cross: fast (${params.fast}) must be less than slow (${params.slow})`);
    const mult = params.atr_stop_mult;
    if (mult !== void 0 && !(mult > 0 && Number.isFinite(mult))) throw new Error(`ema_cross: atr_stop_mult must be a positive number, got ${mult}`);
    this.#atrPeriod = params.atr_period ?? DEFAULT_ATR_PERIOD;
    checkPeriod("atr_period", this.#atrPeriod);
    this.params = { ...params };
    this.warmup = Math.max(params.slow, mult !== void 0 ? this.#atrPeriod : 0);
    this.#fastAlpha = 2 / (params.fast + 1);
    this.#fastKeep = 1 - this.#fastAlpha;
    this.#slowAlpha = 2 / (params.slow + 1);
    this.#slowKeep = 1 - this.#slowAlpha;
    this.#reset(void 0);
  }
  #reset(series2) {
    this.#series = series2;
    this.#next = 0;
    this.#fast = 0;
    this.#slow = 0;
    this.#emaSeeded = false;
    this.#atr = this.params.atr_stop_mult !== void 0 ? new WSMA(this.#atrPeriod) : void 0;
    this.#atrValue = NaN;
    this.#prevDiff = NaN;
  }
  onCandle(series2, i) {
    if (series2 !== this.#series || i < this.#next) this.#reset(series2);
    let side = 0;
    while (this.#next <= i) side = this.#feed(series2, this.#next++);
    return side === 0 ? null : this.#signal(series2, i, side, this.#atrValue);
  }
  /**
   * `onCandle`'s answer for every candle of the series, fed in one loop: the same arithmetic on the
   * same candles in the same order, so the same signals, without a call per candle (a backtest asks
   * for every candle; those calls were ~20 % of the engine's time on the ten 1h files).
   */
  signalsOf(series2) {
    this.#reset(series2);
    const n = series2.length;
    const sides = new Int8Array(n);
    const atr = this.#atr === void 0 ? null : new Float64Array(n);
    if (atr === null) this.#crosses(series2, sides);
    else
      for (let j = 0; j < n; j++) {
        const side = this.#feed(series2, j);
        if (side === 0) continue;
        sides[j] = side;
        atr[j] = this.#atrValue;
      }
    this.#reset(void 0);
    return (i) => {
      const side = sides[i];
      return side === void 0 || side === 0 ? null : this.#signal(series2, i, side, atr === null ? NaN : atr[i]);
    };
  }
  /** The signal known at the close of candle i: a cross up (+1) or down (−1), with the ATR of that candle. */
  #signal(series2, i, side, atrValue) {
    const signal = {
      timeMs: series2.time[i] + series2.timeframeMs,
      side: side > 0 ? "long" : "short",
      reason: side > 0 ? REASON_UP : REASON_DOWN
    };
    const mult = this.params.atr_stop_mult;
    if (mult !== void 0) signal.stopLossPct = mult * atrValue / series2.close[i] * 100;
    return signal;
  }
  /**
   * `#feed`'s EMAs and crosses over the whole series without an ATR, in locals: the same operations in
   * the same order (so the same doubles), without a field read or write per candle. `sides[j]` is
   * what `#feed` answers for candle j.
   */
  #crosses(series2, sides) {
    const close = series2.close;
    const fa = this.#fastAlpha;
    const fk = this.#fastKeep;
    const sa = this.#slowAlpha;
    const sk = this.#slowKeep;
    const stableFrom = this.params.slow - 1;
    const warmup = this.warmup;
    let fast = 0;
    let slow = 0;
    let prevDiff = NaN;
    for (let j = 0; j < sides.length; j++) {
      const c = close[j];
      fast = c * fa + (j > 0 ? fast : c) * fk;
      slow = c * sa + (j > 0 ? slow : c) * sk;
      const diff = fast - slow;
      const prev = prevDiff;
      prevDiff = j >= stableFrom ? diff : NaN;
      if (j < warmup) continue;
      if (prev <= 0 && diff > 0) sides[j] = 1;
      else if (prev >= 0 && diff < 0) sides[j] = -1;
    }
  }
  /** Feeds candle j to the indicators; +1 for a cross up on it, −1 down, 0 none. */
  #feed(s, j) {
    const close = s.close[j];
    const seeded = this.#emaSeeded;
    this.#fast = close * this.#fastAlpha + (seeded ? this.#fast : close) * this.#fastKeep;
    this.#slow = close * this.#slowAlpha + (seeded ? this.#slow : close) * this.#slowKeep;
    this.#emaSeeded = true;
    const diff = this.#fast - this.#slow;
    if (this.#atr !== void 0) {
      const high = s.high[j];
      const low = s.low[j];
      const prevClose = j > 0 ? s.close[j - 1] : NaN;
      const tr = j > 0 ? Math.max(high - low, Math.abs(high - prevClose), Math.abs(low - prevClose)) : high - low;
      this.#atrValue = this.#atr.update(tr, false) ?? NaN;
    }
    const prev = this.#prevDiff;
    this.#prevDiff = j >= this.params.slow - 1 ? diff : NaN;
    if (j < this.warmup) return 0;
    if (prev <= 0 && diff > 0) return 1;
    if (prev >= 0 && diff < 0) return -1;
    return 0;
  }
};

// src/strategy/strategy.ts
function entryAtOf(strategy, series2) {
  const at = strategy.signalsOf?.(series2);
  if (at !== void 0) return (i) => i === 0 ? strategy.beforeFirst?.(series2) ?? null : at(i - 1);
  return (i) => i === 0 ? strategy.beforeFirst?.(series2) ?? null : strategy.onCandle(series2, i - 1);
}

// bench/setup.ts
var BENCH_BALANCE = 1e12;
async function loadSetup() {
  const parsed = parseConfigText(await readFile2(EXAMPLE_CONFIG, "utf8"), EXAMPLE_CONFIG);
  if (!parsed.ok) throw new Error(`${EXAMPLE_CONFIG}: invalid config`);
  const config = parsed.value;
  if (config.strategy.name !== "ema_cross") throw new Error(`${EXAMPLE_CONFIG}: the benchmark needs the ema_cross strategy`);
  const m2 = await loadMarketsFile(EXCHANGE_INFO);
  if (!m2.ok) throw new Error(m2.error.join("\n"));
  const scaled = {
    settings: exitSettingsFromConfig(config),
    fills: fillModelFromConfig(config),
    intrabar: config.backtest.intrabar,
    startingBalance: BENCH_BALANCE,
    leverage: config.leverage,
    maxOpenPositions: config.max_open_positions,
    positionSize: config.position_size
  };
  const single = {
    ...scaled,
    settings: { ...scaled.settings, scaled: false },
    fills: { takerPct: 0, makerPct: 0, slippagePct: 0 },
    intrabar: "pessimistic"
  };
  const { name: _name, ...strategy } = config.strategy;
  return { config, markets: m2.value, scaled, single, strategy };
}
function marketOf(setup2, symbol) {
  const m2 = setup2.markets.get(symbol);
  if (m2 === void 0) throw new Error(`${symbol} is not in ${EXCHANGE_INFO}`);
  return m2;
}
function symbolInput(setup2, candles2, symbol, longOnly = false) {
  const entryAt = entryAtOf(new EmaCrossStrategy(setup2.strategy), candles2);
  const longs = (i) => {
    const s = entryAt(i);
    return s !== null && s.side === "long" ? s : null;
  };
  return { symbol, candles: candles2, market: marketOf(setup2, symbol), entryAt: longOnly ? longs : entryAt };
}

// bench/timing.ts
function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// bench/profile-engine.ts
var { values } = parseArgs({ options: { runs: { type: "string", default: "30" }, single: { type: "boolean", default: false }, keep: { type: "boolean", default: false } } });
var setup = await loadSetup();
var series = [];
for (const s of SYMBOLS_1H) series.push({ symbol: s, candles: await loadCandles(klineFile(s, "1h")) });
var candles = series.reduce((n, s) => n + s.candles.length, 0);
var opts = values.single ? setup.single : setup.scaled;
var ms = [];
var trades = 0;
for (let r = 0; r < Number(values.runs); r++) {
  const t0 = performance.now();
  trades = 0;
  const kept = [];
  for (const s of series) {
    const run = runBacktest([symbolInput(setup, s.candles, s.symbol, values.single)], opts);
    trades += run.trades.length;
    if (values.keep) kept.push(run);
  }
  ms.push(performance.now() - t0);
  kept.length = 0;
}
var m = median(ms);
process.stdout.write(`${candles} candles, ${trades} trades: median ${m.toFixed(1)} ms per pass, ${(candles / m / 1e3).toFixed(2)} M candles/s
`);
