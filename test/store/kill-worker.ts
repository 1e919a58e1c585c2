/**
 * Child process of kill.test.ts: opens the store, recovers like a restarting bot, then opens positions,
 * reaches levels and stops and books fills in an endless loop until it is SIGKILLed. After each committed
 * fill it appends `<symbol> <trade id>` to a journal file, so the parent knows what must have survived.
 *
 *   node --import tsx test/store/kill-worker.ts <db> <journal> <seed> <run> [--finish]
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { type Side } from '../../src/core/index.ts';
import { openStore } from '../../src/store/index.ts';
import { MARKETS, openLadder, priceTick, recover } from './ladder-driver.ts';
import { mulberry32 } from './random.ts';

const [dbPath, journalPath, seedText, runText, mode] = process.argv.slice(2);
if (dbPath === undefined || journalPath === undefined || seedText === undefined || runText === undefined) {
  throw new Error('usage: kill-worker <db> <journal> <seed> <run> [--finish]');
}
const run = Number(runText);
const rng = mulberry32(Number(seedText) * 7919 + run);
const journal = openSync(journalPath, 'a');
const store = openStore(dbPath);
const driver = { fee: 0.05, onBooked: (symbol: string, tradeId: string) => writeSync(journal, `${symbol} ${tradeId}\n`) };
// Logical clock: later runs are later in time.
let t = (run + 1) * 1_000_000_000;

writeSync(1, 'ready\n');
recover(store, driver, t);
if (mode === '--finish') {
  store.close();
  closeSync(journal);
  process.exit(0);
}

for (let n = 0; ; ) {
  t += 1000;
  const open = store.openPositions();
  const free = MARKETS.map((_, i) => i).filter((i) => store.positionBySymbol(MARKETS[i]!.id) === null);
  if (free.length > 0 && (open.length === 0 || rng() < 0.3)) {
    const side: Side = rng() < 0.5 ? 'long' : 'short';
    const market = free[Math.floor(rng() * free.length)]!;
    openLadder(store, driver, { id: `r${run}n${n++}`, market, side, qtySteps: 10 + Math.floor(rng() * 990), entry: 100 + Math.floor(rng() * 1000), timeMs: t });
    continue;
  }
  const p = open[Math.floor(rng() * open.length)]!;
  // Mostly reach the next level; sometimes the stop.
  const price = rng() < 0.2 || !Number.isFinite(p.nextTargetPrice) ? p.stopPrice : p.nextTargetPrice;
  priceTick(store, driver, p, price, t);
}
