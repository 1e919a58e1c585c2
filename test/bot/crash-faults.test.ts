import { describe, it } from 'vitest';
import { FAULT_KILLS, FAULTY, runCrashes } from '../support/crash-run.ts';

describe("crash test with the exchange's everyday faults", () => {
  it(`survives ${FAULT_KILLS} kills with the exchange's everyday faults mixed in (5xx after execution, lost answers, failing reads), with the same checks`, () => runCrashes(FAULT_KILLS, FAULTY), 900_000);
});
