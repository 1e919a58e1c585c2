import { existsSync } from 'node:fs';
import type { Credentials } from '../exchange/connect.ts';
import { CliError } from './cli-error.ts';

/**
 * API keys come only from the environment (LADDER_API_KEY, LADDER_API_SECRET) or a `.env` file in the
 * working directory, never from config.json, and are never printed or logged.
 */
export function readCredentials(envFile = '.env'): Credentials | null {
  if (existsSync(envFile)) {
    try {
      process.loadEnvFile(envFile);
    } catch (e) {
      throw new CliError(`${envFile}: cannot read it (${(e as Error).message.split('\n')[0]})`);
    }
  }
  // Binance keys never hold blanks: one around a pasted key is dropped, and a key of blanks is no key
  // (it reached the exchange as -2014 'API-key format invalid', saying nothing of where keys come from).
  const apiKey = process.env['LADDER_API_KEY']?.trim();
  const secret = process.env['LADDER_API_SECRET']?.trim();
  if (!apiKey && !secret) return null;
  if (!apiKey || !secret) throw new CliError(`set both LADDER_API_KEY and LADDER_API_SECRET (only ${apiKey ? 'the key' : 'the secret'} is set)`);
  return { apiKey, secret };
}
