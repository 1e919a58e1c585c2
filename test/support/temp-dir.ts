import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestRunner, onTestFinished } from 'vitest';

/** Directories made outside a test (module level, `describe` bodies, `beforeAll`): removed when the file ends. */
const fileDirs: string[] = [];

function remove(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * A fresh directory under the system's temp directory (`<tmpdir>/<prefix>XXXXXX`), removed with
 * everything in it when the test that made it finishes (after its `afterEach` hooks, so a store or
 * server those hooks close is closed first); made outside a test, it is removed after the file's
 * last `afterAll` (test/support/temp-dir-setup.ts). Whatever writes into it (a store, a server, a
 * child process) must be closed or ended by then.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (TestRunner.getCurrentTest()) onTestFinished(() => remove(dir));
  else fileDirs.push(dir);
  return dir;
}

/** Removes the directories made outside a test; called once per test file by the setup file. */
export function removeFileTempDirs(): void {
  for (const dir of fileDirs.splice(0)) remove(dir);
}
