import { afterAll } from 'vitest';
import { removeFileTempDirs } from './temp-dir.ts';

// Registered before any of the file's own hooks, so it runs after them all (hooks run as a stack):
// the file's stores, servers and child processes are closed before their directories go.
afterAll(() => removeFileTempDirs());
