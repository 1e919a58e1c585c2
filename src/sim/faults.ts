import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type Rng, createRng } from './random.ts';

const common = {
  /** Optional name, shown by `GET /_sim/faults`. */
  id: z.string().optional(),
  /** HTTP method to match (any when absent). */
  method: z.string().toUpperCase().optional(),
  /** Path to match: exact (`/fapi/v1/order`) or a prefix ending in `*` (`/fapi/*`); any when absent. */
  path: z.string().optional(),
  /** Chance that a matching request gets the fault, drawn from the seeded generator (default 1). */
  probability: z.number().min(0).max(1).optional(),
  /** How many times the fault fires, then it is spent (default: no limit). */
  count: z.number().int().positive().optional(),
  /** Let this many matching requests (or messages) through first (default 0). */
  after: z.number().int().nonnegative().optional(),
};

export const FaultRuleSchema = z.discriminatedUnion('kind', [
  /** Delay before the request is handled: `ms` plus a seeded jitter in [0, `jitterMs`]. */
  z.object({ ...common, kind: z.literal('latency'), ms: z.number().nonnegative(), jitterMs: z.number().nonnegative().optional() }),
  /**
   * Answer with a 5xx; `processed: true` executes the request first (its outcome is then unknown to the
   * client). The body is Binance's for the status (500 → -1001, 503 → -1008, else plain text) unless
   * `code` (and `msg`) choose one: `{ status: 503, code: -1007 }`.
   */
  z.object({
    ...common, kind: z.literal('error5xx'), status: z.number().int().min(500).max(599).optional(), processed: z.boolean().optional(),
    code: z.number().int().optional(), msg: z.string().optional(),
  }),
  /**
   * Refuse the request outright, without handling it (nothing is created): a 4xx (default 400) with
   * Binance's `{ code, msg }`, the message Binance's own for a code the simulator knows unless `msg`
   * is given: `{ kind: "reject", code: -4131 }` (PERCENT_PRICE), `{ code: -1013, msg: "…" }`.
   * `retryAfterSec` adds a `Retry-After` header (a 429 of one request, without the ban of `rateLimit`).
   */
  z.object({
    ...common,
    kind: z.literal('reject'),
    code: z.number().int().max(-1),
    status: z.number().int().min(400).max(499).optional(),
    msg: z.string().optional(),
    retryAfterSec: z.number().int().positive().optional(),
  }),
  /** Drop the connection without handling the request: `reset` closes it, `hang` never answers. */
  z.object({ ...common, kind: z.literal('drop'), mode: z.enum(['reset', 'hang']).optional() }),
  /** Handle the request (the order is created), then lose the response: `reset` or `hang`. */
  z.object({ ...common, kind: z.literal('lostResponse'), mode: z.enum(['reset', 'hang']).optional() }),
  /**
   * Handle the request (the order is created), then answer 200 with `body` instead of its answer: a
   * page that is not JSON (the default, an HTML page, as a proxy or a truncated answer gives) or JSON
   * that lacks the answer's fields (`"{}"`).
   */
  z.object({ ...common, kind: z.literal('badBody'), body: z.string().optional() }),
  /** Answer 429 with `Retry-After: retryAfterSec`; requests sent before that time get 418 and a ban. */
  z.object({ ...common, kind: z.literal('rateLimit'), retryAfterSec: z.number().int().positive().optional() }),
  /**
   * Thin liquidity: an order placed by the matching request that fills at once (a MARKET order, or a
   * LIMIT order already touched) fills only `ratio` of its quantity (rounded down to the step, at
   * least one step) and the rest expires, as a Binance market order does when the book runs out.
   * `on: "trigger"`: the same for the order a triggered algo (stop) order places; `method` and
   * `path` do not apply then. `on: "rest"`: a resting LIMIT order the price reaches fills only `ratio`
   * of what is left of it (at least one step) and the rest keeps resting, partly filled (a taker
   * smaller than the order), until the price moves again at or beyond it (a jump, `gap`, leaves it
   * partly filled; a walk on past it fills the rest); `method` and `path` do not apply.
   */
  z.object({ ...common, kind: z.literal('partialFill'), ratio: z.number().min(0).lt(1), on: z.enum(['request', 'trigger', 'rest']).optional() }),
  /**
   * The account's trade list lagging the matching engine (Binance's userTrades under load): the answer
   * leaves out the account's `hide` newest fills, while orders and the position already show them.
   */
  z.object({ ...common, kind: z.literal('staleTrades'), hide: z.number().int().positive() }),
  /**
   * Binance's algo service stuck (reported on its demo environment): an algo (stop) order the price
   * triggers stays TRIGGERING, its order not placed in the book, for as long as the rule is listed
   * (`count`: how many triggers it catches); once the rule is cleared the next price match places it.
   */
  z.object({ ...common, kind: z.literal('stuckTrigger') }),
  /** Close websocket connections of `target` when they are about to send a message. */
  z.object({ ...common, kind: z.literal('wsDisconnect'), target: z.enum(['user', 'market', 'all']).optional() }),
]);

export const FaultFileSchema = z.object({
  /** Seed of the fault generator (default: the simulator's `--seed`). */
  seed: z.number().int().optional(),
  /** Server wall clock offset in ms (positive: the server is ahead of the client). */
  clockSkewMs: z.number().int().optional(),
  rules: z.array(FaultRuleSchema).default([]),
});

export type FaultRule = z.infer<typeof FaultRuleSchema>;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Paths of the keys a fault file has and its schema does not (the file's own, and each rule's for its
 * kind): zod drops them, so a misspelt `probabilty` made a fault fire on every request, and `rule` for
 * `rules` started a simulator with no faults at all. A rule of an unknown kind is left to the schema.
 */
function unknownFaultKeys(doc: unknown): (string | number)[][] {
  if (!isRecord(doc)) return [];
  const found: (string | number)[][] = Object.keys(doc).filter((k) => !(k in FaultFileSchema.shape)).map((k) => [k]);
  if (!Array.isArray(doc.rules)) return found;
  doc.rules.forEach((rule: unknown, i) => {
    if (!isRecord(rule)) return;
    const schema = FaultRuleSchema.options.find((o) => o.shape.kind.value === rule.kind);
    if (schema) for (const k of Object.keys(rule)) if (!(k in schema.shape)) found.push(['rules', i, k]);
  });
  return found;
}
export type FaultFile = z.input<typeof FaultFileSchema>;

/**
 * `doc` as a fault file, or an Error with one line per problem (the schema's and each unknown key), each
 * starting with `prefix` and naming the key: `rules[0].probabilty: unknown key`. The `--faults` file and
 * the admin route (`POST /_sim/faults`) check alike: the route took a misspelt key without it.
 */
function checkedFaultFile(doc: unknown, prefix: string): z.infer<typeof FaultFileSchema> {
  const f = FaultFileSchema.safeParse(doc);
  const unknown = unknownFaultKeys(doc);
  if (f.success && unknown.length === 0) return f.data;
  const where = (path: readonly PropertyKey[]) => path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '') || '(the file)';
  const problems = [...(f.success ? [] : f.error.issues.map((i) => `${where(i.path)}: ${i.message}`)), ...unknown.map((p) => `${where(p)}: unknown key`)];
  throw new Error(problems.map((p) => `${prefix}${p}`).join('\n'));
}

interface RuleState {
  readonly rule: FaultRule;
  seen: number;
  fired: number;
}

/** Injected faults, all drawn from one seeded generator so a run replays the same way. */
export class Faults {
  private rules: RuleState[] = [];
  private rng: Rng;
  clockSkewMs = 0;

  constructor(private seed: number) {
    this.rng = createRng(seed);
  }

  /** Replaces every rule (and the skew and seed, when given) by the file's; a bad file: one line per problem, naming the key. */
  load(doc: unknown): void {
    this.apply(checkedFaultFile(doc, ''));
  }

  private apply(f: z.infer<typeof FaultFileSchema>): void {
    if (f.seed !== undefined) this.seed = f.seed;
    this.rng = createRng(this.seed);
    this.clockSkewMs = f.clockSkewMs ?? 0;
    this.rules = f.rules.map((rule) => ({ rule, seen: 0, fired: 0 }));
  }

  /** A file that cannot be read, is not JSON or not a fault file: one line per problem, naming the file and the key. */
  loadFile(file: string): void {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: ${e instanceof SyntaxError ? 'malformed JSON' : 'cannot read it'}: ${(e as Error).message}`);
    }
    this.apply(checkedFaultFile(doc, `${file}: `));
  }

  /** Adds a rule or an array of rules (the admin route); a bad one adds nothing: one line per problem, `rules[i].key`. */
  add(rules: unknown): FaultRule[] {
    const parsed = checkedFaultFile({ rules: Array.isArray(rules) ? rules : [rules] }, '').rules;
    this.rules.push(...parsed.map((rule) => ({ rule, seen: 0, fired: 0 })));
    return parsed;
  }

  clear(): void {
    this.rules = [];
    this.clockSkewMs = 0;
  }

  list(): Array<FaultRule & { seen: number; fired: number }> {
    return this.rules.map((s) => ({ ...s.rule, seen: s.seen, fired: s.fired }));
  }

  /** Faults that fire for this HTTP request (rules are consumed in file order). */
  forRequest(method: string, path: string): FaultRule[] {
    return this.fire((r) => r.kind !== 'wsDisconnect' && r.kind !== 'stuckTrigger' && !isTriggerRule(r) && !isRestRule(r) && matches(r, method, path));
  }

  /** The fill ratio of a `partialFill` rule with `on: "trigger"` that fires for an algo order being triggered. */
  forTrigger(): number | undefined {
    const [r] = this.fire(isTriggerRule);
    return r?.kind === 'partialFill' ? r.ratio : undefined;
  }

  /** Whether a `stuckTrigger` rule fires for an algo order being triggered (it then stays TRIGGERING). */
  forStuckTrigger(): boolean {
    return this.fire((r) => r.kind === 'stuckTrigger').length > 0;
  }

  /** Whether a `stuckTrigger` rule is still listed: the algo orders it caught stay TRIGGERING until it is cleared. */
  holdsTriggers(): boolean {
    return this.rules.some((s) => s.rule.kind === 'stuckTrigger');
  }

  /** The fill ratio of a `partialFill` rule with `on: "rest"` that fires for a resting limit order the price reaches. */
  forRest(): number | undefined {
    const [r] = this.fire(isRestRule);
    return r?.kind === 'partialFill' ? r.ratio : undefined;
  }

  /** True when a `wsDisconnect` rule fires for a message about to go to a `target` connection. */
  wsDisconnect(target: 'user' | 'market'): boolean {
    return this.fire((r) => r.kind === 'wsDisconnect' && (r.target ?? 'all') !== (target === 'user' ? 'market' : 'user')).length > 0;
  }

  /** A seeded number in [0, 1) (latency jitter). */
  random(): number {
    return this.rng.next();
  }

  private fire(match: (r: FaultRule) => boolean): FaultRule[] {
    const out: FaultRule[] = [];
    for (const s of this.rules) {
      if (!match(s.rule)) continue;
      s.seen++;
      if (s.seen <= (s.rule.after ?? 0)) continue;
      if (s.rule.count !== undefined && s.fired >= s.rule.count) continue;
      if (s.rule.probability !== undefined && s.rule.probability < 1 && this.rng.next() >= s.rule.probability) continue;
      s.fired++;
      out.push(s.rule);
    }
    return out;
  }
}

const isTriggerRule = (r: FaultRule): boolean => r.kind === 'partialFill' && r.on === 'trigger';
const isRestRule = (r: FaultRule): boolean => r.kind === 'partialFill' && r.on === 'rest';

function matches(r: FaultRule, method: string, path: string): boolean {
  if (r.method !== undefined && r.method !== method) return false;
  if (r.path === undefined) return true;
  return r.path.endsWith('*') ? path.startsWith(r.path.slice(0, -1)) : path === r.path;
}
