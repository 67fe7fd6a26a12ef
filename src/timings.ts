/**
 * Where a start or a CLI command spends its time, on stderr when SERVICEATLAS_TIMINGS=1 (off otherwise:
 * no output, no cost beyond one check). Each line: milliseconds since the process started, the step, and
 * the resident set size then — how issue 25's "find where the time goes" was answered.
 */
const on = process.env.SERVICEATLAS_TIMINGS === '1';

export function timing(step: string): void {
  if (!on) return;
  const ms = performance.now().toFixed(0).padStart(6);
  const rss = (process.memoryUsage.rss() / 1e6).toFixed(0);
  process.stderr.write(`[timings] ${ms} ms  ${step}  (rss ${rss} MB)\n`);
}
