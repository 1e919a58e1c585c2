import type { Progress } from './study.ts';

const clock = (s: number): string => {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
};

/**
 * A progress bar with the ETA on stderr: redrawn in place on a terminal, one line per 10 % otherwise
 * (a log file). The rate counts only candidates evaluated in this process, not those read back from
 * the database of a resumed run.
 */
export function stderrProgress(label: string, out: NodeJS.WriteStream = process.stderr, now: () => number = () => performance.now()): Progress & { end(): void } {
  const t0 = now();
  let first: number | null = null;
  let lastDecile = -1;
  let lastDraw = 0;
  let line = '';
  return {
    update(done, total) {
      first ??= done;
      const t = now();
      const rate = (done - first) / ((t - t0) / 1000);
      const eta = rate > 0 ? (total - done) / rate : Infinity;
      const frac = total > 0 ? done / total : 0;
      const bar = '#'.repeat(Math.round(frac * 20)).padEnd(20, '.');
      line = `${label} [${bar}] ${done}/${total} ${(frac * 100).toFixed(0)}% ${rate > 0 ? `${rate.toFixed(1)}/s ` : ''}ETA ${done >= total ? '0m00s' : clock(eta)}`;
      if (out.isTTY) {
        if (t - lastDraw > 100 || done >= total) {
          out.write(`\r${line}\u001b[K`);
          lastDraw = t;
        }
      } else {
        const decile = Math.floor(frac * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          out.write(`${line}\n`);
        }
      }
    },
    end() {
      if (out.isTTY && line) out.write('\n');
    },
  };
}
