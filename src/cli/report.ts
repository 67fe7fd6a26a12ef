import { reportCsvZip } from '../modules/report/report.csv.js';
import { type ReportLang, renderReportHtml } from '../modules/report/report.html.js';
import { municipalityReport, ReportNotFoundError } from '../modules/report/report.service.js';
import type { CliCommand } from './command.js';
import { output } from './command.js';
import { CliError } from './errors.js';

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
export const reportMunicipality: CliCommand<ReportCliOptions & { code: string }> = {
  name: 'report municipality',
  reads: true,
  check(values) {
    if (!/^\d{4}$/.test(values.code))
      throw new CliError(`the municipality code must be 4 digits (e.g. 2085), got "${values.code}"`);
    const lang = values.lang ?? 'sv';
    if (lang !== 'sv' && lang !== 'en') throw new CliError(`--lang must be sv or en, got "${lang}"`);
    const format = values.format ?? 'html';
    if (format !== 'html' && format !== 'csv')
      throw new CliError(`--format must be html or csv, got "${format}"`);
    if (format === 'csv' && values.output === undefined)
      throw new CliError('--format csv writes a zip: give --output <file.zip>');
  },
  async run({ services }, values) {
    const started = performance.now();
    const report = await municipalityReport(services, values.code).catch((error: unknown) => {
      if (error instanceof ReportNotFoundError) throw new CliError(error.message);
      throw error;
    });
    const lang = (values.lang ?? 'sv') as ReportLang;
    const body =
      (values.format ?? 'html') === 'csv' ? reportCsvZip(report, lang) : renderReportHtml(report, lang);
    if (values.output === undefined) return output(body);
    return output(
      '',
      [
        `Wrote the service plan of ${report.name} (${values.code}) to ${values.output} in ${Math.round(performance.now() - started)} ms`,
      ],
      [{ path: values.output, content: body }],
    );
  },
};
