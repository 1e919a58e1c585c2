import { describe, it } from 'vitest';
import { KILLS, runCrashes } from '../support/crash-run.ts';

// The thin-liquidity and everyday-fault runs are crash-thin.test.ts and crash-faults.test.ts.
describe('crash test: SIGKILL at random points of the order flow', () => {
  it(`survives ${KILLS} kills with no level filled twice, a stop whenever a position is open, every fill booked`, () => runCrashes(KILLS), 900_000);
});
