/**
 * Where a start or a CLI command spends its time, on stderr when SERVICEATLAS_TIMINGS=1 (off otherwise:
 * no output, no cost beyond one check). Each line: milliseconds since the process started, the step, and
 * the CPU time (user + system, all threads) and the resident set size then — how issue 25's "find where
 * the time goes" was answered; on a loaded machine the CPU column is the one that compares.
 */
const on = process.env.SERVICEATLAS_TIMINGS === '1';

export function timing(step: string): void {
  if (!on) return;
  const ms = performance.now().toFixed(0).padStart(6);
  const rss = (process.memoryUsage.rss() / 1e6).toFixed(0);
  const { user, system } = process.cpuUsage();
  const cpu = ((user + system) / 1000).toFixed(0).padStart(6);
  process.stderr.write(`[timings] ${ms} ms  cpu ${cpu} ms  ${step}  (rss ${rss} MB)\n`);
}
