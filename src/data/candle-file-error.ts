/** Candle fields a message can name, plus `header` and `file` for whole-file problems. */
export type CandleField = 'time' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'columns' | 'header' | 'file';

/**
 * A candle file that cannot be used as it is. The message names `file:line` and the field
 * (`BTCUSDT-1h.csv:1234: high: not a number ("abc")`), so the CLI can print it and exit non-zero.
 */
export class CandleFileError extends Error {
  override readonly name = 'CandleFileError';
  readonly file: string;
  /** 1-based line number, or undefined when the problem is the whole file (e.g. empty). */
  readonly line: number | undefined;
  readonly field: CandleField | undefined;

  constructor(file: string, line: number | undefined, field: CandleField | undefined, problem: string) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${field !== undefined ? `${field}: ` : ''}${problem}`);
    this.file = file;
    this.line = line;
    this.field = field;
  }
}
