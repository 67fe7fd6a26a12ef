import type { SharedDeps } from '../../deps.js';
import type { PlainResponse } from '../../tiles/http.js';
import { jsonError } from '../../tiles/http.js';
import { reportCsvZip } from './report.csv.js';
import { type ReportLang, renderReportHtml } from './report.html.js';
import { municipalityReport, ReportNotFoundError } from './report.service.js';

/** `/reports/municipality/{code}`. */
export const REPORT_PATH = /^\/reports\/municipality\/([^/]+)\/?$/;

/**
 * GET /reports/municipality/{code}[?lang=en][&format=csv]: the printable service plan (HTML), or its tables
 * as a zip of CSV files. 404 for an unknown municipality, 400 for a bad lang/format.
 */
export async function handleReportRequest(
  services: SharedDeps,
  method: string,
  path: string,
  params: URLSearchParams,
): Promise<PlainResponse | null> {
  const match = REPORT_PATH.exec(path);
  if (!match) return null;
  if (method !== 'GET' && method !== 'HEAD') {
    const response = jsonError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}; use GET`);
    response.headers.Allow = 'GET, HEAD';
    return response;
  }
  const lang = params.get('lang') ?? 'sv';
  if (lang !== 'sv' && lang !== 'en')
    return jsonError(400, 'BAD_USER_INPUT', `lang must be sv or en, got '${lang}'`, 'lang');
  const format = params.get('format') ?? 'html';
  if (format !== 'html' && format !== 'csv')
    return jsonError(400, 'BAD_USER_INPUT', `format must be html or csv, got '${format}'`, 'format');
  const code = decodeURIComponent(match[1]!);
  let report: Awaited<ReturnType<typeof municipalityReport>>;
  try {
    report = await municipalityReport(services, code);
  } catch (error) {
    if (error instanceof ReportNotFoundError) return jsonError(404, 'NOT_FOUND', error.message, 'code');
    throw error;
  }
  const head = method === 'HEAD';
  if (format === 'csv') {
    const body = reportCsvZip(report, lang as ReportLang);
    return {
      status: 200,
      headers: {
        'Content-Type': 'application/zip',
        'Content-Disposition': `attachment; filename="serviceplan-${report.code}.zip"`,
        'Content-Length': String(body.byteLength),
        'Cache-Control': 'no-cache',
        'Content-Language': lang,
      },
      body: head ? new Uint8Array(0) : body,
    };
  }
  const html = renderReportHtml(report, lang as ReportLang);
  return {
    status: 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(html)),
      'Cache-Control': 'no-cache',
      'Content-Language': lang,
    },
    body: head ? '' : html,
  };
}
