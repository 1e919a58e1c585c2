import { type LadderConfig, parseConfigValue } from '../core/config/index.ts';
import { type Result, err, ok } from '../core/result.ts';
import { exitSettingsFromConfig } from '../core/scaled-tp/from-config.ts';
import type { ExitSettings } from '../core/scaled-tp/settings.ts';
import type { LadderParams } from './space-grid.ts';

/** What a candidate is: a ladder from the space, or one of the two references always run beside them. */
export type CandidateKind = 'ladder' | 'single' | 'config';

export interface Candidate {
  /** Identity: the canonical JSON of its parameters (or `single` / `config`). */
  readonly key: string;
  readonly kind: CandidateKind;
  readonly params: LadderParams | null;
  readonly settings: ExitSettings;
}

/** Canonical text of a ladder: keys in one fixed order, so equal ladders have equal keys. */
export function ladderKey(p: LadderParams): string {
  return JSON.stringify({
    levels: p.levels.map((l) => ({ profit_pct: l.profit_pct, close_pct: l.close_pct, move_stop_to: l.move_stop_to })),
    breakeven_offset_pct: p.breakeven_offset_pct,
    stop_loss_pct: p.stop_loss_pct,
    scaled_tp_execution: p.scaled_tp_execution,
  });
}

/**
 * The ladder as a config (the user's config with these exit keys, scaled TP on), checked by every
 * config rule (R2.4, R2.5, move_stop_to, breakeven offset, liquidation). An invalid ladder is a
 * value, not an exception: the search skips and counts it (`why` groups alike problems).
 */
export function ladderCandidate(config: LadderConfig, p: LadderParams): Result<Candidate, { why: string }> {
  const parsed = parseConfigValue(
    {
      ...config,
      enable_scaled_take_profit: true,
      scaled_tp_levels: p.levels.map((l) => ({ ...l })),
      breakeven_offset_pct: p.breakeven_offset_pct,
      stop_loss_pct: p.stop_loss_pct,
      scaled_tp_execution: p.scaled_tp_execution,
    },
    'candidate',
  );
  if (!parsed.ok) {
    const first = parsed.error[0]!;
    return err({ why: `${first.path.replace(/\[\d+\]/g, '[k]')}: ${first.message.replace(/\s*\(.*$/, '')}` });
  }
  return ok({ key: ladderKey(p), kind: 'ladder', params: p, settings: exitSettingsFromConfig(parsed.value) });
}

/** The single take-profit and the config's own ladder: the two references of every study. */
export function referenceCandidates(config: LadderConfig): Candidate[] {
  const own: LadderParams = {
    levels: config.scaled_tp_levels,
    breakeven_offset_pct: config.breakeven_offset_pct,
    stop_loss_pct: config.stop_loss_pct,
    scaled_tp_execution: config.scaled_tp_execution,
  };
  return [
    { key: 'single', kind: 'single', params: null, settings: exitSettingsFromConfig({ ...config, enable_scaled_take_profit: false }) },
    { key: 'config', kind: 'config', params: own, settings: exitSettingsFromConfig({ ...config, enable_scaled_take_profit: true }) },
  ];
}

/** What travels to a worker (a thread or another machine): the candidate's parameters, never candles. */
export interface EvalTask {
  readonly key: string;
  readonly kind: CandidateKind;
  readonly params: LadderParams | null;
}

export const taskOf = (c: Candidate): EvalTask => ({ key: c.key, kind: c.kind, params: c.params });

/** The exit settings of a task, rebuilt and re-checked from the study's config on the worker's side. */
export function settingsOf(config: LadderConfig, t: EvalTask): ExitSettings {
  if (t.kind !== 'ladder') return referenceCandidates(config).find((c) => c.kind === t.kind)!.settings;
  if (t.params === null) throw new Error(`task ${t.key}: a ladder without parameters`);
  const c = ladderCandidate(config, t.params);
  if (!c.ok) throw new Error(`task ${t.key}: not a valid ladder for this config (${c.error.why})`);
  if (c.value.key !== t.key) throw new Error(`task ${t.key}: its parameters give another key (${c.value.key})`);
  return c.value.settings;
}
