import { openSync } from 'node:fs';
import pino, { type DestinationStream, type Level, type StreamEntry } from 'pino';
import type { Command } from 'commander';
import { type Logger, loggerOptions } from '../bot/logger.ts';
import { CliError } from './cli-error.ts';
import { eventLine } from './event-printer.ts';

export type LogFormat = 'pretty' | 'json';

/** The flags `live`, `paper` and `demo` share. */
export interface LogFlags {
  logFormat?: string;
  logFile?: string;
}

export function addLogOptions(c: Command, defaultFormat = 'pretty on a terminal, json otherwise'): Command {
  return c
    .option('--log-format <format>', `"pretty": one readable line per event on stdout; "json": JSON lines on stderr (default: ${defaultFormat})`)
    .option('--log-file <path>', 'also append every event as a JSON line to this file');
}

/**
 * The bot's readable lines on stdout, until stdout goes away: the terminal closed (EIO: its SIGHUP
 * stops the bot, and the lines of that stop meet a dead tty) or the pipe's reader ended (EPIPE).
 * From then on the lines are dropped (a --log-file keeps every event); without this, each failed
 * write was an uncaught exception, fatal, or logged and printed again in a loop.
 */
export function stdoutPrinter(out: NodeJS.WriteStream = process.stdout): (line: string) => void {
  let gone = false;
  out.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EIO' && e.code !== 'EPIPE') throw e;
    gone = true;
  });
  return (line) => {
    if (!gone) out.write(`${line}\n`);
  };
}

/** `--log-format`, or pretty when stdout is a terminal and json when it is a pipe, a file or a journal. */
export function resolveLogFormat(flag: string | undefined, stdoutIsTTY: boolean): LogFormat {
  if (flag === undefined) return stdoutIsTTY ? 'pretty' : 'json';
  if (flag === 'pretty' || flag === 'json') return flag;
  throw new CliError(`--log-format: must be "pretty" or "json", got "${flag}"`);
}

export interface RunLoggerOptions {
  readonly format: LogFormat;
  /** JSON lines appended here as well (every event at `level`). */
  readonly file: string | null;
  /** Level of the JSON lines (LADDER_LOG_LEVEL); the readable lines are always from info up. */
  readonly level: string;
  /** Level of the file's JSON lines (default: `level`). */
  readonly fileLevel?: string;
  /** Where readable lines go (stdout). */
  readonly print: (line: string) => void;
  /** Where JSON lines go on the terminal (stderr, fd 2). */
  readonly jsonFd?: number;
  /** Is the JSON stream a terminal? Then pretty mode writes no JSON there (it would double every line). */
  readonly jsonIsTTY: boolean;
}

/**
 * The logger of a run: `pretty` prints one readable line per event (event-printer.ts) and keeps the
 * JSON log on stderr only when stderr is not a terminal (a pipe, a journal: nothing is lost when
 * output is captured); `json` writes JSON lines to stderr. `file` gets the JSON lines in both.
 */
export function createRunLogger(o: RunLoggerOptions): Logger {
  const jsonLevel = checkedLevel(o.level);
  const fileLevel = checkedLevel(o.fileLevel ?? o.level);
  const streams: StreamEntry[] = [];
  if (o.format === 'pretty') streams.push({ level: 'info', stream: prettyStream(o.print) });
  if (o.format === 'json' || !o.jsonIsTTY) streams.push({ level: jsonLevel, stream: pino.destination({ fd: o.jsonFd ?? 2, sync: true }) });
  if (o.file) streams.push({ level: fileLevel, stream: fileStream(o.file) });
  const lowest = streams.reduce((min, s) => Math.min(min, levelValue(s.level)), Infinity);
  const level = Number.isFinite(lowest) ? pino.levels.labels[lowest]! : 'silent';
  return pino(loggerOptions(level), pino.multistream(streams));
}

function checkedLevel(level: string): Level {
  if (!(level in pino.levels.values) && level !== 'silent') throw new CliError(`LADDER_LOG_LEVEL: must be one of ${Object.keys(pino.levels.values).join(', ')} or silent, got "${level}"`);
  return level as Level;
}

const levelValue = (l: Level | string | undefined): number => (l === undefined ? 30 : (pino.levels.values[l] ?? Infinity));

/** Parses each JSON line pino writes and prints its readable line (or nothing). */
function prettyStream(print: (line: string) => void): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (!line) continue;
        const text = eventLine(JSON.parse(line) as Record<string, unknown>);
        if (text !== null) print(text);
      }
    },
  };
}

function fileStream(path: string): DestinationStream {
  let fd: number;
  try {
    // Opened here, not by sonic-boom (it retries a path it cannot open forever); the directory must exist.
    fd = openSync(path, 'a');
  } catch (e) {
    throw new CliError(`--log-file: cannot open ${path} (${e instanceof Error ? e.message : String(e)})`);
  }
  // Synchronous: a line is on disk before the next order goes out, and a crash loses nothing.
  return pino.destination({ fd, sync: true });
}
