import { writeFileSync } from 'node:fs';
import type { App } from '../app.js';
import { loadConfig } from '../config.js';
import { DataDirBusyError } from '../db/data-dir-lock.js';
import { reportCsvZip } from '../modules/report/report.csv.js';
import { type ReportLang, renderReportHtml } from '../modules/report/report.html.js';
import { municipalityReport, ReportNotFoundError } from '../modules/report/report.service.js';
import { Services } from '../services.js';
import { CliError } from './errors.js';
import { isReadyServer, openForCli, parseWait } from './import.js';

export interface ReportCliOptions {
  output?: string;
  lang?: string;
  format?: string;
  wait?: string;
}

/**
 * `serviceatlas report municipality <code> [--output plan.html] [--lang en] [--format csv]`: the same
 * document as GET /reports/municipality/{code}, from the same use cases, written to a file or stdout.
 */
export async function runReportMunicipality(code: string, values: ReportCliOptions): Promise<number> {
  if (!/^\d{4}$/.test(code))
    throw new CliError(`the municipality code must be 4 digits (e.g. 2085), got "${code}"`);
  const lang = values.lang ?? 'sv';
  if (lang !== 'sv' && lang !== 'en') throw new CliError(`--lang must be sv or en, got "${lang}"`);
  const format = values.format ?? 'html';
  if (format !== 'html' && format !== 'csv')
    throw new CliError(`--format must be html or csv, got "${format}"`);
  if (format === 'csv' && values.output === undefined)
    throw new CliError('--format csv writes a zip: give --output <file.zip>');
  const config = loadConfig();
  const waitMs = parseWait(values.wait, config.lockWaitSeconds);
  let app: App;
  try {
    app = await openForCli('report municipality', waitMs);
  } catch (error) {
    if (error instanceof DataDirBusyError && isReadyServer(error.holder)) {
      const url = `http://localhost:${error.holder.port}/reports/municipality/${code}`;
      throw new DataDirBusyError(
        error.dataDir,
        error.holder,
        `${error.message}, so this command cannot open it. The running server has the same report: GET ${url}`,
      );
    }
    throw error;
  }
  try {
    const started = performance.now();
    const report = await municipalityReport(new Services(app.db, config), code).catch((error: unknown) => {
      if (error instanceof ReportNotFoundError) throw new CliError(error.message);
      throw error;
    });
    const body = format === 'csv' ? reportCsvZip(report) : renderReportHtml(report, lang as ReportLang);
    if (values.output === undefined) process.stdout.write(body);
    else {
      writeFileSync(values.output, body);
      console.error(
        `Wrote the service plan of ${report.name} (${code}) to ${values.output} in ${Math.round(performance.now() - started)} ms`,
      );
    }
    return 0;
  } finally {
    await app.close();
  }
}
