/**
 * A worker thread of the optimizer's pool: it receives the study's dataset once (workerData) and
 * then one task at a time, and answers each with the candidate's result (or its error message).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LadderConfig } from '../core/config/index.ts';
import { type EvalTask, settingsOf } from './candidate.ts';
import type { Dataset } from './dataset.ts';
import { type Engine, type StudyWindow, evaluateCandidate } from './evaluate.ts';

const init = workerData as { dataset: Dataset; config: LadderConfig; windows: StudyWindow[]; engine?: Engine };
const port = parentPort!;
port.on('message', (t: EvalTask) => {
  try {
    port.postMessage({ key: t.key, result: evaluateCandidate(init.dataset, settingsOf(init.config, t), init.windows, init.engine) });
  } catch (e) {
    port.postMessage({ key: t.key, error: e instanceof Error ? e.message : String(e) });
  }
});
port.postMessage({ ready: true });
