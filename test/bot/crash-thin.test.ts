import { describe, it } from 'vitest';
import { runCrashes, THIN, THIN_KILLS } from '../support/crash-run.ts';

describe('crash test under thin liquidity', () => {
  it(`survives ${THIN_KILLS} kills under thin liquidity (orders and stops filling in part), with the same checks`, () => runCrashes(THIN_KILLS, THIN), 900_000);
});
