import { expect } from 'vitest';
import { type LadderConfig, formatConfigIssues, parseConfigText, parseConfigValue } from '../../../src/core/config/index.ts';

/** The problems of a config object as the CLI prints them, without file positions. */
export function problems(config: unknown): string[] {
  const r = parseConfigValue(config, 'config.json');
  return r.ok ? [] : formatConfigIssues(r.error, 'config.json').map((l) => l.replace(/^config\.json: /, ''));
}

/** The problems of a config text, with `line:column` in front. */
export function textProblems(text: string): string[] {
  const r = parseConfigText(text, 'config.json');
  return r.ok ? [] : formatConfigIssues(r.error, 'config.json');
}

export function parsed(config: unknown): LadderConfig {
  const r = parseConfigValue(config, 'config.json');
  if (!r.ok) expect.fail(formatConfigIssues(r.error, 'config.json').join('\n'));
  return r.value;
}

/** A ladder from `[profit_pct, close_pct]` pairs. */
export const levels = (...pairs: [number, number][]): { profit_pct: number; close_pct: number }[] =>
  pairs.map(([profit_pct, close_pct]) => ({ profit_pct, close_pct }));
